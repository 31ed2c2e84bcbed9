"""The decisions: which calls are BSG calls, who handles them, and what each rule reports."""

from __future__ import annotations

import re
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.codes import (
    COMMON,
    FAMILIES,
    GROUPS,
    HTTP_ERROR_STATUSES,
    HTTP_STATUSES,
    MESSAGE_ALIASES,
    RESERVED_CODES,
    ErrorMessage,
    close_messages,
    family_of,
    family_range,
    is_documented,
    lookup_message,
    messages_of_group,
    nearest_codes,
    normalize_message,
    same_description,
)
from flake8_bsg.model import (
    CallRec,
    Facts,
    FuncInfo,
    HandlerRec,
    Scope,
    Site,
    WithRec,
    block_statements,
    children,
)
from flake8_bsg.resolve import (
    Client,
    CodeExpr,
    Const,
    ErrorObj,
    Instance,
    Json,
    LocalClass,
    LocalFunc,
    Method,
    Resolver,
    ResponseOrigin,
    SelfRef,
    Sym,
    Table,
)
from flake8_bsg.rules import describe_calls, label, listing, message, suggestion_for

HTTP = clients.HTTP_ERRORS
# Every value an API 1.0 code expression is compared against lives in here.
UNIVERSE: FrozenSet[int] = frozenset(range(0, 600))
MESSAGE_UNIVERSE: FrozenSet[str] = frozenset(m.name for m in ErrorMessage)
#: An item standing for API 2.0 calls whose messages are not catalogued.
UNCATALOGUED = "?uncatalogued"
HTTP_SET: FrozenSet[int] = frozenset(HTTP_ERROR_STATUSES)
HTTP_STATUS_SET: FrozenSet[int] = frozenset(HTTP_STATUSES)

Diagnostic = Tuple[cst.CSTNode, str, str]


class BsgCall:
    """A recognised BSG call (or an escaping local call carrying BSG errors)."""

    def __init__(
        self,
        rec: CallRec,
        name: str,
        items: FrozenSet[object],
        kind: str,
        families: Tuple[str, ...],
        local: Tuple[int, ...],
    ) -> None:
        self.rec = rec
        self.name = name
        self.items = items
        self.kind = kind
        self.families = families
        self.local = local


class Handled:
    """What one handler (except clause or ``with`` guard) handles."""

    def __init__(self) -> None:
        self.items: Set[object] = set()
        self.kinds: Set[str] = set()
        self.calls: List[str] = []

    def add(self, kind: str, items: Iterable[object], name: str) -> None:
        self.items.update(items)
        self.kinds.add(kind)
        if name not in self.calls:
            self.calls.append(name)


class Analysis:
    def __init__(self, facts: Facts, config: Any, is_test_file: bool) -> None:
        self.facts = facts
        self.config = config
        self.is_test_file = is_test_file
        self.r = Resolver(facts, config)
        self.diags: List[Diagnostic] = []
        self._seen: Set[Tuple[int, str]] = set()
        self.bsg_calls: List[BsgCall] = []
        self.local_calls: List[Tuple[CallRec, FuncInfo]] = []
        self.handled: Dict[int, Handled] = {}  # id(handler or with) -> Handled
        self.guard_nodes: Dict[int, Any] = {}
        self.call_handler: Dict[int, Any] = {}
        self._covered: Dict[Tuple[int, str], bool] = {}
        self._reraised_codes: Dict[int, Set[int]] = {}
        self._sites: Optional[Dict[int, List[CallRec]]] = None

    def report(self, node: cst.CSTNode, key: str, **fields: object) -> None:
        """Report message ``key`` of :data:`flake8_bsg.rules.MESSAGES` at ``node`` (once)."""
        text = message(key, **fields)
        code = text.split(" ", 1)[0]
        seen = (id(node), code)
        if seen in self._seen:
            return
        self._seen.add(seen)
        self.diags.append((node, code, text))

    # ---- run ----------------------------------------------------------------------
    def run(self) -> List[Diagnostic]:
        self.find_calls()
        self.find_handlers()
        self.check_handlers()
        self.check_values()
        self.check_responses()
        return self.diags

    # ---- calls --------------------------------------------------------------------
    def find_calls(self) -> None:
        for rec in self.facts.calls:
            func = self.r.resolve(rec.node.func, rec.scope, rec.order)
            call = self.bsg_call(rec, func)
            if call is not None:
                self.bsg_calls.append(call)
                continue
            target = self.local_target(func)
            if target is not None:
                self.local_calls.append((rec, target))
            elif func is None and isinstance(rec.node.func, cst.Name):
                # a helper defined more than once (in the branches of an `if`): any of them
                for info in self.r.def_targets(rec.node.func.value, rec.scope):
                    self.local_calls.append((rec, info))
        # a broad clause binds a code expression when its try guards a BSG call
        for call in self.bsg_calls:
            for kind, guard in reversed(call.rec.guards):
                if kind == "try":
                    for handler in guard.handlers:
                        self.r.guarded_by_handler.setdefault(id(handler), set()).add(call.kind)

    def local_target(self, func: Any) -> Optional[FuncInfo]:
        if isinstance(func, LocalFunc):
            return func.info
        if isinstance(func, Method) and isinstance(func.owner, SelfRef):
            return func.owner.cls.methods.get(func.name)
        if (
            isinstance(func, Method)
            and isinstance(func.owner, Instance)
            and func.owner.client.local is not None
        ):
            return self._local_method(func.owner.client.local, func.name)
        return None

    def _local_method(self, info: Any, name: str) -> Optional[FuncInfo]:
        todo, seen = [info], set()
        while todo:
            cls = todo.pop(0)
            if id(cls) in seen:
                continue
            seen.add(id(cls))
            if name in cls.methods:
                return cls.methods[name]
            todo += [b.info for b in self.r.class_bases(cls) if isinstance(b, LocalClass)]
        return None

    def bsg_call(self, rec: CallRec, func: Any) -> Optional[BsgCall]:
        if isinstance(func, Method):
            return self.method_call(rec, func)
        if isinstance(func, Sym):
            canonical = clients.canonical_api1(func.qualname)
            if canonical is not None:
                cls = clients.API1_CLASSES.get(canonical.rsplit(".", 1)[1])
                if cls is not None and cls.constructor is not None:
                    return self.make_call(rec, f"{cls.name}()", cls.constructor, clients.API1_ERROR)
                return None
            spec = self.config.wrapper_functions.get(func.qualname)
            if spec is not None:
                families, error = spec
                name = func.qualname.rsplit(".", 1)[-1] + "()"
                return BsgCall(
                    rec,
                    name,
                    clients.family_items(families),
                    error or clients.API1_ERROR,
                    families,
                    (),
                )
            if func.qualname == "asyncio.to_thread" and rec.node.args:
                return self.handed_off(rec, rec.node.args[0].value)
        if (
            isinstance(rec.node.func, cst.Attribute)
            and rec.node.func.attr.value == "run_in_executor"
            and len(rec.node.args) >= 2
        ):
            return self.handed_off(rec, rec.node.args[1].value)
        return None

    def handed_off(self, rec: CallRec, arg: cst.BaseExpression) -> Optional[BsgCall]:
        method = self.r.resolve(arg, rec.scope, rec.order)
        if isinstance(method, Method):
            return self.method_call(rec, method)
        return None

    def method_call(self, rec: CallRec, method: Method) -> Optional[BsgCall]:
        owner = method.owner
        if not isinstance(owner, Instance):
            return None
        client: Client = owner.client
        if client.local is not None and self._local_method(client.local, method.name) is not None:
            return None
        if client.api1 is not None:
            cls = clients.API1_CLASSES[client.api1]
            spec = cls.methods.get(method.name)
            if spec is None:
                return None
            return self.make_call(
                rec, f"{client.display}.{method.name}()", spec, clients.API1_ERROR
            )
        if client.api2 is not None:
            if method.name.startswith("_") or method.name.endswith(clients.API2_NON_RAISING_SUFFIX):
                return None
            groups = clients.API2_GROUPS.get(client.api2)
            items: FrozenSet[object] = (
                frozenset(m.name for g in groups for m in messages_of_group(g))
                if groups
                else frozenset({UNCATALOGUED})
            )
            return BsgCall(
                rec,
                f"{client.display}.{method.name}()",
                items,
                clients.API2_ERROR,
                groups or (),
                (),
            )
        if client.wrapper is not None and not method.name.startswith("_"):
            families, error = self.config.wrapper_classes[client.wrapper]
            return BsgCall(
                rec,
                f"{client.display}.{method.name}()",
                clients.family_items(families),
                error or clients.API1_ERROR,
                families,
                (),
            )
        return None

    def make_call(self, rec: CallRec, name: str, spec: clients.CallSpec, kind: str) -> BsgCall:
        if spec.local:
            return BsgCall(rec, name, frozenset(spec.local), kind, (), spec.local)
        families = spec.families
        if spec.proceed:
            families = (COMMON,) + self.proceed_families(rec)
        return BsgCall(rec, name, clients.family_items(families), kind, families, ())

    def proceed_families(self, rec: CallRec) -> Tuple[str, ...]:
        arg = None
        for index, a in enumerate(rec.node.args):
            if a.keyword is not None and a.keyword.value == clients.PROCEED_ARG:
                arg = a.value
            elif a.keyword is None and index == 0 and not a.star:
                arg = a.value
        value = self.r.resolve(arg, rec.scope, rec.order) if arg is not None else None
        if (
            isinstance(value, Const)
            and isinstance(value.value, str)
            and value.value in clients.PROCEED_MODULES
        ):
            return clients.PROCEED_MODULES[value.value]
        return tuple(f for f in FAMILIES if f != COMMON)

    # ---- handling -----------------------------------------------------------------
    def handler_for(self, guards: Tuple[Any, ...], kind: str) -> Any:
        """The guard that handles ``kind`` raised under ``guards``: a HandlerRec, a WithRec,
        ``"maybe"`` (a clause we cannot read), or ``None``."""
        for guard_kind, guard in reversed(guards):
            if guard_kind == "try":
                for handler in guard.handlers:
                    classes = self.r.clause_classes(handler.type, handler.scope, handler.order)
                    caught = self.r.catches(classes or [None], kind)
                    if caught:
                        return handler
                    if caught is None:
                        return "maybe"
            else:
                for name, _call, classes in self.r.guard_kind(guard):
                    caught = self.r.catches(classes, kind, subclasses=name == "raises")
                    if caught:
                        return guard
                    if caught is None:
                        return "maybe"
        return None

    def find_handlers(self) -> None:
        # direct calls
        escapes: Dict[int, Dict[str, Set[object]]] = {id(f): {} for f in self.facts.functions}
        names: Dict[int, Dict[str, List[str]]] = {id(f): {} for f in self.facts.functions}
        for call in self.bsg_calls:
            handler = self.handler_for(call.rec.guards, call.kind)
            self.call_handler[id(call.rec)] = handler
            if handler is None:
                if call.rec.func is not None:
                    escapes[id(call.rec.func)].setdefault(call.kind, set()).update(call.items)
                    names[id(call.rec.func)].setdefault(call.kind, []).append(call.name)
            elif handler != "maybe":
                self._handled(handler).add(call.kind, call.items, call.name)
        # what handlers re-raise escapes their function (or reaches an outer handler)
        raise_guards: Dict[int, Tuple[Any, ...]] = {}
        for func in self.facts.functions:
            for node, guards, _order in func.raises:
                raise_guards[id(node)] = guards
        # transitive escapes through calls of functions of this file, to a fixed point
        changed = True
        rounds = 0
        local_handled: Dict[Tuple[int, int, str], Set[object]] = {}
        while changed and rounds < 50:
            changed = False
            rounds += 1
            for rec, target in self.local_calls:
                for kind, items in list(escapes[id(target)].items()):
                    handler = self.handler_for(rec.guards, kind)
                    label_name = f"{target.name}()"
                    if handler is None:
                        if rec.func is not None:
                            bucket = escapes[id(rec.func)].setdefault(kind, set())
                            if not items <= bucket:
                                bucket.update(items)
                                names[id(rec.func)].setdefault(kind, []).append(label_name)
                                changed = True
                    elif handler != "maybe":
                        key = (id(rec), id(handler), kind)
                        seen = local_handled.setdefault(key, set())
                        if not items <= seen:
                            seen.update(items)
                            self._handled(handler).add(kind, items, label_name)
                            changed = True
            for try_rec in self.facts.tries:
                if try_rec.func is None:
                    continue
                for handler in try_rec.handlers:
                    handled = self.handled.get(id(handler))
                    if handled is None or not self.reraises(handler, raise_guards):
                        continue
                    reraised = self.reraised_items(handler, handled)
                    if not reraised:
                        continue
                    for kind in list(handled.kinds):
                        guards = self.reraise_guards(handler, raise_guards)
                        outer = self.handler_for(guards, kind)
                        if outer is None:
                            bucket = escapes[id(try_rec.func)].setdefault(kind, set())
                            if not reraised <= bucket:
                                bucket.update(reraised)
                                names[id(try_rec.func)].setdefault(kind, []).extend(handled.calls)
                                changed = True
                        elif outer != "maybe" and outer is not handler:
                            target_handled = self._handled(outer)
                            if not reraised <= target_handled.items:
                                target_handled.add(kind, reraised, handled.calls[0])
                                changed = True
        self.escapes = escapes

    def _handled(self, guard: Any) -> Handled:
        handled = self.handled.get(id(guard))
        if handled is None:
            handled = self.handled[id(guard)] = Handled()
            self.guard_nodes[id(guard)] = guard
        return handled

    @staticmethod
    def reraises(handler: HandlerRec, raise_guards: Dict[int, Tuple[Any, ...]]) -> bool:
        return bool(handler.reraises)

    def reraised_items(self, handler: HandlerRec, handled: Handled) -> Set[object]:
        """The items a handler re-raises: in a branch of a dispatch on its code, only the codes
        that branch covers; anywhere else, everything it handles."""
        codes = self._reraised_codes.get(id(handler))
        if codes is None:  # the body does not change between rounds of the fixed point
            raises = {id(node) for node, _guards in handler.reraises}
            dispatch = Dispatch(
                self,
                handler.scope,
                handler.order + 1,
                lambda e: e.domain == "api1" and e.origin is handler,
                "codes",
            )
            codes = self._reraised_codes[id(handler)] = self._raising_codes(
                handler.body, set(UNIVERSE), dispatch, raises
            )
        out: Set[object] = set()
        for item in handled.items:
            if isinstance(item, int):
                if item in codes:
                    out.add(item)
            elif item == HTTP:
                if codes & HTTP_SET:
                    out.add(item)
            else:
                out.add(item)  # messages: not narrowed
        return out

    def _raising_codes(
        self,
        statements: List[cst.BaseStatement],
        within: Set[int],
        dispatch: "Dispatch",
        raises: Set[int],
    ) -> Set[int]:
        out: Set[int] = set()
        for statement in statements:
            for small in _smalls(statement):
                if isinstance(small, cst.If):
                    remaining = set(within)
                    current: Any = small
                    while isinstance(current, cst.If):
                        cover, _named = dispatch.condition(current.test)
                        known = cover is not NOT_CODE and cover is not UNKNOWN
                        branch = (set(cover) & remaining) if known else set(remaining)
                        out |= self._raising_codes(
                            block_statements(current.body), branch, dispatch, raises
                        )
                        if known:
                            remaining -= set(cover)
                        current = current.orelse
                    if isinstance(current, cst.Else):
                        out |= self._raising_codes(
                            block_statements(current.body), remaining, dispatch, raises
                        )
                elif _contains(small, raises):
                    out |= within
        return out

    @staticmethod
    def reraise_guards(
        handler: HandlerRec, raise_guards: Dict[int, Tuple[Any, ...]]
    ) -> Tuple[Any, ...]:
        return handler.reraises[0][1] if handler.reraises else ()

    # ---- propagation on purpose -----------------------------------------------------
    def covered(self, func: Optional[FuncInfo], kind: str, seen: Optional[Set[int]] = None) -> bool:
        """Whether BSG errors escaping ``func`` are propagated on purpose."""
        if func is None:
            return False
        if seen is None:  # a top-level question: answered once per function and error class
            key = (id(func), kind)
            if key not in self._covered:
                self._covered[key] = self.covered(func, kind, set())
            return self._covered[key]
        if id(func) in seen:
            return False
        seen.add(id(func))
        if self.declares_raises(func, kind) or self.retried_by_decorator(func, kind):
            return True
        private = func.name.startswith("_") and not func.name.startswith("__")
        if not (private or func.nested or func.cls is not None):
            return False
        if self._sites is None:
            self._sites = {}
            for rec, target in self.local_calls:
                self._sites.setdefault(id(target), []).append(rec)
        sites = self._sites.get(id(func), [])
        if func.cls is not None and not private and not func.nested:
            # a public method qualifies when it is called through self./cls.
            if not sites or not all(self.is_self_call(rec) for rec in sites):
                return False
        if not sites:
            return False
        for rec in sites:
            handler = self.handler_for(rec.guards, kind)
            if handler is None and not self.covered(rec.func, kind, seen):
                return False
        return True

    @staticmethod
    def is_self_call(rec: CallRec) -> bool:
        func = rec.node.func
        return (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and rec.func is not None
            and func.value.value == rec.func.self_name
        )

    _RAISES_SECTION = re.compile(r"^\s*Raises:?\s*$", re.M)

    def declares_raises(self, func: FuncInfo, kind: str) -> bool:
        doc = func.docstring
        if not doc:
            return False
        short = kind.rsplit(".", 1)[-1]
        sphinx = re.search(r":raises?\s+([\w.]+)\s*:", doc)
        if sphinx and re.search(r":raises?\s+(?:[\w.]+\.)?" + re.escape(short) + r"\s*:", doc):
            return True
        match = self._RAISES_SECTION.search(doc)
        if match is None:
            return False
        section = doc[match.end() :]
        return re.search(r"^\s*(?:[\w.]+\.)?" + re.escape(short) + r"\b", section, re.M) is not None

    def retried_by_decorator(self, func: FuncInfo, kind: str) -> bool:
        for decorator in func.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                continue
            for arg in expr.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "autoretry_for":
                    classes = self.r.clause_classes(arg.value, func.outer, 0) or []
                    if self.r.catches(classes, kind):
                        return True
                if arg.keyword.value == "retry":
                    for call in self._retry_predicates(arg.value):
                        classes: List[Any] = []
                        for inner in call.args:
                            classes += self.r.clause_classes(inner.value, func.outer, 0) or []
                        if self.r.catches(classes, kind):
                            return True
        return False

    @staticmethod
    def _retry_predicates(expr: cst.BaseExpression) -> List[cst.Call]:
        out: List[cst.Call] = []
        todo: List[cst.CSTNode] = [expr]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.Call):
                func = node.func
                name = (
                    func.attr.value
                    if isinstance(func, cst.Attribute)
                    else func.value
                    if isinstance(func, cst.Name)
                    else ""
                )
                if name == "retry_if_exception_type":
                    out.append(node)
                    continue
                todo.extend(a.value for a in node.args)
            elif isinstance(node, cst.BinaryOperation):
                todo += [node.left, node.right]
        return out

    # ---- handler rules --------------------------------------------------------------
    def check_handlers(self) -> None:
        if not self.is_test_file:
            for call in self.bsg_calls:
                if self.call_handler.get(id(call.rec)) is None and not self.covered(
                    call.rec.func, call.kind
                ):
                    self.report(call.rec.node, "unhandled", **self.unhandled_fields(call))
        for key, handled in self.handled.items():
            guard = self.guard_nodes[key]
            if isinstance(guard, HandlerRec):
                if is_noop_body(guard.body):
                    self.report(
                        guard.node,
                        "swallowed",
                        error=short(handled.kinds),
                        calls=describe_calls(handled.calls),
                    )
                self.check_dispatch(guard, handled)
            elif isinstance(guard, WithRec):
                if any(name == "suppress" for name, _c, _k in self.r.guard_kind(guard)):
                    self.report(
                        guard.node,
                        "suppressed",
                        error=short(handled.kinds),
                        calls=describe_calls(handled.calls),
                    )

    def unhandled_fields(self, call: BsgCall) -> Dict[str, str]:
        error = call.kind.rsplit(".", 1)[-1]
        if call.kind == clients.API2_ERROR:
            groups = (
                f"{', '.join(call.families)} messages" if call.families else "uncatalogued messages"
            )
            return {
                "call": call.name,
                "what": f"BSG API 2.0 errors ({groups}, HTTP statuses)",
                "error": error,
            }
        if call.local:
            codes = ", ".join(label(c) for c in call.local)
            what = f"BSG error code {codes}" if len(call.local) == 1 else f"BSG error codes {codes}"
        else:
            parts = []
            for family in call.families:
                low, high = family_range(family)
                parts.append(f"{family} {low}–{high}")
            what = f"BSG error codes ({', '.join(parts)})"
        return {"call": call.name, "what": what, "error": error}

    # ---- dispatch -------------------------------------------------------------------
    def check_dispatch(self, handler: HandlerRec, handled: Handled) -> None:
        order = handler.order + 1
        codes = {i for i in handled.items if isinstance(i, int) or i == HTTP}
        messages = {i for i in handled.items if isinstance(i, str) and i != HTTP}
        required: List[object] = [c for c in self.config.require_codes if c in codes]
        if codes or required:
            dispatch = Dispatch(
                self,
                handler.scope,
                order,
                lambda e: e.domain == "api1" and e.origin is handler,
                "codes",
            )
            self.judge_dispatch(
                dispatch,
                handler.body,
                handler.node,
                sorted(codes - {0}, key=_item_key),
                required,
                handled.calls,
                after_counts=True,
            )
        if messages and UNCATALOGUED not in messages:
            dispatch = Dispatch(
                self,
                handler.scope,
                order,
                lambda e: e.domain in ("message", "body") and e.origin is handler,
                "messages",
            )
            ordered = [m.name for m in ErrorMessage if m.name in messages]
            self.judge_dispatch(
                dispatch, handler.body, handler.node, ordered, [], handled.calls, after_counts=True
            )

    def judge_dispatch(
        self,
        dispatch: "Dispatch",
        body: List[cst.BaseStatement],
        at: cst.CSTNode,
        producible: List[object],
        required: List[object],
        calls: List[str],
        after_counts: bool,
    ) -> None:
        """BSG102/BSG103 for the dispatch on one code expression in ``body``."""
        covered, named, fallback, found = dispatch.block(body, dispatch.universe)
        if found and not fallback:
            dropped = [i for i in producible if not _covers(covered, i)]
            if dropped:
                self.report(
                    at,
                    "dropped",
                    subject=f"handler of {describe_calls(calls)}",
                    dropped=describe_dropped(dropped),
                    fallback="else, case _, or a final statement",
                )
        self.report_required(
            at, f"handler of {describe_calls(calls)}", [c for c in required if c not in named]
        )

    def report_required(self, at: cst.CSTNode, subject: str, missing: List[object]) -> None:
        if missing:
            many = len(missing) > 1
            self.report(
                at,
                "required",
                subject=subject,
                codes=("codes " if many else "code ") + listing(missing),
                them="them" if many else "it",
            )

    # ---- response checks ------------------------------------------------------------
    def check_responses(self) -> None:
        """BSG102/BSG103 for checks of a parsed response's ``"error"`` (or ``"message"``)."""
        if not self.r.saw_response:
            return
        for statements, scope in self.facts.blocks:
            targets: List[CodeExpr] = []
            for statement in statements:
                if not isinstance(statement, (cst.If, cst.Match)):
                    continue
                expr = self.first_response_expr(statement, scope)
                if expr is not None and expr not in targets:
                    targets.append(expr)
            for expr in targets:
                self.check_response(statements, scope, expr)

    def first_response_expr(self, statement: cst.CSTNode, scope: Scope) -> Optional[CodeExpr]:
        tests: List[cst.CSTNode] = []
        if isinstance(statement, cst.Match):
            tests.append(statement.subject)
        else:
            current: Any = statement
            while isinstance(current, cst.If):
                tests.append(current.test)
                current = current.orelse
        todo = list(tests)
        while todo:
            node = todo.pop(0)
            if isinstance(node, (cst.Subscript, cst.Call, cst.Name, cst.Attribute)):
                expr = self.code_expr(node, scope, self.facts.order_of.get(id(node), 0))
                if (
                    expr is not None
                    and expr.domain in ("resp_error", "message")
                    and isinstance(expr.origin, ResponseOrigin)
                ):
                    return expr
            if isinstance(node, (cst.Lambda, cst.FunctionDef)):
                continue
            todo.extend(children(node))
        return None

    def check_response(
        self, statements: List[cst.BaseStatement], scope: Scope, expr: CodeExpr
    ) -> None:
        origin: ResponseOrigin = expr.origin
        domain = "codes" if expr.domain == "resp_error" else "messages"
        dispatch = Dispatch(self, scope, 0, lambda e: e == expr, domain)
        covered, named, fallback, first, after = dispatch.scan(
            statements, dispatch.universe, response=True
        )
        if first is None:
            return
        if after and (
            dispatch.zero_exits or (domain == "messages" and _exits(statements, raising=True))
        ):
            # what follows a code check is the success path unless success left the block; a
            # message check has no success value: what follows it handles the rest only when it
            # treats reaching it as a failure (the block ends in `raise`)
            fallback = True
        if domain == "codes":
            producible: List[object] = sorted(c for c in (origin.codes or ()) if c)
            required: List[object] = [
                c for c in self.config.require_codes if c in (origin.codes or ())
            ]
        else:
            names = {m.name for g in origin.groups or () for m in messages_of_group(g)}
            producible = [m.name for m in ErrorMessage if m.name in names]
            required = []
        if not fallback:
            dropped = [i for i in producible if i not in covered]
            if dropped:
                self.report(
                    first,
                    "dropped",
                    subject=f"check of the {origin.call} response",
                    dropped=describe_dropped(dropped),
                    fallback="else, or a success branch that returns"
                    if domain == "codes"
                    else "else, or a raise after the check",
                )
        self.report_required(
            first, f"check of the {origin.call} response", [c for c in required if c not in named]
        )

    # ---- value rules ----------------------------------------------------------------
    def code_expr(self, node: cst.CSTNode, scope: Scope, order: int) -> Optional[CodeExpr]:
        if not isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            return None
        value = self.r.resolve(node, scope, order)
        return value if isinstance(value, CodeExpr) else None

    def producible(self, expr: CodeExpr) -> Optional[Set[object]]:
        origin = expr.origin
        if origin is None:
            return None
        if isinstance(origin, ResponseOrigin):
            if origin.codes is not None:
                return set(origin.codes)
            return {m.name for g in origin.groups or () for m in messages_of_group(g)}
        handled = self.handled.get(id(origin))
        if handled is None or not handled.items:
            return None
        return handled.items

    def operand_values(
        self, node: cst.CSTNode, scope: Scope, order: int
    ) -> List[Tuple[Any, cst.CSTNode, bool]]:
        """The constant values an operand stands for, each with where to report it."""
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            out: List[Tuple[Any, cst.CSTNode, bool]] = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    continue
                out += self.operand_values(element.value, scope, order)
            return out
        literal = _literal_value(node)
        if literal is not _NOT_LITERAL:
            return [(literal, node, True)]
        value = self.r.resolve(node, scope, order)
        if isinstance(value, Const):
            if isinstance(value.value, tuple):
                return [(v, node, False) for v in value.value]
            return [(value.value, node, False)]
        return []

    def judge(
        self,
        value: Any,
        node: cst.CSTNode,
        literal: bool,
        expr: CodeExpr,
        calls: Optional[Set[object]],
        bound: bool = False,
        substring: bool = False,
    ) -> None:
        """The value rules for one value compared with (or matched against) a code expression."""
        if expr.domain in ("message", "body"):
            self.judge_message(
                value, node, literal, expr, calls, substring or expr.domain == "body"
            )
            return
        if isinstance(value, bool) or not isinstance(value, int):
            return
        http_domain = {"api1": HTTP_SET, "status": HTTP_STATUS_SET, "resp_error": frozenset()}[
            expr.domain
        ]
        if literal and value not in self.config.allow_literals:
            if value in http_domain:
                self.report(node, "magic_status", value=value, name=_http_name(value))
            else:
                hint = (
                    suggestion_for(value)
                    if value not in RESERVED_CODES and expr.domain != "status"
                    else None
                )
                what = "HTTP status" if expr.domain == "status" else "BSG code"
                if hint:
                    advice = f"use {hint}"
                elif not bound and (
                    value in RESERVED_CODES
                    or (
                        expr.domain != "status"
                        and not is_documented(value)
                        and value not in http_domain
                    )
                ):
                    advice = "no documented code has this value (see the rule reported with it)"
                else:
                    advice = "use a named constant"
                self.report(node, "magic", what=what, value=value, expr=_what(expr), hint=advice)
        if bound:
            return
        if expr.domain == "status":
            if value != 0 and value not in HTTP_STATUS_SET:
                self.report(node, "not_a_status", value=value)
            return
        if value in RESERVED_CODES:
            self.report(node, "reserved", value=value)
            return
        if not is_documented(value) and value not in http_domain:
            if expr.domain == "resp_error" and value in HTTP_STATUS_SET:
                self.report(node, "status_as_error", value=value)
                return
            near = nearest_codes(value)
            hint = " or ".join(label(int(m)) for m in near)
            self.report(node, "unknown_code", value=value, hint=hint)
            return
        if calls is not None and is_documented(value):
            if value == 0:
                if expr.domain == "api1":
                    self.report(node, "no_error")
            elif value not in calls:
                same = same_description(value, [c for c in calls if isinstance(c, int)])
                families = sorted(
                    {family_of(c) for c in calls if isinstance(c, int) and c and family_of(c)},
                    key=FAMILIES.index,
                )
                hint = (
                    f"; did you mean {label(int(same[0]))}, the same error in the guarded family?"
                    if same
                    else "; remove it or guard the call that can produce it"
                )
                source = (
                    f"the {expr.origin.call} response"
                    if isinstance(expr.origin, ResponseOrigin)
                    else "the guarded calls"
                )
                self.report(
                    node,
                    "impossible_code",
                    value=label(value),
                    source=source,
                    families=", ".join(families),
                    hint=hint,
                )

    def judge_message(
        self,
        value: Any,
        node: cst.CSTNode,
        literal: bool,
        expr: CodeExpr,
        calls: Optional[Set[object]],
        substring: bool,
    ) -> None:
        if not isinstance(value, str):
            return
        member = lookup_message(value)
        matches = (
            {member.name}
            if member is not None
            else (messages_containing(value) if substring else set())
        )
        if literal:
            hint = (
                f"use ErrorMessage.{member.name}" if member is not None else "use a named constant"
            )
            self.report(
                node, "magic", what="BSG message", value=repr(value), expr=_what(expr), hint=hint
            )
        catalogued = calls is None or UNCATALOGUED not in calls
        if not matches:
            if catalogued:
                near = close_messages(value)
                hint = f"; did you mean {' or '.join(repr(m.value) for m in near)}?" if near else ""
                self.report(node, "unknown_message", value=value, hint=hint)
            return
        if calls is not None and catalogued and not (matches & calls):
            groups = [g for g in GROUPS if {m.name for m in messages_of_group(g)} <= calls]
            self.report(node, "impossible_message", value=value, groups=", ".join(groups))

    def check_values(self) -> None:
        for site in self.facts.comparisons:
            self.check_comparison(site)
        for site in self.facts.matches:
            self.check_match(site)
        for site in self.facts.subscripts:
            node = site.node
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                self.check_table(node.value, node.slice[0].slice.value, site)
        for rec in self.facts.calls:
            node = rec.node
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
                self.check_table(func.value, node.args[0].value, Site(node, rec.scope, rec.order))
            self.check_reserved_construction(rec)

    def check_comparison(self, site: Site) -> None:
        node: cst.Comparison = site.node
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            op = target.operator
            for expr_node, other, code_on_right in ((left, right, False), (right, left, True)):
                expr = self.code_expr(expr_node, site.scope, site.order)
                if expr is None:
                    continue
                calls = self.producible(expr)
                # a range bound is a magic number, not a claim that the value occurs
                bound = isinstance(
                    op, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
                )
                substring = code_on_right and isinstance(op, (cst.In, cst.NotIn))
                for value, report_at, literal in self.operand_values(other, site.scope, site.order):
                    self.judge(
                        value, report_at, literal, expr, calls, bound=bound, substring=substring
                    )
                    if (
                        bound
                        and calls is not None
                        and expr.domain in ("api1", "resp_error")
                        and is_documented(value)
                        and value
                        and not self.range_meets(node, expr, site, calls)
                    ):
                        self.report(
                            report_at,
                            "impossible_range",
                            value=label(value),
                            families=", ".join(_families(calls)),
                        )
                break
            left = right

    def range_meets(
        self, node: cst.Comparison, expr: CodeExpr, site: Site, calls: Set[object]
    ) -> bool:
        """Whether the codes a chained range comparison admits include one the calls produce."""
        dispatch = Dispatch(self, site.scope, site.order, lambda e: e == expr, "codes")
        cover, _named = dispatch.comparison(node)
        if cover is UNKNOWN or cover is NOT_CODE:
            return True
        return any(c in cover for c in calls if isinstance(c, int)) or (
            HTTP in calls and bool(cover & HTTP_SET)
        )

    def check_match(self, site: Site) -> None:
        node = site.node
        expr = self.code_expr(node.subject, site.scope, site.order)
        if expr is None:
            self.check_class_patterns(site)
            return
        calls = self.producible(expr)
        for case in node.cases:
            for value_node in _pattern_values(case.pattern):
                for value, report_at, literal in self.operand_values(
                    value_node, site.scope, site.order
                ):
                    self.judge(value, report_at, literal, expr, calls)

    def check_class_patterns(self, site: Site) -> None:
        """``match exc: case APIError(code=21): ...``: the ``code=`` sub-patterns are matched
        against the error's code."""
        error = self.r.resolve(site.node.subject, site.scope, site.order)
        if not isinstance(error, ErrorObj):
            return
        for case in site.node.cases:
            todo = [case.pattern]
            while todo:
                pattern = todo.pop()
                if isinstance(pattern, cst.MatchOr):
                    todo.extend(element.pattern for element in pattern.patterns)
                elif isinstance(pattern, cst.MatchAs) and pattern.pattern is not None:
                    todo.append(pattern.pattern)
                elif isinstance(pattern, cst.MatchClass):
                    kind = self.r.error_kind(self.r.resolve(pattern.cls, site.scope, site.order))
                    if kind is None:
                        continue
                    field = "status" if kind.startswith(clients.API2_PACKAGE + ".") else "code"
                    attribute = self.r.attribute(ErrorObj(kind, error.origin), field)
                    if not isinstance(attribute, CodeExpr):
                        continue
                    calls = self.producible(attribute)
                    for keyword in pattern.kwds:
                        if keyword.key.value != field:
                            continue
                        for value_node in _pattern_values(keyword.pattern):
                            for value, report_at, literal in self.operand_values(
                                value_node, site.scope, site.order
                            ):
                                self.judge(value, report_at, literal, attribute, calls)

    def check_table(
        self, table_node: cst.BaseExpression, key_node: cst.BaseExpression, site: Site
    ) -> None:
        expr = self.code_expr(key_node, site.scope, site.order)
        if expr is None:
            return
        table = self.r.resolve(table_node, site.scope, site.order)
        if not isinstance(table, Table):
            return
        calls = self.producible(expr)
        for element in table.node.elements:
            if isinstance(element, cst.DictElement):
                for value, report_at, literal in self.operand_values(
                    element.key, site.scope, site.order
                ):
                    self.judge(value, report_at, literal, expr, calls)

    def check_reserved_construction(self, rec: CallRec) -> None:
        node = rec.node
        func = self.r.resolve(node.func, rec.scope, rec.order)
        arg = None
        if isinstance(func, Sym):
            last = func.qualname.rsplit(".", 1)[-1]
            if self.r.error_kind(func) is not None:
                for index, a in enumerate(node.args):
                    if (a.keyword is not None and a.keyword.value == "code") or (
                        a.keyword is None and index == 0
                    ):
                        arg = a.value
            elif last == "ErrorCode" and node.args and "bsg" in func.qualname.rsplit(".", 1)[0]:
                # the catalogue's ErrorCode (or a copy written by `catalogue --format python`
                # into a module whose path names bsg), not any project's own ErrorCode enum
                arg = node.args[0].value
        if arg is None:
            return
        for value, report_at, _literal in self.operand_values(arg, rec.scope, rec.order):
            if isinstance(value, int) and not isinstance(value, bool) and value in RESERVED_CODES:
                self.report(report_at, "reserved", value=value)


# ---- dispatch coverage ------------------------------------------------------------------

NOT_CODE = "not-code"
UNKNOWN = "unknown"


class Dispatch:
    """Coverage of a block by dispatches on one code expression.

    ``target(expr)`` says whether a code expression is the one dispatched on; ``domain`` is
    ``codes`` (ints) or ``messages`` (API 2.0 message members, by name).
    """

    def __init__(
        self, analysis: Analysis, scope: Scope, order: int, target: Any, domain: str
    ) -> None:
        self.a = analysis
        self.scope = scope
        self.default_order = order
        self.target = target
        self.domain = domain
        self.universe: FrozenSet[Any] = UNIVERSE if domain == "codes" else MESSAGE_UNIVERSE
        self.zero_exits = False
        self.inner_named: Set[Any] = set()

    def is_code(self, node: cst.CSTNode) -> bool:
        expr = self.a.code_expr(node, self.scope, self._order(node))
        return expr is not None and self.target(expr)

    def _order(self, node: cst.CSTNode) -> int:
        return self.a.facts.order_of.get(id(node), self.default_order)

    def block(
        self, statements: List[cst.BaseStatement], within: FrozenSet[int]
    ) -> Tuple[Set[int], Set[int], bool, bool]:
        """(covered, named, fallback, found) for a block of statements: in a handler, any
        other statement (not a no-op, not an alias assignment) is a fallback."""
        covered, named, fallback, first, _others_after = self.scan(statements, within)
        return covered, named, fallback, first is not None

    def scan(
        self, statements: List[cst.BaseStatement], within: FrozenSet[int], response: bool = False
    ) -> Tuple[Set[int], Set[int], bool, Optional[cst.CSTNode], bool]:
        """(covered, named, fallback from the dispatch itself, its first statement, whether other
        statements follow it). ``response``: only ``if``/``match`` statements dispatch, and other
        statements are not fallbacks by themselves (the caller decides)."""
        covered: Set[int] = set()
        named: Set[int] = set()
        fallback = False
        first: Optional[cst.CSTNode] = None
        after = False
        for statement in statements:
            for small in _smalls(statement):
                result = (
                    self.statement(small, within)
                    if not response or isinstance(small, (cst.If, cst.Match))
                    else None
                )
                if result is None:
                    if not _is_noop(small) and not self.is_alias_assignment(small):
                        if not response:
                            fallback = True
                        elif first is not None:
                            after = True
                    continue
                first = first or small
                c, n, fb = result
                covered |= c
                named |= n
                fallback = fallback or fb
        return covered, named, fallback, first, after

    def is_alias_assignment(self, node: cst.CSTNode) -> bool:
        """``code = e.code``, ``data = json.loads(e.body)``: names for what is dispatched on."""
        value = node.value if isinstance(node, (cst.Assign, cst.AnnAssign)) else None
        if value is None:
            return False
        if self.is_code(value):
            return True
        resolved = self.a.r.resolve(value, self.scope, self._order(value))
        return isinstance(resolved, Json)

    def statement(
        self, node: cst.CSTNode, within: FrozenSet[int]
    ) -> Optional[Tuple[Set[int], Set[int], bool]]:
        if isinstance(node, cst.If):
            return self.if_chain(node, within)
        if isinstance(node, cst.Match):
            return self.match(node, within)
        return self.table_lookup(node, within)

    def if_chain(
        self, node: cst.If, within: FrozenSet[int]
    ) -> Optional[Tuple[Set[int], Set[int], bool]]:
        """Coverage of an if/elif/else chain. A code reaches a branch only if no earlier branch
        took it, so an ``else`` (or a complement, which is a fallback) covers what reaches it,
        not what an earlier branch took and dropped in a nested dispatch."""
        branches: List[Tuple[Any, Set[int], List[cst.BaseStatement], bool]] = []
        current: Any = node
        tests_code = False
        while isinstance(current, cst.If):
            cover, named = self.condition(current.test)
            tests_code = tests_code or cover is not NOT_CODE
            complement = (
                cover is not NOT_CODE and cover is not UNKNOWN and self.is_complement(current.test)
            )
            branches.append((cover, named, block_statements(current.body), complement))
            current = current.orelse
        if not tests_code:
            return None
        if isinstance(current, cst.Else):
            branches.append((None, set(), block_statements(current.body), True))
        covered: Set[int] = set()
        all_named: Set[int] = set()
        fallback = False
        remaining = set(within)
        for cover, named, body, catch_all in branches:
            if cover is UNKNOWN:
                fallback = True  # which codes reach the rest is unknown
                continue
            if cover is NOT_CODE:
                continue
            effective = frozenset(remaining) if catch_all else frozenset(cover & remaining)
            covered |= self.branch(body, effective)
            if cover is not None:
                all_named |= named & within
            all_named |= self.inner_named & effective
            remaining -= effective if cover is None else (set(cover) | set(effective))
        return covered, all_named, fallback

    def branch(self, body: List[cst.BaseStatement], effective: FrozenSet[int]) -> Set[int]:
        """What a branch taking the codes ``effective`` covers: all of them, unless a nested
        dispatch without a fallback covers fewer."""
        inner_cov, inner_named, inner_fb, inner_found = self.block(body, effective)
        self.inner_named = inner_named
        if 0 in effective and _exits(body):
            self.zero_exits = True
        return set(effective) if (inner_fb or not inner_found) else (inner_cov & effective)

    def match(
        self, node: cst.Match, within: FrozenSet[int]
    ) -> Optional[Tuple[Set[int], Set[int], bool]]:
        if not self.is_code(node.subject):
            return None
        covered: Set[int] = set()
        named: Set[int] = set()
        fallback = False
        remaining = set(within)
        for case in node.cases:
            cover = self.pattern(case.pattern)
            if cover is UNKNOWN:
                fallback = True
                continue
            if cover is None:  # capture or wildcard
                if case.guard is None:
                    effective = frozenset(remaining)  # `case _` takes what reaches it
                    covered |= self.branch(block_statements(case.body), effective)
                    named |= self.inner_named & effective
                    remaining = set()
                    continue
                cover = set(self.universe)
            if case.guard is not None:
                guard_cover, _ = self.condition(case.guard)
                if guard_cover is UNKNOWN:
                    fallback = True
                    continue
                if guard_cover is NOT_CODE:
                    continue
                cover = cover & guard_cover
            effective = frozenset(cover & remaining)
            covered |= self.branch(block_statements(case.body), effective)
            named |= effective if case.guard is None else set()
            named |= self.inner_named & effective
            remaining -= set(cover)
        return covered, named, fallback

    def pattern(self, pattern: cst.MatchPattern) -> Any:
        """The set a case pattern covers; ``None`` for a capture or wildcard."""
        if isinstance(pattern, cst.MatchAs):
            if pattern.pattern is None:
                return None
            return self.pattern(pattern.pattern)
        if isinstance(pattern, cst.MatchOr):
            out: Set[int] = set()
            for element in pattern.patterns:
                inner = self.pattern(element.pattern)
                if inner is None or inner is UNKNOWN:
                    return inner
                out |= inner
            return out
        if isinstance(pattern, cst.MatchValue):
            values = self.values(pattern.value)
            return UNKNOWN if values is None else values
        if isinstance(pattern, cst.MatchSingleton):
            return set()
        return set()

    def values(self, node: cst.CSTNode) -> Optional[Set[Any]]:
        out = self.a.operand_values(node, self.scope, self._order(node))
        if not out:
            return None
        if self.domain == "codes":
            return {v for v, _n, _l in out if isinstance(v, int) and not isinstance(v, bool)}
        found: Set[Any] = set()
        for value, _n, _l in out:
            if isinstance(value, str):
                member = lookup_message(value)
                found.add(member.name if member is not None else "?" + value)
        return found

    def substring_cover(self, node: cst.CSTNode) -> Optional[Set[Any]]:
        """Messages a ``"text" in e.body`` test matches."""
        out = self.a.operand_values(node, self.scope, self._order(node))
        if not out:
            return None
        found: Set[Any] = set()
        for value, _n, _l in out:
            if isinstance(value, str):
                found |= messages_containing(value)
        return found

    def condition(self, node: cst.BaseExpression) -> Tuple[Any, Set[int]]:
        """(covered set | UNKNOWN | NOT_CODE, named set) of a branch condition."""
        if isinstance(node, cst.BooleanOperation):
            operands: List[cst.BaseExpression] = []
            todo = [node.right, node.left]
            op_type = type(node.operator)
            while todo:
                item = todo.pop()
                if (
                    isinstance(item, cst.BooleanOperation)
                    and isinstance(item.operator, op_type)
                    and not item.lpar
                ):
                    todo += [item.right, item.left]
                else:
                    operands.append(item)
            results = [self.condition(o) for o in operands]
            if isinstance(node.operator, cst.And):
                if any(c is NOT_CODE for c, _ in results):
                    return set(), set()
                if any(c is UNKNOWN for c, _ in results):
                    return UNKNOWN, set()
                cover = set(self.universe)
                named: Set[int] = set()
                for c, n in results:
                    cover &= c
                    named |= n
                return cover, named & cover
            codes = [(c, n) for c, n in results if c is not NOT_CODE]
            if not codes:
                return NOT_CODE, set()
            if any(c is UNKNOWN for c, _ in codes):
                return UNKNOWN, set()
            cover = set()
            named = set()
            for c, n in codes:
                cover |= c
                named |= n
            return cover, named
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner, _ = self.condition(node.expression)
            if inner is NOT_CODE or inner is UNKNOWN:
                return inner, set()
            return set(self.universe) - inner, set()
        if isinstance(node, cst.Comparison):
            return self.comparison(node)
        if self.is_code(node):
            return set(self.universe) - {0}, set()
        if (
            self.domain == "messages"
            and isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("startswith", "endswith", "__contains__", "find")
            and self.is_code(node.func.value)
        ):
            return UNKNOWN, set()
        if self.mentions_code(node):
            return UNKNOWN, set()
        return NOT_CODE, set()

    def is_complement(self, node: cst.BaseExpression) -> bool:
        """Whether a condition tests the code against what it is not (``!=``, ``not in``,
        ``not``)."""
        if isinstance(node, cst.BooleanOperation):
            operands = [node.left, node.right]
            if isinstance(node.operator, cst.Or):
                return any(self.is_complement(o) for o in operands)
            covers = [self.condition(o)[0] for o in operands]
            if any(c is NOT_CODE for c in covers):
                return False  # an operand that does not test the code makes the `and` cover nothing
            return all(self.is_complement(o) for o in operands)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            inner = node.expression
            return isinstance(
                inner, (cst.Comparison, cst.BooleanOperation)
            ) and not self.is_complement(inner)
        if isinstance(node, cst.Comparison):
            left = node.left
            for target in node.comparisons:
                if isinstance(target.operator, (cst.NotEqual, cst.NotIn, cst.IsNot)) and (
                    self.is_code(left) or self.is_code(target.comparator)
                ):
                    return True
                left = target.comparator
        return False

    def mentions_code(self, node: cst.CSTNode) -> bool:
        todo = [node]
        while todo:
            item = todo.pop()
            if isinstance(item, (cst.Name, cst.Attribute)) and self.is_code(item):
                return True
            if (
                isinstance(item, cst.Call)
                and isinstance(item.func, cst.Name)
                and item.func.value == "getattr"
                and self.is_code(item)
            ):
                return True
            todo.extend(children(item))
        return False

    def comparison(self, node: cst.Comparison) -> Tuple[Any, Set[int]]:
        cover: Optional[Set[int]] = None
        named: Set[int] = set()
        left = node.left
        any_code = False
        for target in node.comparisons:
            right = target.comparator
            op = target.operator
            if self.is_code(left):
                part = self.compare(op, right, code_on_left=True)
            elif self.is_code(right):
                part = self.compare(op, left, code_on_left=False)
            else:
                part = None
            if part is not None:
                any_code = True
                c, n = part
                if c is UNKNOWN:
                    return UNKNOWN, set()
                cover = c if cover is None else cover & c
                named |= n
            left = right
        if not any_code:
            return (UNKNOWN if self.mentions_code(node) else NOT_CODE), set()
        assert cover is not None
        return cover, named & cover

    def compare(
        self, op: cst.BaseCompOp, other: cst.BaseExpression, code_on_left: bool
    ) -> Tuple[Any, Set[int]]:
        if isinstance(op, (cst.In, cst.NotIn)):
            if not code_on_left:
                if self.domain != "messages":
                    return UNKNOWN, set()
                matched = self.substring_cover(other)
                if matched is None:
                    return UNKNOWN, set()
                if isinstance(op, cst.In):
                    return matched & self.universe, matched & self.universe
                return set(self.universe) - matched, set()
            values = self.values(other)
            if values is None:
                return UNKNOWN, set()
            if isinstance(op, cst.In):
                return values & self.universe, values & self.universe
            return set(self.universe) - values, set()
        values = self.values(other)
        if values is None:
            return UNKNOWN, set()
        if not values:
            return set(), set()
        (value,) = list(values)[:1]
        if isinstance(op, (cst.Equal, cst.Is)):
            return {value} & self.universe, {value} & self.universe
        if isinstance(op, (cst.NotEqual, cst.IsNot)):
            return set(self.universe) - {value}, set()
        if self.domain != "codes":
            return UNKNOWN, set()
        # ranges: normalise to "code OP value"
        if not code_on_left:
            op = {
                cst.LessThan: cst.GreaterThan,
                cst.GreaterThan: cst.LessThan,
                cst.LessThanEqual: cst.GreaterThanEqual,
                cst.GreaterThanEqual: cst.LessThanEqual,
            }[type(op)]()
        top = len(UNIVERSE)  # the universe of codes is 0 .. top-1
        bounds = {
            cst.LessThan: (0, value),
            cst.LessThanEqual: (0, value + 1),
            cst.GreaterThan: (value + 1, top),
            cst.GreaterThanEqual: (value, top),
        }
        low, high = bounds[type(op)]
        cover = set(range(max(low, 0), min(high, top)))
        return cover, set(cover)

    def table_lookup(
        self, node: cst.CSTNode, within: FrozenSet[int]
    ) -> Optional[Tuple[Set[int], Set[int], bool]]:
        if not self.a.facts.has_tables:
            return None
        # a table dispatches when the lookup is what the statement does (`T[code](...)`,
        # `handler = T.get(code)`, `return T[code]`); a lookup inside another expression (a
        # hint in a `raise`, `T.get(code) or default`) is an ordinary statement: a fallback
        if not isinstance(node, (cst.Expr, cst.Return, cst.Assign, cst.AnnAssign)):
            return None
        item = node.value
        if isinstance(item, cst.Await):
            item = item.expression
        if isinstance(item, cst.Call) and isinstance(item.func, (cst.Subscript, cst.Call)):
            item = item.func  # the looked-up handler is called
        if (
            isinstance(item, cst.Subscript)
            and len(item.slice) == 1
            and isinstance(item.slice[0].slice, cst.Index)
        ):
            table = self.table(item.value, item.slice[0].slice.value)
            if table is not None:
                return table & within, table & within, False
        if (
            isinstance(item, cst.Call)
            and isinstance(item.func, cst.Attribute)
            and item.func.attr.value == "get"
            and item.args
        ):
            table = self.table(item.func.value, item.args[0].value)
            if table is not None:
                return table & within, table & within, len(item.args) > 1
        return None

    def table(self, table_node: cst.BaseExpression, key: cst.BaseExpression) -> Optional[Set[int]]:
        if not self.is_code(key):
            return None
        value = self.a.r.resolve(table_node, self.scope, self._order(table_node))
        if not isinstance(value, Table):
            return None
        keys: Set[int] = set()
        for element in value.node.elements:
            if not isinstance(element, cst.DictElement):
                return None
            values = self.values(element.key)
            if values is None:
                return None
            keys |= values
        return keys


# ---- helpers ------------------------------------------------------------------------------

_NOT_LITERAL = object()


def _literal_value(node: cst.CSTNode) -> Any:
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -int(node.expression.evaluated_value)
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:
            return _NOT_LITERAL
        return value if isinstance(value, str) else _NOT_LITERAL
    return _NOT_LITERAL


def _pattern_values(pattern: cst.MatchPattern) -> List[cst.BaseExpression]:
    out: List[cst.BaseExpression] = []
    todo = [pattern]
    while todo:
        item = todo.pop(0)
        if isinstance(item, cst.MatchValue):
            out.append(item.value)
        elif isinstance(item, cst.MatchOr):
            todo += [e.pattern for e in item.patterns]
        elif isinstance(item, cst.MatchAs) and item.pattern is not None:
            todo.append(item.pattern)
    return out


def _smalls(statement: cst.CSTNode) -> List[cst.CSTNode]:
    if isinstance(statement, cst.SimpleStatementLine):
        return list(statement.body)
    return [statement]


def _is_noop(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.SimpleStatementLine):
        return all(_is_noop(s) for s in node.body)
    if isinstance(node, cst.Pass):
        return True
    if isinstance(node, cst.Expr):
        return isinstance(node.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString))
    return False


def _exits(body: List[cst.BaseStatement], raising: bool = False) -> bool:
    """Whether a block ends in ``return``, ``raise``, ``continue`` or ``break`` (``raise`` only)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else last
    if raising:
        return isinstance(last, cst.Raise)
    return isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break))


def _contains(node: cst.CSTNode, ids: Set[int]) -> bool:
    """Whether a node (not looking into nested functions or classes) holds one of ``ids``."""
    todo = [node]
    while todo:
        item = todo.pop()
        if id(item) in ids:
            return True
        if isinstance(item, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        todo.extend(children(item))
    return False


def messages_containing(text: str) -> Set[str]:
    """Names of the messages (or of the aliases' members) whose text contains ``text``."""
    key = normalize_message(text)
    found = {m.name for m in ErrorMessage if key in normalize_message(m.value)}
    found |= {
        member.name for alias, member in MESSAGE_ALIASES.items() if key in normalize_message(alias)
    }
    return found


def is_noop_body(body: List[cst.BaseStatement]) -> bool:
    return all(_is_noop(s) for s in body)


def _covers(covered: Set[int], item: object) -> bool:
    if item == HTTP:
        return HTTP_SET <= covered
    return item in covered


def _item_key(item: object) -> Tuple[int, int]:
    return (1, 0) if item == HTTP else (0, int(item))  # type: ignore[arg-type]


def describe_dropped(dropped: List[object]) -> str:
    """``28 BSG codes: 1 INVALID_KEY, ... (+23 more) and the HTTP errors (400–599)``."""
    codes = [d for d in dropped if isinstance(d, int)]
    names = [d for d in dropped if isinstance(d, str) and d != HTTP]
    parts = []
    if codes:
        parts.append(f"{len(codes)} BSG code{'s' if len(codes) > 1 else ''}: {listing(codes)}")
    if names:
        parts.append(
            f"{len(names)} BSG message{'s' if len(names) > 1 else ''}: "
            f"{listing([ErrorMessage[n].value for n in names])}"
        )
    if HTTP in dropped:
        low, high = HTTP_ERROR_STATUSES[0], HTTP_ERROR_STATUSES[-1]
        parts.append(f"the HTTP errors ({low}–{high})")
    return " and ".join(parts)


def _families(calls: Iterable[object]) -> List[str]:
    return sorted(
        {family_of(c) for c in calls if isinstance(c, int) and c and family_of(c)},
        key=FAMILIES.index,
    )  # type: ignore[arg-type]


def _what(expr: CodeExpr) -> str:
    return {
        "api1": "an error code",
        "status": "ApiException.status",
        "resp_error": 'a response\'s "error"',
        "message": "an API 2.0 error message",
        "body": "an API 2.0 error body",
    }[expr.domain]


def _http_name(value: int) -> str:
    import http

    try:
        return f"http.HTTPStatus.{http.HTTPStatus(value).name}"
    except ValueError:
        return "a named constant"


def short(kinds: Iterable[str]) -> str:
    return "/".join(sorted(k.rsplit(".", 1)[-1] for k in kinds))


def analyze(facts: Facts, config: Any, is_test_file: bool) -> List[Diagnostic]:
    return Analysis(facts, config, is_test_file).run()

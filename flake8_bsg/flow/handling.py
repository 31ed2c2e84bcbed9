"""Who handles each BSG call, what escapes each function, and what is propagated on purpose.

The handler of a call is the first clause (innermost ``try`` first) that catches its error
class, or a ``pytest.raises``/``assertRaises``/``suppress`` block; what no handler in a
function catches escapes it to its callers in the same file, and what a handler re-raises
reaches the next handler out — to a fixed point.
"""

from __future__ import annotations

import enum
import re
from typing import Dict, List, Optional, Set, Tuple, Union

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.facts.records import (
    BindingKind,
    CallRec,
    Facts,
    FuncInfo,
    Guards,
    HandlerRec,
    TryRec,
    WithRec,
    block_statements,
)
from flake8_bsg.flow.calls import CallFinder
from flake8_bsg.flow.coverage import (
    HTTP,
    HTTP_SET,
    UNIVERSE,
    Cond,
    Condition,
    Dispatch,
    Item,
    Kind,
    contains,
    exits,
    smalls,
)
from flake8_bsg.flow.operands import Operands
from flake8_bsg.flow.resolve import Resolver
from flake8_bsg.flow.values import CodeExpr, Domain, LocalClass, Sym, Value


class Unreadable(enum.Enum):
    """A clause whose classes cannot be read: it may or may not catch the error."""

    MAYBE = "maybe"


MAYBE = Unreadable.MAYBE

#: Every code a filter can let through (0-599), and the HTTP-errors item.
ALL: frozenset[Item] = frozenset(UNIVERSE) | {HTTP}

#: What handles a call: a clause, a ``with`` guard, an unreadable clause, or nothing.
HandlerOf = Union[HandlerRec, WithRec, Unreadable, None]
#: A guard that handles calls.
HandlingGuard = Union[HandlerRec, WithRec]


class Handled:
    """What one handler (except clause or ``with`` guard) handles."""

    def __init__(self) -> None:
        self.items: Set[Item] = set()
        self.kinds: Set[str] = set()
        self.calls: List[str] = []
        #: Whether a guarded call may produce more than ``items`` (an open escape set).
        self.open = False

    def add(self, kind: str, items: Union[Set[Item], frozenset[Item]], name: str) -> None:
        self.items.update(items)
        self.kinds.add(kind)
        if name not in self.calls:
            self.calls.append(name)


_RAISES_SECTION = re.compile(r"^\s*Raises:?\s*$", re.M)


class Handling:
    """The handling of one file's BSG calls."""

    def __init__(
        self, facts: Facts, resolver: Resolver, operands: Operands, calls: CallFinder
    ) -> None:
        self.facts = facts
        self.r = resolver
        self.operands = operands
        self.calls = calls
        #: The handler of each BSG call, by ``id`` of the call (a call of a project function
        #: that lets two error classes escape is two BSG calls on one record).
        self.call_handler: Dict[int, HandlerOf] = {}
        #: What each guard handles, by ``id`` of the guard, in the order first found.
        self.handled: Dict[int, Handled] = {}
        self.guard_nodes: Dict[int, HandlingGuard] = {}
        #: The items escaping each function, per error class, by ``id`` of the function.
        self.escapes: Dict[int, Dict[str, Set[Item]]] = {}
        self._covered: Dict[Tuple[int, str], bool] = {}
        self._reraised_codes: Dict[int, Set[Item]] = {}
        #: The conditions read by each handler's dispatch, by ``id`` of the handler and kind:
        #: the re-raises and the coverage read the same ``if`` tests.
        self._conditions: Dict[Tuple[int, Kind], Dict[int, Condition]] = {}
        self._sites: Optional[Dict[int, List[CallRec]]] = None

    # ---- handlers ---------------------------------------------------------------------
    def handler_for(self, guards: Guards, kind: str) -> HandlerOf:
        """The guard that handles ``kind`` raised under ``guards``."""
        for guard in reversed(guards):
            if isinstance(guard, TryRec):
                for handler in guard.handlers:
                    classes = self.r.clause_classes(handler.type, handler.scope, handler.order)
                    caught = self.r.catches(classes or [None], kind)
                    if caught:
                        return handler
                    if caught is None:
                        return MAYBE
            else:
                for name, _call, classes in self.r.guard_kind(guard):
                    caught = self.r.catches(classes, kind, subclasses=name == "raises")
                    if caught:
                        return guard
                    if caught is None:
                        return MAYBE
        return None

    def site_handler(self, rec: CallRec, kind: str, target: FuncInfo) -> HandlerOf:
        """The handler of a call of a function of this file (a coroutine or a hand-off inside
        ``gather(..., return_exceptions=True)`` returns its errors as results)."""
        if id(rec.node) in self.calls.returned and (
            target.is_async or id(rec.node) in self.calls.handed_records
        ):
            return MAYBE
        return self.handler_for(rec.guards, kind)

    def find(self) -> None:
        """Handlers of direct calls, then escapes through local calls and re-raises."""
        escapes: Dict[int, Dict[str, Set[Item]]] = {id(f): {} for f in self.facts.functions}
        names: Dict[int, Dict[str, List[str]]] = {id(f): {} for f in self.facts.functions}
        for call in self.calls.bsg_calls:
            handler = MAYBE if call.returned else self.handler_for(call.rec.guards, call.kind)
            self.call_handler[id(call)] = handler
            if handler is None:
                if call.rec.func is not None:
                    escapes[id(call.rec.func)].setdefault(call.kind, set()).update(call.items)
                    names[id(call.rec.func)].setdefault(call.kind, []).append(call.name)
            elif handler is not MAYBE:
                by_handler = self._handled(handler)
                by_handler.add(call.kind, call.items, call.name)
                by_handler.open = by_handler.open or call.open
        # transitive escapes through calls of functions of this file, to a fixed point
        changed = True
        rounds = 0
        local_handled: Dict[Tuple[int, int, str], Set[Item]] = {}
        while changed and rounds < 50:
            changed = False
            rounds += 1
            for rec, target in self.calls.local_calls:
                for kind, items in list(escapes[id(target)].items()):
                    handler = self.site_handler(rec, kind, target)
                    label_name = f"{target.name}()"
                    if handler is None:
                        if rec.func is not None:
                            bucket = escapes[id(rec.func)].setdefault(kind, set())
                            if not items <= bucket:
                                bucket.update(items)
                                names[id(rec.func)].setdefault(kind, []).append(label_name)
                                changed = True
                    elif handler is not MAYBE:
                        key = (id(rec), id(handler), kind)
                        seen = local_handled.setdefault(key, set())
                        if not items <= seen:
                            seen.update(items)
                            self._handled(handler).add(kind, items, label_name)
                            changed = True
            # what handlers re-raise escapes their function (or reaches an outer handler)
            for try_rec in self.facts.tries:
                if try_rec.func is None:
                    continue
                for handler in try_rec.handlers:
                    handled = self.handled.get(id(handler))
                    if handled is None or not handler.reraises:
                        continue
                    reraised = self.reraised_items(handler, handled)
                    if not reraised:
                        continue
                    for kind in list(handled.kinds):
                        guards = handler.reraises[0][1]
                        outer = self.handler_for(guards, kind)
                        if outer is None:
                            bucket = escapes[id(try_rec.func)].setdefault(kind, set())
                            if not reraised <= bucket:
                                bucket.update(reraised)
                                names[id(try_rec.func)].setdefault(kind, []).extend(handled.calls)
                                changed = True
                        elif outer is not MAYBE and outer is not handler:
                            target_handled = self._handled(outer)
                            if not reraised <= target_handled.items:
                                target_handled.add(kind, reraised, handled.calls[0])
                                changed = True
        self.escapes = escapes

    def _handled(self, guard: HandlingGuard) -> Handled:
        handled = self.handled.get(id(guard))
        if handled is None:
            handled = self.handled[id(guard)] = Handled()
            self.guard_nodes[id(guard)] = guard
        return handled

    def code_dispatch(self, handler: HandlerRec, kind: Kind) -> Dispatch:
        """The dispatch on the code (``Kind.CODES``) or message of the error ``handler`` binds."""
        domains = (Domain.API1,) if kind is Kind.CODES else (Domain.MESSAGE, Domain.BODY)

        def target(expr: CodeExpr) -> bool:
            return expr.domain in domains and expr.origin is handler

        conditions = self._conditions.setdefault((id(handler), kind), {})
        return Dispatch(
            self.operands, self.facts, handler.scope, handler.order + 1, target, kind, conditions
        )

    def reraised_items(self, handler: HandlerRec, handled: Handled) -> Set[Item]:
        """The items a handler re-raises: in a branch of a dispatch on its code, only the codes
        that branch covers; anywhere else, everything it handles."""
        codes = self.reraised_codes(handler)
        out: Set[Item] = set()
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

    def reraised_codes(self, handler: HandlerRec) -> Set[Item]:
        """The codes (of 0-599) that reach a re-raise of ``handler`` under its dispatch."""
        codes = self._reraised_codes.get(id(handler))
        if codes is None:  # the body does not change between rounds of the fixed point
            raises = {id(node) for node, _guards in handler.reraises}
            dispatch = self.code_dispatch(handler, Kind.CODES)
            codes = self._reraised_codes[id(handler)] = self._raising_codes(
                handler.body, set(UNIVERSE), dispatch, raises
            )
        return codes

    def escape_filter(self, guards: Guards, kind: str) -> Optional[Set[Item]]:
        """What of an error of class ``kind`` raised under ``guards`` leaves the function: every
        item (``ALL``), only the codes of a set (re-raised under a dispatch; messages and other
        items pass when any HTTP status does), or nothing (``None``)."""
        handler = self.handler_for(guards, kind)
        if handler is None:
            return set(ALL)
        if not isinstance(handler, HandlerRec) or not handler.reraises:
            return None
        codes = set(self.reraised_codes(handler))
        outer = self.escape_filter(handler.reraises[0][1], kind)
        if outer is None:
            return None
        return codes & outer

    def _raising_codes(
        self,
        statements: List[cst.BaseStatement],
        within: Set[Item],
        dispatch: Dispatch,
        raises: Set[int],
    ) -> Set[Item]:
        """The codes among ``within`` that reach one of the ``raises`` statements. A branch of
        an ``if`` on the code that ends in ``return``, ``raise``, ``continue`` or ``break``
        keeps its codes from the statements after the ``if``."""
        out: Set[Item] = set()
        live = set(within)
        for statement in statements:
            for small in smalls(statement):
                if type(small) is cst.If:
                    remaining = set(live)
                    stopped: Set[Item] = set()
                    known = True  # whether `remaining` is exactly what reaches the next branch
                    current: Union[cst.If, cst.Else, None] = small
                    while isinstance(current, cst.If):
                        cover, _named = dispatch.condition(current.test)
                        body = block_statements(current.body)
                        # `e.code == 21 and verbose` covers nothing for sure, yet may take 21
                        partial = not cover and dispatch.mentions_code(current.test)
                        if isinstance(cover, Cond) or partial:
                            out |= self._raising_codes(body, set(remaining), dispatch, raises)
                            # codes it takes and keeps from the raise are fine either way
                            known = known and exits(body)
                        else:
                            branch = remaining & cover  # (a new set; ``cover`` is shared)
                            out |= self._raising_codes(body, branch, dispatch, raises)
                            if known and exits(body):
                                # (after an unknown branch, these codes may have gone there)
                                stopped |= branch
                            remaining -= cover
                        current = current.orelse
                    if isinstance(current, cst.Else):
                        body = block_statements(current.body)
                        out |= self._raising_codes(body, remaining, dispatch, raises)
                        if known and exits(body):
                            stopped |= remaining
                    live -= stopped
                elif id(small) in raises or (
                    # a ``raise`` is a small statement: no other small statement holds one
                    type(statement) is not cst.SimpleStatementLine and contains(small, raises)
                ):
                    out |= live
        return out

    # ---- propagation on purpose -------------------------------------------------------
    def covered(self, func: Optional[FuncInfo], kind: str, seen: Optional[Set[int]] = None) -> bool:
        """Whether BSG errors escaping ``func`` are propagated on purpose: declared
        (``Raises:``, a retry decorator), or ``func`` is private, nested or a method called
        through ``self.`` and every call site of it handles them or propagates on purpose."""
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
            for rec, target in self.calls.local_calls:
                self._sites.setdefault(id(target), []).append(rec)
        sites = self._sites.get(id(func), [])
        if func.cls is not None and not private and not func.nested:
            # a public method qualifies when it is called through self./cls.
            if not sites or not all(self.is_self_call(rec) for rec in sites):
                return False
        if not sites:
            return False
        for rec in sites:
            handler = self.site_handler(rec, kind, func)
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

    @staticmethod
    def declares_raises(func: FuncInfo, kind: str) -> bool:
        """Whether the docstring declares the error class (Google, NumPy or Sphinx style)."""
        doc = func.docstring
        if not doc:
            return False
        short = kind.rsplit(".", 1)[-1]
        sphinx = re.search(r":raises?\s+([\w.]+)\s*:", doc)
        if sphinx and re.search(r":raises?\s+(?:[\w.]+\.)?" + re.escape(short) + r"\s*:", doc):
            return True
        match = _RAISES_SECTION.search(doc)
        if match is None:
            return False
        section = doc[match.end() :]
        return re.search(r"^\s*(?:[\w.]+\.)?" + re.escape(short) + r"\b", section, re.M) is not None

    def retried_by_decorator(self, func: FuncInfo, kind: str) -> bool:
        """Celery ``autoretry_for=`` (or a ``base=`` class setting it), tenacity
        ``retry=retry_if_exception_type(...)``, ``backoff.on_exception(wait, Error)``,
        ``stamina.retry(on=Error)``."""
        for decorator in func.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                continue
            if self.retry_decorator_names(expr, func, kind):
                return True
            for arg in expr.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "autoretry_for":
                    classes = self.r.clause_classes(arg.value, func.outer, 0) or []
                    if self.r.catches(classes, kind):
                        return True
                if arg.keyword.value == "base" and self.base_retries(arg.value, func, kind):
                    return True
                if arg.keyword.value == "retry":
                    for call in _retry_predicates(arg.value):
                        named: List[Value] = []
                        for inner in call.args:
                            named += self.r.clause_classes(inner.value, func.outer, 0) or []
                        if self.r.catches(named, kind):
                            return True
        return False

    def retry_decorator_names(self, expr: cst.Call, func: FuncInfo, kind: str) -> bool:
        """A retry decorator of :data:`flake8_bsg.clients.RETRY_DECORATORS` naming ``kind``."""
        decorator = self.r.resolve(expr.func, func.outer, 0)
        if not isinstance(decorator, Sym) or decorator.qualname not in clients.RETRY_DECORATORS:
            return False
        index, keyword = clients.RETRY_DECORATORS[decorator.qualname]
        positional = [a.value for a in expr.args if a.keyword is None and not a.star]
        named = [a.value for a in expr.args if a.keyword is not None and a.keyword.value == keyword]
        if index is not None and len(positional) > index:
            named.append(positional[index])
        for classes_expr in named:
            classes = self.r.clause_classes(classes_expr, func.outer, 0) or []
            if self.r.catches(classes, kind):
                return True
        return False

    def base_retries(self, expr: cst.BaseExpression, func: FuncInfo, kind: str) -> bool:
        """A Celery task ``base=`` class of this file whose ``autoretry_for`` names ``kind``."""
        base = self.r.resolve(expr, func.outer, 0)
        if not isinstance(base, LocalClass):
            return False
        for binding in base.info.inner.bindings.get("autoretry_for", []):
            value = binding.value
            if binding.kind is BindingKind.ASSIGN and isinstance(value, cst.BaseExpression):
                classes = self.r.clause_classes(value, base.info.inner, binding.order) or []
                if self.r.catches(classes, kind):
                    return True
        return False

    def suppresses(self, guard: WithRec) -> bool:
        """Whether a ``with`` guard is ``contextlib.suppress(...)``."""
        return any(name == "suppress" for name, _c, _k in self.r.guard_kind(guard))


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

"""The analysis of one file, which the rules query: its BSG calls and their handlers, the
dispatches of handlers and response checks, and every value compared with a code expression.

Everything is computed once, in one fixed order (resolution is memoised, so the order of the
questions is part of the answer for self-referential code), before any rule runs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    FrozenSet,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Set,
    Tuple,
)

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.codes import (
    FAMILIES,
    GROUPS,
    ErrorMessage,
    codes_of_family,
    is_documented,
    messages_of_group,
)
from flake8_bsg.facts.records import (
    CallRec,
    ComparisonSite,
    Facts,
    FuncInfo,
    HandlerRec,
    MatchSite,
    Scope,
    Site,
    TryRec,
    WithRec,
)
from flake8_bsg.facts.walk import children
from flake8_bsg.flow.calls import BsgCall, CallFinder
from flake8_bsg.flow.coverage import (
    HTTP,
    HTTP_SET,
    MEMBERSHIP,
    NOT_CODE,
    ORDERINGS,
    UNKNOWN,
    Coverage,
    Dispatch,
    Item,
    Kind,
    alternatives,
    exits,
    is_noop_body,
    pattern_values,
)
from flake8_bsg.flow.handling import Handled, HandlerOf, Handling, HandlingGuard
from flake8_bsg.flow.operands import Operands
from flake8_bsg.flow.resolve import Resolver
from flake8_bsg.flow.values import (
    CodeExpr,
    ConstValue,
    Domain,
    ErrorObj,
    HttpSession,
    Json,
    ResponseOrigin,
    Sym,
    Table,
    Value,
)
from flake8_bsg.options import Config

if TYPE_CHECKING:
    from flake8_bsg.project.link import Linked
    from flake8_bsg.project.shape import Json as FactsJson
    from flake8_bsg.project.summary import Names


class ModuleContext(Protocol):
    """What the analysis of a module asks of its project (``project.index`` provides it)."""

    #: The module's dotted name (its path when it has none) and its path from the root.
    module: str
    rel: str
    #: The text analysed, when the caller has it.
    text: Optional[str]

    def known_facts(self) -> Optional[Dict[str, FactsJson]]:
        """The module's facts, when the project already holds them for the linted text."""

    def linked(self, data: Dict[str, FactsJson]) -> Linked:
        """The project linked with ``data`` as this module's facts."""

    def session_base(self, dotted: str) -> Optional[str]:
        """The base URL (``""``: none) of the HTTP session another module holds under that
        name, or ``None`` when it holds none."""


class DispatchCheck(NamedTuple):
    """A dispatch to judge for dropped (BSG102) and required (BSG103) codes.

    ``at``: where to report; ``kind``: codes or messages; ``calls``: the guarded calls'
    names and ``errors`` the error classes (a handler), or ``response``: what made the
    response (a response check);
    ``complete``: the block dispatches and has no fallback, so what it does not cover is
    dropped; ``producible``: the items the guarded calls (or the response) can produce, in
    catalogue order; ``required``: the ``--bsg-require-codes`` among them.
    """

    at: cst.CSTNode
    kind: Kind
    calls: List[str]
    errors: List[str]
    response: Optional[str]
    coverage: Coverage
    complete: bool
    producible: List[Item]
    required: List[Item]


class ComparedValue(NamedTuple):
    """One value compared with, matched against or looked up by a code expression (or passed
    as the code of a constructed BSG error, ``constructed``).

    ``literal``: written as a literal (else through a name); ``producible``: what the code
    expression's calls can produce (``None``: unknown); ``bound``: a range bound;
    ``substring``: tested with ``in`` against the expression (a message substring);
    ``range_admits``: for a range bound that is a documented code, whether the range admits a
    producible code; ``table``: a key of a dispatch table (shared by its lookups);
    ``members``: the values of the same-file collection the value belongs to, when it is
    reached through the collection's name.
    """

    value: ConstValue
    node: cst.CSTNode
    literal: bool
    expr: Optional[CodeExpr]
    producible: Optional[Set[Item]]
    bound: bool = False
    substring: bool = False
    range_admits: Optional[bool] = None
    constructed: bool = False
    table: bool = False
    members: FrozenSet[ConstValue] = frozenset()


def item_key(item: Item) -> tuple[int, int]:
    return (1, 0) if item == HTTP else (0, int(item))


class FileAnalysis:
    """Everything the rules ask about one file."""

    def __init__(
        self,
        facts: Facts,
        config: Config,
        is_test_file: bool,
        project: Optional[ModuleContext] = None,
    ) -> None:
        self.facts = facts
        self.config = config
        self.is_test_file = is_test_file
        #: What the rules compute once per file and share (e.g. the value verdicts).
        self.memo: Dict[str, object] = {}
        self.resolver = Resolver(facts, config, project=project is not None)
        if project is not None:
            self.resolver.project_value = _session_of(project)
        self.operands = Operands(self.resolver)
        self.calls = CallFinder(facts, self.resolver, config)
        self.calls.find()
        self.handling = Handling(facts, self.resolver, self.operands, self.calls)
        #: The project this file is analysed in (``None``: file-local analysis).
        self.project = project
        self.linked: Optional[Linked] = None
        self.names: Optional[Names] = None
        if project is not None:
            self._join_project(project)
        self.handling.find()
        if self.linked is not None:
            self._mark_open()
        # the questions every rule asks, in the order they were first asked in 0.1
        if not is_test_file:
            for call in self.bsg_calls:
                if self.handler_of(call) is None:
                    self.propagated_on_purpose(call)
        self.handler_checks: List[DispatchCheck] = []
        for guard, handled in self.handled_guards():
            if isinstance(guard, HandlerRec):
                self.handler_checks += self._handler_checks(guard, handled)
        self._admits: Dict[Tuple[int, CodeExpr], bool] = {}
        self.compared_values: List[ComparedValue] = list(self._compared_values())
        self.response_checks: List[DispatchCheck] = list(self._response_checks())
        #: Calls of this file's functions that declare the error they let escape (``Raises:``).
        self.declared_calls: List[BsgCall] = self._declared_calls()

    # ---- calls and handlers -----------------------------------------------------------
    @property
    def bsg_calls(self) -> List[BsgCall]:
        return self.calls.bsg_calls

    def handler_of(self, call: BsgCall) -> HandlerOf:
        known = self.handling.call_handler
        if id(call) in known:
            return known[id(call)]
        return self.handling.handler_for(call.rec.guards, call.kind)

    def _declared_calls(self) -> List[BsgCall]:
        """Calls of functions whose docstring declares the error class they let escape: their
        call sites are BSG calls producing what escapes (as if the docstring were absent)."""
        if self.project is not None:
            return []  # in a project, every call of a project function is a BSG call
        # a helper defined in both branches of an `if` may be either: what escapes both
        found: Dict[Tuple[int, str], Tuple[CallRec, str, Set[Item]]] = {}
        for rec, target in self.calls.local_calls:
            for kind, escaping in self.handling.escapes.get(id(target), {}).items():
                if escaping and self.handling.declares_raises(target, kind):
                    key = (id(rec), kind)
                    if key not in found:
                        found[key] = (rec, f"{target.name}()", set())
                    found[key][2].update(escaping)
        out: List[BsgCall] = []
        for (_rec, kind), (rec, name, items) in found.items():
            families, extra = _families_and_codes(kind, items)
            out.append(BsgCall(rec, name, frozenset(items), kind, families, extra))
        return out

    def propagated_on_purpose(self, call: BsgCall) -> bool:
        """Whether the function holding ``call`` passes its errors on on purpose, or (in a
        project) to its callers because it is no entry point."""
        if self.linked is None or self.project is None or self.names is None:
            return self.handling.covered(call.rec.func, call.kind)
        func = call.rec.func
        declared = self._declared_client(func)
        if declared is not None:
            # --bsg-clients wins for the names it declares: inside, what the declaration covers
            # is passed on; the rest is judged as in an entry point
            families, error = declared
            return call.kind == (error or clients.API1_ERROR) and set(call.items) <= set(
                clients.family_items(families)
            )
        if not self.linked.is_entry((self.project.module, self.names.func_key(func))):
            return True
        return func is not None and (
            self.handling.declares_raises(func, call.kind)
            or self.handling.retried_by_decorator(func, call.kind)
        )

    def _declared_client(
        self, func: Optional[FuncInfo]
    ) -> Optional[Tuple[Tuple[str, ...], Optional[str]]]:
        """The ``--bsg-clients`` declaration of a project function (or of its class), if any."""
        if func is None or self.project is None or self.names is None:
            return None
        dotted = f"{self.project.module}.{self.names.func_key(func)}"
        found = self.config.wrapper_functions.get(dotted)
        if found is None and func.cls is not None and not func.name.startswith("_"):
            found = self.config.wrapper_classes.get(dotted.rsplit(".", 1)[0])
        return found

    # ---- the project ------------------------------------------------------------------
    def _join_project(self, project: ModuleContext) -> None:
        """Link this module's facts with the project's; calls of project functions (and of
        clients reached through project values) become BSG calls with what escapes them."""
        from flake8_bsg.project.summary import Summariser, value_ref

        calls = self.calls
        summariser = Summariser(
            self.facts,
            self.resolver,
            calls,
            self.handling,
            self.config,
            project.module,
            project.rel,
            self.is_test_file,
        )
        data = project.known_facts()
        if data is None:
            data = summariser.build(self._call_lines(project.text))
        linked = self.linked = project.linked(data)
        names = self.names = summariser.names
        calls.local_calls = []  # their escapes come with the project's calls below
        for rec, values in calls.sites:
            refs = [value_ref(v, names) for v in values]
            target = linked.targets([r for r in refs if r is not None])
            node_id = id(rec.node)
            for shape in target.bsg:
                call = BsgCall(rec, *shape)
                calls.bsg_calls.append(call)
                self._guards_bind(call)
            merged: Dict[str, Tuple[str, Set[Item], List[Tuple[str, str, int]], bool]] = {}
            for fid in target.funcs:
                callee = linked.func(fid)
                is_async = bool(callee.get("async"))
                if is_async and node_id in calls.scheduled:
                    continue
                if node_id in calls.returned and (is_async or node_id in calls.handed_records):
                    continue
                for kind, escapes in linked.escapes_of(fid).items():
                    if not escapes.items:
                        continue
                    name, items, origins, is_open = merged.get(
                        kind, (_display(fid[1]), set(), [], False)
                    )
                    items |= escapes.items
                    origins += [o for o in escapes.origins if o not in origins]
                    merged[kind] = (name, items, origins, is_open or fid in linked.open)
            for kind, (name, items, origins, is_open) in merged.items():
                families, extra = _families_and_codes(kind, items)
                call = BsgCall(rec, name, frozenset(items), kind, families, extra)
                call.origins = tuple(origins)
                call.open = is_open
                calls.bsg_calls.append(call)
                self._guards_bind(call)

    def _call_lines(self, text: Optional[str]) -> Dict[int, int]:
        """The lines of the BSG calls and project call sites (by ``id`` of the call node):
        from Python's parse of the text when the caller has it, else from positions."""
        from flake8_bsg.positions import Parsed

        parsed = self.facts.parsed
        if not isinstance(parsed, Parsed):
            parsed = Parsed.single(self.facts.module, text)
        lines = parsed.call_lines([rec.node for rec in self.facts.calls])
        if lines is not None:
            return lines
        nodes = {id(c.rec.node) for c in self.calls.bsg_calls}
        nodes |= {id(rec.node) for rec, _ in self.calls.sites}
        positions = parsed.positions(nodes) if nodes else {}
        return {key: line for key, (line, _col) in positions.items()}

    def _guards_bind(self, call: BsgCall) -> None:
        """A broad clause binds a code expression when its ``try`` guards a BSG call."""
        for guard in reversed(call.rec.guards):
            if isinstance(guard, TryRec):
                for handler in guard.handlers:
                    self.resolver.guarded_by_handler.setdefault(id(handler), set()).add(call.kind)

    def _mark_open(self) -> None:
        """Handlers around a method called on an unresolved receiver, when a project method
        of that name lets BSG errors escape: what they handle may be more than known."""
        assert self.linked is not None
        from flake8_bsg.project.summary import error_kinds

        for rec, name in self.calls.opens:
            if name not in self.linked.escaping_methods:
                continue
            for kind in error_kinds(self.config):
                handler = self.handling.handler_for(rec.guards, kind)
                if isinstance(handler, (HandlerRec, WithRec)):
                    handled = self.handling.handled.get(id(handler))
                    if handled is not None:
                        handled.open = True

    def handled_guards(self) -> List[tuple[HandlingGuard, Handled]]:
        """Every guard that handles a BSG call, with what it handles, in the order found."""
        nodes = self.handling.guard_nodes
        return [(nodes[key], handled) for key, handled in self.handling.handled.items()]

    @staticmethod
    def does_nothing(handler: HandlerRec) -> bool:
        """Whether a clause's body is only ``pass``, ``...`` or strings."""
        return is_noop_body(handler.body)

    def suppresses(self, guard: WithRec) -> bool:
        return self.handling.suppresses(guard)

    # ---- dispatches -------------------------------------------------------------------
    def _handler_checks(self, handler: HandlerRec, handled: Handled) -> List[DispatchCheck]:
        out: List[DispatchCheck] = []
        codes = {i for i in handled.items if isinstance(i, int) or i == HTTP}
        messages = {i for i in handled.items if isinstance(i, str) and i != HTTP}
        required: List[Item] = [c for c in self.config.require_codes if c in codes]
        if codes or required:
            dispatch = self.handling.code_dispatch(handler, Kind.CODES)
            coverage = dispatch.block(handler.body, dispatch.universe)
            producible = sorted(codes - {0}, key=item_key)
            complete = coverage.found and not coverage.fallback
            out.append(
                DispatchCheck(
                    handler.node,
                    Kind.CODES,
                    handled.calls,
                    sorted(handled.kinds),
                    None,
                    coverage,
                    complete,
                    producible,
                    required,
                )
            )
        if messages and clients.UNCATALOGUED not in messages:
            dispatch = self.handling.code_dispatch(handler, Kind.MESSAGES)
            coverage = dispatch.block(handler.body, dispatch.universe)
            ordered: List[Item] = [m.name for m in ErrorMessage if m.name in messages]
            complete = coverage.found and not coverage.fallback
            out.append(
                DispatchCheck(
                    handler.node,
                    Kind.MESSAGES,
                    handled.calls,
                    sorted(handled.kinds),
                    None,
                    coverage,
                    complete,
                    ordered,
                    [],
                )
            )
        return out

    def _response_checks(self) -> List[DispatchCheck]:
        """Checks of a parsed response's ``"error"`` (or ``"message"``)."""
        if not self.resolver.saw_response:
            return []
        out: List[DispatchCheck] = []
        # statements inside the branches of a check already judged, per code expression: a
        # check nested there dispatches within its branch, as part of the outer check
        inside: Dict[CodeExpr, Set[int]] = {}
        for statements, scope in self.facts.blocks:
            targets: List[CodeExpr] = []
            for statement in statements:
                if not isinstance(statement, (cst.If, cst.Match)):
                    continue
                expr = self._first_response_expr(statement, scope)
                if expr is not None and expr not in targets:
                    targets.append(expr)
            for expr in targets:
                if statements and id(statements[0]) in inside.get(expr, set()):
                    continue
                check = self._response_check(statements, scope, expr)
                if check is not None:
                    out.append(check)
                    nested = inside.setdefault(expr, set())
                    for statement in statements:
                        if isinstance(statement, (cst.If, cst.Match)):
                            nested |= _statements_within(statement)
        return out

    def _first_response_expr(self, statement: cst.CSTNode, scope: Scope) -> Optional[CodeExpr]:
        tests: List[cst.CSTNode] = []
        if isinstance(statement, cst.Match):
            tests.append(statement.subject)
        else:
            current: object = statement
            while isinstance(current, cst.If):
                tests.append(current.test)
                current = current.orelse
        todo = list(tests)
        while todo:
            node = todo.pop(0)
            if isinstance(node, (cst.Subscript, cst.Call, cst.Name, cst.Attribute)):
                order = self.facts.order_of.get(id(node), 0)
                expr = self.operands.code_expr(node, scope, order)
                if (
                    expr is not None
                    and expr.domain in (Domain.RESPONSE_ERROR, Domain.MESSAGE)
                    and isinstance(expr.origin, ResponseOrigin)
                ):
                    return expr
            if isinstance(node, (cst.Lambda, cst.FunctionDef)):
                continue
            todo.extend(children(node))
        return None

    def _response_check(
        self, statements: List[cst.BaseStatement], scope: Scope, expr: CodeExpr
    ) -> Optional[DispatchCheck]:
        origin = expr.origin
        assert isinstance(origin, ResponseOrigin)
        kind = Kind.CODES if expr.domain is Domain.RESPONSE_ERROR else Kind.MESSAGES

        def target(other: CodeExpr) -> bool:
            return other == expr

        dispatch = Dispatch(self.operands, self.facts, scope, 0, target, kind)
        coverage = dispatch.scan(statements, dispatch.universe, response=True)
        if coverage.first is None:
            return None
        fallback = coverage.fallback
        if coverage.after and (
            dispatch.zero_exits or (kind is Kind.MESSAGES and exits(statements, raising=True))
        ):
            # what follows a code check is the success path unless success left the block; a
            # message check has no success value: what follows it handles the rest only when it
            # treats reaching it as a failure (the block ends in `raise`)
            fallback = True
        producible: List[Item]
        required: List[Item]
        if kind is Kind.CODES:
            producible = sorted(c for c in (origin.codes or ()) if c)
            required = [c for c in self.config.require_codes if c in (origin.codes or ())]
        else:
            names = {m.name for g in origin.groups or () for m in messages_of_group(g)}
            producible = [m.name for m in ErrorMessage if m.name in names]
            required = []
        return DispatchCheck(
            coverage.first, kind, [], [], origin.call, coverage, not fallback, producible, required
        )

    # ---- compared values --------------------------------------------------------------
    def producible(self, expr: CodeExpr) -> Optional[Set[Item]]:
        """What the calls behind a code expression can produce (``None``: unknown)."""
        origin = expr.origin
        if origin is None:
            return None
        if isinstance(origin, ResponseOrigin):
            if origin.codes is not None:
                return set(origin.codes)
            return {m.name for g in origin.groups or () for m in messages_of_group(g)}
        handled = self.handling.handled.get(id(origin))
        if handled is None or not handled.items or handled.open:
            return None
        return handled.items

    def _compared_values(self) -> List[ComparedValue]:
        out: List[ComparedValue] = []
        for site in self.facts.comparisons:
            out += self._comparison(site)
        for match_site in self.facts.matches:
            out += self._match(match_site)
        for subscript in self.facts.subscripts:
            node = subscript.node
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                out += self._table(node.value, node.slice[0].slice.value, subscript)
        for rec in self.facts.calls:
            call = rec.node
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in clients.ASSERT_COMPARISONS:
                out += self._assertion(rec, clients.ASSERT_COMPARISONS[func.attr.value])
            if isinstance(func, cst.Attribute) and func.attr.value == "get" and call.args:
                out += self._table(func.value, call.args[0].value, Site(call, rec.scope, rec.order))
            out += self._constructed(rec)
        return out

    def _comparison(self, site: ComparisonSite) -> List[ComparedValue]:
        out: List[ComparedValue] = []
        node = site.node
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            op = target.operator
            for expr_node, other, code_on_right in ((left, right, False), (right, left, True)):
                expr = self.operands.code_expr(expr_node, site.scope, site.order)
                if expr is None:
                    continue
                calls = self.producible(expr)
                # a range bound is a magic number, not a claim that the value occurs
                bound = type(op) in ORDERINGS
                substring = code_on_right and type(op) in MEMBERSHIP
                bounds = None
                if type(op) in MEMBERSHIP and not code_on_right:
                    bounds = self.operands.range_bounds(other, site.scope, site.order)
                if bounds is not None:
                    # `code in range(a, b)`: its bounds are a range's bounds
                    bound = True
                operands = (
                    bounds
                    if bounds is not None
                    else self.operands.values(other, site.scope, site.order)
                )
                # a name standing for a collection gives several values at one node
                by_node: Dict[int, Set[ConstValue]] = {}
                for value, at, _literal in operands:
                    by_node.setdefault(id(at), set()).add(value)
                for value, at, literal in operands:
                    together = by_node[id(at)]
                    members = frozenset(together) if len(together) > 1 else frozenset()
                    admits = None
                    if (
                        bound
                        and calls is not None
                        and expr.domain in (Domain.API1, Domain.RESPONSE_ERROR)
                        and isinstance(value, int)
                        and is_documented(value)
                        and value
                    ):
                        admits = self._range_admits(node, expr, site, calls)
                    out.append(
                        ComparedValue(
                            value,
                            at,
                            literal,
                            expr,
                            calls,
                            bound,
                            substring,
                            admits,
                            members=members,
                        )
                    )
                break
            left = right
        return out

    def _assertion(self, rec: CallRec, membership: bool) -> List[ComparedValue]:
        """``self.assertEqual(cm.exception.code, 41)``, ``assertIn(code, (26, 89))``: the first
        two arguments compared as ``==`` (or ``in``) would compare them."""
        positional = [a.value for a in rec.node.args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in rec.node.args if a.keyword is not None}
        for keyword in ("first", "second", "member", "container"):
            if keyword in named:
                positional.append(named[keyword])
        if len(positional) < 2:
            return []
        first, second = positional[:2]
        for expr_node, other, code_second in ((first, second, False), (second, first, True)):
            expr = self.operands.code_expr(expr_node, rec.scope, rec.order)
            if expr is None:
                continue
            calls = self.producible(expr)
            substring = membership and code_second
            return [
                ComparedValue(value, at, literal, expr, calls, substring=substring)
                for value, at, literal in self.operands.values(other, rec.scope, rec.order)
            ]
        return []

    def _range_admits(
        self, node: cst.Comparison, expr: CodeExpr, site: Site, calls: Set[Item]
    ) -> bool:
        """Whether the codes a chained range comparison admits include one the calls produce
        (asked once per comparison and code expression: ``20 <= e.code <= 36`` asks twice)."""
        key = (id(node), expr)
        known = self._admits.get(key)
        if known is not None:
            return known

        def target(other: CodeExpr) -> bool:
            return other == expr

        dispatch = Dispatch(self.operands, self.facts, site.scope, site.order, target, Kind.CODES)
        cover, _named = dispatch.comparison(node)
        if cover is UNKNOWN or cover is NOT_CODE:
            admits = True
        else:
            admits = any(c in cover for c in calls if isinstance(c, int)) or (
                HTTP in calls and bool(cover & HTTP_SET)
            )
        self._admits[key] = admits
        return admits

    def _match(self, site: MatchSite) -> List[ComparedValue]:
        node = site.node
        expr = self.operands.code_expr(node.subject, site.scope, site.order)
        if expr is None:
            return self._class_patterns(site) + self._mapping_patterns(site)
        calls = self.producible(expr)
        out: List[ComparedValue] = []
        for case in node.cases:
            for value_node in pattern_values(case.pattern):
                for value, at, literal in self.operands.values(value_node, site.scope, site.order):
                    out.append(ComparedValue(value, at, literal, expr, calls))
        return out

    def _mapping_patterns(self, site: MatchSite) -> List[ComparedValue]:
        """``match data: case {"error": 89}:``: a key of a parsed BSG body matched against
        values."""
        subject = self.resolver.resolve(site.node.subject, site.scope, site.order)
        if not isinstance(subject, Json):
            return []
        out: List[ComparedValue] = []
        for case in site.node.cases:
            for pattern in alternatives(case.pattern):
                if isinstance(pattern, cst.MatchMapping):
                    for element in pattern.elements:
                        item = self.resolver.item(subject, element.key, site.scope, site.order)
                        if not isinstance(item, CodeExpr):
                            continue
                        calls = self.producible(item)
                        for value_node in pattern_values(element.pattern):
                            for value, at, literal in self.operands.values(
                                value_node, site.scope, site.order
                            ):
                                out.append(ComparedValue(value, at, literal, item, calls))
        return out

    def _class_patterns(self, site: MatchSite) -> List[ComparedValue]:
        """``match exc: case APIError(code=21): ...``: the ``code=`` sub-patterns are matched
        against the error's code."""
        out: List[ComparedValue] = []
        error = self.resolver.resolve(site.node.subject, site.scope, site.order)
        # the pattern names the error class: whatever the subject is, `code=` is a BSG code
        # (whose calls are known only when the subject is a caught BSG error)
        origin = error.origin if isinstance(error, ErrorObj) else None
        for case in site.node.cases:
            for pattern in alternatives(case.pattern):
                if isinstance(pattern, cst.MatchClass):
                    resolved = self.resolver.resolve(pattern.cls, site.scope, site.order)
                    kind = self.resolver.error_kind(resolved)
                    if kind is None:
                        continue
                    field = "status" if kind.startswith(clients.API2_PACKAGE + ".") else "code"
                    attribute = self.resolver.attribute(ErrorObj(kind, origin), field)
                    if not isinstance(attribute, CodeExpr):
                        continue
                    calls = self.producible(attribute)
                    for keyword in pattern.kwds:
                        if keyword.key.value != field:
                            continue
                        for value_node in pattern_values(keyword.pattern):
                            for value, at, literal in self.operands.values(
                                value_node, site.scope, site.order
                            ):
                                out.append(ComparedValue(value, at, literal, attribute, calls))
        return out

    def _table(
        self, table_node: cst.BaseExpression, key_node: cst.BaseExpression, site: Site
    ) -> List[ComparedValue]:
        expr = self.operands.code_expr(key_node, site.scope, site.order)
        if expr is None:
            return []
        table = self.resolver.resolve(table_node, site.scope, site.order)
        if not isinstance(table, Table):
            return []
        calls = self.producible(expr)
        out: List[ComparedValue] = []
        for element in table.node.elements:
            if isinstance(element, cst.DictElement):
                for value, at, literal in self.operands.values(element.key, site.scope, site.order):
                    out.append(ComparedValue(value, at, literal, expr, calls, table=True))
        return out

    def _constructed(self, rec: CallRec) -> List[ComparedValue]:
        """The code given to a constructed BSG error (``APIError(code=88)``) or to the
        catalogue's ``ErrorCode(89)``."""
        node = rec.node
        func = self.resolver.resolve(node.func, rec.scope, rec.order)
        arg = None
        if isinstance(func, Sym):
            last = func.qualname.rsplit(".", 1)[-1]
            if self.resolver.error_kind(func) is not None:
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
            return []
        return [
            ComparedValue(value, at, literal, None, None, constructed=True)
            for value, at, literal in self.operands.values(arg, rec.scope, rec.order)
        ]


def _statements_within(statement: cst.CSTNode) -> Set[int]:
    """The statements nested in a compound statement (not in functions or classes it holds)."""
    out: Set[int] = set()
    todo: List[cst.CSTNode] = list(children(statement))
    while todo:
        item = todo.pop()
        if isinstance(item, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(item, cst.BaseStatement):
            out.add(id(item))
        todo.extend(children(item))
    return out


def _families_and_codes(kind: str, items: Set[Item]) -> Tuple[Tuple[str, ...], Tuple[int, ...]]:
    """How a message names what can escape: API 2.0 message groups, or whole code families by
    their ranges plus the codes of a family produced only in part (``Recipient()``'s 41)."""
    if kind == clients.API2_ERROR:
        names = {i for i in items if isinstance(i, str)}
        groups = tuple(g for g in GROUPS if not names.isdisjoint(_group_names(g)))
        return groups, ()
    codes = {i for i in items if isinstance(i, int) and i}
    families = tuple(f for f in FAMILIES if _family_codes(f) <= codes)
    covered = {int(c) for f in families for c in codes_of_family(f)}
    return families, tuple(sorted(codes - covered))


@lru_cache(maxsize=None)
def _group_names(group: str) -> FrozenSet[str]:
    return frozenset(m.name for m in messages_of_group(group))


@lru_cache(maxsize=None)
def _family_codes(family: str) -> FrozenSet[int]:
    """A family's codes, ``NO_ERROR`` left out."""
    return frozenset(int(c) for c in codes_of_family(family)) - {0}


def _display(key: str) -> str:
    """How messages name a project function: ``send_otp()``, ``Gateway.send()``."""
    key = key.split("#", 1)[0]
    if ".<locals>." in key:
        key = key.rsplit(".<locals>.", 1)[1]
    return f"{key}()"


def _session_of(project: ModuleContext) -> Callable[[str], Value]:
    """The values of other modules the file's resolution needs: their HTTP sessions."""

    def value(dotted: str) -> Value:
        base = project.session_base(dotted)
        return None if base is None else HttpSession(base or None)

    return value

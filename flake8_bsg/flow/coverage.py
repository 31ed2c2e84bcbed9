"""Dispatch coverage: which codes (or messages) a block of statements handles.

A dispatch is one or more ``if``/``elif`` chains, ``match`` statements or table lookups in the
same block whose conditions test one code expression (SPEC section 3, "Dispatch", "Coverage"
and "Fallback"). :class:`Dispatch` reads such a block into a :class:`Coverage`.
"""

from __future__ import annotations

import enum
from typing import Callable, Dict, Final, FrozenSet, List, NamedTuple, Optional, Set, Tuple, Union

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.codes import (
    HTTP_ERROR_STATUSES,
    ErrorMessage,
    lookup_message,
    messages_containing,
)
from flake8_bsg.facts.records import Facts, Scope, block_statements
from flake8_bsg.facts.walk import children
from flake8_bsg.flow.operands import Operands
from flake8_bsg.flow.values import Builtin, CodeExpr, Json, JsonPart, Table, string_value

#: A code, a message (by member name), or the item standing for all HTTP errors.
Item = Union[int, str]

#: Every value an API 1.0 code expression is compared against lives in here.
UNIVERSE: FrozenSet[int] = frozenset(range(0, 600))
MESSAGE_UNIVERSE: FrozenSet[str] = frozenset(m.name for m in ErrorMessage)
#: The item standing for every HTTP status (400-599) of a failed API 1.0 request.
HTTP = clients.HTTP_ERRORS
HTTP_SET: FrozenSet[int] = frozenset(HTTP_ERROR_STATUSES)

# Node types compared by type rather than with `isinstance` where the analysis asks of every
# node or operand: LibCST's node classes have `ABCMeta` as their metaclass, so an `isinstance`
# that fails runs Python code of the `abc` module. None of these classes has subclasses.
MEMBERSHIP = frozenset({cst.In, cst.NotIn})
#: The comparisons that bound a range.
ORDERINGS = frozenset({cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual})
_SAME = frozenset({cst.Equal, cst.Is})
_DIFFERENT = frozenset({cst.NotEqual, cst.IsNot})
#: The operators that test what the code is not.
_COMPLEMENTS = _DIFFERENT | {cst.NotIn}


class Cond(enum.Enum):
    """What a branch condition covers when it is not a set."""

    NOT_CODE = "not-code"  # the condition does not test the code expression
    UNKNOWN = "unknown"  # it tests it against something unknown: a fallback, never a guess


NOT_CODE: Final = Cond.NOT_CODE
UNKNOWN: Final = Cond.UNKNOWN

#: What a condition or pattern covers.
Cover = Union[Set[Item], Cond]
#: What a branch condition covers, and the codes it names.
Condition = Tuple[Cover, Set[Item]]


class Kind(enum.Enum):
    """What a dispatch compares: API 1.0 codes (ints) or API 2.0 messages (member names)."""

    CODES = "codes"
    MESSAGES = "messages"


class Coverage(NamedTuple):
    """What a block's dispatch on one code expression covers.

    ``named``: the items named explicitly (``==``, ``in``, a range, a ``case`` value, a table
    key); ``fallback``: the dispatch handles everything else; ``first``: its first statement
    (``None``: the block holds no dispatch); ``after``: other statements follow it.
    """

    covered: Set[Item]
    named: Set[Item]
    fallback: bool
    first: Optional[cst.CSTNode]
    after: bool

    @property
    def found(self) -> bool:
        return self.first is not None

    def covers(self, item: Item) -> bool:
        """Whether ``item`` is covered (the HTTP-errors item: every status 400-599 is)."""
        if item == HTTP:
            return HTTP_SET <= self.covered
        return item in self.covered


class BranchCover(NamedTuple):
    covered: Set[Item]
    named: Set[Item]
    fallback: bool


class Dispatch:
    """Coverage of a block by dispatches on one code expression.

    ``target(expr)`` says whether a code expression is the one dispatched on; ``domain`` is
    ``codes`` (ints) or ``messages`` (API 2.0 message members, by name).
    """

    def __init__(
        self,
        operands: Operands,
        facts: Facts,
        scope: Scope,
        order: int,
        target: Callable[[CodeExpr], bool],
        kind: Kind,
        conditions: Optional[Dict[int, Condition]] = None,
    ) -> None:
        self.operands = operands
        self.facts = facts
        self.scope = scope
        self.default_order = order
        self.target = target
        self.domain = kind
        self.universe: FrozenSet[Item] = UNIVERSE if kind is Kind.CODES else MESSAGE_UNIVERSE
        #: Whether a branch taking success (0) leaves the block (``return``, ``raise``, ...).
        self.zero_exits = False
        #: Whether this reads a response check (not an except handler).
        self.response = False
        self.inner_named: Set[Item] = set()
        #: :meth:`condition`'s answers by ``id`` of the test (they depend on nothing that
        #: changes while the file is analysed; callers do not change them), shared by the
        #: dispatches of one handler.
        self.conditions: Dict[int, Condition] = {} if conditions is None else conditions

    def is_code(self, node: cst.CSTNode) -> bool:
        expr = self.operands.code_expr(node, self.scope, self._order(node))
        return expr is not None and self.target(expr)

    def _order(self, node: cst.CSTNode) -> int:
        return self.facts.order_of.get(id(node), self.default_order)

    def block(self, statements: List[cst.BaseStatement], within: FrozenSet[Item]) -> Coverage:
        """The coverage of a block of statements in a handler: any other statement (not a
        no-op, not an alias assignment) is a fallback."""
        return self.scan(statements, within)

    def scan(
        self,
        statements: List[cst.BaseStatement],
        within: FrozenSet[Item],
        response: bool = False,
        tables: bool = False,
    ) -> Coverage:
        """The coverage of a block; its ``fallback`` comes from the dispatch itself.
        ``response``: only ``if``/``match`` statements dispatch (and table lookups, with
        ``tables``: inside a branch of the check), and other statements are not fallbacks by
        themselves (the caller decides from ``after``)."""
        covered: Set[Item] = set()
        named: Set[Item] = set()
        fallback = False
        first: Optional[cst.CSTNode] = None
        after = False
        self.response = self.response or response
        for statement in statements:
            for small in smalls(statement):
                result = (
                    self.statement(small, within)
                    if not response or tables or isinstance(small, (cst.If, cst.Match))
                    else None
                )
                if result is None:
                    if not is_noop(small) and not self.is_alias_assignment(small):
                        if not response:
                            fallback = True
                        elif first is not None:
                            after = True
                    continue
                first = first or small
                covered |= result.covered
                named |= result.named
                fallback = fallback or result.fallback
        return Coverage(covered, named, fallback, first, after)

    def is_alias_assignment(self, node: cst.CSTNode) -> bool:
        """``code = e.code``, ``data = json.loads(e.body)``: names for what is dispatched on."""
        value = node.value if type(node) is cst.Assign or type(node) is cst.AnnAssign else None
        if value is None:
            return False
        if self.is_code(value):
            return True
        resolved = self.operands.resolver.resolve(value, self.scope, self._order(value))
        return isinstance(resolved, Json)

    def statement(self, node: cst.CSTNode, within: FrozenSet[Item]) -> Optional[BranchCover]:
        if type(node) is cst.If:
            return self.if_chain(node, within)
        if type(node) is cst.Match:
            return self.match(node, within)
        return self.table_lookup(node, within)

    def if_chain(self, node: cst.If, within: FrozenSet[Item]) -> Optional[BranchCover]:
        """Coverage of an if/elif/else chain. A code reaches a branch only if no earlier branch
        took it, so an ``else`` (or a complement, which is a fallback) covers what reaches it,
        not what an earlier branch took and dropped in a nested dispatch."""
        branches: List[Tuple[Optional[Cover], Set[Item], List[cst.BaseStatement], bool]] = []
        current: Union[cst.If, cst.Else, None] = node
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
        covered: Set[Item] = set()
        all_named: Set[Item] = set()
        fallback = False
        remaining = set(within)
        for taken, named, body, catch_all in branches:
            if taken is UNKNOWN:
                fallback = True  # which codes reach the rest is unknown
                continue
            if isinstance(taken, Cond):  # NOT_CODE
                continue
            effective = (
                frozenset(remaining) if catch_all or taken is None else frozenset(taken & remaining)
            )
            # a complement (`!= 0`) covers what reaches it, but success takes it only if it
            # matches
            success = 0 in (remaining if taken is None else set(taken) & remaining)
            covered |= self.branch(body, effective, success)
            if taken is not None:
                all_named |= named & within
            all_named |= self.inner_named & effective
            remaining -= effective if taken is None else (set(taken) | set(effective))
        return BranchCover(covered, all_named, fallback)

    def branch(
        self,
        body: List[cst.BaseStatement],
        effective: FrozenSet[Item],
        success: Optional[bool] = None,
    ) -> Set[Item]:
        """What a branch taking the codes ``effective`` covers: all of them, unless a nested
        dispatch without a fallback covers fewer. ``success``: whether success (0) can take
        the branch (by default: whether 0 is among ``effective``)."""
        if success is None:
            success = 0 in effective
        if self.response:
            # in a response check, statements before an inner check are not its fallback;
            # those after it are when they are the failure path: success left the branch, or
            # success cannot take the branch at all
            outer_zero_exits, self.zero_exits = self.zero_exits, False
            inner = self.scan(body, effective, response=True, tables=True)
            inner_zero_exits = self.zero_exits
            self.zero_exits = outer_zero_exits or inner_zero_exits
            failure_path = inner_zero_exits or not success
            fallback = inner.fallback or (inner.after and failure_path)
        else:
            inner = self.block(body, effective)
            fallback = inner.fallback
        self.inner_named = inner.named
        if success and exits(body):
            self.zero_exits = True
        return set(effective) if (fallback or not inner.found) else (inner.covered & effective)

    def match(self, node: cst.Match, within: FrozenSet[Item]) -> Optional[BranchCover]:
        if not self.is_code(node.subject):
            return None
        covered: Set[Item] = set()
        named: Set[Item] = set()
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
            assert not isinstance(cover, Cond)  # patterns are sets, unknown or catch-alls
            if case.guard is not None:
                guard_cover, _ = self.condition(case.guard)
                if isinstance(guard_cover, Cond):
                    if guard_cover is UNKNOWN:
                        fallback = True
                    continue
                cover = cover & guard_cover
            effective = frozenset(cover & remaining)
            covered |= self.branch(block_statements(case.body), effective)
            named |= effective if case.guard is None else set()
            named |= self.inner_named & effective
            remaining -= set(cover)
        return BranchCover(covered, named, fallback)

    def pattern(self, pattern: cst.MatchPattern) -> Optional[Cover]:
        """The set a case pattern covers; ``None`` for a capture or wildcard."""
        if type(pattern) is cst.MatchAs:
            if pattern.pattern is None:
                return None
            return self.pattern(pattern.pattern)
        if type(pattern) is cst.MatchOr:
            out: Set[Item] = set()
            for element in pattern.patterns:
                inner = self.pattern(element.pattern)
                if inner is None or isinstance(inner, Cond):
                    return inner
                out |= inner
            return out
        if isinstance(pattern, cst.MatchValue):
            values = self.values(pattern.value)
            return UNKNOWN if values is None else values
        if isinstance(pattern, cst.MatchSingleton):
            return set()
        if (
            isinstance(pattern, cst.MatchClass)
            and not pattern.kwds
            and all(
                isinstance(p.value, cst.MatchAs) and p.value.pattern is None
                for p in pattern.patterns
            )
            and self.domain is Kind.CODES
            and self.operands.resolver.resolve(pattern.cls, self.scope, self.default_order)
            == Builtin("int")
        ):
            return None  # `case int():` (or `int(code)`) takes every code
        return set()

    def values(self, node: cst.CSTNode) -> Optional[Set[Item]]:
        out = self.operands.values(node, self.scope, self._order(node))
        if not out:
            return None
        if self.domain is Kind.CODES:
            return {v for v, _n, _l in out if isinstance(v, int) and not isinstance(v, bool)}
        found: Set[Item] = set()
        for value, _n, _l in out:
            if isinstance(value, str):
                member = lookup_message(value)
                found.add(member.name if member is not None else "?" + value)
        return found

    def substring_cover(self, node: cst.CSTNode) -> Optional[Set[Item]]:
        """Messages a ``"text" in e.body`` test matches."""
        out = self.operands.values(node, self.scope, self._order(node))
        if not out:
            return None
        found: Set[Item] = set()
        for value, _n, _l in out:
            if isinstance(value, str):
                found |= messages_containing(value)
        return found

    def is_message_key_test(self, node: cst.Comparison) -> bool:
        """``"message" in body``: a One-API body has a message only when it is an error."""
        return (
            isinstance(node.left, cst.SimpleString)
            and string_value(node.left) == "message"
            and self.is_neutral(node)
        )

    def is_neutral(self, node: cst.BaseExpression) -> bool:
        """A test that holds whenever the parsed body carries a code: ``"error" in data``,
        ``isinstance(data, dict)``, ``data`` (the body's truthiness)."""
        resolver = self.operands.resolver

        def is_body(expr: cst.BaseExpression, entry: bool = True) -> bool:
            # `entry`: a recipient's entry of "result" counts (for a key or type test; its
            # truthiness would be the list's)
            parts = (JsonPart.BODY, JsonPart.ITEM) + ((JsonPart.RESULT,) if entry else ())
            value = resolver.resolve(expr, self.scope, self._order(expr))
            return isinstance(value, Json) and value.part in parts

        if (
            isinstance(node, cst.Comparison)
            and len(node.comparisons) == 1
            and isinstance(node.comparisons[0].operator, cst.In)
            and isinstance(node.left, cst.SimpleString)
            and string_value(node.left) in ("error", "message")
        ):
            return is_body(node.comparisons[0].comparator)
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "isinstance"
            and len(node.args) == 2
        ):
            return is_body(node.args[0].value)
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            return not self.is_code(node) and is_body(node, entry=False)
        return False

    def condition(self, node: cst.BaseExpression) -> Condition:
        """(covered set | UNKNOWN | NOT_CODE, named set) of a branch condition. In an ``and``,
        tests that hold whenever the body carries a code (:meth:`is_neutral`) are left out.
        The sets are shared: callers read them and build their own."""
        found = self.conditions.get(id(node))
        if found is None:
            found = self.conditions[id(node)] = self._condition(node)
        return found

    def _condition(self, node: cst.BaseExpression) -> Condition:
        if type(node) is cst.BooleanOperation:
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
            if isinstance(node.operator, cst.And):
                operands = [o for o in operands if not self.is_neutral(o)]
                if not operands:
                    return NOT_CODE, set()
            results = [self.condition(o) for o in operands]
            if isinstance(node.operator, cst.And):
                if any(c is NOT_CODE for c, _ in results):
                    return set(), set()
                if any(c is UNKNOWN for c, _ in results):
                    return UNKNOWN, set()
                cover: Set[Item] = set(self.universe)
                named: Set[Item] = set()
                for c, n in results:
                    assert not isinstance(c, Cond)
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
                assert not isinstance(c, Cond)
                cover |= c
                named |= n
            return cover, named
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
            inner, _ = self.condition(node.expression)
            if inner is NOT_CODE or inner is UNKNOWN:
                return inner, set()
            return set(self.universe) - inner, set()
        if isinstance(node, cst.Comparison):
            if self.domain is Kind.MESSAGES and self.is_message_key_test(node):
                return set(self.universe), set()
            return self.comparison(node)
        if self.is_code(node):
            return set(self.universe) - {0}, set()
        if (
            self.domain is Kind.MESSAGES
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
        if type(node) is cst.BooleanOperation:
            operands = [node.left, node.right]
            if isinstance(node.operator, cst.Or):
                return any(self.is_complement(o) for o in operands)
            operands = [o for o in operands if not self.is_neutral(o)]
            if not operands:
                return False
            covers = [self.condition(o)[0] for o in operands]
            if any(c is NOT_CODE for c in covers):
                return False  # an operand that does not test the code makes the `and` cover nothing
            return all(self.is_complement(o) for o in operands)
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
            inner = node.expression
            return isinstance(
                inner, (cst.Comparison, cst.BooleanOperation)
            ) and not self.is_complement(inner)
        if isinstance(node, cst.Comparison):
            left = node.left
            for target in node.comparisons:
                if type(target.operator) in _COMPLEMENTS and (
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

    def comparison(self, node: cst.Comparison) -> Tuple[Cover, Set[Item]]:
        cover: Optional[Set[Item]] = None
        named: Set[Item] = set()
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
                if isinstance(c, Cond):  # a comparison with the code is never NOT_CODE
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
    ) -> Tuple[Cover, Set[Item]]:
        if type(op) in MEMBERSHIP:
            if not code_on_left:
                if self.domain is not Kind.MESSAGES:
                    return UNKNOWN, set()
                matched = self.substring_cover(other)
                if matched is None:
                    return UNKNOWN, set()
                if isinstance(op, cst.In):
                    return matched & self.universe, matched & self.universe
                return set(self.universe) - matched, set()
            ends = self.operands.range_bounds(other, self.scope, self._order(other))
            if ends is not None and self.domain is Kind.CODES:
                numbers = [value for value, _at, _literal in ends]
                start, stop = (0, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
                assert isinstance(start, int) and isinstance(stop, int)
                values: Optional[Set[Item]] = set(range(start, stop))
            else:
                values = self.values(other)
            if values is None:
                return UNKNOWN, set()
            if isinstance(op, cst.In):
                return values & self.universe, values & self.universe
            return set(self.universe) - values, set()
        if type(other) is cst.Name and other.value == "None":
            # every code is not None; none is None
            if type(op) in _DIFFERENT:
                return set(self.universe), set()
            if type(op) in _SAME:
                return set(), set()
        values = self.values(other)
        if values is None:
            return UNKNOWN, set()
        if not values:
            return set(), set()
        (value,) = list(values)[:1]
        if type(op) in _SAME:
            return {value} & self.universe, {value} & self.universe
        if type(op) in _DIFFERENT:
            return set(self.universe) - {value}, set()
        if self.domain is not Kind.CODES or not isinstance(value, int):
            return UNKNOWN, set()
        # ranges: normalise to "code OP value"
        if not code_on_left:
            op = _FLIPPED[type(op)]
        top = len(UNIVERSE)  # the universe of codes is 0 .. top-1
        bounds = {
            cst.LessThan: (0, value),
            cst.LessThanEqual: (0, value + 1),
            cst.GreaterThan: (value + 1, top),
            cst.GreaterThanEqual: (value, top),
        }
        low, high = bounds[type(op)]
        cover: Set[Item] = set(range(max(low, 0), min(high, top)))
        return cover, set(cover)

    def table_lookup(self, node: cst.CSTNode, within: FrozenSet[Item]) -> Optional[BranchCover]:
        if not self.facts.has_tables:
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
                return BranchCover(table & within, table & within, False)
        if (
            isinstance(item, cst.Call)
            and isinstance(item.func, cst.Attribute)
            and item.func.attr.value == "get"
            and item.args
        ):
            table = self.table(item.func.value, item.args[0].value)
            if table is not None:
                return BranchCover(table & within, table & within, len(item.args) > 1)
        return None

    def table(self, table_node: cst.BaseExpression, key: cst.BaseExpression) -> Optional[Set[Item]]:
        if not self.is_code(key):
            return None
        value = self.operands.resolver.resolve(table_node, self.scope, self._order(table_node))
        if not isinstance(value, Table):
            return None
        keys: Set[Item] = set()
        for element in value.node.elements:
            if not isinstance(element, cst.DictElement):
                return None
            values = self.values(element.key)
            if values is None:
                return None
            keys |= values
        return keys


_FLIPPED: Dict[type, cst.BaseCompOp] = {
    cst.LessThan: cst.GreaterThan(),
    cst.GreaterThan: cst.LessThan(),
    cst.LessThanEqual: cst.GreaterThanEqual(),
    cst.GreaterThanEqual: cst.LessThanEqual(),
}


# ---- statements -------------------------------------------------------------------------


def alternatives(pattern: cst.MatchPattern) -> List[cst.MatchPattern]:
    """The patterns a ``case`` pattern is made of, through ``|`` and ``as``, in source order."""
    out: List[cst.MatchPattern] = []
    todo = [pattern]
    while todo:
        item = todo.pop(0)
        if type(item) is cst.MatchOr:
            todo = [e.pattern for e in item.patterns] + todo
        elif type(item) is cst.MatchAs and item.pattern is not None:
            todo.insert(0, item.pattern)
        else:
            out.append(item)
    return out


def pattern_values(pattern: cst.MatchPattern) -> List[cst.BaseExpression]:
    """The value expressions a ``case`` pattern compares with (through ``|`` and ``as``)."""
    return [p.value for p in alternatives(pattern) if isinstance(p, cst.MatchValue)]


def smalls(statement: cst.CSTNode) -> List[cst.CSTNode]:
    """A statement line's small statements; a compound statement is itself."""
    if type(statement) is cst.SimpleStatementLine:
        return list(statement.body)
    return [statement]


def is_noop(node: cst.CSTNode) -> bool:
    """``pass``, ``...`` or a bare string."""
    if type(node) is cst.SimpleStatementLine:
        return all(is_noop(s) for s in node.body)
    if type(node) is cst.Pass:
        return True
    if type(node) is cst.Expr:
        return type(node.value) in _NOOP_VALUES
    return False


def is_noop_body(body: List[cst.BaseStatement]) -> bool:
    return all(is_noop(s) for s in body)


def exits(body: List[cst.BaseStatement], raising: bool = False) -> bool:
    """Whether a block ends in ``return``, ``raise``, ``continue`` or ``break`` (``raise`` only)."""
    if not body:
        return False
    last: cst.CSTNode = body[-1]
    if type(last) is cst.SimpleStatementLine:
        last = last.body[-1] if last.body else last
    if raising:
        return type(last) is cst.Raise
    return type(last) in _EXITS


#: What a statement that does nothing holds: ``...`` or a string.
_NOOP_VALUES = frozenset({cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString})
#: The statements that leave a block.
_EXITS = frozenset({cst.Return, cst.Raise, cst.Continue, cst.Break})

#: Nodes ``contains`` does not look into.
_OPAQUE = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


def contains(node: cst.CSTNode, ids: Set[int]) -> bool:
    """Whether a node (not looking into nested functions or classes) holds one of ``ids``."""
    todo = [node]
    while todo:
        item = todo.pop()
        if id(item) in ids:
            return True
        if type(item) in _OPAQUE:
            continue
        todo.extend(children(item))
    return False

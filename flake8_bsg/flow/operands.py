"""Code expressions and the constant values compared with them."""

from __future__ import annotations

from typing import List, Optional, Tuple, Union, cast

import libcst as cst

from flake8_bsg.facts.records import Scope
from flake8_bsg.flow.resolve import Resolver
from flake8_bsg.flow.values import (
    Builtin,
    CodeExpr,
    Const,
    ConstValue,
    integer_value,
    string_value,
)


class _NotLiteral:
    """The marker of a node that is not a literal."""


NOT_LITERAL = _NotLiteral()

# Compared by type, not `isinstance` (asked of every compared operand; see flow/coverage.py's
# node types for why).
_CODE_EXPRESSIONS = frozenset({cst.Name, cst.Attribute, cst.Call, cst.Subscript})
_COLLECTIONS = frozenset({cst.Tuple, cst.List, cst.Set})

#: A constant value an operand stands for, where to report it, and whether it is a literal.
Operand = Tuple[ConstValue, cst.CSTNode, bool]


def literal_value(node: cst.CSTNode) -> Union[int, str, _NotLiteral]:
    """The value of an ``int`` (also negated) or ``str`` literal."""
    if type(node) is cst.Integer:
        return integer_value(node)
    if (
        type(node) is cst.UnaryOperation
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, cst.Integer)
    ):
        return -integer_value(node.expression)
    if type(node) is cst.SimpleString:
        value = string_value(node)
        return value if isinstance(value, str) else NOT_LITERAL
    return NOT_LITERAL


class Operands:
    """Reads code expressions and compared values through the resolver."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def code_expr(self, node: cst.CSTNode, scope: Scope, order: int) -> Optional[CodeExpr]:
        if type(node) is cst.NamedExpr:  # `(code := exc.code) == 21`
            node = node.value
        if type(node) not in _CODE_EXPRESSIONS:
            return None
        value = self.resolver.resolve(node, scope, order)
        return value if isinstance(value, CodeExpr) else None

    def range_bounds(self, node: cst.CSTNode, scope: Scope, order: int) -> Optional[List[Operand]]:
        """The bounds of ``range(a, b)`` (or ``range(b)``) with constant ints, else ``None``."""
        if type(node) is not cst.Call or not 1 <= len(node.args) <= 2:
            return None
        if any(arg.keyword is not None or arg.star for arg in node.args):
            return None
        if self.resolver.resolve(node.func, scope, order) != Builtin("range"):
            return None
        bounds: List[Operand] = []
        for arg in node.args:
            found = self.values(arg.value, scope, order)
            if len(found) != 1 or not isinstance(found[0][0], int):
                return None
            bounds.append(found[0])
        return bounds

    def values(self, node: cst.CSTNode, scope: Scope, order: int) -> List[Operand]:
        """The constant values an operand stands for, each with where to report it."""
        if type(node) in _COLLECTIONS:
            out: List[Operand] = []
            for element in cast(Union[cst.Tuple, cst.List, cst.Set], node).elements:
                if type(element) is cst.StarredElement:
                    continue
                out += self.values(element.value, scope, order)
            return out
        literal = literal_value(node)
        if not isinstance(literal, _NotLiteral):
            return [(literal, node, True)]
        value = self.resolver.resolve(node, scope, order)
        if isinstance(value, Const):
            if isinstance(value.value, tuple):
                return [(v, node, False) for v in value.value]
            return [(value.value, node, False)]
        return []

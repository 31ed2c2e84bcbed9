"""The records one walk over a module collects: scopes and their bindings, functions, classes,
``try``/``with`` guards, calls and the sites where code expressions can be compared.

Records point into the module's LibCST tree (the rules report at its nodes); they are created
by :mod:`flake8_bsg.facts.walk` and read by :mod:`flake8_bsg.flow`.
"""

from __future__ import annotations

import enum
from typing import Any, Optional, TypeAlias, Union

import libcst as cst


class BindingKind(enum.Enum):
    """How a name was bound; each kind has its own payload (see :class:`Binding`)."""

    ASSIGN = "assign"  # payload: the assigned expression
    ANNASSIGN = "annassign"  # payload: AnnotatedValue
    IMPORT = "import"  # payload: the dotted name imported (str)
    DEF = "def"  # payload: FuncInfo
    CLASS = "class"  # payload: ClassInfo
    PARAM = "param"  # payload: ParamBinding
    EXCEPT = "except"  # payload: HandlerRec
    WITH = "with"  # payload: WithTarget
    FOR = "for"  # payload: the iterable expression
    CAPTURE = "capture"  # payload: the MatchAs node
    UNKNOWN = "unknown"  # payload: None
    DEL = "del"  # payload: None (the name is unbound)


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"


class AnnotatedValue:
    """``x: T = v``: the annotation and the value (``None`` for a bare annotation)."""

    __slots__ = ("annotation", "value")

    def __init__(self, annotation: cst.BaseExpression, value: Optional[cst.BaseExpression]):
        self.annotation = annotation
        self.value = value


class ParamBinding:
    """A parameter of a function."""

    __slots__ = ("param", "func")

    def __init__(self, param: cst.Param, func: FuncInfo) -> None:
        self.param = param
        self.func = func


class WithTarget:
    """``with item as name``: the ``with`` and the index of the item."""

    __slots__ = ("rec", "index")

    def __init__(self, rec: WithRec, index: int) -> None:
        self.rec = rec
        self.index = index


BindingValue: TypeAlias = Union[
    cst.BaseExpression,
    AnnotatedValue,
    str,
    "FuncInfo",
    "ClassInfo",
    ParamBinding,
    "HandlerRec",
    WithTarget,
    cst.MatchAs,
    None,
]


class Binding:
    """One binding of a name, at walk number ``order``."""

    __slots__ = ("order", "kind", "value", "scope")

    def __init__(self, order: int, kind: BindingKind, value: BindingValue, scope: Scope) -> None:
        self.order = order
        self.kind = kind
        self.value = value
        self.scope = scope


class Scope:
    __slots__ = ("kind", "node", "parent", "bindings", "globals", "nonlocals", "func", "cls")

    def __init__(self, kind: ScopeKind, node: cst.CSTNode, parent: Optional[Scope]) -> None:
        self.kind = kind
        self.node = node
        self.parent = parent
        self.bindings: dict[str, list[Binding]] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.func: Optional[FuncInfo] = None
        self.cls: Optional[ClassInfo] = None

    def bind(self, name: str, order: int, kind: BindingKind, value: BindingValue) -> None:
        self.bindings.setdefault(name, []).append(Binding(order, kind, value, self))


FunctionNode: TypeAlias = Union[cst.FunctionDef, cst.Lambda]


class FuncInfo:
    """A ``def`` or ``lambda``."""

    def __init__(self, node: FunctionNode, name: str, outer: Scope, inner: Scope) -> None:
        self.node = node
        self.name = name
        self.outer = outer
        self.inner = inner
        self.cls: Optional[ClassInfo] = outer.cls if outer.kind is ScopeKind.CLASS else None
        self.nested = outer.kind is ScopeKind.FUNCTION
        self.is_lambda = type(node) is cst.Lambda
        self.returns: list[tuple[cst.BaseExpression, int]] = []
        self.self_name: Optional[str] = None
        self.calls: list[CallRec] = []
        self.raises: list[tuple[cst.Raise, Guards, int]] = []

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, cst.FunctionDef) and self.node.asynchronous is not None

    @property
    def decorators(self) -> list[cst.Decorator]:
        return list(self.node.decorators) if isinstance(self.node, cst.FunctionDef) else []

    @property
    def docstring(self) -> Optional[str]:
        if isinstance(self.node, cst.FunctionDef):
            try:
                return self.node.get_docstring(clean=True)
            except Exception:  # an odd docstring is no docstring
                return None
        return None


class ClassInfo:
    def __init__(self, node: cst.ClassDef, outer: Scope, inner: Scope) -> None:
        self.node = node
        self.name = node.name.value
        self.outer = outer
        self.inner = inner
        self.methods: dict[str, FuncInfo] = {}
        self.self_attrs: dict[str, list[Binding]] = {}


HandlerNode: TypeAlias = Union[cst.ExceptHandler, cst.ExceptStarHandler]


class HandlerRec:
    """One ``except`` clause."""

    def __init__(self, node: HandlerNode, try_rec: TryRec, index: int, scope: Scope) -> None:
        self.node = node
        self.try_rec = try_rec
        self.index = index
        self.scope = scope
        self.type: Optional[cst.BaseExpression] = node.type
        name = node.name
        self.name: Optional[str] = (
            name.name.value if name is not None and isinstance(name.name, cst.Name) else None
        )
        self.body: list[cst.BaseStatement] = block_statements(node.body)
        self.order = 0
        #: Bare ``raise`` / ``raise <name>`` statements in the body, with their guards.
        self.reraises: list[tuple[cst.Raise, Guards]] = []


class TryRec:
    """A ``try`` statement: a guard of the calls in its body."""

    def __init__(
        self, node: Union[cst.Try, cst.TryStar], scope: Scope, func: Optional[FuncInfo]
    ) -> None:
        self.node = node
        self.scope = scope
        self.func = func
        self.handlers: list[HandlerRec] = []


class WithRec:
    """A ``with`` statement: a guard (``pytest.raises``, ``suppress``, ...) of its body."""

    def __init__(self, node: cst.With, scope: Scope, func: Optional[FuncInfo], order: int) -> None:
        self.node = node
        self.scope = scope
        self.func = func
        self.order = order


#: A guard on the stack of enclosing guards.
Guard: TypeAlias = Union[TryRec, WithRec]
Guards: TypeAlias = tuple[Guard, ...]


class CallRec:
    __slots__ = ("node", "scope", "order", "guards", "func")

    def __init__(
        self, node: cst.Call, scope: Scope, order: int, guards: Guards, func: Optional[FuncInfo]
    ) -> None:
        self.node = node
        self.scope = scope
        self.order = order
        self.guards = guards
        self.func = func


class Site:
    """An expression node with the scope and walk number it is evaluated at."""

    __slots__ = ("node", "scope", "order")

    def __init__(self, node: cst.CSTNode, scope: Scope, order: int) -> None:
        self.node = node
        self.scope = scope
        self.order = order


class ComparisonSite(Site):
    node: cst.Comparison


class MatchSite(Site):
    node: cst.Match


class SubscriptSite(Site):
    node: cst.Subscript


def block_statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of a suite, a one-line suite's small statements included."""
    if type(body) is cst.SimpleStatementSuite:
        return list(body.body)  # type: ignore[arg-type]
    assert isinstance(body, cst.IndentedBlock)
    return list(body.body)


class Facts:
    """Everything one walk collects."""

    def __init__(self, module: cst.Module, package: Optional[str]) -> None:
        self.module = module
        self.package = package
        self.module_scope = Scope(ScopeKind.MODULE, module, None)
        self.functions: list[FuncInfo] = []
        self.classes: list[ClassInfo] = []
        self.calls: list[CallRec] = []
        self.tries: list[TryRec] = []
        self.withs: list[WithRec] = []
        self.comparisons: list[ComparisonSite] = []
        self.matches: list[MatchSite] = []
        self.subscripts: list[SubscriptSite] = []
        self.func_of_scope: dict[int, FuncInfo] = {}
        self.handler_of_node: dict[int, HandlerRec] = {}
        self.order_of: dict[int, int] = {}
        #: Every ``except`` clause and integer literal, in source order (their positions can
        #: be read from Python's own parse).
        self.handler_nodes: list[cst.CSTNode] = []
        self.integers: list[cst.Integer] = []
        #: Whether a dict literal is bound to a name anywhere (dispatch tables are possible).
        self.has_tables = False
        #: Blocks holding an ``if`` or ``match`` (candidates for response checks).
        self.blocks: list[tuple[list[cst.BaseStatement], Scope]] = []
        #: Modules star-imported at module level (``from m import *``).
        self.star_imports: list[str] = []
        #: The parse the module comes from (``positions.Parsed``): positions and call lines.
        self.parsed: Any = None


def dispose(facts: Facts) -> None:
    """Break the reference cycles between the facts, so that the tree they point into is freed
    at once by reference counting instead of waiting for (and slowing) a full collection."""
    scopes = [facts.module_scope]
    scopes += [f.inner for f in facts.functions] + [c.inner for c in facts.classes]
    for scope in scopes:
        scope.bindings.clear()
        scope.func = None
        scope.cls = None
    for func in facts.functions:
        func.calls.clear()
        func.raises.clear()
        func.returns.clear()
        func.cls = None
    for cls in facts.classes:
        cls.methods.clear()
        cls.self_attrs.clear()
    for try_rec in facts.tries:
        for handler in try_rec.handlers:
            handler.reraises.clear()
        try_rec.handlers.clear()
    facts.functions.clear()
    facts.classes.clear()
    facts.calls.clear()
    facts.handler_nodes.clear()
    facts.integers.clear()
    facts.tries.clear()
    facts.withs.clear()
    facts.comparisons.clear()
    facts.matches.clear()
    facts.subscripts.clear()
    facts.blocks.clear()
    facts.func_of_scope.clear()
    facts.handler_of_node.clear()
    facts.order_of.clear()

"""One walk over a LibCST module that collects the facts the rules decide on.

The walk is iterative (a deep expression cannot overflow it) and visits nodes in source
order, numbering them: a name used at number ``n`` sees the last binding of its own scope
made before ``n``, which is enough flow sensitivity for ``code = e.code`` aliases and for
handlers that reuse ``e``. Free names (globals, closures) see every binding of their scope,
since a function body runs after the module has been executed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from flake8_bsg.clients import STAR_EXPORTS

_SKIP_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "equal",
        "dot",
        "colon",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "indent",
        "trailing_whitespace",
        "newline",
        "comment",
        "leading_lines",
        "lines_after_decorator",
        "header",
        "footer",
        "default_indent",
        "default_newline",
        "has_trailing_newline",
        "encoding",
        "asynchronous",
        "first_colon",
        "second_colon",
        "separator",
        "star",
        "operator",
        "posonly_ind",
        "trailing_comma",
        "conversion",
        "start",
        "end",
        "relative",
    }
)

# Fields whose dataclass order is not source order.
_SOURCE_ORDER: Dict[type, Tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
}

_FIELD_CACHE: Dict[type, Tuple[str, ...]] = {}


def child_fields(node_type: type) -> Tuple[str, ...]:
    """The fields of a node type that can hold meaningful children, in source order."""
    names = _FIELD_CACHE.get(node_type)
    if names is None:
        names = _SOURCE_ORDER.get(node_type) or tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELD_CACHE[node_type] = names
    return names


_NODE_TYPES: Dict[type, bool] = {}


def _is_node(value: object) -> bool:
    # isinstance against the abstract CSTNode is slow; cache the answer per concrete type
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """Meaningful children in source order."""
    out: List[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name, None)
        if value is None:
            continue
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(item for item in value if _is_node(item))
        elif _is_node(value):
            out.append(value)
    return out


# --------------------------------------------------------------------------------------
# Records


class Binding:
    """One binding of a name: ``kind`` says what ``value`` is."""

    __slots__ = ("order", "kind", "value", "scope")

    def __init__(self, order: int, kind: str, value: Any, scope: "Scope") -> None:
        self.order = order
        # assign | annassign | import | def | class | param | except | with | for | capture |
        # unknown | del
        self.kind = kind
        self.value = value
        self.scope = scope


class Scope:
    __slots__ = ("kind", "node", "parent", "bindings", "globals", "nonlocals", "func", "cls")

    def __init__(self, kind: str, node: cst.CSTNode, parent: Optional["Scope"]) -> None:
        self.kind = kind  # module | class | function
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: set = set()
        self.nonlocals: set = set()
        self.func: Optional[FuncInfo] = None
        self.cls: Optional[ClassInfo] = None

    def bind(self, name: str, order: int, kind: str, value: Any) -> None:
        self.bindings.setdefault(name, []).append(Binding(order, kind, value, self))


class FuncInfo:
    """A ``def`` or ``lambda``."""

    def __init__(self, node: cst.CSTNode, name: str, outer: Scope, inner: Scope) -> None:
        self.node = node
        self.name = name
        self.outer = outer
        self.inner = inner
        self.cls: Optional[ClassInfo] = outer.cls if outer.kind == "class" else None
        self.nested = outer.kind == "function"
        self.is_lambda = isinstance(node, cst.Lambda)
        self.returns: List[Tuple[cst.BaseExpression, int]] = []
        self.self_name: Optional[str] = None
        self.calls: List[CallRec] = []
        self.raises: List[Tuple[cst.Raise, Tuple["Guard", ...], int]] = []

    @property
    def decorators(self) -> List[cst.Decorator]:
        return list(getattr(self.node, "decorators", ()))

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
        self.methods: Dict[str, FuncInfo] = {}
        self.self_attrs: Dict[str, List[Binding]] = {}


class HandlerRec:
    def __init__(self, node: cst.CSTNode, try_rec: "TryRec", index: int, scope: Scope) -> None:
        self.node = node
        self.try_rec = try_rec
        self.index = index
        self.scope = scope
        self.type: Optional[cst.BaseExpression] = getattr(node, "type", None)
        name = getattr(node, "name", None)
        self.name: Optional[str] = (
            name.name.value if name is not None and isinstance(name.name, cst.Name) else None
        )
        self.body: List[cst.BaseStatement] = _block_statements(node.body)
        self.order = 0
        #: Bare ``raise`` / ``raise <name>`` statements in the body, with their guards.
        self.reraises: List[Tuple[cst.Raise, Tuple[Any, ...]]] = []


class TryRec:
    def __init__(self, node: cst.CSTNode, scope: Scope, func: Optional[FuncInfo]) -> None:
        self.node = node
        self.scope = scope
        self.func = func
        self.handlers: List[HandlerRec] = []


class WithRec:
    def __init__(self, node: cst.With, scope: Scope, func: Optional[FuncInfo], order: int) -> None:
        self.node = node
        self.scope = scope
        self.func = func
        self.order = order


# A guard on the stack: ("try", TryRec) or ("with", WithRec).
Guard = Tuple[str, Any]


class CallRec:
    __slots__ = ("node", "scope", "order", "guards", "func")

    def __init__(
        self,
        node: cst.Call,
        scope: Scope,
        order: int,
        guards: Tuple[Guard, ...],
        func: Optional[FuncInfo],
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


def _block_statements(body: cst.BaseSuite) -> List[cst.BaseStatement]:
    """The statements of a suite, a one-line suite's small statements included."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)  # type: ignore[arg-type]
    return list(body.body)


# --------------------------------------------------------------------------------------
# The walk


class Facts:
    """Everything one walk collects."""

    def __init__(self, module: cst.Module, package: Optional[str]) -> None:
        self.module = module
        self.package = package
        self.module_scope = Scope("module", module, None)
        self.functions: List[FuncInfo] = []
        self.classes: List[ClassInfo] = []
        self.calls: List[CallRec] = []
        self.tries: List[TryRec] = []
        self.withs: List[WithRec] = []
        self.comparisons: List[Site] = []
        self.matches: List[Site] = []
        self.subscripts: List[Site] = []
        self.func_of_scope: Dict[int, FuncInfo] = {}
        self.handler_of_node: Dict[int, HandlerRec] = {}
        self.order_of: Dict[int, int] = {}
        #: Whether a dict literal is bound to a name anywhere (dispatch tables are possible).
        self.has_tables = False
        #: Blocks holding an ``if`` or ``match`` (candidates for response checks).
        self.blocks: List[Tuple[List[cst.BaseStatement], Scope]] = []


def dispose(facts: Facts) -> None:
    """Break the reference cycles between the facts, so that the tree they point into is freed
    at once by reference counting instead of waiting for (and slowing) a full collection."""
    scopes = (
        [facts.module_scope] + [f.inner for f in facts.functions] + [c.inner for c in facts.classes]
    )
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
    for name in (
        "functions",
        "classes",
        "calls",
        "tries",
        "withs",
        "comparisons",
        "matches",
        "subscripts",
        "blocks",
    ):
        getattr(facts, name).clear()
    facts.func_of_scope.clear()
    facts.handler_of_node.clear()
    facts.order_of.clear()


class _Walker:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.scope = facts.module_scope
        self.func: Optional[FuncInfo] = None
        self.guards: Tuple[Guard, ...] = ()
        self.handler: Optional[HandlerRec] = None
        self.order = 0
        self.stack: List[Any] = []

    # The stack holds nodes to visit and callables to run (scope exits, late bindings).
    def run(self) -> None:
        stack = self.stack
        stack.append(self.facts.module)
        handlers = _HANDLERS
        order_of = self.facts.order_of
        while stack:
            item = stack.pop()
            if type(item) is tuple:
                item[0]()
                continue
            self.order += 1
            order_of[id(item)] = self.order
            handler = handlers.get(type(item))
            if handler is None or handler(self, item):
                stack.extend(reversed(children(item)))

    def push_children(self, nodes: List[Optional[cst.CSTNode]]) -> None:
        """Schedule ``nodes`` (in source order) to be visited next."""
        self.stack.extend(node for node in reversed(nodes) if node is not None)

    def later(self, action: Callable[[], None]) -> None:
        self.stack.append((action,))

    def set_context(
        self,
        scope: Scope,
        func: Optional[FuncInfo],
        guards: Tuple[Guard, ...],
        handler: Any = False,
    ) -> Callable[[], None]:
        """An action that restores (or enters) a context; ``handler`` False keeps the current
        one."""
        keep = self.handler if handler is False else handler

        def action() -> None:
            self.scope, self.func, self.guards, self.handler = scope, func, guards, keep

        return action

    # ---- bindings -------------------------------------------------------------------
    def bind_target(self, target: cst.BaseExpression, kind: str, value: Any, order: int) -> None:
        scope = self.scope
        if isinstance(target, cst.Name):
            self._scope_for(target.value).bind(target.value, order, kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                if isinstance(inner, cst.StarredElement):
                    inner = inner.value
                self.bind_target(inner, "unknown", None, order)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, "unknown", None, order)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            func = self.func
            if (
                func is not None
                and func.cls is not None
                and func.self_name == target.value.value
                and scope is func.inner
            ):
                func.cls.self_attrs.setdefault(target.attr.value, []).append(
                    Binding(order, kind, value, scope)
                )

    def _scope_for(self, name: str) -> Scope:
        scope = self.scope
        if name in scope.globals:
            return self.facts.module_scope
        if name in scope.nonlocals:
            parent = scope.parent
            while parent is not None:
                if parent.kind == "function" and name in parent.bindings:
                    return parent
                parent = parent.parent
        return scope

    # ---- node handlers (return True to visit children generically) ------------------
    def on_function(self, node: cst.CSTNode) -> bool:
        outer = self.scope
        inner = Scope("function", node, outer)
        name = node.name.value if isinstance(node, cst.FunctionDef) else "<lambda>"
        info = FuncInfo(node, name, outer, inner)
        inner.func = info
        self.facts.functions.append(info)
        self.facts.func_of_scope[id(inner)] = info
        if isinstance(node, cst.FunctionDef):
            outer.bind(name, self.order, "def", info)
            if info.cls is not None:
                info.cls.methods[name] = info  # the last definition is the one Python keeps
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        if isinstance(params.star_arg, cst.Param):
            ordered.append(params.star_arg)
        ordered += list(params.kwonly_params)
        if params.star_kwarg is not None:
            ordered.append(params.star_kwarg)
        for param in ordered:
            inner.bind(param.name.value, self.order, "param", (param, info))
        if info.cls is not None and ordered and isinstance(node, cst.FunctionDef):
            if not any(_decorator_name(d) == "staticmethod" for d in node.decorators):
                info.self_name = ordered[0].name.value
        outer_exprs: List[Optional[cst.CSTNode]] = []
        if isinstance(node, cst.FunctionDef):
            outer_exprs += [d.decorator for d in node.decorators]
        for param in ordered:
            outer_exprs.append(param.default)
            if param.annotation is not None:
                outer_exprs.append(param.annotation.annotation)
        if isinstance(node, cst.FunctionDef) and node.returns is not None:
            outer_exprs.append(node.returns.annotation)
        self.later(self.set_context(outer, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(inner, info, (), None))
        self.push_children(outer_exprs)
        return False

    def on_class(self, node: cst.ClassDef) -> bool:
        outer = self.scope
        inner = Scope("class", node, outer)
        info = ClassInfo(node, outer, inner)
        inner.cls = info
        self.facts.classes.append(info)
        outer.bind(node.name.value, self.order, "class", info)
        self.later(self.set_context(outer, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(inner, self.func, self.guards))
        self.push_children(
            [d.decorator for d in node.decorators]
            + [a.value for a in node.bases]
            + [k.value for k in node.keywords]
        )
        return False

    def on_try(self, node: cst.CSTNode) -> bool:
        rec = TryRec(node, self.scope, self.func)
        self.facts.tries.append(rec)
        for index, handler in enumerate(node.handlers):
            hrec = HandlerRec(handler, rec, index, self.scope)
            rec.handlers.append(hrec)
            self.facts.handler_of_node[id(handler)] = hrec
        after: List[Optional[cst.CSTNode]] = list(node.handlers)
        after += [node.orelse, node.finalbody]
        self.push_children(after)
        self.later(self.set_context(self.scope, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(self.scope, self.func, self.guards + (("try", rec),)))
        return False

    def on_handler(self, node: cst.CSTNode) -> bool:
        hrec = self.facts.handler_of_node[id(node)]
        hrec.order = self.order
        if hrec.name is not None:
            scope = self._scope_for(hrec.name)
            name = hrec.name

            def unbind() -> None:
                scope.bind(name, self.order, "del", None)

            self.later(unbind)
            self.later(self.set_context(self.scope, self.func, self.guards))
            self.push_children([node.body])
            self.later(self.set_context(self.scope, self.func, self.guards, hrec))
            scope.bind(name, self.order, "except", hrec)
            self.push_children([node.type])
            return False
        self.later(self.set_context(self.scope, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(self.scope, self.func, self.guards, hrec))
        self.push_children([node.type])
        return False

    def on_module(self, node: cst.Module) -> bool:
        self.on_block(node)
        return True

    def on_with(self, node: cst.With) -> bool:
        rec = WithRec(node, self.scope, self.func, self.order)
        self.facts.withs.append(rec)
        self.later(self.set_context(self.scope, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(self.scope, self.func, self.guards + (("with", rec),)))
        for index in reversed(range(len(node.items))):
            item = node.items[index]
            if item.asname is not None:
                target = item.asname.name
                self.later(
                    lambda t=target, i=index: self.bind_target(t, "with", (rec, i), self.order)
                )
        self.push_children([item.item for item in node.items])
        return False

    def on_assign(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
            value = node.value
            kind = "assign"
        elif isinstance(node, cst.AnnAssign):
            targets = [node.target]
            value = (node.annotation.annotation, node.value)
            kind = "annassign"
        elif isinstance(node, cst.NamedExpr):
            targets = [node.target]
            value = node.value
            kind = "assign"
        else:  # AugAssign
            targets = [node.target]
            value = None
            kind = "unknown"

        if type(getattr(node, "value", None)) is cst.Dict:
            self.facts.has_tables = True

        def bind() -> None:
            for target in targets:
                pairs = _unpacked(target, value) if kind == "assign" else None
                if pairs is not None:
                    for name, item in pairs:
                        self.bind_target(name, "assign", item, self.order)
                else:
                    self.bind_target(target, kind, value, self.order)

        self.later(bind)
        return True

    def on_for(self, node: cst.CSTNode) -> bool:
        target, iterable = node.target, node.iter
        self.bind_target(target, "for", iterable, self.order)
        return True

    def on_import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, self.order, "import", dotted)
            else:
                top = dotted.split(".", 1)[0]
                self.scope.bind(top, self.order, "import", top)
        return False

    def on_import_from(self, node: cst.ImportFrom) -> bool:
        base = _dotted(node.module) if node.module is not None else ""
        if base is None:
            return False
        if node.relative:
            package = self.facts.package
            if package is None:
                return False
            parts = package.split(".") if package else []
            up = len(node.relative) - 1
            if up > len(parts):
                return False
            parts = parts[: len(parts) - up] if up else parts
            base = ".".join(p for p in parts + ([base] if base else []) if p)
        if isinstance(node.names, cst.ImportStar):
            # the names a BSG package exports (the only star imports whose names matter here)
            for name in STAR_EXPORTS.get(base, ()):
                self.scope.bind(name, self.order, "import", f"{base}.{name}")
            return False
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else alias.name.value
            )
            self.scope.bind(
                local, self.order, "import", (base + "." if base else "") + alias.name.value
            )
        return False

    def on_global(self, node: cst.CSTNode) -> bool:
        target = self.scope.globals if isinstance(node, cst.Global) else self.scope.nonlocals
        target.update(item.name.value for item in node.names)
        return False

    def on_del(self, node: cst.Del) -> bool:
        self.bind_target(node.target, "del", None, self.order)
        return True

    def on_call(self, node: cst.Call) -> bool:
        rec = CallRec(node, self.scope, self.order, self.guards, self.func)
        self.facts.calls.append(rec)
        if self.func is not None:
            self.func.calls.append(rec)
        return True

    def on_return(self, node: cst.CSTNode) -> bool:
        if self.func is not None and node.value is not None:
            self.func.returns.append((node.value, self.order))
        return True

    def on_raise(self, node: cst.Raise) -> bool:
        if self.func is not None:
            self.func.raises.append((node, self.guards, self.order))
        handler = self.handler
        if handler is not None and (
            node.exc is None or (type(node.exc) is cst.Name and node.exc.value == handler.name)
        ):
            handler.reraises.append((node, self.guards))
        return True

    def on_comparison(self, node: cst.Comparison) -> bool:
        self.facts.comparisons.append(Site(node, self.scope, self.order))
        return True

    def on_match(self, node: cst.CSTNode) -> bool:
        self.facts.matches.append(Site(node, self.scope, self.order))
        return True

    def on_subscript(self, node: cst.Subscript) -> bool:
        self.facts.subscripts.append(Site(node, self.scope, self.order))
        return True

    def on_block(self, node: cst.CSTNode) -> bool:
        body = node.body
        for statement in body:
            if type(statement) is cst.If or type(statement) is cst.Match:
                self.facts.blocks.append((list(body), self.scope))
                break
        return True

    def on_match_as(self, node: cst.MatchAs) -> bool:
        if node.name is not None:
            self.scope.bind(node.name.value, self.order, "capture", node)
        return True


def _unpacked(
    target: cst.BaseExpression, value: Any
) -> Optional[List[Tuple[cst.BaseExpression, cst.BaseExpression]]]:
    """``a, b = x, y``: the (target, value) pairs, when both sides are plain tuples of one
    length."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(
        value, (cst.Tuple, cst.List)
    ):
        return None
    if len(target.elements) != len(value.elements):
        return None
    if any(isinstance(e, cst.StarredElement) for e in list(target.elements) + list(value.elements)):
        return None
    return [(t.value, v.value) for t, v in zip(target.elements, value.elements)]


def _decorator_name(decorator: cst.Decorator) -> Optional[str]:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _dotted(node: cst.BaseExpression) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _yield_as_return(self: _Walker, node: cst.Yield) -> bool:
    if self.func is not None and isinstance(node.value, cst.BaseExpression):
        self.func.returns.append((node.value, self.order))
    return True


_HANDLERS: Dict[type, Callable[[_Walker, Any], bool]] = {
    cst.FunctionDef: _Walker.on_function,
    cst.Lambda: _Walker.on_function,
    cst.ClassDef: _Walker.on_class,
    cst.Try: _Walker.on_try,
    cst.TryStar: _Walker.on_try,
    cst.ExceptHandler: _Walker.on_handler,
    cst.ExceptStarHandler: _Walker.on_handler,
    cst.With: _Walker.on_with,
    cst.Assign: _Walker.on_assign,
    cst.AnnAssign: _Walker.on_assign,
    cst.AugAssign: _Walker.on_assign,
    cst.NamedExpr: _Walker.on_assign,
    cst.For: _Walker.on_for,
    cst.CompFor: _Walker.on_for,
    cst.Import: _Walker.on_import,
    cst.ImportFrom: _Walker.on_import_from,
    cst.Global: _Walker.on_global,
    cst.Nonlocal: _Walker.on_global,
    cst.Del: _Walker.on_del,
    cst.Call: _Walker.on_call,
    cst.Return: _Walker.on_return,
    cst.Yield: _yield_as_return,
    cst.Raise: _Walker.on_raise,
    cst.Comparison: _Walker.on_comparison,
    cst.Match: _Walker.on_match,
    cst.Subscript: _Walker.on_subscript,
    cst.MatchAs: _Walker.on_match_as,
    cst.IndentedBlock: _Walker.on_block,
    cst.Module: _Walker.on_module,
}


def collect(module: cst.Module, package: Optional[str] = None) -> Facts:
    """Walk ``module`` once and return its facts."""
    facts = Facts(module, package)
    _Walker(facts).run()
    return facts


dotted_name = _dotted
decorator_name = _decorator_name
block_statements = _block_statements

"""One walk over a LibCST module that collects the facts (:mod:`flake8_bsg.facts.records`).

The walk is iterative (a deep expression cannot overflow it) and visits nodes in source
order, numbering them: a name used at number ``n`` sees the last binding of its own scope
made before ``n``, which is enough flow sensitivity for ``code = e.code`` aliases and for
handlers that reuse ``e``. Free names (globals, closures) see every binding of their scope,
since a function body runs after the module has been executed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from flake8_bsg.clients import STAR_EXPORTS
from flake8_bsg.facts.records import (
    AnnotatedValue,
    Binding,
    BindingKind,
    BindingValue,
    CallRec,
    ClassInfo,
    ComparisonSite,
    Facts,
    FuncInfo,
    Guards,
    HandlerRec,
    MatchSite,
    ParamBinding,
    Scope,
    ScopeKind,
    SubscriptSite,
    TryRec,
    WithRec,
    WithTarget,
)

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
            if f.name not in _SKIP_FIELDS
            and not f.name.startswith("whitespace")
            and f.type not in (str, bool)  # a name's or a literal's text
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
    node_type = type(node)
    names = _FIELD_CACHE.get(node_type)
    for name in child_fields(node_type) if names is None else names:
        value: Any = getattr(node, name, None)
        kind = type(value)
        if kind is tuple or kind is list:
            out += [item for item in value if _NODE_TYPES.get(type(item)) or _is_node(item)]
        elif value is not None and (_NODE_TYPES.get(kind) or _is_node(value)):
            out.append(value)
    return out


class _Walker:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.scope = facts.module_scope
        self.func: Optional[FuncInfo] = None
        self.guards: Guards = ()
        self.handler: Optional[HandlerRec] = None
        self.order = 0
        self.stack: List[Union[cst.CSTNode, Tuple[Callable[[], None]]]] = []

    # The stack holds nodes to visit and callables to run (scope exits, late bindings).
    def run(self) -> None:
        stack = self.stack
        stack.append(self.facts.module)
        handlers = _HANDLERS
        fields = _FIELD_CACHE  # a type known to have no child fields is not asked
        node_types = _NODE_TYPES
        order_of = self.facts.order_of
        # (the count is kept here and given to ``self.order`` before any code that reads it
        # runs: a handler or an action)
        order = self.order
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is tuple:
                # (no `cast` calls in this loop: each is a function call)
                self.order = order
                item[0]()  # type: ignore[index]
                continue
            node: cst.CSTNode = item  # type: ignore[assignment]
            order += 1
            order_of[id(node)] = order
            handler = handlers.get(kind)
            if handler is not None:
                self.order = order
                if not handler(self, node):
                    continue
            names = fields.get(kind)
            if names is None:
                names = child_fields(kind)
            if not names:
                continue
            # the node's children in source order, pushed last first (``children``, inline)
            found: List[cst.CSTNode] = []
            for name in names:
                value: Any = getattr(node, name, None)
                value_kind = type(value)
                if value_kind is tuple or value_kind is list:
                    found += [v for v in value if node_types.get(type(v)) or _is_node(v)]
                elif value is not None and (node_types.get(value_kind) or _is_node(value)):
                    found.append(value)
            found.reverse()
            stack += found
        self.order = order

    def push_children(self, nodes: Sequence[Optional[cst.CSTNode]]) -> None:
        """Schedule ``nodes`` (in source order) to be visited next."""
        self.stack.extend(node for node in reversed(nodes) if node is not None)

    def later(self, action: Callable[[], None]) -> None:
        self.stack.append((action,))

    def set_context(
        self,
        scope: Scope,
        func: Optional[FuncInfo],
        guards: Guards,
        handler: Union[HandlerRec, None, bool] = False,
    ) -> Callable[[], None]:
        """An action that restores (or enters) a context; ``handler`` False keeps the current
        one."""
        keep = self.handler if handler is False or handler is True else handler

        def action() -> None:
            self.scope, self.func, self.guards, self.handler = scope, func, guards, keep

        return action

    # ---- bindings -------------------------------------------------------------------
    def bind_target(
        self, target: cst.BaseExpression, kind: BindingKind, value: BindingValue, order: int
    ) -> None:
        scope = self.scope
        if isinstance(target, cst.Name):
            self._scope_for(target.value).bind(target.value, order, kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                if isinstance(inner, cst.StarredElement):
                    inner = inner.value
                self.bind_target(inner, BindingKind.UNKNOWN, None, order)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, BindingKind.UNKNOWN, None, order)
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
                if parent.kind is ScopeKind.FUNCTION and name in parent.bindings:
                    return parent
                parent = parent.parent
        return scope

    # ---- node handlers (return True to visit children generically) ------------------
    def on_function(self, node: Union[cst.FunctionDef, cst.Lambda]) -> bool:
        outer = self.scope
        inner = Scope(ScopeKind.FUNCTION, node, outer)
        name = node.name.value if isinstance(node, cst.FunctionDef) else "<lambda>"
        info = FuncInfo(node, name, outer, inner)
        inner.func = info
        self.facts.functions.append(info)
        self.facts.func_of_scope[id(inner)] = info
        if isinstance(node, cst.FunctionDef):
            outer.bind(name, self.order, BindingKind.DEF, info)
            if info.cls is not None:
                info.cls.methods[name] = info  # the last definition is the one Python keeps
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        if type(params.star_arg) is cst.Param:
            ordered.append(params.star_arg)
        ordered += list(params.kwonly_params)
        if params.star_kwarg is not None:
            ordered.append(params.star_kwarg)
        for param in ordered:
            inner.bind(param.name.value, self.order, BindingKind.PARAM, ParamBinding(param, info))
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
        inner = Scope(ScopeKind.CLASS, node, outer)
        info = ClassInfo(node, outer, inner)
        inner.cls = info
        self.facts.classes.append(info)
        outer.bind(node.name.value, self.order, BindingKind.CLASS, info)
        self.later(self.set_context(outer, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(inner, self.func, self.guards))
        self.push_children(
            [d.decorator for d in node.decorators]
            + [a.value for a in node.bases]
            + [k.value for k in node.keywords]
        )
        return False

    def on_try(self, node: Union[cst.Try, cst.TryStar]) -> bool:
        rec = TryRec(node, self.scope, self.func)
        self.facts.tries.append(rec)
        handlers: Sequence[Union[cst.ExceptHandler, cst.ExceptStarHandler]] = node.handlers
        for index, handler in enumerate(handlers):
            hrec = HandlerRec(handler, rec, index, self.scope)
            rec.handlers.append(hrec)
            self.facts.handler_of_node[id(handler)] = hrec
        after: List[Optional[cst.CSTNode]] = list(node.handlers)
        after += [node.orelse, node.finalbody]
        self.push_children(after)
        self.later(self.set_context(self.scope, self.func, self.guards))
        self.push_children([node.body])
        self.later(self.set_context(self.scope, self.func, self.guards + (rec,)))
        return False

    def on_integer(self, node: cst.Integer) -> bool:
        self.facts.integers.append(node)
        return False

    def on_handler(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> bool:
        self.facts.handler_nodes.append(node)
        hrec = self.facts.handler_of_node[id(node)]
        hrec.order = self.order
        if hrec.name is not None:
            scope = self._scope_for(hrec.name)
            name = hrec.name

            def unbind() -> None:
                scope.bind(name, self.order, BindingKind.DEL, None)

            self.later(unbind)
            self.later(self.set_context(self.scope, self.func, self.guards))
            self.push_children([node.body])
            self.later(self.set_context(self.scope, self.func, self.guards, hrec))
            scope.bind(name, self.order, BindingKind.EXCEPT, hrec)
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
        self.later(self.set_context(self.scope, self.func, self.guards + (rec,)))
        for index in reversed(range(len(node.items))):
            item = node.items[index]
            if item.asname is not None:
                target = item.asname.name
                self.later(self._bind_with(target, rec, index))
        self.push_children([item.item for item in node.items])
        return False

    def _bind_with(
        self, target: cst.BaseExpression, rec: WithRec, index: int
    ) -> Callable[[], None]:
        def bind() -> None:
            self.bind_target(target, BindingKind.WITH, WithTarget(rec, index), self.order)

        return bind

    def on_assign(
        self, node: Union[cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr]
    ) -> bool:
        targets: List[cst.BaseExpression]
        value: BindingValue
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
            value = node.value
            kind = BindingKind.ASSIGN
        elif isinstance(node, cst.AnnAssign):
            targets = [node.target]
            value = AnnotatedValue(node.annotation.annotation, node.value)
            kind = BindingKind.ANNASSIGN
        elif isinstance(node, cst.NamedExpr):
            targets = [node.target]
            value = node.value
            kind = BindingKind.ASSIGN
        else:  # AugAssign
            targets = [node.target]
            value = None
            kind = BindingKind.UNKNOWN

        if type(getattr(node, "value", None)) is cst.Dict:
            self.facts.has_tables = True

        def bind() -> None:
            for target in targets:
                pairs = _unpacked(target, value) if kind is BindingKind.ASSIGN else None
                if pairs is not None:
                    for name, item in pairs:
                        self.bind_target(name, BindingKind.ASSIGN, item, self.order)
                else:
                    self.bind_target(target, kind, value, self.order)

        self.later(bind)
        return True

    def on_for(self, node: Union[cst.For, cst.CompFor]) -> bool:
        target, iterable = node.target, node.iter
        pairs = _iterated_pairs(target, iterable)
        if pairs is not None:
            for name, items in pairs:
                self.bind_target(name, BindingKind.FOR, items, self.order)
            return True
        self.bind_target(target, BindingKind.FOR, iterable, self.order)
        return True

    def on_import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, self.order, BindingKind.IMPORT, dotted)
            else:
                top = dotted.split(".", 1)[0]
                self.scope.bind(top, self.order, BindingKind.IMPORT, top)
        return False

    def on_import_from(self, node: cst.ImportFrom) -> bool:
        base = _dotted(node.module) if node.module is not None else ""
        if base is None:
            return False
        if node.relative:
            package = self.facts.package
            parts = package.split(".") if package else []
            up = len(node.relative) - 1
            if package is None or up > len(parts):
                # the package is unknown (stdin, a folder without __init__.py): keep the
                # relative name, so that names known by their last part still resolve
                base = "." * len(node.relative) + base
            else:
                parts = parts[: len(parts) - up] if up else parts
                base = ".".join(p for p in parts + ([base] if base else []) if p)
        if isinstance(node.names, cst.ImportStar):
            # the names a BSG package exports (the only star imports whose names matter here)
            for name in STAR_EXPORTS.get(base, ()):
                self.scope.bind(name, self.order, BindingKind.IMPORT, f"{base}.{name}")
            if self.scope is self.facts.module_scope:
                self.facts.star_imports.append(base)
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
                local,
                self.order,
                BindingKind.IMPORT,
                (base + "." if base else "") + alias.name.value,
            )
        return False

    def on_global(self, node: Union[cst.Global, cst.Nonlocal]) -> bool:
        target = self.scope.globals if isinstance(node, cst.Global) else self.scope.nonlocals
        target.update(item.name.value for item in node.names)
        return False

    def on_del(self, node: cst.Del) -> bool:
        self.bind_target(node.target, BindingKind.DEL, None, self.order)
        return True

    def on_call(self, node: cst.Call) -> bool:
        rec = CallRec(node, self.scope, self.order, self.guards, self.func)
        self.facts.calls.append(rec)
        if self.func is not None:
            self.func.calls.append(rec)
        return True

    def on_return(self, node: cst.Return) -> bool:
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
        self.facts.comparisons.append(ComparisonSite(node, self.scope, self.order))
        return True

    def on_match(self, node: cst.Match) -> bool:
        self.facts.matches.append(MatchSite(node, self.scope, self.order))
        return True

    def on_subscript(self, node: cst.Subscript) -> bool:
        self.facts.subscripts.append(SubscriptSite(node, self.scope, self.order))
        return True

    def on_block(self, node: Union[cst.IndentedBlock, cst.Module]) -> bool:
        body = node.body
        for statement in body:
            if type(statement) is cst.If or type(statement) is cst.Match:
                self.facts.blocks.append((list(body), self.scope))
                break
        return True

    def on_match_as(self, node: cst.MatchAs) -> bool:
        if node.name is not None:
            self.scope.bind(node.name.value, self.order, BindingKind.CAPTURE, node)
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


def _iterated_pairs(
    target: cst.BaseExpression, iterable: cst.BaseExpression
) -> Optional[List[Tuple[cst.BaseExpression, cst.BaseExpression]]]:
    """``for i, item in enumerate(items)`` and ``for a, b in zip(xs, ys)``: each name with the
    iterable it takes its items from (the index of ``enumerate`` from nothing)."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(iterable, cst.Call):
        return None
    func = iterable.func
    if not isinstance(func, cst.Name) or func.value not in ("enumerate", "zip"):
        return None
    args = [a.value for a in iterable.args if a.keyword is None and not a.star]
    names = [e.value for e in target.elements]
    if any(isinstance(name, cst.StarredElement) for name in names):
        return None
    if func.value == "enumerate":
        if len(args) < 1 or len(names) != 2:
            return None
        return [(names[1], args[0])]
    if len(args) != len(names):
        return None
    return list(zip(names, args))


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
    cst.Integer: _Walker.on_integer,
}


def collect(module: cst.Module, package: Optional[str] = None) -> Facts:
    """Walk ``module`` once and return its facts."""
    facts = Facts(module, package)
    _Walker(facts).run()
    return facts


dotted_name = _dotted
decorator_name = _decorator_name

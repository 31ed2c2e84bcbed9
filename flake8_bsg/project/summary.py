"""A module's project facts: what the rest of the project needs to know about it, as plain
JSON-able data — a pure function of the module's text, its dotted name and the options, so
the index can cache it.

Names of other modules stay symbolic (``N:myapp.sms.send_otp``); the index
(:mod:`flake8_bsg.project.link`) resolves them across the project on every run.

References (``ref``), as strings:

- ``F:<module>|<key>``: a function of a module (``key``: ``send``, ``Gateway.send``,
  ``outer.<locals>.inner``, ``<module>`` for module-level code);
- ``C:<module>|<class>``: a class of a module (calling it calls ``__init__``);
- ``M:<module>|<class>:<name>``: method ``name`` on an instance of that class (or a subclass);
- ``S:<module>|<class>:<name>``: ``super().name`` in a method of that class;
- ``N:<dotted>``: a name reached through imports (a function, a class, a module-level
  instance's method, ...);
- ``R:<dotted>:<name>``: method ``name`` of what calling ``<dotted>`` gives (an instance, or a
  factory's result).
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple, Union

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.facts.records import (
    AnnotatedValue,
    BindingKind,
    CallRec,
    ClassInfo,
    Facts,
    FuncInfo,
    Scope,
    ScopeKind,
)
from flake8_bsg.facts.walk import decorator_name, dotted_name
from flake8_bsg.flow.calls import BsgCall, CallFinder
from flake8_bsg.flow.coverage import HTTP, HTTP_SET, Item
from flake8_bsg.flow.handling import ALL, Handling
from flake8_bsg.flow.resolve import Resolver
from flake8_bsg.flow.values import (
    Builtin,
    Const,
    HttpSession,
    Instance,
    LocalClass,
    LocalFunc,
    LocalInstance,
    Method,
    SelfRef,
    SuperOf,
    Sym,
    SymResult,
    Value,
)
from flake8_bsg.options import Config
from flake8_bsg.project.paths import OUTSIDE
from flake8_bsg.project.shape import Json

MODULE_CODE = "<module>"

#: JSON value of an escape filter: ``None`` lets every item through, a list only those, or,
#: when it starts with :data:`EXCEPT`, every item but those.
FilterJson = Optional[List[Union[int, str]]]
#: Marks a filter written as the items it stops (a re-raise of all codes but a few: the short
#: side of 600).
EXCEPT = "!"


def error_kinds(config: Config) -> List[str]:
    """The error classes BSG calls can raise under these options."""
    return [clients.API1_ERROR, clients.API2_ERROR] + sorted(config.error_classes)


def filter_json(allowed: Optional[Set[Item]]) -> Tuple[bool, FilterJson]:
    """(whether anything escapes, the filter as JSON)."""
    if allowed is None:
        return False, None
    if allowed >= ALL:
        return True, None
    stopped = ALL - allowed
    if allowed <= ALL and len(stopped) < len(allowed):
        return True, [EXCEPT, *_in_order(stopped)]
    return True, _in_order(allowed)


def _in_order(items: Iterable[Item]) -> List[Union[int, str]]:
    return sorted(items, key=lambda i: (isinstance(i, str), str(i) if isinstance(i, str) else i))


def apply_filter(allowed: FilterJson, items: Set[Item]) -> Set[Item]:
    """The items that pass a filter (messages pass any filter; the HTTP-errors item passes when
    a status 400-599 does)."""
    if allowed is None:
        return set(items)
    if allowed[:1] == [EXCEPT]:
        stopped = set(allowed[1:])
        return _passing(
            items,
            lambda code: code in ALL and code not in stopped,
            HTTP not in stopped or not HTTP_SET <= stopped,
        )
    codes = set(allowed)
    return _passing(items, codes.__contains__, HTTP in codes or not codes.isdisjoint(HTTP_SET))


def _passing(items: Set[Item], passes: Callable[[int], bool], http: bool) -> Set[Item]:
    out: Set[Item] = set()
    for item in items:
        if isinstance(item, int):
            if passes(item):
                out.add(item)
        elif item == HTTP:
            if http:
                out.add(item)
        else:
            out.add(item)
    return out


class Names:
    """Stable keys for a module's functions and classes."""

    def __init__(self, facts: Facts, module: str) -> None:
        self.module = module
        self.cls: Dict[int, str] = {}
        self.func: Dict[int, str] = {}
        for info in facts.classes:
            self.cls[id(info)] = self._qual(info.outer, info.name)
        taken: Dict[str, int] = {}
        # lambdas are numbered within their scope: a key does not depend on other functions
        # (nor on which of the module's statements were parsed: scope.py)
        lambdas: Dict[str, int] = {}
        for func in facts.functions:
            name = func.name
            if func.is_lambda:
                where = self._qual(func.outer, "")
                lambdas[where] = lambdas.get(where, 0) + 1
                name = f"<lambda{lambdas[where]}>"
            qual = self._qual(func.outer, name)
            count = taken.get(qual, 0) + 1
            taken[qual] = count
            self.func[id(func)] = qual if count == 1 else f"{qual}#{count}"

    def _qual(self, scope: Scope, name: str) -> str:
        if scope.kind is ScopeKind.MODULE:
            return name
        if scope.kind is ScopeKind.CLASS and scope.cls is not None:
            return f"{self.cls.get(id(scope.cls), scope.cls.name)}.{name}"
        if scope.func is not None:
            return f"{self.func.get(id(scope.func), scope.func.name)}.<locals>.{name}"
        return name

    def func_key(self, info: Optional[FuncInfo]) -> str:
        return MODULE_CODE if info is None else self.func[id(info)]

    def func_ref(self, info: FuncInfo) -> str:
        return f"F:{self.module}|{self.func[id(info)]}"

    def class_ref(self, info: ClassInfo) -> str:
        return f"C:{self.module}|{self.cls[id(info)]}"


def is_outside(qualname: str) -> bool:
    return qualname.split(".", 1)[0] in OUTSIDE


def value_ref(value: Value, names: Names) -> Optional[str]:
    """The reference for calling ``value``, or ``None`` when it cannot reach the project."""
    if isinstance(value, LocalFunc):
        return names.func_ref(value.info)
    if isinstance(value, LocalClass):
        return names.class_ref(value.info)
    if isinstance(value, Sym):
        return None if is_outside(value.qualname) else f"N:{value.qualname}"
    if isinstance(value, Method):
        owner = value.owner
        if isinstance(owner, (SelfRef, LocalInstance)):
            info = owner.cls if isinstance(owner, SelfRef) else owner.info
            return f"M:{names.module}|{names.cls[id(info)]}:{value.name}"
        if isinstance(owner, Instance) and owner.client.local is not None:
            return f"M:{names.module}|{names.cls[id(owner.client.local)]}:{value.name}"
        if isinstance(owner, SuperOf):
            return f"S:{names.module}|{names.cls[id(owner.cls)]}:{value.name}"
        if isinstance(owner, SymResult):
            if is_outside(owner.qualname):
                return None
            return f"R:{owner.qualname}:{value.name}"
    return None


def instance_json(value: Value, names: Names) -> Json:
    """What a module-level name or a function's result holds, when it can hold a client or an
    instance of a project class: ``["client", api1, api2, wrapper]`` or ``["result", ref]``."""
    if isinstance(value, Instance):
        client = value.client
        if client.local is not None:
            return ["result", names.class_ref(client.local)]
        return ["client", client.api1 or "", client.api2 or "", client.wrapper or ""]
    if isinstance(value, LocalInstance):
        return ["result", names.class_ref(value.info)]
    if isinstance(value, SymResult) and not is_outside(value.qualname):
        return ["result", f"N:{value.qualname}"]
    return None


def _leaves(node: Optional[cst.CSTNode]) -> List[cst.BaseExpression]:
    """The names and attributes an expression holds as values (in collections too)."""
    out: List[cst.BaseExpression] = []
    todo: List[Optional[cst.CSTNode]] = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, (cst.Name, cst.Attribute)):
            out.append(item)
        elif isinstance(item, (cst.Tuple, cst.List, cst.Set)):
            todo += [e.value for e in item.elements]
        elif isinstance(item, cst.Dict):
            for element in item.elements:
                if isinstance(element, cst.DictElement):
                    todo += [element.key, element.value]
                else:
                    todo.append(element.value)
    return out


class Summariser:
    """Builds a module's project facts from its analysis (before any project knowledge)."""

    def __init__(
        self,
        facts: Facts,
        resolver: Resolver,
        calls: CallFinder,
        handling: Handling,
        config: Config,
        module: str,
        rel: str,
        test: bool,
    ) -> None:
        self.facts = facts
        self.r = resolver
        self.calls = calls
        self.handling = handling
        self.kinds = error_kinds(config)
        self.names = Names(facts, module)
        self.module = module
        self.rel = rel
        self.test = test

    def build(self, lines: Dict[int, int]) -> Dict[str, Json]:
        """The module's facts; ``lines``: the line of each call node (by ``id``)."""
        funcs: Dict[str, Dict[str, Json]] = {MODULE_CODE: self._func_base(None)}
        for info in self.facts.functions:
            funcs[self.names.func_key(info)] = self._func_base(info)
        for call in self.calls.bsg_calls:
            self._direct(call, funcs, lines)
        for rec, values in self.calls.sites:
            self._site(rec, values, funcs, lines)
        for rec, name in self.calls.opens:
            opens = funcs[self.names.func_key(rec.func)]["opens"]
            assert isinstance(opens, list)
            if name not in opens:
                opens.append(name)
        return {
            "name": self.module,
            "rel": self.rel,
            "test": self.test,
            # what a function does not have is left out (the readers default it)
            "funcs": {k: {f: v for f, v in fn.items() if v} for k, fn in funcs.items()},
            "classes": self._classes(),
            "names": self._module_names(),
            "star": list(self.facts.star_imports),
            "all": self._all(),
            "refs": list(sorted(self._references())),
        }

    # ---- functions ----------------------------------------------------------------------
    def _func_base(self, info: Optional[FuncInfo]) -> Dict[str, Json]:
        out: Dict[str, Json] = {"direct": [], "sites": [], "opens": []}
        if info is None:
            return out
        out["cls"] = self.names.cls[id(info.cls)] if info.cls is not None else None
        out["async"] = info.is_async
        out["nested"] = info.nested
        decorators: List[Json] = []
        for decorator in info.decorators:
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            value = self.r.resolve(target, info.outer, 0)
            ref = value_ref(value, self.names) or ""
            name = (
                value.qualname
                if isinstance(value, Sym)
                else (dotted_name(target) or decorator_name(decorator) or "")
            )
            decorators.append([ref, name])
        out["decos"] = decorators
        out["declared"] = [k for k in self.kinds if self.handling.declares_raises(info, k)]
        out["retried"] = [k for k in self.kinds if self.handling.retried_by_decorator(info, k)]
        result = self.r.function_result(info)
        out["returns"] = instance_json(result, self.names)
        return out

    def _direct(
        self, call: BsgCall, funcs: Dict[str, Dict[str, Json]], lines: Dict[int, int]
    ) -> None:
        if call.returned:
            return
        allowed = self.handling.escape_filter(call.rec.guards, call.kind)
        escapes, filt = filter_json(allowed)
        if not escapes:
            return
        items = apply_filter(filt, set(call.items))
        if not items:
            return
        direct = funcs[self.names.func_key(call.rec.func)]["direct"]
        assert isinstance(direct, list)
        ordered: List[Json] = [i for i in sorted(items, key=_item_order)]
        direct.append([call.kind, ordered, call.name, lines.get(id(call.rec.node), 0)])

    def _site(
        self,
        rec: CallRec,
        values: List[Value],
        funcs: Dict[str, Dict[str, Json]],
        lines: Dict[int, int],
    ) -> None:
        refs = [value_ref(v, self.names) for v in values]
        targets: List[Json] = [r for r in refs if r is not None]
        if not targets:
            return
        filters: Dict[str, Json] = {}
        for kind in self.kinds:
            escapes, filt = filter_json(self.handling.escape_filter(rec.guards, kind))
            if escapes:
                filters[kind] = list(filt) if filt is not None else None
        node_id = id(rec.node)
        flags = "".join(
            flag
            for flag, holds in (
                ("r", node_id in self.calls.returned),
                ("h", node_id in self.calls.handed_records),
                ("s", node_id in self.calls.scheduled),
            )
            if holds
        )
        sites = funcs[self.names.func_key(rec.func)]["sites"]
        assert isinstance(sites, list)
        sites.append([targets, lines.get(node_id, 0), filters, flags])

    # ---- classes and module-level names ---------------------------------------------------
    def _classes(self) -> Dict[str, Json]:
        out: Dict[str, Json] = {}
        for info in self.facts.classes:
            bases: List[Json] = []
            for base in self.r.class_bases(info):
                bases.append(self._base(base))
            methods: Dict[str, Json] = {
                name: self.names.func_key(method) for name, method in info.methods.items()
            }
            out[self.names.cls[id(info)]] = {"bases": bases, "methods": methods}
        return out

    def _base(self, base: Value) -> Json:
        if isinstance(base, LocalClass):
            return self.names.class_ref(base.info)
        client = self.r.client_of_class(base)
        if client is not None:
            return ["client", client.api1 or "", client.api2 or "", client.wrapper or ""]
        if isinstance(base, Sym):
            return "?" if is_outside(base.qualname) else f"N:{base.qualname}"
        if isinstance(base, Builtin):
            return "B:" + base.name
        return "?"

    def _module_names(self) -> Dict[str, Json]:
        out: Dict[str, Json] = {}
        for name, bindings in self.facts.module_scope.bindings.items():
            defs: List[Json] = []
            for binding in bindings:
                kind, value = binding.kind, binding.value
                if kind is BindingKind.DEF and isinstance(value, FuncInfo):
                    defs.append(["def", self.names.func_key(value)])
                elif kind is BindingKind.CLASS and isinstance(value, ClassInfo):
                    defs.append(["class", self.names.cls[id(value)]])
                elif kind is BindingKind.IMPORT and isinstance(value, str):
                    defs.append(["import", value])
                elif kind in (BindingKind.ASSIGN, BindingKind.ANNASSIGN):
                    defs.append(self._assigned(self.r.binding_value(binding)))
                elif kind is BindingKind.DEL:
                    continue
                else:
                    defs.append(["other"])
            out[name] = defs
        return out

    def _assigned(self, value: Value) -> Json:
        if isinstance(value, LocalFunc):
            return ["def", self.names.func_key(value.info)]
        if isinstance(value, LocalClass):
            return ["class", self.names.cls[id(value.info)]]
        if isinstance(value, Sym):
            return ["import", value.qualname]
        held = instance_json(value, self.names)
        if held is not None:
            return ["value", held]
        if isinstance(value, HttpSession):
            return ["value", ["session", value.base or ""]]
        return ["other"]

    def _all(self) -> Json:
        for binding in self.facts.module_scope.bindings.get("__all__", []):
            value = binding.value
            if isinstance(value, AnnotatedValue):
                value = value.value
            if binding.kind in (BindingKind.ASSIGN, BindingKind.ANNASSIGN) and isinstance(
                value, cst.BaseExpression
            ):
                resolved = self.r.resolve(value, binding.scope, binding.order)
                if isinstance(resolved, Const) and isinstance(resolved.value, tuple):
                    names: List[Json] = [v for v in resolved.value if isinstance(v, str)]
                    return names
        return None

    def _references(self) -> Set[str]:
        """Functions and methods used other than by a call: passed, stored, returned, or reached
        through an attribute (``notify.delay(...)``)."""
        found: Set[str] = set()

        def note(node: cst.BaseExpression, scope: Scope, order: int) -> None:
            for leaf in _leaves(node):
                value = self.r.resolve(leaf, scope, order)
                ref = _function_ref(value, self.names)
                if ref is not None:
                    found.add(ref)

        handed = self.calls.handed_records
        for rec in self.facts.calls:
            node = rec.node
            func = node.func
            if isinstance(func, cst.Call):
                continue  # `sync_to_async(f)(...)`: its inner call is seen on its own
            wrapper = self.r.resolve(func, rec.scope, rec.order)
            if isinstance(wrapper, Sym) and wrapper.qualname in clients.SYNC_TO_ASYNC:
                continue  # `sync_to_async(f)`: `f` is called where the wrapper is
            for index, arg in enumerate(node.args):
                if id(node) in handed and index <= 1:
                    continue  # `to_thread(f, ...)`, `run_in_executor(None, f)`: a call of `f`
                note(arg.value, rec.scope, rec.order)
            if isinstance(func, cst.Attribute):
                note(func.value, rec.scope, rec.order)
        scopes = [self.facts.module_scope]
        scopes += [f.inner for f in self.facts.functions] + [c.inner for c in self.facts.classes]
        for scope in scopes:
            for bindings in scope.bindings.values():
                for binding in bindings:
                    value = binding.value
                    if isinstance(value, AnnotatedValue):
                        value = value.value
                    if binding.kind in (BindingKind.ASSIGN, BindingKind.ANNASSIGN) and isinstance(
                        value, cst.BaseExpression
                    ):
                        note(value, binding.scope, binding.order)
        for info in self.facts.functions:
            for expr, order in info.returns:
                note(expr, info.inner, order)
        for cls in self.facts.classes:
            for self_bindings in cls.self_attrs.values():
                for binding in self_bindings:
                    if binding.kind is BindingKind.ASSIGN and isinstance(
                        binding.value, cst.BaseExpression
                    ):
                        note(binding.value, binding.scope, binding.order)
        return found


def _function_ref(value: Value, names: Names) -> Optional[str]:
    if isinstance(value, (LocalFunc, Sym, Method)):
        return value_ref(value, names)
    return None


def _item_order(item: Item) -> Tuple[int, int, str]:
    if isinstance(item, int):
        return (0, item, "")
    return (1, 0, item)

"""The project's modules' facts linked together: what each call reaches, what escapes each
function (with where it comes from), which functions are entry points.

Recomputed from the module facts on every run (never cached): a change in one module moves
answers in others.
"""

from __future__ import annotations

from typing import AbstractSet, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from flake8_bsg import clients
from flake8_bsg.flow.calls import CallShape, client_method
from flake8_bsg.flow.coverage import Item
from flake8_bsg.flow.values import Client
from flake8_bsg.options import Config
from flake8_bsg.project.shape import Json
from flake8_bsg.project.summary import MODULE_CODE, apply_filter

FuncId = Tuple[str, str]  # (module, function key)
ClassId = Tuple[str, str]  # (module, class qualname)
Origin = Tuple[str, str, int]  # (call name, module path, line)

#: Decorators that do not register the function they decorate (it is still called by name).
NOT_REGISTERING = frozenset(
    {
        "staticmethod",
        "classmethod",
        "property",
        "cached_property",
        "setter",
        "getter",
        "deleter",
        "overload",
        "override",
        "final",
        "abstractmethod",
        "wraps",
        "lru_cache",
        "cache",
        "contextmanager",
        "asynccontextmanager",
        "retry",
    }
)
NOT_REGISTERING_MODULES = ("functools.", "typing.", "typing_extensions.", "abc.", "tenacity.")
#: Bases whose methods are not framework hooks.
PLAIN_BASES = ("typing.", "typing_extensions.", "abc.", "enum.", "dataclasses.", "collections.")

Entity = Tuple[str, ...]  # ("func", mod, key) | ("class", mod, q) | ("module", mod)
# | ("client", api1, api2, wrapper) | ("inst", mod, q) (an instance of a project class)
# | ("result", ref)


class Escapes:
    """What escapes a function for one error class: the items and where they come from.

    Built up by the fixed point, then frozen: equal sets are shared (a project's functions
    mostly let the same few sets escape)."""

    __slots__ = ("items", "origins")

    def __init__(self) -> None:
        self.items: AbstractSet[Item] = set()
        self.origins: Sequence[Origin] = []

    def add(self, items: Iterable[Item], origins: Iterable[Origin]) -> bool:
        mine = self.items if isinstance(self.items, set) else set(self.items)
        known = self.origins if isinstance(self.origins, list) else list(self.origins)
        before = len(mine), len(known)
        mine.update(items)
        for origin in origins:
            if origin not in known:
                known.append(origin)
        self.items, self.origins = mine, known
        return (len(mine), len(known)) != before

    def freeze(self, shared: Dict[object, object]) -> None:
        items = frozenset(self.items)
        origins = tuple(self.origins)
        self.items = shared.setdefault(items, items)  # type: ignore[assignment]
        self.origins = shared.setdefault(origins, origins)  # type: ignore[assignment]


class Target:
    """What one call site reaches: project functions, and BSG calls made through project
    values (a module-level client, a project subclass of a client)."""

    __slots__ = ("funcs", "bsg")

    def __init__(self) -> None:
        self.funcs: List[FuncId] = []
        self.bsg: List[CallShape] = []


def _j_list(value: Json) -> List[Json]:
    return value if isinstance(value, list) else []


def _j_dict(value: Json) -> Dict[str, Json]:
    return value if isinstance(value, dict) else {}


class Linked:
    """The linked project."""

    def __init__(
        self,
        modules: Dict[str, Dict[str, Json]],
        config: Config,
        project_modules: Iterable[str] = (),
    ) -> None:
        self.modules = modules
        self.config = config
        #: The dotted names of all the project's modules, also those that take no part.
        self.project_modules = set(project_modules) | set(modules)
        self._names: Dict[Tuple[str, str], List[Entity]] = {}
        self._resolving: Set[Tuple[str, str]] = set()
        self._mro: Dict[ClassId, List[Union[ClassId, Entity]]] = {}
        self._subclasses: Optional[Dict[ClassId, List[ClassId]]] = None
        self._targets: Dict[str, Target] = {}
        self.escapes: Dict[FuncId, Dict[str, Escapes]] = {}
        self.open: Set[FuncId] = set()
        self.entry: Set[FuncId] = set()
        self.escaping_methods: Set[str] = set()
        self._link()

    # ---- access ---------------------------------------------------------------------------
    def func(self, fid: FuncId) -> Dict[str, Json]:
        return _j_dict(_j_dict(self.modules[fid[0]].get("funcs")).get(fid[1]))

    def funcs(self) -> Iterable[Tuple[FuncId, Dict[str, Json]]]:
        for mod, data in self.modules.items():
            for key, func in _j_dict(data.get("funcs")).items():
                yield (mod, key), _j_dict(func)

    def is_test(self, mod: str) -> bool:
        return bool(self.modules[mod].get("test"))

    def rel(self, mod: str) -> str:
        return str(self.modules[mod].get("rel", mod))

    # ---- names ----------------------------------------------------------------------------
    def resolve_dotted(self, dotted: str) -> List[Entity]:
        """What a dotted name reached through imports is in the project (nothing outside)."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            mod = ".".join(parts[:cut])
            if mod in self.modules:
                found: List[Entity] = [("module", mod)]
                for attr in parts[cut:]:
                    found = [e for f in found for e in self.attribute(f, attr)]
                return found
        return []

    def module_name(self, mod: str, name: str) -> List[Entity]:
        key = (mod, name)
        if key in self._names:
            return self._names[key]
        if key in self._resolving or len(self._resolving) > 200:
            return []
        self._resolving.add(key)
        try:
            found = self._module_name(mod, name)
        finally:
            self._resolving.discard(key)
        self._names[key] = found
        return found

    def _module_name(self, mod: str, name: str) -> List[Entity]:
        data = self.modules[mod]
        defs = _j_list(_j_dict(data.get("names")).get(name))
        out: List[Entity] = []
        for entry in defs:
            parts = _j_list(entry)
            kind = parts[0] if parts else "other"
            if kind == "def":
                out.append(("func", mod, str(parts[1])))
            elif kind == "class":
                out.append(("class", mod, str(parts[1])))
            elif kind == "import":
                out += self.resolve_dotted(str(parts[1]))
            elif kind == "value":
                out += self.instances(parts[1], mod)
        if defs:
            return out
        sub = f"{mod}.{name}" if mod else name
        if sub in self.modules:
            return [("module", sub)]
        for star in _j_list(data.get("star")):
            for entity in self.resolve_dotted(str(star)):
                if entity[0] != "module":
                    continue
                other = self.modules[entity[1]]
                exported = other.get("all")
                if isinstance(exported, list):
                    if name not in exported:
                        continue
                elif name.startswith("_"):
                    continue
                out += self.module_name(entity[1], name)
        return out

    def attribute(self, entity: Entity, attr: str) -> List[Entity]:
        kind = entity[0]
        if kind == "module":
            return self.module_name(entity[1], attr)
        if kind == "class":
            return [("method", entity[1], entity[2], attr)]
        if kind in ("inst", "client"):
            return [("bound", *entity, attr)]
        return []

    def instances(self, value: Json, mod: str) -> List[Entity]:
        """What ``["client", ...]``/``["result", ref]`` instance data stands for."""
        parts = _j_list(value)
        if not parts:
            return []
        if parts[0] == "client":
            return [("client", str(parts[1]), str(parts[2]), str(parts[3]))]
        if parts[0] == "result":
            return self.result_of(str(parts[1]))
        if parts[0] == "session":
            return [("session", str(parts[1]))]
        return []

    def result_of(self, ref: str, depth: int = 0) -> List[Entity]:
        """The instances calling ``ref`` gives."""
        if depth > 10:
            return []
        if ref.startswith("C:"):
            mod, _, qual = ref[2:].partition("|")
            return [("inst", mod, qual)]
        if ref.startswith("N:"):
            out: List[Entity] = []
            for entity in self.resolve_dotted(ref[2:]):
                if entity[0] == "class":
                    out.append(("inst", entity[1], entity[2]))
                elif entity[0] == "func":
                    returns = self.func((entity[1], entity[2])).get("returns")
                    out += self.instances(returns, entity[1])
            return out
        return []

    # ---- classes --------------------------------------------------------------------------
    def class_data(self, cid: ClassId) -> Dict[str, Json]:
        mod = self.modules.get(cid[0])
        if mod is None:
            return {}
        return _j_dict(_j_dict(mod.get("classes")).get(cid[1]))

    def bases(self, cid: ClassId) -> List[Union[ClassId, Entity]]:
        """The direct bases: project classes (``ClassId``), clients (``("client", ...)``) or
        ``("external",)``/``("plain",)``."""
        out: List[Union[ClassId, Entity]] = []
        for base in _j_list(self.class_data(cid).get("bases")):
            if isinstance(base, list):
                out.append(("client", str(base[1]), str(base[2]), str(base[3])))
            elif isinstance(base, str) and base.startswith("C:"):
                mod, _, qual = base[2:].partition("|")
                out.append((mod, qual))
            elif isinstance(base, str) and base.startswith("N:"):
                found = [e for e in self.resolve_dotted(base[2:]) if e[0] == "class"]
                if found:
                    out += [(e[1], e[2]) for e in found]
                elif base[2:].startswith(PLAIN_BASES) or self.in_project(base[2:]):
                    out.append(("plain",))  # (a project class of a module without BSG)
                else:
                    out.append(("external",))
            elif isinstance(base, str) and base.startswith("X:"):
                out.append(("external",))
            else:
                out.append(("plain",))
        return out

    def mro(self, cid: ClassId) -> List[Union[ClassId, Entity]]:
        """The class and its ancestors, depth first, each once."""
        known = self._mro.get(cid)
        if known is not None:
            return known
        out: List[Union[ClassId, Entity]] = []
        seen: Set[object] = set()
        todo: List[Union[ClassId, Entity]] = [cid]
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            out.append(current)
            if len(current) == 2 and current[0] not in ("plain", "external", "client"):
                todo[0:0] = self.bases((current[0], current[1]))
        self._mro[cid] = out
        return out

    def subclasses(self, cid: ClassId) -> List[ClassId]:
        if self._subclasses is None:
            children: Dict[ClassId, List[ClassId]] = {}
            for mod, data in self.modules.items():
                for qual in _j_dict(data.get("classes")):
                    me = (mod, qual)
                    for base in self.bases(me):
                        if len(base) == 2 and base[0] not in ("plain", "external", "client"):
                            children.setdefault((base[0], base[1]), []).append(me)
            self._subclasses = children
        out: List[ClassId] = []
        todo = list(self._subclasses.get(cid, []))
        while todo:
            current = todo.pop(0)
            if current in out or current == cid:
                continue
            out.append(current)
            todo += self._subclasses.get(current, [])
        return out

    def method(self, cid: ClassId, name: str, virtual: bool, skip_self: bool = False) -> Target:
        """What ``name`` called on an instance of ``cid`` runs (``virtual``: overrides in
        project subclasses too; ``skip_self``: ``super().name``)."""
        target = Target()
        chain = self.mro(cid)
        if skip_self:
            chain = chain[1:]
        for entry in chain:
            if len(entry) == 2 and entry[0] not in ("plain", "external", "client"):
                key = _j_dict(self.class_data((entry[0], entry[1])).get("methods")).get(name)
                if isinstance(key, str):
                    target.funcs.append((entry[0], key))
                    break
            elif entry[0] == "client":
                shape = self.client_call(entry, name)
                if shape is not None:
                    target.bsg.append(shape)
                break
        if virtual:
            for sub in self.subclasses(cid):
                key = _j_dict(self.class_data(sub).get("methods")).get(name)
                if isinstance(key, str) and (sub[0], key) not in target.funcs:
                    target.funcs.append((sub[0], key))
        return target

    def client_call(self, entity: Entity, name: str) -> Optional[CallShape]:
        client = Client(api1=entity[1] or None, api2=entity[2] or None, wrapper=entity[3] or None)
        if client.wrapper is not None and client.wrapper not in self.config.wrapper_classes:
            return None
        if client.api1 is not None and client.api1 not in clients.API1_CLASSES:
            return None
        return client_method(client, name, self.config)

    def constructor(self, cid: ClassId) -> Target:
        target = Target()
        for hook in ("__init__", "__post_init__"):
            found = self.method(cid, hook, virtual=False)
            target.funcs += [f for f in found.funcs if f not in target.funcs]
        return target

    # ---- call targets ---------------------------------------------------------------------
    def targets(self, refs: Iterable[Json]) -> Target:
        out = Target()
        for ref in refs:
            found = self.target(str(ref))
            out.funcs += [f for f in found.funcs if f not in out.funcs]
            out.bsg += found.bsg
        return out

    def target(self, ref: str) -> Target:
        known = self._targets.get(ref)
        if known is None:
            known = self._targets[ref] = self._target(ref)
        return known

    def _target(self, ref: str) -> Target:
        kind, _, rest = ref.partition(":")
        out = Target()
        if kind == "F":
            mod, _, key = rest.partition("|")
            if mod in self.modules and key in _j_dict(self.modules[mod].get("funcs")):
                out.funcs.append((mod, key))
            return out
        if kind == "C":
            mod, _, qual = rest.partition("|")
            return self.constructor((mod, qual))
        if kind in ("M", "S"):
            owner, _, name = rest.rpartition(":")
            mod, _, qual = owner.partition("|")
            return self.method((mod, qual), name, virtual=kind == "M", skip_self=kind == "S")
        if kind == "N":
            for entity in self.resolve_dotted(rest):
                self._call_entity(entity, out)
            return out
        if kind == "R":
            dotted, _, name = rest.rpartition(":")
            for entity in self.result_of("N:" + dotted):
                self._call_entity(("bound", *entity, name), out)
        return out

    def _call_entity(self, entity: Entity, out: Target) -> None:
        kind = entity[0]
        if kind == "func":
            out.funcs.append((entity[1], entity[2]))
        elif kind == "class":
            out.funcs += self.constructor((entity[1], entity[2])).funcs
        elif kind == "method":
            found = self.method((entity[1], entity[2]), entity[3], virtual=False)
            out.funcs += found.funcs
            out.bsg += found.bsg
        elif kind == "bound":
            owner, name = entity[1:-1], entity[-1]
            if owner[0] == "inst":
                found = self.method((owner[1], owner[2]), name, virtual=True)
                out.funcs += found.funcs
                out.bsg += found.bsg
            elif owner[0] == "client":
                shape = self.client_call(owner, name)
                if shape is not None:
                    out.bsg.append(shape)

    # ---- escapes and entry points ---------------------------------------------------------
    def _link(self) -> None:
        edges: List[Tuple[FuncId, FuncId, Dict[str, Json]]] = []
        referenced: Set[FuncId] = set()
        callers: Dict[FuncId, Set[FuncId]] = {}
        for fid, func in self.funcs():
            mod = fid[0]
            for direct in _j_list(func.get("direct")):
                kind, items, name, line = _j_list(direct)
                mine = self.escapes.setdefault(fid, {})
                mine.setdefault(str(kind), Escapes()).add(
                    _items(items), [(str(name), self.rel(mod), int(str(line)))]
                )
            for site in _j_list(func.get("sites")):
                refs, line, filters, flags = _j_list(site)
                target = self.targets(_j_list(refs))
                filters_d = _j_dict(filters)
                for shape in target.bsg:
                    if shape.kind in filters_d:
                        passed = apply_filter(_filter(filters_d[shape.kind]), set(shape.items))
                        if passed:
                            mine = self.escapes.setdefault(fid, {})
                            mine.setdefault(shape.kind, Escapes()).add(
                                passed, [(shape.name, self.rel(mod), int(str(line)))]
                            )
                for callee in target.funcs:
                    callee_async = bool(self.func(callee).get("async"))
                    if "s" in str(flags) and callee_async:
                        referenced.add(callee)  # `create_task(f())`: f is referenced
                        continue
                    if not self.is_test(mod):
                        callers.setdefault(callee, set()).add(fid)
                    if "r" in str(flags) and (callee_async or "h" in str(flags)):
                        continue  # gather(..., return_exceptions=True) returns the error
                    edges.append((fid, callee, filters_d))
            if not self.is_test(mod):
                for ref in _j_list(self.modules[mod].get("refs")):
                    referenced.update(self.target_refs(str(ref)))
        self._fixed_point(edges)
        shared: Dict[object, object] = {}
        for kinds in self.escapes.values():
            for escapes in kinds.values():
                escapes.freeze(shared)
        self.escaping_methods = {
            key.rsplit(".", 1)[-1]
            for (mod, key), kinds in self.escapes.items()
            if self.func((mod, key)).get("cls") and any(e.items for e in kinds.values())
        }
        self._open(edges)
        self._entries(callers, referenced)

    def target_refs(self, ref: str) -> List[FuncId]:
        """The functions a reference (not a call) names."""
        if ref.startswith("N:"):
            out: List[FuncId] = []
            for entity in self.resolve_dotted(ref[2:]):
                if entity[0] == "func":
                    out.append((entity[1], entity[2]))
                elif entity[0] == "method":
                    out += self.method((entity[1], entity[2]), entity[3], virtual=True).funcs
                elif entity[0] == "bound" and entity[1] == "inst":
                    out += self.method((entity[2], entity[3]), entity[-1], virtual=True).funcs
            return out
        if ref.startswith("C:"):
            return []
        return self.target(ref).funcs

    def _fixed_point(self, edges: List[Tuple[FuncId, FuncId, Dict[str, Json]]]) -> None:
        by_callee: Dict[FuncId, List[Tuple[FuncId, Dict[str, Json]]]] = {}
        for caller, callee, filters in edges:
            by_callee.setdefault(callee, []).append((caller, filters))
        todo = [fid for fid, kinds in self.escapes.items() if any(e.items for e in kinds.values())]
        queued = set(todo)
        while todo:
            callee = todo.pop()
            queued.discard(callee)
            for caller, filters in by_callee.get(callee, []):
                changed = False
                for kind, escapes in list(self.escapes.get(callee, {}).items()):
                    if kind not in filters or not escapes.items:
                        continue
                    passed = apply_filter(_filter(filters[kind]), set(escapes.items))
                    mine = self.escapes.setdefault(caller, {}) if passed else {}
                    if passed and mine.setdefault(kind, Escapes()).add(passed, escapes.origins):
                        changed = True
                if changed and caller not in queued:
                    queued.add(caller)
                    todo.append(caller)

    def _open(self, edges: List[Tuple[FuncId, FuncId, Dict[str, Json]]]) -> None:
        for fid, func in self.funcs():
            if any(str(n) in self.escaping_methods for n in _j_list(func.get("opens"))):
                self.open.add(fid)
        changed = True
        while changed:
            changed = False
            for caller, callee, filters in edges:
                if callee in self.open and caller not in self.open and filters:
                    self.open.add(caller)
                    changed = True

    def _entries(self, callers: Dict[FuncId, Set[FuncId]], referenced: Set[FuncId]) -> None:
        component = _components(
            [fid for fid, _f in self.funcs()],
            {callee: sorted(c) for callee, c in callers.items()},
        )
        open_names: Set[str] = set()
        for mod, data in self.modules.items():
            if data.get("test"):
                continue
            for func in _j_dict(data.get("funcs")).values():
                open_names.update(str(n) for n in _j_list(_j_dict(func).get("opens")))
        # a component called from outside itself passes its errors out as one unit
        called: Set[int] = set()
        for callee, sources in callers.items():
            if any(component[c] != component[callee] for c in sources):
                called.add(component[callee])
        for fid, func in self.funcs():
            outside = component[fid] in called
            if (
                fid[1] == MODULE_CODE
                or not outside
                or fid in referenced
                or self._registered(func)
                or self._overrides_outside(fid, func)
                or (func.get("cls") and fid[1].rsplit(".", 1)[-1] in open_names)
            ):
                self.entry.add(fid)

    def _registered(self, func: Dict[str, Json]) -> bool:
        for deco in _j_list(func.get("decos")):
            ref, name = (str(p) for p in _j_list(deco))
            if ref and (self.target(ref).funcs or self.in_project(ref[2:])):
                continue  # a project decorator: looked through
            last = name.rsplit(".", 1)[-1]
            if last in NOT_REGISTERING or name.startswith(NOT_REGISTERING_MODULES):
                continue
            return True
        return False

    def _overrides_outside(self, fid: FuncId, func: Dict[str, Json]) -> bool:
        cls = func.get("cls")
        if not isinstance(cls, str):
            return False
        return any(entry == ("external",) for entry in self.mro((fid[0], cls)))

    def session_base(self, dotted: str) -> Optional[str]:
        """The base URL (``""``: none) of the HTTP session a dotted name is, when it is one."""
        for entity in self.resolve_dotted(dotted):
            if entity[0] == "session":
                return entity[1]
        return None

    def in_project(self, dotted: str) -> bool:
        """Whether a dotted name is in a project module (one that takes part or not)."""
        parts = dotted.split(".")
        return any(
            ".".join(parts[:cut]) in self.project_modules for cut in range(len(parts), 0, -1)
        )

    # ---- questions of one module ------------------------------------------------------------
    def is_entry(self, fid: FuncId) -> bool:
        return fid in self.entry

    def escapes_of(self, fid: FuncId) -> Dict[str, Escapes]:
        return self.escapes.get(fid, {})


def _filter(value: Json) -> Optional[List[Union[int, str]]]:
    if value is None:
        return None
    return [v for v in _j_list(value) if isinstance(v, (int, str))]


def _items(value: Json) -> Set[Item]:
    return {v for v in _j_list(value) if isinstance(v, (int, str))}


def _components(nodes: List[FuncId], callers: Dict[FuncId, List[FuncId]]) -> Dict[FuncId, int]:
    """Strongly connected components of the call graph (iterative Tarjan); edges run from
    caller to callee."""
    callees: Dict[FuncId, List[FuncId]] = {}
    for callee, sources in callers.items():
        for caller in sources:
            callees.setdefault(caller, []).append(callee)
    index: Dict[FuncId, int] = {}
    low: Dict[FuncId, int] = {}
    on_stack: Set[FuncId] = set()
    stack: List[FuncId] = []
    component: Dict[FuncId, int] = {}
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work: List[Tuple[FuncId, int]] = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = callees.get(node, [])
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    for node in nodes:
        component.setdefault(node, -1 - len(component))
    return component

"""Which calls are BSG calls, and which call functions of the same file.

A BSG call is a call of a client method (API 1.0 or 2.0), a local validation, a declared
wrapper, or a method handed off to ``asyncio.to_thread``/``run_in_executor``; each carries the
items (codes, messages, the HTTP-errors item) it can produce and the error class it raises.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.codes import COMMON, FAMILIES, messages_of_group
from flake8_bsg.facts.records import CallRec, ClassInfo, Facts, FuncInfo, TryRec
from flake8_bsg.facts.walk import children
from flake8_bsg.flow.coverage import Item
from flake8_bsg.flow.resolve import Resolver
from flake8_bsg.flow.values import (
    Client,
    Const,
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


class BsgCall:
    """A recognised BSG call.

    ``name``: how messages name it (``SMSAPI.send()``); ``items``: what it can produce;
    ``kind``: the canonical error class it raises; ``families``: its code families (or API 2.0
    message groups); ``local``: the fixed codes of a local validation.
    """

    def __init__(
        self,
        rec: CallRec,
        name: str,
        items: FrozenSet[Item],
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
        #: Inside ``asyncio.gather(..., return_exceptions=True)``: the error is returned as a
        #: result, never raised.
        self.returned = False
        #: A method handed to an executor (``to_thread``, ``run_in_executor``, ...).
        self.handed = False
        #: A call of a project function: where the escaping items come from
        #: (``(call name, module path, line)``), and whether the set is open (it may hold
        #: more, from methods called on receivers the analysis cannot resolve).
        self.origins: Tuple[Tuple[str, str, int], ...] = ()
        self.open = False


class CallFinder:
    """Finds the BSG calls of a file and its calls of the file's own functions."""

    def __init__(self, facts: Facts, resolver: Resolver, config: Config) -> None:
        self.facts = facts
        self.r = resolver
        self.config = config
        self.bsg_calls: List[BsgCall] = []
        #: Calls of functions of this file (which may let BSG errors escape).
        self.local_calls: List[Tuple[CallRec, FuncInfo]] = []
        self._lambdas: Optional[Dict[int, FuncInfo]] = None
        #: What each call's callee resolves to, by ``id`` of its record (asked by more than
        #: one question of the same call).
        self._callees: Dict[int, Value] = {}
        #: Calls whose errors come back as results (``gather(..., return_exceptions=True)``).
        self.returned: Set[int] = set()
        #: Executor calls that run a function of this file (``to_thread(_send, ...)``).
        self.handed_records: Set[int] = set()
        #: In a project: the calls that may call project functions, with what they call.
        self.sites: List[Tuple[CallRec, List[Value]]] = []
        #: In a project: the calls of a method on a receiver that resolves to nothing.
        self.opens: List[Tuple[CallRec, str]] = []
        #: In a project: calls handed to a scheduler (``create_task(f())``): references only
        #: when they call a coroutine function.
        self.scheduled: Set[int] = set()

    def find(self) -> None:
        referenced: Optional[Set[int]] = None
        self.returned = self.returned_calls()
        if self.r.project:
            self.scheduled = referenced = self.referenced_coroutines()
        for rec in self.facts.calls:
            func = self.callee(rec)
            call = self.bsg_call(rec, func)
            if call is not None:
                # a direct client call in gather's arguments raises before gather runs
                call.returned = call.handed and id(rec.node) in self.returned
                self.bsg_calls.append(call)
                continue
            targets = []
            target = self.local_target(func)
            if target is not None:
                targets = [target]
            elif func is None and type(rec.node.func) is cst.Name:
                # a helper defined more than once (in the branches of an `if`): any of them
                targets = self.r.def_targets(rec.node.func.value, rec.scope)
            if self.r.project:
                self.project_site(rec, func, targets)
            for info in targets:
                if info.is_async:
                    # a coroutine handed to create_task() and the like only is referenced
                    if referenced is None:
                        referenced = self.referenced_coroutines()
                    if id(rec.node) in referenced:
                        continue
                self.local_calls.append((rec, info))
        # a broad clause binds a code expression when its try guards a BSG call
        for call in self.bsg_calls:
            for guard in reversed(call.rec.guards):
                if not isinstance(guard, TryRec):
                    continue
                for handler in guard.handlers:
                    self.r.guarded_by_handler.setdefault(id(handler), set()).add(call.kind)

    def callee(self, rec: CallRec) -> Value:
        """What the called expression of a call resolves to."""
        key = id(rec)
        if key not in self._callees:
            self._callees[key] = self.r.resolve(rec.node.func, rec.scope, rec.order)
        return self._callees[key]

    def returned_calls(self) -> Set[int]:
        """The calls inside the arguments of ``asyncio.gather(..., return_exceptions=True)``:
        the coroutines and hand-offs there return their errors as results."""
        out: Set[int] = set()
        for rec in self.facts.calls:
            node = rec.node
            if not any(
                arg.keyword is not None
                and arg.keyword.value == "return_exceptions"
                and isinstance(arg.value, cst.Name)
                and arg.value.value == "True"
                for arg in node.args
            ):
                continue
            func = self.callee(rec)
            if isinstance(func, Sym) and func.qualname == "asyncio.gather":
                out |= _calls_within([arg.value for arg in node.args if arg.keyword is None])
        return out

    def referenced_coroutines(self) -> Set[int]:
        """The calls handed directly to ``asyncio.create_task``/``ensure_future`` or to a
        task queue (``add_task``, ``.delay``, ``.apply_async``): they only reference the
        coroutine, whose error does not surface there."""
        out: Set[int] = set()
        for rec in self.facts.calls:
            node = rec.node
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value not in _SCHEDULING_ATTRS:
                continue  # (a scheduler reached through an attribute ends in its name)
            resolved = self.callee(rec)
            if isinstance(resolved, Sym) and resolved.qualname in clients.SCHEDULERS:
                scheduler = True
            elif isinstance(func, cst.Attribute) and func.attr.value in clients.TASK_QUEUES:
                scheduler = True
            elif isinstance(func, cst.Attribute) and func.attr.value in clients.LOOP_SCHEDULERS:
                # `loop.create_task(f())`, not a TaskGroup's (its tasks raise where it ends)
                scheduler = self.r.is_event_loop(func.value, rec.scope, rec.order)
            else:
                scheduler = False
            if not scheduler:
                continue
            todo = [arg.value for arg in node.args if isinstance(arg.value, cst.Call)]
            while todo:
                call = todo.pop()
                out.add(id(call))
                # through wait_for/shield/gather: `ensure_future(wait_for(f(), 5))`
                wrapper = self.r.resolve(call.func, rec.scope, rec.order)
                if isinstance(wrapper, Sym) and wrapper.qualname in clients.AWAIT_ALL:
                    out |= _calls_within([a.value for a in call.args])
        return out

    def local_target(self, func: Value) -> Optional[FuncInfo]:
        if isinstance(func, LocalFunc):
            return func.info
        if isinstance(func, Method) and isinstance(func.owner, SelfRef):
            return func.owner.cls.methods.get(func.name)
        if (
            isinstance(func, Method)
            and isinstance(func.owner, Instance)
            and func.owner.client.local is not None
        ):
            return self.local_method(func.owner.client.local, func.name)
        return None

    def local_method(self, info: ClassInfo, name: str) -> Optional[FuncInfo]:
        """The method ``name`` of a class of this file or of its bases in this file."""
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

    def bsg_call(self, rec: CallRec, func: Value) -> Optional[BsgCall]:
        if isinstance(func, Method):
            called = self.method_call(rec, func)
            if called is not None or not isinstance(func.owner, (SymResult, LocalInstance)):
                return called
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
        wrapped = self.sync_to_async_target(rec)
        if wrapped is not None:
            return self.handed_off(rec, wrapped)
        return None

    def sync_to_async_target(self, rec: CallRec) -> Optional[cst.BaseExpression]:
        """``f`` of ``sync_to_async(f)(...)``: the wrapped function runs at that call."""
        inner = rec.node.func
        if type(inner) is not cst.Call or not inner.args or inner.args[0].keyword:
            return None
        wrapper = self.r.resolve(inner.func, rec.scope, rec.order)
        if isinstance(wrapper, Sym) and wrapper.qualname in clients.SYNC_TO_ASYNC:
            return inner.args[0].value
        return None

    def handed_off(self, rec: CallRec, arg: cst.BaseExpression) -> Optional[BsgCall]:
        """A callable handed to an executor runs at ``rec``: a client method is a BSG call
        there, a function or lambda of this file a call of it."""
        method = self.r.resolve(arg, rec.scope, rec.order)
        if isinstance(method, Method):
            call = self.method_call(rec, method)
            if call is not None:
                call.handed = True
                return call
        target = self.local_target(method)
        if target is None and isinstance(arg, cst.Lambda):
            target = self.lambdas().get(id(arg))
        if target is not None:
            self.local_calls.append((rec, target))
            self.handed_records.add(id(rec.node))
        if self.r.project:
            if target is not None:
                method = LocalFunc(target)
            if is_site(method):
                self.sites.append((rec, [method]))
                self.handed_records.add(id(rec.node))
        return None

    def project_site(self, rec: CallRec, func: Value, targets: List[FuncInfo]) -> None:
        """Record a call that may call a project function (or, unresolved, a method of one)."""
        if targets and not isinstance(func, (LocalFunc, Method)):
            values: List[Value] = [LocalFunc(t) for t in targets]
        elif func is None and type(rec.node.func) is cst.Name:
            name = rec.node.func.value
            # defined in several places (an import and its `except ImportError:` fallback)
            values = self.r.alternatives(name, rec.scope) or [func]
            if values == [None] and self.facts.star_imports and self.r.is_unbound(name, rec.scope):
                # bound by `from module import *`, when that module is the project's
                values = [Sym(f"{module}.{name}") for module in self.facts.star_imports]
        else:
            values = [func]
        if all(is_site(v) for v in values):
            self.sites.append((rec, values))
            return
        node = rec.node.func
        if func is None and isinstance(node, cst.Attribute):
            if self.r.resolve(node.value, rec.scope, rec.order) is None:
                self.opens.append((rec, node.attr.value))

    def lambdas(self) -> Dict[int, FuncInfo]:
        if self._lambdas is None:
            self._lambdas = {id(f.node): f for f in self.facts.functions if f.is_lambda}
        return self._lambdas

    def method_call(self, rec: CallRec, method: Method) -> Optional[BsgCall]:
        owner = method.owner
        if not isinstance(owner, Instance):
            return None
        client: Client = owner.client
        if client.local is not None and self.local_method(client.local, method.name) is not None:
            return None
        proceed: Optional[Tuple[str, ...]] = None
        if client.api1 is not None:
            spec = clients.API1_CLASSES[client.api1].methods.get(method.name)
            if spec is not None and spec.proceed:
                proceed = self.proceed_families(rec)
        shape = client_method(client, method.name, self.config, proceed)
        if shape is None:
            return None
        return BsgCall(rec, *shape)

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


class CallShape(NamedTuple):
    """What a BSG call is, apart from where: see :class:`BsgCall`."""

    name: str
    items: FrozenSet[Item]
    kind: str
    families: Tuple[str, ...]
    local: Tuple[int, ...]


def client_method(
    client: Client, name: str, config: Config, proceed: Optional[Tuple[str, ...]] = None
) -> Optional[CallShape]:
    """The BSG call ``instance.name(...)`` is on an instance of ``client`` (``proceed``: the
    families a ``proceed(...)`` call adds to common; every family when not given)."""
    display = f"{client.display}.{name}()"
    if client.api1 is not None:
        spec = clients.API1_CLASSES[client.api1].methods.get(name)
        if spec is None:
            return None
        if spec.local:
            return CallShape(display, frozenset(spec.local), clients.API1_ERROR, (), spec.local)
        families = spec.families
        if spec.proceed:
            extra = proceed if proceed is not None else tuple(f for f in FAMILIES if f != COMMON)
            families = (COMMON,) + extra
        return CallShape(display, clients.family_items(families), clients.API1_ERROR, families, ())
    if client.api2 is not None:
        if name.startswith("_") or name.endswith(clients.API2_NON_RAISING_SUFFIX):
            return None
        groups = clients.API2_GROUPS.get(client.api2)
        items: FrozenSet[Item] = (
            frozenset(m.name for g in groups for m in messages_of_group(g))
            if groups
            else frozenset({clients.UNCATALOGUED})
        )
        return CallShape(display, items, clients.API2_ERROR, groups or (), ())
    if client.wrapper is not None and not name.startswith("_"):
        families, error = config.wrapper_classes[client.wrapper]
        return CallShape(
            display,
            clients.family_items(families),
            error or clients.API1_ERROR,
            families,
            (),
        )
    return None


def is_site(value: Value) -> bool:
    """Whether calling ``value`` may call a project function."""
    if isinstance(value, (LocalFunc, LocalClass, Sym)):
        return True
    if isinstance(value, Method):
        owner = value.owner
        if isinstance(owner, (SelfRef, SymResult, SuperOf, LocalInstance)):
            return True
        return isinstance(owner, Instance) and owner.client.local is not None
    return False


#: The last names of what schedules a coroutine or a task.
_SCHEDULING_ATTRS = (
    frozenset(q.rsplit(".", 1)[-1] for q in clients.SCHEDULERS)
    | clients.TASK_QUEUES
    | clients.LOOP_SCHEDULERS
)


def _calls_within(nodes: List[cst.BaseExpression]) -> Set[int]:
    """The calls inside expressions (not inside lambdas they hold), by ``id``."""
    out: Set[int] = set()
    todo: List[cst.CSTNode] = list(nodes)
    while todo:
        item = todo.pop()
        if isinstance(item, (cst.Lambda, cst.FunctionDef)):
            continue
        if isinstance(item, cst.Call):
            out.add(id(item))
        todo.extend(children(item))
    return out

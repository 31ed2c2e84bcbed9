"""LibCST's parse of a text Python's own parser accepted, at less cost, and the same tree.

Two things LibCST does for every node it builds are left out while such a text is parsed:

- its checks (``CSTNode.__post_init__`` calls ``_validate``: a fifth of the parse), which on
  text Python's parser accepted refuse only what Python's compiler refuses too;
- the frozen dataclasses' way of storing each field, one ``object.__setattr__`` call per
  field (a fifth of the parse): each node class's ``__init__`` is replaced by one storing the
  same fields, with the same defaults, by plain attribute stores, and the ``__setattr__``
  and ``__delattr__`` that refuse those stores are lifted.

Everything is put back when the last parse ends (nested and concurrent uses share one switch),
so nodes built outside are checked and frozen as LibCST builds them. The tests compare the
trees with LibCST's own on every fixture and a library sample.
"""

from __future__ import annotations

import ast
import dataclasses
import threading
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import libcst as cst

_TRUST = threading.Lock()
_trusting = 0
#: What LibCST runs after building each node (its checks); ``None`` if a version has none.
_CHECKS: Optional[Callable[[cst.CSTNode], None]] = cst.CSTNode.__dict__.get("__post_init__")
#: What the switch replaced, to put back: (class, attribute, LibCST's value).
_replaced: List[Tuple[type, str, Any]] = []
#: The node classes built by plain stores (found once), each with its ``__init__`` in place
#: of LibCST's: a stub until the class is first built, then one generated for it.
_inits: Optional[Dict[type, Callable[..., None]]] = None
#: What a frozen dataclass refuses stores with (both take the type's one slot for stores, so
#: plain stores are fast only when neither is there).
_REFUSING = ("__setattr__", "__delattr__")
#: For each class of ``_inits``: the classes of its bases (itself included) whose
#: ``__setattr__`` and ``__delattr__`` (a frozen dataclass's) are lifted while it is switched.
_thaw: Dict[type, Dict[type, None]] = {}
#: The classes built while trusting (their stub ran), in the order first built.
_built: Dict[type, None] = {}
_switches = 0
_RELEARN = 16


def _skip_checks(self: cst.CSTNode) -> None:
    """In place of ``CSTNode.__post_init__`` while a trusted text is parsed."""


@contextmanager
def trusting() -> Iterator[None]:
    """While inside, LibCST builds nodes without its checks and by plain attribute stores."""
    global _trusting
    with _TRUST:
        if _trusting == 0:
            try:
                _switch_on()
            except BaseException:
                _switch_off()  # what was switched is put back: LibCST is left as it was
                raise
        _trusting += 1
    try:
        yield
    finally:
        with _TRUST:
            _trusting -= 1
            if _trusting == 0:
                _switch_off()


def parse_trusted(text: str) -> cst.Module:
    """``libcst.parse_module`` of a text Python's parse accepted, without LibCST's checks of
    each node it builds."""
    with trusting():
        return cst.parse_module(text)


def parse_module(text: str, tree: Optional[ast.AST] = None) -> cst.Module:
    """``libcst.parse_module``, without LibCST's node checks when Python's parser accepts the
    text (``tree``: its parse, when the caller has it): code that only Python's compiler
    refuses (a bare ``except:`` before another clause) is read like any other."""
    if tree is None:
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return cst.parse_module(text)
    return parse_trusted(text)


def _switch_on() -> None:
    global _switches
    replaced = _replaced
    if _CHECKS is not None:
        replaced.append((cst.CSTNode, "__post_init__", _CHECKS))
        cst.CSTNode.__post_init__ = _skip_checks  # type: ignore[method-assign]
    inits = _node_inits()
    # Changing a class's ``__init__`` or ``__setattr__`` costs (CPython updates the slots of
    # the class and its subclasses): the first parse, and every ``_RELEARN``-th, switches every
    # class and learns which are built; the others switch those. A class not switched is built
    # by LibCST's own ``__init__`` (without its checks): the same node, at LibCST's cost.
    _switches += 1
    chosen = list(inits) if _switches % _RELEARN == 1 else list(_built)
    thawed: Dict[type, None] = {}
    for cls in chosen:
        thawed.update(_thaw[cls])
    for cls in thawed:
        for name in _REFUSING:
            replaced.append((cls, name, cls.__dict__[name]))
            delattr(cls, name)
    for cls in chosen:
        replaced.append((cls, "__init__", cls.__dict__["__init__"]))
        setattr(cls, "__init__", inits[cls])


def _switch_off() -> None:
    for cls, name, value in reversed(_replaced):
        setattr(cls, name, value)
    _replaced.clear()


def _node_inits() -> Dict[type, Callable[..., None]]:
    """The node classes to build by plain stores, with their ``__init__`` while trusting: the
    frozen dataclasses whose fields are all set by ``__init__``, whose bases hold no other
    ``__setattr__`` and no ``__post_init__`` but LibCST's checks (found once)."""
    global _inits
    if _inits is not None:
        return _inits
    classes: List[type] = []
    seen = {cst.CSTNode}
    stack: List[type] = [cst.CSTNode]
    while stack:
        sub: type
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                classes.append(sub)
    frozen = {
        cls for cls in seen if _frozen_dataclass(cls) and all(n in cls.__dict__ for n in _REFUSING)
    }
    inits: Dict[type, Callable[..., None]] = {}
    for cls in classes:
        if (
            "__init__" in cls.__dict__
            and _frozen_dataclass(cls)
            and all(f.init and not f.kw_only for f in dataclasses.fields(cls))
            and all(
                k in frozen or not any(n in k.__dict__ for n in _REFUSING) for k in cls.__mro__[:-1]
            )
            # the checks are all its ``__post_init__`` does: none of its own
            and not any(
                "__post_init__" in k.__dict__ for k in cls.__mro__[:-1] if k is not cst.CSTNode
            )
        ):
            inits[cls] = _stub(cls)
            _thaw[cls] = dict.fromkeys(k for k in cls.__mro__ if k in frozen)
    _inits = inits
    return inits


def _frozen_dataclass(cls: type) -> bool:
    params = cls.__dict__.get("__dataclass_params__")
    return params is not None and bool(params.frozen) and bool(params.init)


def _stub(cls: type) -> Callable[..., None]:
    """``cls``'s ``__init__`` while trusting, until its first node: generates the one that
    stores by plain stores (most classes are never built in a run)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _plain_init(cls)
        assert _inits is not None
        _inits[cls] = init
        _built[cls] = None
        if cls.__dict__.get("__init__") is __init__:
            setattr(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


_FACTORY = object()


def _plain_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` taking what the dataclass's takes, with the same defaults, storing each
    field by a plain attribute store."""
    scope: Dict[str, Any] = {"_FACTORY": _FACTORY}
    params: List[str] = []
    body: List[str] = []
    for f in dataclasses.fields(cls):
        name = f.name
        if f.default is not dataclasses.MISSING:
            scope[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_FACTORY")
            body.append(f"    if {name} is _FACTORY:\n        {name} = _factory_{name}()")
        else:
            params.append(name)
        body.append(f"    self.{name} = {name}")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(compile(source, f"<flake8-bsg plain init of {cls.__qualname__}>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    return init

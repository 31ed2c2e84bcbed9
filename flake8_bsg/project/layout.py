"""The project of a linted file: its root, its modules, their dotted names (SPEC section 3,
"Across the project").

Stdlib only and cheap: nothing here parses Python.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

#: Files whose folder is a project root.
MARKERS: Tuple[str, ...] = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8", ".git")
#: Folders that never hold project modules.
SKIPPED: frozenset[str] = frozenset(
    {"__pycache__", "node_modules", "build", "dist", "site-packages"}
)
#: Packages that never resolve into the project, even when a project file has their name.
OUTSIDE: frozenset[str] = frozenset(
    {"bsg_restapi", "bsg_api", "requests", "httpx", "aiohttp", "flake8_bsg"}
) | frozenset(getattr(sys, "stdlib_module_names", ()))


def package_of(path: str, stop: Optional[str] = None) -> str:
    """The dotted package of a file, found by walking up folders that hold ``__init__.py``
    (not above ``stop``)."""
    folder = os.path.dirname(path)
    parts: List[str] = []
    while folder != stop and _is_file(os.path.join(folder, "__init__.py")):
        parts.append(os.path.basename(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return ".".join(reversed(parts))


def has_marker(folder: str) -> bool:
    return any(os.path.exists(os.path.join(folder, marker)) for marker in MARKERS)


_ROOTS: Dict[str, Optional[str]] = {}


def find_root(filename: str) -> Optional[str]:
    """The nearest ancestor folder of ``filename`` holding a project marker (real path);
    remembered per folder for the life of the process (``forget_roots``)."""
    start = os.path.dirname(real_path(filename))
    if start in _ROOTS:
        return _ROOTS[start]
    folder = start
    found: Optional[str] = None
    while True:
        if has_marker(folder):
            found = folder
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    _ROOTS[start] = found
    return found


def forget_roots() -> None:
    _ROOTS.clear()
    _FILES.clear()
    _PATHS.clear()
    _REAL.clear()


#: Real paths by the path as given (made absolute without resolving ``..``, which must follow
#: symlinks): the quick look, the index and each file's context ask them of the same files
#: (each answer is a file system call per folder of the path).
_REAL: Dict[str, str] = {}


def real_path(path: str) -> str:
    """``os.path.realpath(path)``, remembered until :func:`forget_roots`."""
    key = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    found = _REAL.get(key)
    if found is None:
        found = _REAL[key] = os.path.realpath(key)
    return found


#: Whether a path is a file, for the quick look (many files of a project import the same
#: modules, whose candidate paths it would otherwise ask the file system again and again).
_FILES: Dict[str, bool] = {}


def _is_file(path: str) -> bool:
    found = _FILES.get(path)
    if found is None:
        found = _FILES[path] = os.path.isfile(path)
    return found


class Module:
    """One ``.py`` file of the project."""

    __slots__ = ("path", "rel", "name", "is_package")

    def __init__(self, path: str, rel: str, name: str) -> None:
        self.path = path  # real path
        self.rel = rel  # POSIX path relative to the root
        self.name = name  # dotted name ("" when it has none)
        self.is_package = os.path.basename(path) == "__init__.py"

    @property
    def package(self) -> str:
        """The package relative imports of this module resolve against."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


class Layout:
    """The modules of one project and how dotted names map to them."""

    def __init__(
        self,
        root: str,
        source_roots: Sequence[str] = (),
        exclude: Sequence[str] = (),
        explicit: bool = False,
    ) -> None:
        self.root = os.path.realpath(root)
        self.explicit = explicit
        self.exclude = tuple(exclude)
        self._exclude = (
            re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.exclude))
            if self.exclude
            else None
        )
        self.modules: Dict[str, Module] = {}  # by real path
        self.by_name: Dict[str, Module] = {}
        configured = [os.path.realpath(os.path.join(self.root, s)) for s in source_roots]
        files = self._files(configured)
        self.source_roots = self._source_roots(configured, files)
        prefix = len(self.root) + 1
        for path in files:
            inside = path.startswith(self.root + os.sep)
            rel = path[prefix:] if inside else os.path.relpath(path, self.root)
            rel = rel.replace(os.sep, "/")
            module = Module(path, rel, self._dotted(path))
            self.modules[path] = module
            if module.name and module.name not in self.by_name:
                self.by_name[module.name] = module

    # ---- discovery ------------------------------------------------------------------
    def _excluded(self, path: str) -> bool:
        """Whether flake8's ``exclude`` patterns exclude a path (by its name or whole path)."""
        if self._exclude is None:
            return False
        return bool(self._exclude.match(os.path.basename(path)) or self._exclude.match(path))

    def _files(self, configured: Sequence[str]) -> List[str]:
        keep = set(configured)
        out: List[str] = []
        seen: set[str] = set()
        todo = [self.root]
        while todo:
            folder = todo.pop()
            if folder in seen:
                continue
            seen.add(folder)
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_symlink() and entry.is_dir():
                        continue  # directory symlinks are not followed
                    if entry.is_dir(follow_symlinks=False):
                        if name.startswith(".") or name in SKIPPED:
                            continue
                        path = entry.path
                        if self._excluded(path):
                            continue
                        if os.path.exists(os.path.join(path, "pyvenv.cfg")):
                            continue
                        if not self.explicit and path not in keep and has_marker(path):
                            continue  # a nested project is its own project
                        todo.append(path)
                    elif name.endswith(".py") and entry.is_file():
                        if self._excluded(entry.path):
                            continue
                        # the folders walked are real (symlinks are not followed): only a
                        # symlinked file needs resolving
                        path = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
                        out.append(path)
                except OSError:
                    continue
        out.sort()
        return out

    def _source_roots(self, configured: Sequence[str], files: Iterable[str]) -> List[str]:
        roots: List[str] = list(configured)
        roots.append(os.path.join(self.root, "src"))
        folders = sorted({os.path.dirname(f) for f in files})
        for folder in folders:
            if os.path.isfile(os.path.join(folder, "manage.py")):
                roots.append(folder)
        for folder in folders:
            if os.path.isfile(os.path.join(folder, "__init__.py")):
                parent = os.path.dirname(folder)
                if not os.path.isfile(os.path.join(parent, "__init__.py")):
                    roots.append(parent)
        roots.append(self.root)
        unique: List[str] = []
        for root in roots:
            if root not in unique:
                unique.append(root)
        return unique

    def _dotted(self, path: str) -> str:
        for root in self.source_roots:
            if path.startswith(root + os.sep):
                rel = path[len(root) + 1 : -len(".py")]
                parts = rel.split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                if parts and all(p.isidentifier() for p in parts):
                    return ".".join(parts)
                return ""
        return ""

    # ---- names ----------------------------------------------------------------------
    def module_of(self, filename: str) -> Optional[Module]:
        return self.modules.get(real_path(filename))

    def resolve(self, dotted: str) -> Optional[Module]:
        """The project module named ``dotted`` (never the standard library's or a BSG
        package's, even when a project file has its name)."""
        if not dotted or dotted.split(".", 1)[0] in OUTSIDE:
            return None
        return self.by_name.get(dotted)

    def contains(self, filename: str) -> bool:
        real = real_path(filename)
        return real == self.root or real.startswith(self.root + os.sep)


def quick_roots(root: str, filename: str, configured: Sequence[str]) -> List[str]:
    """Source roots found without walking the tree: the configured ones, ``src/``, the root,
    and the linted file's folders up to the root (where a ``manage.py`` or the parent of its
    top-level package puts them)."""
    roots = [os.path.join(root, s) for s in configured] + [os.path.join(root, "src")]
    folder = os.path.dirname(real_path(filename))
    while folder.startswith(root + os.sep):
        roots.append(folder)
        folder = os.path.dirname(folder)
    roots.append(root)
    return roots


#: The quick look's answers by dotted name and source roots (the files of a folder share their
#: roots, and import the same modules).
_PATHS: Dict[Tuple[str, Tuple[str, ...]], Optional[str]] = {}


def quick_path(dotted: str, roots: Sequence[str]) -> Optional[str]:
    """The real path of the module of that dotted name under the first of ``roots`` that
    holds one, or ``None``."""
    key = (dotted, tuple(roots))
    if key in _PATHS:
        return _PATHS[key]
    found = _PATHS[key] = _quick_path(dotted, roots)
    return found


def _quick_path(dotted: str, roots: Sequence[str]) -> Optional[str]:
    if not dotted or dotted.split(".", 1)[0] in OUTSIDE:
        return None
    rel = os.path.join(*dotted.split("."))
    for root in roots:
        base = os.path.join(root, rel)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if _is_file(candidate):
                return os.path.realpath(candidate)
    return None

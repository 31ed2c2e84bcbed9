"""Where a project's files are, found cheaply: the project root, real paths, packages and
the quick look's module paths (SPEC section 3, "Across the project").

Stdlib only and small: the quick look that the plugin runs on files without BSG text starts
here, and so does the project's layout.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Dict, List, Optional, Sequence, Tuple

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


#: Packages by path and the folder the walk stops at: the quick look asks them of every module
#: it reaches and every file it looks at.
_PACKAGES: Dict[Tuple[str, Optional[str]], str] = {}


def package_of(path: str, stop: Optional[str] = None) -> str:
    """The dotted package of a file, found by walking up folders that hold ``__init__.py``
    (not above ``stop``); remembered until :func:`forget_roots`."""
    found = _PACKAGES.get((path, stop))
    if found is None:
        found = _PACKAGES[path, stop] = _package_of(path, stop)
    return found


def _package_of(path: str, stop: Optional[str]) -> str:
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
    _DIRS.clear()
    _PATHS.clear()
    _REAL.clear()
    _PACKAGES.clear()
    _QUICK_ROOTS.clear()


#: Real paths by the path as given (made absolute without resolving ``..``, which must follow
#: symlinks), and of their folders: the quick look, the index and each file's context ask
#: them of the same files (``realpath`` makes a file system call per folder of the path).
_REAL: Dict[str, str] = {}


def real_path(path: str) -> str:
    """``os.path.realpath(path)``, remembered until :func:`forget_roots`."""
    key = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    found = _REAL.get(key)
    if found is None:
        found = _REAL[key] = _resolve(key)
    return found


def _resolve(path: str) -> str:
    """``os.path.realpath`` of an absolute path: on POSIX, when it names a file or folder that
    is not a symlink, its folder's real path (remembered: the files of a folder share it) and
    its name, as ``realpath`` resolves it part by part."""
    folder, name = os.path.split(path)
    if os.name == "posix" and name not in ("", ".", "..") and "/.." not in folder:
        try:
            plain = not stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            # a path the file system cannot follow (a missing part, a loop) is resolved by
            # `realpath` its own way, as is a `..`
            plain = False
        if plain:
            return os.path.join(real_path(folder), name)
    return os.path.realpath(path)


#: Whether a path is a file, for the quick look (many files of a project import the same
#: modules, whose candidate paths it would otherwise ask the file system again and again).
_FILES: Dict[str, bool] = {}


def _is_file(path: str) -> bool:
    found = _FILES.get(path)
    if found is None:
        found = _FILES[path] = os.path.isfile(path)
    return found


#: The quick look's source roots by project root, folder and configured roots (the files of a
#: folder share them).
_QUICK_ROOTS: Dict[Tuple[str, str, Tuple[str, ...]], Tuple[str, ...]] = {}


def quick_roots(root: str, filename: str, configured: Sequence[str]) -> Tuple[str, ...]:
    """Source roots found without walking the tree: the configured ones, ``src/``, the root,
    and the linted file's folders up to the root (where a ``manage.py`` or the parent of its
    top-level package puts them); remembered until :func:`forget_roots`."""
    start = os.path.dirname(real_path(filename))
    key = (root, start, tuple(configured))
    found = _QUICK_ROOTS.get(key)
    if found is not None:
        return found
    roots = [os.path.join(root, s) for s in configured] + [os.path.join(root, "src")]
    folder = start
    while folder.startswith(root + os.sep):
        roots.append(folder)
        folder = os.path.dirname(folder)
    roots.append(root)
    found = _QUICK_ROOTS[key] = tuple(roots)
    return found


#: The quick look's answers by dotted name and source roots (the files of a folder share their
#: roots, and import the same modules).
_PATHS: Dict[Tuple[str, Tuple[str, ...]], Optional[str]] = {}


def quick_path(dotted: str, roots: Tuple[str, ...]) -> Optional[str]:
    """The real path of the module of that dotted name under the first of ``roots`` that
    holds one, or ``None``."""
    # (most names a module imports are the standard library's: known without a look-up)
    if not dotted or dotted.partition(".")[0] in OUTSIDE:
        return None
    key = (dotted, roots)
    if key in _PATHS:
        return _PATHS[key]
    found = _PATHS[key] = _quick_path(dotted, roots)
    return found


def _quick_path(dotted: str, roots: Tuple[str, ...]) -> Optional[str]:
    rel = os.path.join(*dotted.split("."))
    for root in roots:
        base = os.path.join(root, rel)
        # (no file is found in a folder that is not there: most candidates are asked of the
        # file system once per folder rather than once each)
        if not _is_dir(os.path.dirname(base)):
            continue
        if _is_file(base + ".py"):
            return real_path(base + ".py")
        package = os.path.join(base, "__init__.py")
        if _is_dir(base) and _is_file(package):
            return real_path(package)
    return None


#: Whether a path is a folder, for the quick look (as ``_FILES``).
_DIRS: Dict[str, bool] = {}


def _is_dir(path: str) -> bool:
    """``os.path.isdir(path)``, remembered; a path whose parent is not a folder is not one."""
    found = _DIRS.get(path)
    if found is None:
        parent = os.path.dirname(path)
        found = _DIRS[path] = (parent == path or _is_dir(parent)) and os.path.isdir(path)
    return found

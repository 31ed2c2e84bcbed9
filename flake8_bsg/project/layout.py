"""The project of a linted file: its modules and their dotted names (SPEC section 3, "Across
the project").

Stdlib only and cheap: nothing here parses Python.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Dict, Iterable, List, Optional, Sequence

from flake8_bsg.project.paths import OUTSIDE, SKIPPED, has_marker, real_path


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

"""Whether a file that fails the text check takes part in its project, decided cheaply: the
plugin asks it of every such file, so it imports nothing but the project's paths.
"""

from __future__ import annotations

import os
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from flake8_bsg.options import Config
from flake8_bsg.project.paths import find_root, package_of, quick_path, quick_roots, real_path

#: Names by (``hash()`` and length of the text, package): the index's scan and the quick look
#: read the same modules in one run. Forgotten with the indexes, or when it grows past a bound.
_NAMES: Dict[Tuple[int, int, str], FrozenSet[str]] = {}
_NAMES_BOUND = 20_000


def imported_names(text: str, package: str) -> FrozenSet[str]:
    """The dotted names a module's import statements name (``from a import b`` names ``a``
    and ``a.b``), relative imports resolved against ``package``."""
    key = (hash(text), len(text), package)
    found = _NAMES.get(key)
    if found is None:
        if len(_NAMES) >= _NAMES_BOUND:
            _NAMES.clear()
        found = _NAMES[key] = frozenset(_imported_names(text, package))
    return found


def _imported_names(text: str, package: str) -> Set[str]:
    out: Set[str] = set()
    for base, names, modules in import_statements(text):
        if modules is not None:
            for part in modules.split(","):
                name = part.strip().split(" ")[0]
                pieces = name.split(".")
                out.update(".".join(pieces[:i]) for i in range(1, len(pieces) + 1) if pieces[0])
            continue
        if base.startswith("."):
            level = len(base) - len(base.lstrip("."))
            parts = package.split(".") if package else []
            if level - 1 > len(parts):
                continue
            parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
            rest = base.lstrip(".")
            base = ".".join(p for p in parts + ([rest] if rest else []) if p)
        if base:
            out.add(base)
        for part in (names or "").strip("()").replace("\n", ",").split(","):
            name = part.strip().split(" ")[0].strip()
            if name and name != "*" and name.isidentifier():
                out.add(f"{base}.{name}" if base else name)
    return out


def import_statements(text: str) -> Iterator[Tuple[str, Optional[str], Optional[str]]]:
    """The import statements of a text, read line by line without parsing: for each line that
    starts (after blanks and tabs) with ``from BASE import NAMES`` or ``import MODULES``,
    ``(BASE, NAMES, None)`` or ``("", None, MODULES)``. NAMES is a parenthesised group (which
    may run over several lines: the lines it covers are not read again) or the rest of the
    line up to a ``#`` or ``;``, as is MODULES. Written with string searches rather than a
    regular expression, which would cost more to compile than the look itself on a small
    project."""
    # every statement has the word on its first line: only the lines that hold it are read
    found = text.find("import")
    while found >= 0:
        start = text.rfind("\n", 0, found) + 1
        statement = _statement_at(text, start)
        if statement is None:
            end = start
        else:
            end = statement[0]
            yield statement[1]
        following = text.find("\n", end)  # (a group's lines are read no more)
        if following < 0:
            return
        found = text.find("import", following + 1)


_BLANKS = " \t"


def _blanks(text: str, at: int) -> int:
    """The end of the run of blanks and tabs starting at ``at``."""
    while at < len(text) and text[at] in _BLANKS:
        at += 1
    return at


def _statement_at(
    text: str, start: int
) -> Optional[Tuple[int, Tuple[str, Optional[str], Optional[str]]]]:
    """The import statement on the line starting at ``start`` and where it ends, or ``None``."""
    at = _blanks(text, start)
    if text.startswith("import", at):
        after = _blanks(text, at + 6)
        if after == at + 6:
            return None
        end = _rest_of_line(text, after)
        return end, ("", None, text[after:end])
    if not text.startswith("from", at):
        return None
    gap_end = _blanks(text, at + 4)
    if gap_end == at + 4:
        return None
    base_end = _name_end(text, gap_end)
    names = _names_after_import(text, base_end) if base_end > gap_end else None
    if names is not None:
        return names[0], (text[gap_end:base_end], names[1], None)
    # no base: `from  import x` reads as an empty base when two blanks or more precede it
    if gap_end - at - 4 >= 2 and text.startswith("import", gap_end):
        names = _names_after_import(text, gap_end - 1)
        if names is not None:
            return names[0], ("", names[1], None)
    return None


def _name_end(text: str, at: int) -> int:
    """The end of the run of dots, underscores and letters or digits starting at ``at``."""
    # (usually it ends at a blank: the run is checked at once rather than a step per character)
    stop = len(text)
    for end in " \t\n":
        found = text.find(end, at, stop)
        if found >= 0:
            stop = found
    run = text[at:stop].replace(".", "").replace("_", "")
    if not run or run.isalnum():
        return stop
    while at < stop and (text[at] in "._" or text[at].isalnum()):
        at += 1
    return at


def _names_after_import(text: str, at: int) -> Optional[Tuple[int, str]]:
    """After a base ending at ``at``: blanks, ``import``, blanks, then the names and where they
    end; ``None`` when the text is not that."""
    keyword = _blanks(text, at)
    if keyword == at or not text.startswith("import", keyword):
        return None
    names = _blanks(text, keyword + 6)
    if names == keyword + 6:
        return None
    if text.startswith("(", names):
        close = text.find(")", names)
        if close >= 0:
            return close + 1, text[names : close + 1]
    end = _rest_of_line(text, names)
    return end, text[names:end]


def _rest_of_line(text: str, at: int) -> int:
    """Where the text from ``at`` meets a newline, ``#`` or ``;`` (or ends)."""
    end = text.find("\n", at)
    if end < 0:
        end = len(text)
    for stop in "#;":  # (within the line: a text may hold neither after it)
        found = text.find(stop, at, end)
        if found >= 0:
            end = found
    return end


def read_text(path: str) -> Optional[Tuple[bytes, str]]:
    """A file's bytes and its text decoded as Python does, or ``None`` when unreadable."""
    from flake8_bsg.source import decode_source

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return data, decode_source(data)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


#: For files failing the text check: whether a module takes part, by its real path and the
#: source roots its imports were resolved from (a module with BSG text takes part; one known
#: not to reaches none that does).
_QUICK: Dict[Tuple[str, Tuple[str, ...]], bool] = {}
#: ``hash()`` of the text of each module read from disk, so that a linted file whose verdict
#: is known from another file's look is not looked at again when its text is the file's.
_READ: Dict[str, int] = {}


#: What the project index's scan found of a module, by its real path, its package and the
#: options the text check reads: whether it passes the text check, the names it imports, and
#: the digest of the text scanned (``None`` when unknown). The look takes them from it rather
#: than reading the module (a warm index scans from the cache, without the texts), and a
#: linted file whose text has that digest is known as its scan is.
_SCANS: Dict[Tuple[str, str, Tuple[object, ...]], Tuple[bool, FrozenSet[str], Optional[str]]] = {}


def _scan_token(config: Config) -> Tuple[object, ...]:
    return (config.client_names, config.error_classes)


def remember_scan(
    path: str,
    package: str,
    config: Config,
    passes: bool,
    names: FrozenSet[str],
    digest: Optional[str] = None,
) -> None:
    """Record what a scan of the module at ``path`` (with this package) found, and the
    digest (:func:`flake8_bsg.project.index.text_digest`) of the text it read."""
    _SCANS[path, package, _scan_token(config)] = (passes, names, digest)


def _is_scanned_text(text: str, path: str, root: str, token: Tuple[object, ...]) -> bool:
    """Whether ``text`` is the text the index scanned of the module at ``path``."""
    scanned = _SCANS.get((path, package_of(path, stop=root), token))
    if scanned is None or scanned[2] is None:
        return False
    # (records come from the index alone: it is loaded)
    from flake8_bsg.project.index import text_digest

    return text_digest(text) == scanned[2]


def quick_takes_part(text: str, filename: str, config: Config) -> bool:
    """Whether a file that fails the text check imports, directly or through other project
    modules, one that passes it: found without walking the project, by resolving imports
    against its likely source roots (the configured ones, ``src/``, the root, and the file's
    folders up to the root), and reading only the modules reached."""
    if config.no_project or not filename or filename in ("-", "stdin"):
        return False
    real = real_path(filename)  # (once: the steps below ask it of the real path, remembered)
    root = os.path.realpath(config.project_root) if config.project_root else find_root(real)
    if root is None:
        return False
    from flake8_bsg.source import may_involve_bsg

    key = quick_roots(root, real, config.source_roots)
    token = _scan_token(config)
    known = _QUICK.get((real, key))
    if known is not None:
        # known from another file's look: from the text read then, or from the index's scan
        read_hash = _READ.get(real)
        if (
            read_hash == hash(text)
            if read_hash is not None
            else _is_scanned_text(text, real, root, token)
        ):
            return known
    seen: Set[str] = set()
    todo = quick_modules(text, real, root, key)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        known = _QUICK.get((path, key))
        if known is not None:
            if known:
                return True
            continue
        scanned = _SCANS.get((path, package_of(path, stop=root), token))
        if scanned is not None and scanned[2] is not None:
            # the index's scan of the module's text stands for reading it (a warm index took
            # it from the cache, under the facts' rule)
            if scanned[0]:
                _QUICK[path, key] = True
                return True
            todo += module_paths(sorted(scanned[1]), key)
            continue
        read = read_text(path)
        if read is None:
            continue
        _READ[path] = hash(read[1])
        if may_involve_bsg(read[1], config):
            _QUICK[path, key] = True
            return True
        if scanned is not None and not scanned[0]:
            todo += module_paths(sorted(scanned[1]), key)
        else:
            todo += quick_modules(read[1], path, root, key)
    for path in seen:
        _QUICK[path, key] = False
    return False


def quick_modules(text: str, path: str, root: str, roots: Tuple[str, ...]) -> List[str]:
    """The project files a module's imports name, found under ``roots``."""
    return module_paths(sorted(imported_names(text, package_of(path, stop=root))), roots)


def module_paths(names: List[str], roots: Tuple[str, ...]) -> List[str]:
    """The project files of these dotted names, found under ``roots``."""
    out: List[str] = []
    for name in names:
        found = quick_path(name, roots)
        if found is not None and found not in out:
            out.append(found)
    return out


def takes_part(text: str, filename: str, config: Config) -> bool:
    """Whether a file that fails the text check imports a project module that takes part;
    never raises (an unreadable project is a file-local analysis)."""
    if config.no_project:
        return False
    try:
        return quick_takes_part(text, filename, config)
    except Exception:
        return False

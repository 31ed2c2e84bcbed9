"""Fingerprints of findings, and the baseline file that records them.

A fingerprint names a finding by what it is rather than where it is: the SHA-256 of the
fingerprint version, the rule's code, the file's POSIX path relative to a base folder (the
baseline file's folder, or the current directory), the qualified name of the enclosing function
or class, the reported line's text with white space collapsed, the rule's key for what is at
fault, and the finding's occurrence number among identical tuples of its file. Moving code up
or down keeps it; editing the reported line, or a new call, gives a new one. The message is
never part of it: messages count codes and name other places, which change without the finding
changing.

Importing this module is cheap (the plugin imports it only when ``--bsg-baseline`` is set):
``hashlib`` and ``json`` are imported when first needed.
"""

from __future__ import annotations

import ast
import os
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

#: Part of every fingerprint: a change to what goes into one changes this number.
FINGERPRINT_VERSION = 1
#: The baseline file's format (``"version"``): this flake8-bsg reads and writes only this one.
BASELINE_VERSION = 1

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


class Scope(NamedTuple):
    """A function or class: its first and last line and its dotted name (``Gateway.send``)."""

    first: int
    last: int
    name: str
    depth: int


def scopes(tree: Optional[ast.AST]) -> List[Scope]:
    """Every function and class of a module, with the lines it spans.

    Only statements are walked (a definition is always one), with an explicit stack: deep
    expressions cost nothing and cannot overflow Python's stack.
    """
    if tree is None:
        return []
    found: List[Scope] = []
    stack: List[Tuple[ast.AST, str, int]] = [(tree, "", 0)]
    while stack:
        node, prefix, depth = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _DEFINITIONS):
                name = f"{prefix}.{child.name}" if prefix else child.name
                last = child.end_lineno or child.lineno
                found.append(Scope(child.lineno, last, name, depth + 1))
                stack.append((child, name, depth + 1))
            elif isinstance(child, _BLOCKS):
                stack.append((child, prefix, depth))
    return found


def enclosing_name(known: Sequence[Scope], line: int) -> str:
    """The qualified name of the innermost function or class whose lines hold ``line``; ``""``
    at module level."""
    best: Optional[Scope] = None
    for scope in known:
        if scope.first <= line <= scope.last and (
            best is None or (scope.first, scope.depth) > (best.first, best.depth)
        ):
            best = scope
    return best.name if best is not None else ""


def collapse(text: str) -> str:
    """A line's text with runs of white space folded to one space and none at either end."""
    return " ".join(text.split())


def relative_path(path: str, base: str) -> str:
    """``path`` relative to the folder ``base``, with ``/`` separators (absolute when there is
    no relative path, as between two Windows drives)."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:
        relative = absolute
    return relative.replace(os.sep, "/")


class Fingerprinted(NamedTuple):
    """What a fingerprint is computed from, for one finding of a file."""

    code: str
    line: int
    key: str


def fingerprints(
    findings: Sequence[Fingerprinted],
    path: str,
    lines: Sequence[str],
    tree: Optional[ast.AST],
) -> List[str]:
    """The fingerprint of each finding of one file, in order; ``path`` is already relative to
    the base folder. Identical tuples are numbered in the order given (the findings' order)."""
    if not findings:
        return []
    import hashlib

    known = scopes(tree)
    seen: Dict[Tuple[str, ...], int] = {}
    out: List[str] = []
    for finding in findings:
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        parts = (
            str(FINGERPRINT_VERSION),
            finding.code,
            path,
            enclosing_name(known, finding.line),
            collapse(text),
            finding.key,
        )
        occurrence = seen.get(parts, 0)
        seen[parts] = occurrence + 1
        data = "\0".join((*parts, str(occurrence))).encode("utf-8", "surrogatepass")
        out.append(hashlib.sha256(data).hexdigest())
    return out


# ---- the baseline file -----------------------------------------------------------------------


class Entry(NamedTuple):
    """One recorded finding: its path relative to the baseline's folder, 1-based line and
    column (for people reading the file), code, message and fingerprint."""

    path: str
    line: int
    column: int
    code: str
    message: str
    fingerprint: str


class BaselineError(Exception):
    """A baseline file that cannot be used; ``str()`` is one line naming the file."""


class Baseline:
    """A loaded baseline file: its entries and the set of their fingerprints."""

    def __init__(self, path: str, entries: Iterable[Entry]) -> None:
        self.path = path
        self.folder = os.path.dirname(os.path.abspath(path))
        self.entries: List[Entry] = list(entries)
        self.fingerprints: FrozenSet[str] = frozenset(e.fingerprint for e in self.entries)

    def records(self, fingerprint: str) -> bool:
        return fingerprint in self.fingerprints


def _error(path: str, reason: str) -> BaselineError:
    return BaselineError(f"flake8-bsg: baseline file {path!r} {reason}")


_FIELDS = ("path", "line", "column", "code", "message", "fingerprint")


def _entry(item: object) -> Optional[Entry]:
    """An entry of the file, or ``None`` when a field is missing or of the wrong type."""
    if not isinstance(item, dict):
        return None
    path, code, message, mark = (item.get(n) for n in ("path", "code", "message", "fingerprint"))
    line, column = item.get("line"), item.get("column")
    if not (
        isinstance(path, str)
        and isinstance(code, str)
        and isinstance(message, str)
        and isinstance(mark, str)
        and len(mark) == 64
        and all(c in "0123456789abcdef" for c in mark)
    ):
        return None
    if not (type(line) is int and type(column) is int):  # bool is an int too
        return None
    return Entry(path, line, column, code, message, mark)


def load_baseline(path: str) -> Baseline:
    """Read and check a baseline file; a missing, unreadable or malformed one raises
    :class:`BaselineError` (never "everything is new")."""
    import json

    if not os.path.exists(path):
        hint = "write it with: flake8-bsg check --write-baseline FILE PATH..."
        raise _error(path, f"does not exist ({hint})")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _error(path, f"cannot be read ({reason})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(path, f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or "version" not in data:
        raise _error(path, 'is not a flake8-bsg baseline (no "version")')
    if data["version"] != BASELINE_VERSION:
        raise _error(
            path,
            f"has version {data['version']!r}; this flake8-bsg reads version {BASELINE_VERSION} "
            "(write it again with --write-baseline)",
        )
    items = data.get("findings")
    if not isinstance(items, list):
        raise _error(path, 'has no "findings" list')
    entries = []
    for number, item in enumerate(items, start=1):
        entry = _entry(item)
        if entry is None:
            fields = ", ".join(_FIELDS)
            raise _error(path, f"has a malformed finding #{number} (expected {fields})")
        entries.append(entry)
    return Baseline(path, entries)


def render_baseline(entries: Iterable[Entry]) -> str:
    """The file's text: entries sorted, keys in a fixed order, so that the same findings give
    the same bytes."""
    import json

    ordered = sorted(set(entries), key=lambda e: (e.path, e.line, e.column, e.code, e.fingerprint))
    data = {
        "version": BASELINE_VERSION,
        "findings": [entry._asdict() for entry in ordered],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: str, entries: Iterable[Entry]) -> None:
    text = render_baseline(entries)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def inside(path: str, targets: Sequence[str]) -> bool:
    """Whether ``path`` is one of ``targets`` or lies under one of them (all absolute)."""
    for target in targets:
        if path == target or path.startswith(target.rstrip(os.sep) + os.sep):
            return True
    return False


def merge(old: Baseline, new: Iterable[Entry], linted: Sequence[str]) -> List[Entry]:
    """``new`` plus the entries of ``old`` for files outside the linted paths (``linted``:
    the paths as given; files inside them are replaced by what was found now)."""
    targets = [os.path.abspath(p) for p in linted]
    kept = [
        entry
        for entry in old.entries
        if not inside(os.path.normpath(os.path.join(old.folder, entry.path)), targets)
    ]
    return kept + list(new)

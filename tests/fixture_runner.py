"""Runs annotated fixture files through real flake8 and compares with their annotations.

``# expect: BSG102, BSG201`` at the end of a line lists that line's BSG diagnostics (a
multiset); a line without it must have none. ``# flake8-bsg-options: ...`` on a line of its
own gives the file's options. ``# flake8-bsg-min-python: 3.11`` on a line of its own says the
file needs that Python's syntax: older interpreters skip it. ``# flake8-bsg-compiler-refuses:
MESSAGE`` says that Python's compiler (not its parser, which flake8 uses) refuses the file on
purpose, with that message.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>BSG\d{3}(?:\s*,\s*BSG\d{3})*)\s*$")
OPTIONS = re.compile(r"^\s*#\s*flake8-bsg-options:\s*(?P<options>.*?)\s*$")
MIN_PYTHON = re.compile(r"^\s*#\s*flake8-bsg-min-python:(?P<version>.*)$")
OUTPUT = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>BSG\d{3}) (?P<text>.*)$")

Found = Dict[int, collections.Counter]

#: The facts cache of the fixture runs: one folder per test process, outside the checkout
#: (the first run of a project fills it, the later ones read it).
CACHE = tempfile.mkdtemp(prefix="flake8-bsg-fixture-cache-")


PROJECTS = FIXTURES / "projects"


def fixture_files() -> List[Path]:
    """The theme fixtures (the applications under ``projects/`` are run as projects)."""
    return sorted(p for p in FIXTURES.rglob("*.py") if PROJECTS not in p.parents)


def project_folders() -> List[Path]:
    """The applications under ``fixtures/projects/``, each its own project."""
    if not PROJECTS.is_dir():
        return []
    return sorted(p for p in PROJECTS.iterdir() if (p / "pyproject.toml").is_file())


def project_files(project: Path) -> List[Path]:
    return sorted(p for p in project.rglob("*.py") if ".flake8-bsg-cache" not in p.parts)


def min_python(path: Path) -> Optional[Tuple[int, int]]:
    """The oldest Python whose syntax ``path`` needs, from its ``# flake8-bsg-min-python:`` line."""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = MIN_PYTHON.match(line)
        if match:
            version = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", match.group("version"))
            if not version:
                raise ValueError(f"{path}: '{line.strip()}' is not 'MAJOR.MINOR'")
            return int(version.group(1)), int(version.group(2))
    return None


def too_new(path: Path, running: Optional[Tuple[int, int]] = None) -> Optional[str]:
    """Why the ``running`` Python (this one by default) cannot run ``path``, or None."""
    running = running or (sys.version_info.major, sys.version_info.minor)
    needed = min_python(path)
    if needed is None or running >= needed:
        return None
    return "needs Python {}.{}, this is {}.{}".format(*needed, *running)


def expectations(path: Path) -> Tuple[Found, List[str]]:
    expected: Found = {}
    options: List[str] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        option = OPTIONS.match(line)
        if option:
            options += option.group("options").split()
            continue
        match = EXPECT.search(line)
        if match:
            codes = [c.strip() for c in match.group("codes").split(",")]
            expected[number] = collections.Counter(codes)
    return expected, options


def run_flake8(
    paths: Sequence[Path],
    options: Sequence[str],
    stdin: Optional[Path] = None,
) -> Dict[str, List[Tuple[int, int, str, str]]]:
    """BSG diagnostics per file from one real flake8 run (``stdin``: the one file, handed over
    on standard input with ``--stdin-display-name``, as editors do)."""
    cmd = [sys.executable, "-m", "flake8", "--isolated", f"--bsg-cache-dir={CACHE}", *options]
    if stdin is not None:
        cmd += ["--stdin-display-name", str(stdin), "-"]
    else:
        cmd += [str(p) for p in paths]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        input=stdin.read_text(encoding="utf-8") if stdin is not None else None,
    )
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        raise AssertionError(f"flake8 failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    found: Dict[str, List[Tuple[int, int, str, str]]] = collections.defaultdict(list)
    for line in proc.stdout.splitlines():
        match = OUTPUT.match(line)
        if match:
            key = str(Path(match.group("path")).resolve())
            found[key].append(
                (
                    int(match.group("line")),
                    int(match.group("col")),
                    match.group("code"),
                    match.group("text"),
                )
            )
    return found


def compare(path: Path, expected: Found, got: List[Tuple[int, int, str, str]]) -> List[str]:
    """Mismatches, one line each: file, line, expected and found codes."""
    actual: Found = {}
    texts: Dict[int, List[str]] = collections.defaultdict(list)
    for line, col, code, text in got:
        actual.setdefault(line, collections.Counter())[code] += 1
        texts[line].append(f"{col}:{code} {text}")
    problems = []
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for line in sorted(set(expected) | set(actual)):
        want = expected.get(line, collections.Counter())
        have = actual.get(line, collections.Counter())
        if want != have:
            problems.append(
                f"{rel}:{line}: expected [{', '.join(sorted(want.elements()))}] "
                f"found [{', '.join(sorted(have.elements()))}] {' | '.join(texts.get(line, []))}"
            )
    return problems


def check_files(paths: Sequence[Path]) -> List[str]:
    """Run every file (grouped by options) and return every mismatch; files that need a newer
    Python than this one (see ``too_new``) are not run."""
    paths = [path for path in paths if too_new(path) is None]
    groups: Dict[Tuple[str, ...], List[Path]] = collections.defaultdict(list)
    expected_by_path = {}
    for path in paths:
        expected, options = expectations(path)
        expected_by_path[path] = expected
        groups[tuple(options)].append(path)
    problems: List[str] = []
    for options, members in groups.items():
        found = run_flake8(members, options)
        for path in members:
            got = found.get(str(path.resolve()), [])
            for _line, _col, _code, text in got:
                if "internal error" in text:
                    problems.append(f"{path}: internal error: {text}")
            problems += compare(path, expected_by_path[path], got)
    return problems


def check_project(project: Path, alone: bool = True) -> List[str]:
    """Lint a project whole, then (``alone``) every file by itself, the last one also through
    standard input: each run must give exactly the annotations."""
    paths = project_files(project)
    expected_by_path: Dict[Path, Found] = {}
    options: List[str] = []
    for path in paths:
        expected, file_options = expectations(path)
        expected_by_path[path] = expected
        options = options or file_options
    problems: List[str] = []
    found = run_flake8([project], options)
    for path in paths:
        problems += [
            f"whole: {p}"
            for p in compare(path, expected_by_path[path], found.get(str(path.resolve()), []))
        ]
    if not alone:
        return problems
    for index, path in enumerate(paths):
        through_stdin = index == len(paths) - 1
        found = run_flake8([path], options, stdin=path if through_stdin else None)
        label = "stdin" if through_stdin else "alone"
        got = found.get(str(path.resolve()), [])
        problems += [f"{label}: {p}" for p in compare(path, expected_by_path[path], got)]
    return problems


COMPILER_REFUSES = "# flake8-bsg-compiler-refuses: "


def compiler_refuses(path: Path) -> Optional[str]:
    """The compiler's message a fixture declares it gets on purpose (code Python's parser, and so
    flake8, accepts and only its compiler refuses), from a line of its own."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(COMPILER_REFUSES):
            return line[len(COMPILER_REFUSES) :].strip()
    return None

"""The static checks CI runs: the formatter, sorted imports and lint, strict typing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_the_code_is_formatted() -> None:
    proc = run("ruff", "format", "--check", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_imports_are_sorted_and_lint_is_clean() -> None:
    proc = run("ruff", "check", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_package_type_checks_strictly() -> None:
    proc = run("mypy", "--strict", "flake8_bsg")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# `type(node) is cst.Name`, `type(op) in MEMBERSHIP`, `type(item) is not cst.Call`, ...
_TYPE_COMPARISON = re.compile(r"type\((?:[^()]|\([^()]*\))*\) (?:is not|is|not in|in) ([\w.]+)")


def compared_by_type() -> Dict[type, List[str]]:
    """The LibCST classes the package compares a node's type with, each with where."""
    import importlib

    import libcst as cst

    found: Dict[type, List[str]] = {}
    for path in sorted((ROOT / "flake8_bsg").rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).replace(".__init__", "")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in _TYPE_COMPARISON.findall(line):
                if name.startswith("cst."):
                    value: object = getattr(cst, name[4:])
                else:  # a set of classes the module defines or imports
                    value = getattr(importlib.import_module(dotted), name, None)
                for cls in value if isinstance(value, frozenset) else [value]:
                    if isinstance(cls, type) and cls.__module__.startswith("libcst"):
                        found.setdefault(cls, []).append(f"{dotted}:{number}")
    return found


def test_node_types_compared_by_type_have_no_subclasses() -> None:
    """Where the analysis compares a node's type instead of calling ``isinstance`` (LibCST's
    node classes have ``ABCMeta`` as their metaclass: a failing ``isinstance`` runs Python code),
    the two agree only while LibCST defines no subclass of those classes. The comparisons are
    found in the package's text, so that a new one is checked too."""
    import inspect

    import libcst as cst

    compared = compared_by_type()
    # the search finds both spellings: a class named in place and a module's set of classes
    assert {cst.If, cst.Name, cst.SimpleStatementSuite, cst.In, cst.Lambda} <= compared.keys()
    classes = [c for _name, c in inspect.getmembers(cst, inspect.isclass)]
    subclassed = {
        (base.__name__, c.__name__, *where)
        for base, where in compared.items()
        for c in classes
        if c is not base and issubclass(c, base)
    }
    assert not subclassed

"""The static checks CI runs: the formatter, sorted imports and lint, strict typing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_node_types_compared_by_type_have_no_subclasses() -> None:
    """Where the analysis compares a node's type instead of calling ``isinstance`` (LibCST's
    node classes have ``ABCMeta`` as their metaclass: a failing ``isinstance`` runs Python code),
    the two agree only while LibCST defines no subclass of those classes."""
    import inspect

    import libcst as cst

    from flake8_bsg.flow import coverage, operands

    compared = {cst.Name, cst.NamedExpr, cst.StarredElement}
    for found in (
        coverage._OPAQUE,
        coverage._MEMBERSHIP,
        coverage._SAME,
        coverage._DIFFERENT,
        operands._CODE_EXPRESSIONS,
        operands._COLLECTIONS,
    ):
        compared |= found
    classes = [c for _name, c in inspect.getmembers(cst, inspect.isclass)]
    subclassed = {
        (base.__name__, c.__name__)
        for base in compared
        for c in classes
        if c is not base and issubclass(c, base)
    }
    assert not subclassed

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

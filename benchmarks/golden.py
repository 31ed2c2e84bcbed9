"""Record flake8's full output on the fixture corpus and the generated corpora, to show that a
restructuring changes no behaviour.

    python benchmarks/golden.py > before.txt
    ... restructure ...
    python benchmarks/golden.py | diff before.txt -

Each fixture file runs with its own ``# flake8-bsg-options:`` line, as the test suite runs it;
the generated corpora (BSG-dense code, long chains and expressions) run with the defaults and
with ``--extend-select=BSG204``. The output is sorted and holds paths relative to the
repository, so two runs are comparable byte for byte.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402
from fixture_runner import expectations, fixture_files  # noqa: E402


def flake8(paths: Sequence[Path], options: Sequence[str], cwd: Path) -> list[str]:
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=BSG", *options]
    cmd += [os.path.relpath(p, cwd) for p in paths]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"flake8 failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout.splitlines()


def fixtures() -> list[str]:
    groups: dict[tuple[str, ...], list[Path]] = collections.defaultdict(list)
    for path in fixture_files():
        groups[tuple(expectations(path)[1])].append(path)
    out: list[str] = []
    for options, paths in sorted(groups.items()):
        out += flake8(paths, options, ROOT)
    return out


def magic(source: str) -> str:
    """The same code with every ``ErrorCode`` member written as its number (BSG201 and more)."""
    from flake8_bsg.codes import ErrorCode

    return re.sub(r"ErrorCode\.([A-Z_0-9]+)", lambda m: str(int(ErrorCode[m.group(1)])), source)


def generated() -> list[str]:
    sources = {
        "dense.py": corpus.dense(40),
        "dense_magic.py": magic(corpus.dense(40)),
        "elif_magic_300.py": magic(corpus.elif_chain(300)),
        "elif_300.py": corpus.elif_chain(300),
        "expression_300.py": corpus.long_expression(300),
    }
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, text in sources.items():
            (folder / name).write_text(text, encoding="utf-8")
        paths = sorted(folder.glob("*.py"))
        for options in ([], ["--extend-select=BSG204"]):
            out += [f"[{' '.join(options)}] {line}" for line in flake8(paths, options, folder)]
    return out


def main() -> None:
    lines = sorted(fixtures()) + sorted(generated())
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

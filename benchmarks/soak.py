"""Soak: run the analysis, forced past the text check, over every .py file of the standard
library and of site-packages. Prints files, lines, seconds, crashes and diagnostics.

    python benchmarks/soak.py [PATH ...]

A crash is an internal-error BSG000 (the plugin catches everything; this finds what it had to
catch). Files LibCST cannot parse are counted apart. On code that does not use BSG every
diagnostic is a false alarm, so the script lists them.
"""

from __future__ import annotations

import ast
import sys
import sysconfig
import time
from pathlib import Path
from typing import Iterator, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_bsg.cli import read_source  # noqa: E402
from flake8_bsg.engine import check_source  # noqa: E402
from flake8_bsg.options import Config  # noqa: E402


def python_files(roots: List[Path]) -> Iterator[Path]:
    seen = set()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            real = path.resolve()
            if real in seen or not real.is_file():
                continue
            seen.add(real)
            yield path


def main(argv: List[str]) -> int:
    paths = sysconfig.get_paths()
    roots = [Path(p) for p in argv] or [Path(paths["stdlib"]), Path(paths["purelib"])]
    config = Config()
    files = lines = crashes = unparsable = rejected = 0
    diagnostics: List[str] = []
    start = time.perf_counter()
    for path in python_files(roots):
        try:
            source = read_source(str(path))
            ast.parse(source)
        except (SyntaxError, ValueError, UnicodeDecodeError, LookupError, OSError):
            rejected += 1  # flake8 reports these itself (E902/E999); plugins never see them
            continue
        files += 1
        lines += source.count("\n")
        for line, col, message in check_source(source, str(path), config, force=True):
            if message.startswith("BSG000 internal error"):
                crashes += 1
                print(f"CRASH {path}: {message}")
            elif message.startswith("BSG000"):
                unparsable += 1
                print(f"UNPARSABLE {path}: {message}")
            else:
                diagnostics.append(f"{path}:{line}:{col + 1}: {message}")
    seconds = time.perf_counter() - start
    for diagnostic in diagnostics:
        print(diagnostic)
    print(
        f"soak: {files} files, {lines} lines, {seconds:.0f} s; crashes {crashes}; "
        f"LibCST could not parse {unparsable}; diagnostics {len(diagnostics)}; "
        f"skipped {rejected} files Python itself rejects"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

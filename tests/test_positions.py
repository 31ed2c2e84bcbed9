"""Positions are characters, not bytes, and the same however the file is encoded or fed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

PLAIN = (
    "from bsg_restapi import SMSAPI, APIError\n"
    "RESERVED = 88\n"
    "client = SMSAPI()\n"
    "\n"
    "\n"
    "def unhandled():\n"
    "    s = 'é😀'; (client.send('ü'))\n"
    "\n"
    "\n"
    "def dispatch():\n"
    "    try:\n"
    "        client.send(1)\n"
    "    except APIError as e :\n"
    "        s = 'é😀'; t = e.code == 21\n"
    "        if e.code == RESERVED:\n"
    "            pass\n"
    "\n"
    "\n"
    "def swallow():\n"
    "    try:\n"
    "        client.send(1)\n"
    "    except APIError:  # naïve\n"
    "        pass\n"
)

# What each diagnostic must point at, as text found at its column.
ANCHORS = {"BSG101": "client.send('ü')", "BSG104": "except", "BSG201": "21", "BSG301": "RESERVED"}

Diag = Tuple[int, int, str]


def variants(tmp_path: Path) -> Dict[str, Path]:
    files = {
        "plain": PLAIN.encode("utf-8"),
        "crlf": PLAIN.replace("\n", "\r\n").encode("utf-8"),
        "bom": b"\xef\xbb\xbf" + PLAIN.encode("utf-8"),
        "latin1": ("# -*- coding: latin-1 -*-\n" + PLAIN.replace("😀", "")).encode("latin-1"),
        "tabs": PLAIN.replace("    ", "\t").encode("utf-8"),
        "formfeed": PLAIN.replace("\n        s = ", "\n\x0c        s = ").encode("utf-8"),
    }
    paths = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.py"
        path.write_bytes(data)
        paths[name] = path
    return paths


def run(args: List[str], cwd: Path, stdin: bytes = b"") -> Dict[str, List[Diag]]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=BSG", *args],
        capture_output=True,
        cwd=cwd,
        input=stdin,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr
    found: Dict[str, List[Diag]] = {}
    for line in proc.stdout.decode("utf-8").splitlines():
        path, row, col, rest = line.split(":", 3)
        found.setdefault(Path(path).stem, []).append((int(row), int(col), rest.split()[0]))
    return found


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[Diag]]:
    tmp = tmp_path_factory.mktemp("positions")
    paths = variants(tmp)
    found = run([p.name for p in paths.values()], tmp)
    found["stdin"] = run(["--stdin-display-name=stdin.py", "-"], tmp, PLAIN.encode("utf-8"))[
        "stdin"
    ]
    return found


def test_plain_positions_point_at_the_node(results: Dict[str, List[Diag]]) -> None:
    lines = PLAIN.splitlines()
    codes = sorted(code for _r, _c, code in results["plain"])
    assert codes == ["BSG101", "BSG104", "BSG201", "BSG301"]
    for row, col, code in results["plain"]:
        text = lines[row - 1]
        assert text[col - 1 :].startswith(ANCHORS[code]), (code, row, col, text)


@pytest.mark.parametrize("variant", ["crlf", "bom", "stdin"])
def test_same_positions_as_the_plain_file(results: Dict[str, List[Diag]], variant: str) -> None:
    assert results[variant] == results["plain"]


def test_form_feed_in_indentation_is_one_character(results: Dict[str, List[Diag]]) -> None:
    # line 14 starts with a form feed: what follows on it is one character further right
    expected = [(row, col + (row == 14), code) for row, col, code in results["plain"]]
    assert results["formfeed"] == expected


def test_latin1_file_counts_decoded_characters(results: Dict[str, List[Diag]]) -> None:
    lines = ("# -*- coding: latin-1 -*-\n" + PLAIN.replace("😀", "")).splitlines()
    assert sorted(code for _r, _c, code in results["latin1"]) == sorted(
        code for _r, _c, code in results["plain"]
    )
    for row, col, code in results["latin1"]:
        assert lines[row - 1][col - 1 :].startswith(ANCHORS[code]), (code, row, col)


def test_tabs_count_as_one_character(results: Dict[str, List[Diag]]) -> None:
    lines = PLAIN.replace("    ", "\t").splitlines()
    for row, col, code in results["tabs"]:
        assert lines[row - 1][col - 1 :].startswith(ANCHORS[code]), (code, row, col)


def test_output_is_deterministic_across_jobs(tmp_path: Path) -> None:
    for index in range(6):
        (tmp_path / f"m{index}.py").write_text(PLAIN, encoding="utf-8")
    names = sorted(p.name for p in tmp_path.glob("*.py"))
    outputs = set()
    for jobs in ("1", "2", "2"):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "flake8",
                "--isolated",
                "--select=BSG",
                f"--jobs={jobs}",
                *names,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1 and len(outputs.pop().splitlines()) == 24


def test_call_lines_from_pythons_parse_are_the_positions_lines() -> None:
    """The project's facts take the lines of calls from `ast` (no code generation pass): on
    every fixture, for every call, the line is the one the position pass gives, or the two
    parses disagree on the count and the position pass is used."""
    import libcst as cst

    from flake8_bsg import facts as file_facts
    from flake8_bsg.positions import call_lines, node_positions

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    checked = 0
    for path in sorted(fixtures.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            module = cst.parse_module(text)
            compile(text, str(path), "exec", dont_inherit=True)
        except (cst.ParserSyntaxError, SyntaxError):
            continue
        facts = file_facts.collect(module)
        calls = [rec.node for rec in facts.calls]
        lines = call_lines(calls, text)
        if lines is None:
            continue
        positions = node_positions(module, {id(c) for c in calls})
        assert lines == {key: line for key, (line, _col) in positions.items()}, path
        checked += len(calls)
    assert checked > 2000


def test_the_walk_for_anchors_finds_what_ast_walk_finds() -> None:
    """The walk of Python's parse that positions reported calls, ``except`` clauses and
    integers pushes a field's list whole; lists that hold no node (a ``**`` in a dict display
    holds ``None``, ``global`` and class patterns hold names) must neither break it nor hide a
    node: it finds what ``ast.walk`` finds."""
    import ast

    from flake8_bsg.positions import _ast_kinds

    source = (
        "import os\n"
        "g = 1\n"
        "def f(x, *, k=None, **kw):\n"
        "    global g\n"
        "    d = {**kw, 'a': f(2), None: [3, call()]}\n"
        "    def inner():\n"
        "        nonlocal d\n"
        "        return lambda: d[4](5)\n"
        "    match x:\n"
        "        case Point(x=6, y=[7, *rest]) if g(8):\n"
        "            pass\n"
        "        case {'k': 9, **others}:\n"
        "            pass\n"
        "    try:\n"
        "        os.getcwd()(10)\n"
        "    except (ValueError, OSError) as e:\n"
        "        print(f'{e!r:>{11}}', 12j, 13.0, True)\n"
        "    try:\n"
        "        pass\n"
        "    except* KeyError:\n"
        "        pass\n"
    )
    tree = ast.parse(source)
    found = _ast_kinds(tree.body)
    kinds = {"call": ast.Call, "handler": ast.ExceptHandler}
    for kind, cls in kinds.items():
        expected = sorted((n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, cls))
        assert [(n.lineno, n.col_offset) for n in found[kind]] == expected, kind
    integers = sorted(
        (n.lineno, n.col_offset)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and type(n.value) is int
    )
    assert [(n.lineno, n.col_offset) for n in found["int"]] == integers
    assert len(integers) == 11 and len(found["call"]) == 7 and len(found["handler"]) == 2

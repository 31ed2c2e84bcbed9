"""The map the plugin hands flake8 for noqa comments answers as flake8's own does, line for line,
and spares flake8 its second tokenization of a file where lines stand alone."""

from __future__ import annotations

import argparse
import ast
import sysconfig
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from flake8.processor import FileProcessor

from flake8_bsg.noqa_lines import NoqaLines, hand_over
from flake8_bsg.plugin import Plugin

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = argparse.Namespace(
    hang_closing=False, indent_size=4, max_line_length=79, max_doc_length=None, verbose=0
)

#: Code whose lines flake8 joins for noqa comments in every way Python's tokens allow.
JOINED = '''\
import os; text = """one
two"""; other = 1
value = """a
b"""; after = 2
first = 1; later = """x
y"""
total = 1 + \\
    2
# a comment ending with a backslash \\
plain = ("implicit"
         "concatenation")


@decorator("""multi
line""")
def f(x):
    """Docstring
    on two lines."""
    message = f"""{x}
    {x!r:>{10}}"""
    single = f"{x}"
    raw = rb\'\'\'
\'\'\'
    joined = \'a\\
b\'
    return message, single, raw, joined


class C:
    """One line."""

    def m(self):
        return """a""", """b"""
last = 1'''


def processor(text: str, name: str = "example.py") -> FileProcessor:
    return FileProcessor(name, OPTIONS, lines=text.splitlines(keepends=True))


def flake8_map(text: str) -> Dict[int, str]:
    proc = processor(text)
    return type(proc)._noqa_line_mapping.func(proc)  # type: ignore[no-any-return]


#: The processors of the maps handed over (in flake8 the processor outlives its map).
_KEPT: List[FileProcessor] = []


def handed_over(text: str) -> Optional[NoqaLines]:
    proc = processor(text)
    _KEPT.append(proc)
    hand_over(proc.noqa_line_for, proc.lines, ast.parse("".join(proc.lines)))
    found = proc.__dict__.get("_noqa_line_mapping")
    return found if isinstance(found, NoqaLines) else None


def disagreements(text: str) -> List[int]:
    """The lines whose answer from a fresh handed-over map differs from flake8's."""
    real = flake8_map(text)
    wrong = []
    for line in range(0, text.count("\n") + 4):
        ours = handed_over(text)
        assert ours is not None
        if ours.get(line) != real.get(line):
            wrong.append(line)
    return wrong


def test_every_line_of_joined_code_is_answered_as_flake8_answers() -> None:
    assert disagreements(JOINED) == []
    ours = handed_over(JOINED)
    assert ours is not None
    joined = [n for n in range(1, JOINED.count("\n") + 2) if not ours._alone(n)]
    # the lines of each multi-line string and continuation, and only those
    assert joined == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17, 18, 19, 20, 22, 23, 24, 25]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_line_endings_and_a_last_line_without_one(ending: str) -> None:
    text = JOINED.replace("\n", ending)
    assert disagreements(text) == []
    assert disagreements(text + ending) == []


def test_a_lone_carriage_return_leaves_the_map_to_flake8() -> None:
    # Python's parse counts it as a line break and flake8's lines do not
    assert handed_over("x = 1  # a\rb\ny = 2\n") is None


def test_the_map_is_not_replaced_once_computed_or_for_other_lines() -> None:
    proc = processor("x = 1\n")
    proc.noqa_line_for(1)
    computed = proc.__dict__["_noqa_line_mapping"]
    hand_over(proc.noqa_line_for, proc.lines, ast.parse("x = 1\n"))
    assert proc.__dict__["_noqa_line_mapping"] is computed
    other = processor("x = 1\n")
    hand_over(other.noqa_line_for, ["x = 1\n"], ast.parse("x = 1\n"))
    assert "_noqa_line_mapping" not in other.__dict__


def test_other_reads_of_the_map_are_flake8s() -> None:
    ours = handed_over(JOINED)
    assert ours is not None
    real = flake8_map(JOINED)
    assert dict(ours.items()) == real and len(ours) == len(real) and 3 in ours
    assert ours[3] == real[3] and list(ours) == list(real)


def _corpus() -> List[Path]:
    fixtures = sorted(
        p for p in (ROOT / "fixtures").rglob("*.py") if ".flake8-bsg-cache" not in p.parts
    )
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    return fixtures + stdlib[::4]


def test_the_fixtures_and_standard_library_modules_are_answered_as_flake8_answers() -> None:
    lines = alone = files = 0
    for path in _corpus():
        proc = FileProcessor(str(path), OPTIONS)
        try:
            tree = ast.parse("".join(proc.lines))
        except (SyntaxError, ValueError):
            continue
        real = type(proc)._noqa_line_mapping.func(proc)
        hand_over(proc.noqa_line_for, proc.lines, tree)
        ours = proc.__dict__["_noqa_line_mapping"]
        assert isinstance(ours, NoqaLines), path
        for line in range(0, len(proc.lines) + 3):
            if ours._alone(line):
                alone += 1
                assert real.get(line) == proc.lines[line - 1], (path, line)
        lines += len(proc.lines)
        files += 1
    assert files > 150
    # most lines of real code stand alone (the library's long docstrings are the rest)
    assert alone > 0.75 * lines, (alone, lines)


def test_the_plugin_spares_flake8_its_second_tokenization() -> None:
    path = ROOT / "fixtures" / "reliability" / "noqa_joined_lines.py"
    proc = FileProcessor(str(path), OPTIONS)
    tree = proc.build_ast()
    plugin = Plugin(tree, proc.lines, str(path), proc.noqa_line_for)
    results = list(plugin.run())
    assert results
    reported = [proc.noqa_line_for(line) for line, _, _, _ in results]
    # lines standing alone were answered without tokenizing; the joined ones computed the map
    fresh = FileProcessor(str(path), OPTIONS)
    assert reported == [fresh.noqa_line_for(line) for line, _, _, _ in results]
    alone = FileProcessor(str(path), OPTIONS)
    plugin = Plugin(alone.build_ast(), alone.lines, str(path), alone.noqa_line_for)
    lines = [line for line, _, _, _ in plugin.run()]
    standing = [line for line in lines if alone.__dict__["_noqa_line_mapping"]._alone(line)]
    assert standing == [24, 30, 39]
    for line in standing:
        alone.noqa_line_for(line)
    assert "file_tokens" not in alone.__dict__


def test_the_map_does_not_keep_its_file_alive() -> None:
    # the processor holds the map; the map must not hold the processor (a cycle would keep the
    # file's lines and tree until the cycle collector runs)
    import gc
    import weakref

    proc = processor(JOINED)
    hand_over(proc.noqa_line_for, proc.lines, ast.parse(JOINED))
    ours = proc.__dict__["_noqa_line_mapping"]
    assert isinstance(ours, NoqaLines) and ours.get(3) == flake8_map(JOINED)[3]
    owner = weakref.ref(proc)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del proc, ours
        assert owner() is None
    finally:
        if enabled:
            gc.enable()

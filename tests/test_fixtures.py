"""Every fixture file, run through real flake8, produces exactly its annotations."""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path

import pytest
from fixture_runner import (
    FIXTURES,
    ROOT,
    check_files,
    check_project,
    compiler_refuses,
    fixture_files,
    min_python,
    project_files,
    project_folders,
    too_new,
)


def _groups():
    groups = {}
    for path in fixture_files():
        groups.setdefault(path.parent.relative_to(FIXTURES).as_posix() or ".", []).append(path)
    return groups


def _folders_and_skipped_files():
    """Every folder, and a skipped entry for each file this Python is too old to parse (the
    folder's run leaves it out), so that the test report names it."""
    params = []
    for folder, paths in sorted(_groups().items()):
        params.append(pytest.param(folder, id=folder))
        for path in paths:
            reason = too_new(path)
            if reason:
                name = path.relative_to(FIXTURES).as_posix()
                params.append(
                    pytest.param(name, id=name, marks=pytest.mark.skip(reason=f"{name}: {reason}"))
                )
    return params


@pytest.mark.parametrize("folder", _folders_and_skipped_files())
def test_fixture_folder(folder: str) -> None:
    problems = check_files(_groups()[folder])
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.parametrize("project", project_folders(), ids=lambda p: p.name)
def test_project(project: Path) -> None:
    """An application linted whole, and each of its files alone (from disk, and the last one
    from standard input as an editor hands it over), gives exactly its annotations."""
    problems = check_project(project)
    assert not problems, "\n" + "\n".join(problems)


def test_fixtures_parse_here_or_declare_the_python_they_need() -> None:
    """A fixture this Python cannot compile declares the version it needs on a line of its own
    (`# flake8-bsg-min-python: 3.11`), and one it can compile declares nothing newer; one that
    only the compiler refuses, on purpose, says so with the compiler's message (and must
    parse)."""
    running = "{}.{}".format(*sys.version_info[:2])
    problems = []
    projects = [path for project in project_folders() for path in project_files(project)]
    for path in fixture_files() + projects:
        rel = path.relative_to(ROOT)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # `e.code is 23` is a SyntaxWarning on purpose
                compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            refused = compiler_refuses(path)
            if refused is not None:
                # Python's parser (which flake8 uses) must accept it; its compiler refuses it
                ast.parse(path.read_bytes())
                if exc.msg != refused:
                    problems.append(
                        f"{rel}:{exc.lineno}: refused with {exc.msg!r}, not {refused!r}"
                    )
            elif not too_new(path):
                problems.append(
                    f"{rel}:{exc.lineno}: {exc.msg} on Python {running}; if that is newer "
                    "syntax, add '# flake8-bsg-min-python: X.Y' on a line of its own"
                )
        else:
            if compiler_refuses(path) is not None:
                problems.append(
                    f"{rel}: declares that Python's compiler refuses it, but it compiles"
                )
            declared = min_python(path)
            if declared and too_new(path):
                needed = "{}.{}".format(*declared)
                problems.append(f"{rel}: declares Python {needed} but compiles on {running}")
    assert not problems, "\n" + "\n".join(problems)


def test_there_are_fixtures_for_every_rule() -> None:
    from flake8_bsg.rules import RULES

    text = "\n".join(p.read_text(encoding="utf-8") for p in fixture_files())
    missing = [
        code
        for code in RULES
        if code != "BSG000" and f"expect: {code}" not in text and f", {code}" not in text
    ]
    assert not missing, f"rules without a positive fixture line: {missing}"


def test_a_wrong_annotation_fails(tmp_path: Path) -> None:
    """The runner is not vacuous: a wrong, a missing and an extra annotation are all caught."""
    source = (
        "from bsg_restapi import APIError\n"
        "def f(e: APIError):\n"
        "    return e.code == 21  # expect: BSG202\n"
        "def g(e: APIError):\n"
        "    return e.code == 88  # expect: BSG201, BSG301, BSG301\n"
        "def h(e: APIError):\n"
        "    return e.code == 42\n"
    )
    path = tmp_path / "wrong.py"
    path.write_text(source, encoding="utf-8")
    problems = check_files([path])
    assert len(problems) == 3, problems
    assert "wrong.py:3: expected [BSG202] found [BSG201]" in problems[0]
    assert "wrong.py:5: expected [BSG201, BSG301, BSG301] found [BSG201, BSG301]" in problems[1]
    assert "wrong.py:7: expected [] found [BSG201, BSG202]" in problems[2]

"""Every fixture file, run through real flake8, produces exactly its annotations."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_runner import FIXTURES, check_files, fixture_files


def _groups():
    groups = {}
    for path in fixture_files():
        groups.setdefault(path.parent.relative_to(FIXTURES).as_posix() or ".", []).append(path)
    return groups


@pytest.mark.parametrize("folder", sorted(_groups()))
def test_fixture_folder(folder: str) -> None:
    problems = check_files(_groups()[folder])
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

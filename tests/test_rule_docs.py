"""Every rule's documentation runs (docs as tests, as Fixit runs its rules' VALID/INVALID code).

Real flake8 on a rule's ``example`` (with its ``example_options``) reports that rule and no
other BSG code; on its ``instead`` it reports nothing. Both are complete modules, so flake8's
own checks (undefined names, unused imports, style) must pass too. ``explain`` prints them as
they are run, under sections that all have text.
"""

from __future__ import annotations

import collections
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from flake8_bsg import cli
from flake8_bsg.rules import RULES, Rule

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")
OUTPUT = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$")
KINDS = ("example", "instead")

#: (rule code, "example" or "instead") -> every diagnostic flake8 printed: (code, output line).
Reports = Dict[Tuple[str, str], List[Tuple[str, str]]]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """Runs flake8 once per set of example options over every rule's example and instead, each
    in a folder of its own (named after the rule; never a test file name, which gets no
    BSG101)."""
    root = tmp_path_factory.mktemp("rule_docs")
    groups: Dict[str, List[Tuple[str, str]]] = collections.defaultdict(list)
    for rule in RULES.values():
        for kind in KINDS:
            folder = root / rule.code
            folder.mkdir(exist_ok=True)
            (folder / f"{kind}.py").write_text(getattr(rule, kind), encoding="utf-8")
            groups[rule.example_options].append((rule.code, kind))
    found: Reports = {key: [] for members in groups.values() for key in members}
    for options, members in groups.items():
        paths = [str(Path(code) / f"{kind}.py") for code, kind in members]
        proc = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", *shlex.split(options), *paths],
            capture_output=True,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        for line in proc.stdout.splitlines():
            match = OUTPUT.match(line)
            assert match, f"unexpected flake8 output: {line}"
            path = Path(match.group("path"))
            found[(path.parent.name, path.stem)].append((match.group("code"), line))
    return found


def rule_ids(rule: Rule) -> str:
    return rule.code


def command(rule: Rule) -> str:
    """The flake8 command line the rule's code is run with, for failure messages."""
    return " ".join(["flake8", "--isolated", *shlex.split(rule.example_options)])


@pytest.mark.parametrize("rule", RULES.values(), ids=rule_ids)
def test_example_reports_exactly_its_rule(rule: Rule, reports: Reports) -> None:
    found = reports[(rule.code, "example")]
    shown = "\n".join(line for _code, line in found) or "(nothing)"
    codes = {code for code, _line in found}
    assert codes == {rule.code}, f"{command(rule)} on the example printed:\n{shown}"


@pytest.mark.parametrize("rule", RULES.values(), ids=rule_ids)
def test_instead_reports_nothing(rule: Rule, reports: Reports) -> None:
    found = reports[(rule.code, "instead")]
    shown = "\n".join(line for _code, line in found)
    assert not found, f"{command(rule)} on 'Use instead' printed:\n{shown}"


def explain_sections(code: str) -> Dict[str, str]:
    """``explain``'s output split at its section headings: heading -> text under it."""
    text = cli.explain(code)
    assert text is not None
    sections: Dict[str, List[str]] = {}
    current: List[str] = []
    for line in text.splitlines():
        if line in SECTIONS:
            current = sections.setdefault(line, [])
        else:
            current.append(line)
    return {heading: "\n".join(lines).strip("\n") for heading, lines in sections.items()}


@pytest.mark.parametrize("rule", RULES.values(), ids=rule_ids)
def test_explain_prints_every_section_and_the_code_that_is_run(rule: Rule) -> None:
    sections = explain_sections(rule.code)
    assert list(sections) == list(SECTIONS)
    for heading, body in sections.items():
        assert body.strip(), (rule.code, heading)
    run_with = f"# flake8 {rule.example_options}\n" if rule.example_options else ""
    assert textwrap.dedent(sections["Example"]) == (run_with + rule.example).rstrip("\n")
    assert textwrap.dedent(sections["Use instead"]) == rule.instead.rstrip("\n")

"""Statement scope (SPEC 8(d)): analysing only the statements that can take part gives exactly
the diagnostics of analysing the whole module at once.

The differential runs every fixture (with its options), every file of every application under
``fixtures/projects`` (in its project), a sample of the standard library with common functions
declared as clients (so that real code, not written for this linter, has BSG calls, handlers
and helpers spread over its statements), and generated programs. The full standard library and
site-packages: ``python benchmarks/soak.py --differential``.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import hypothesmith
import pytest
from fixture_runner import (
    ROOT,
    expectations,
    fixture_files,
    project_files,
    project_folders,
    too_new,
)
from hypothesis import assume, given
from test_fuzz import BSG_CODE, FUZZ

from flake8_bsg.engine import Finding, check_findings
from flake8_bsg.options import Config, build_config
from flake8_bsg.project.index import forget
from flake8_bsg.scope import scoped_units
from flake8_bsg.source import may_involve_bsg, split_lines

sys.path.insert(0, str(ROOT / "benchmarks"))
from soak import DECLARED_CLIENTS, RARE_CLIENTS  # noqa: E402

#: ``build_config`` keywords of the fixtures' ``--bsg-*`` options (the others select codes,
#: which the in-process findings do not filter).
KEYWORDS = {
    "--bsg-require-codes": "require_codes",
    "--bsg-clients": "clients",
    "--bsg-allow-literals": "allow_literals",
    "--bsg-test-files": "test_files",
    "--bsg-source-roots": "source_roots",
    "--bsg-no-project": "no_project",
}


def config_of(options: Sequence[str]) -> Config:
    values: Dict[str, object] = {"no_cache": True}
    for option in options:
        flag, _, value = option.partition("=")
        if flag in KEYWORDS:
            values[KEYWORDS[flag]] = value if value else True
    return build_config(**values)  # type: ignore[arg-type]


def both(
    text: str, filename: str, config: Config, force: bool = False
) -> Tuple[List[Finding], List[Finding]]:
    """The findings of a text with statement scope and of the whole module."""
    scoped = check_findings(text, filename, config, force=force, tree=ast.parse(text))
    whole = check_findings(text, filename, config, force=force, scope=False)
    return scoped, whole


def both_of(path: Path, config: Config, force: bool = False) -> Tuple[List[Finding], List[Finding]]:
    return both(path.read_text(encoding="utf-8"), str(path), config, force)


def dropped_lines(path: Path, config: Config) -> Tuple[int, int]:
    """Lines of the file's units left out by the scope, and its line count (file-local)."""
    text = path.read_text(encoding="utf-8")
    lines = split_lines(text)
    plan = scoped_units(ast.parse(text), lines, lambda t: may_involve_bsg(t, config))
    if plan is None:
        return 0, len(lines)
    units, chosen = plan
    return sum(u.last - u.first + 1 for i, u in enumerate(units) if i not in chosen), len(lines)


def differences(paths: Sequence[Path], config_for: object, force: bool = False) -> List[str]:
    out = []
    for path in paths:
        config = config_for(path)  # type: ignore[operator]
        scoped, whole = both_of(path, config, force)
        if scoped != whole:
            rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            only_scoped = sorted(set(scoped) - set(whole))
            only_whole = sorted(set(whole) - set(scoped))
            out.append(f"{rel}: scoped only {only_scoped}, whole only {only_whole}")
    return out


def test_fixtures_scoped_equal_whole() -> None:
    forget()
    files = [p for p in fixture_files() if too_new(p) is None]
    problems = differences(files, lambda p: config_of(expectations(p)[1]))
    assert not problems, "\n" + "\n".join(problems)
    # the scope left real code out (the test compares something)
    dropped = sum(dropped_lines(p, config_of(expectations(p)[1]))[0] for p in files)
    assert dropped > 100, dropped


@pytest.mark.parametrize("project", project_folders(), ids=lambda p: p.name)
def test_projects_scoped_equal_whole(project: Path) -> None:
    forget()
    options: List[str] = []
    for path in project_files(project):
        options = options or expectations(path)[1]
    config = config_of(options)
    files = [p for p in project_files(project) if too_new(p) is None]
    problems = differences(files, lambda p: config)
    assert not problems, "\n" + "\n".join(problems)


def stdlib_sample(count: int) -> List[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(stdlib.glob("*.py")):
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        found.append(path)
    step = max(len(found) // count, 1)
    return found[::step][:count]


@pytest.mark.parametrize("clients", [DECLARED_CLIENTS, RARE_CLIENTS], ids=["common", "rare"])
def test_standard_library_with_declared_clients_scoped_equal_whole(clients: str) -> None:
    forget()
    config = build_config(clients=clients, no_project=True)
    sample = stdlib_sample(int(os.environ.get("BSG_SCOPE_SAMPLE", "40")))
    problems = differences(sample, lambda p: config, force=True)
    assert not problems, "\n" + "\n".join(problems)
    findings = sum(len(both_of(p, config, force=True)[1]) for p in sample)
    assert findings > 0  # the declared clients make real findings in real code
    dropped = sum(dropped_lines(p, config)[0] for p in sample)
    total = sum(dropped_lines(p, config)[1] for p in sample)
    assert 0 < dropped < total, (dropped, total)


def same_either_way(program: str) -> bool:
    for source in (BSG_CODE + "\n" + program, program + "\n" + BSG_CODE):
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            return False
        scoped, whole = both(source, "stdin", Config(), force=True)
        if any(f.code == "BSG000" for f in whole):
            return False  # LibCST rejects the program: the scope may not parse that part
        assert scoped == whole, (source, scoped, whole)
    return True


@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs_scoped_equal_whole(program: str) -> None:
    assume(same_either_way(program))


@FUZZ
@given(hypothesmith.from_node())
def test_cst_generated_programs_scoped_equal_whole(program: str) -> None:
    assume(same_either_way(program))


def test_pieces_parsed_without_node_checks_are_libcsts_trees() -> None:
    """The pieces are parsed without LibCST's per-node checks (``trusted.parse_trusted``):
    on text Python accepts, the trees are exactly LibCST's own, and the checks are back after."""
    import libcst as cst

    from flake8_bsg.trusted import parse_trusted

    files = [p for p in fixture_files() if too_new(p) is None] + stdlib_sample(40)
    files += [p for folder in project_folders() for p in project_files(folder)]
    differ: List[str] = []
    refused: List[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            checked = cst.parse_module(text)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse_trusted(text)
            continue
        except cst.CSTValidationError:
            # what only Python's compiler refuses (fixtures/reliability/compile_time_errors.py)
            refused.append(path.name)
            assert parse_trusted(text).code == text
            continue
        trusted = parse_trusted(text)
        if not trusted.deep_equals(checked) or trusted.code != text:
            differ.append(str(path))
    assert not differ and len(files) > 200, differ
    assert refused == ["compile_time_errors.py"], refused
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    # while trusted, a node is built unchecked (what makes the parse cheaper)
    from flake8_bsg.trusted import trusting

    inits = {cls: cls.__dict__["__init__"] for cls in (cst.Name, cst.Call, cst.Module)}
    with trusting():
        assert cst.Name("not a name").value == "not a name"
        # built by plain stores, with the dataclass's defaults and default factories
        call = cst.Call(cst.Name("f"))
        assert call.args == () and call.whitespace_after_func.deep_equals(cst.SimpleWhitespace(""))
        assert all(cls.__dict__["__init__"] is not init for cls, init in inits.items())
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    # and frozen again, with LibCST's own ``__init__``
    assert all(cls.__dict__["__init__"] is init for cls, init in inits.items())
    with pytest.raises(dataclasses.FrozenInstanceError):
        cst.Name("x").value = "y"  # type: ignore[misc]


def test_a_failed_switch_leaves_libcst_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst as cst

    from flake8_bsg import trusted

    switch_on = trusted._switch_on

    def failing() -> None:
        switch_on()
        raise RuntimeError("the switch failed")

    monkeypatch.setattr(trusted, "_switch_on", failing)
    with pytest.raises(RuntimeError):
        trusted.parse_trusted("x = 1\n")
    monkeypatch.undo()
    assert trusted._trusting == 0 and not trusted._replaced
    with pytest.raises(dataclasses.FrozenInstanceError):
        cst.Name("x").value = "y"  # type: ignore[misc]
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    assert trusted.parse_trusted("x = 1\n").code == "x = 1\n"

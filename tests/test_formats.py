"""The CI output formats: ``flake8-bsg check --output-format`` and the flake8 formatter plugins
(``flake8 --format=bsg-sarif`` ...). SARIF is validated against the published SARIF 2.1.0 schema
(tests/data/, see the README there); every format reports exactly the text format's findings."""

from __future__ import annotations

import collections
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import jsonschema
import pytest
from fixture_runner import ROOT, expectations, fixture_files, too_new

from flake8_bsg import __version__, cli
from flake8_bsg.formats import (
    Report,
    escape_data,
    escape_property,
    gitlab_severity,
    render_github,
)
from flake8_bsg.rules import RULES

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
FORMATS = ("json", "sarif", "github", "gitlab")
TEXT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>(?P<code>\S+) .*)$")
GITHUB_LINE = re.compile(
    r"^::(?P<kind>warning|error) file=(?P<path>[^,]*),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<code>[^:]*)::(?P<text>.*)$"
)

# (path, line, column, code, message): what each format must agree on with the text format
Place = Tuple[str, int, int, str, str]


def check(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Tuple[int, str, str]:
    """``flake8-bsg check`` in this process (the suite runs it on the whole corpus five times)."""
    status = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def flake8(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        encoding="utf-8",
    )


def corpus_groups() -> Dict[Tuple[str, ...], List[str]]:
    """The fixture files by their ``# flake8-bsg-options:`` (as tests/fixture_runner.py runs
    them), as paths relative to the repository's root."""
    groups: Dict[Tuple[str, ...], List[str]] = collections.defaultdict(list)
    for path in fixture_files():
        if too_new(path) is None:
            groups[tuple(expectations(path)[1])].append(path.relative_to(ROOT).as_posix())
    return dict(groups)


def text_places(out: str) -> List[Place]:
    places = []
    for line in out.splitlines():
        match = TEXT_LINE.match(line)
        assert match, line
        places.append(
            (
                match["path"],
                int(match["line"]),
                int(match["col"]),
                match["code"],
                match["message"],
            )
        )
    return places


def format_places(fmt: str, out: str) -> List[Place]:
    """The findings of one document, as places comparable with the text format's."""
    if fmt == "json":
        return [
            (d["path"], d["line"], d["column"], d["code"], d["message"]) for d in json.loads(out)
        ]
    if fmt == "sarif":
        places = []
        for result in json.loads(out)["runs"][0]["results"]:
            location = result["locations"][0]["physicalLocation"]
            places.append(
                (
                    location["artifactLocation"]["uri"],
                    location["region"]["startLine"],
                    location["region"]["startColumn"],
                    result["ruleId"],
                    result["message"]["text"],
                )
            )
        return places
    if fmt == "github":
        places = []
        for line in out.splitlines():
            match = GITHUB_LINE.match(line)
            assert match, line
            message = f"{match['code']} {match['text']}".replace("%0A", "\n").replace("%25", "%")
            places.append(
                (match["path"], int(match["line"]), int(match["col"]), match["code"], message)
            )
        return places
    assert fmt == "gitlab"
    # Code Quality has no column: compare with the text format's column left out (-1)
    return [
        (
            d["location"]["path"],
            d["location"]["lines"]["begin"],
            -1,
            d["check_name"],
            d["description"],
        )
        for d in json.loads(out)
    ]


# ---- every format, the whole corpus ---------------------------------------------------------


def test_every_format_reports_the_text_findings_on_the_whole_corpus(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    total = 0
    for options, paths in corpus_groups().items():
        status, out, err = check([*options, *paths], capsys)
        assert err == "" and status == (1 if out else 0), err
        expected = text_places(out)
        total += len(expected)
        for fmt in FORMATS:
            status, document, err = check([*options, "--output-format", fmt, *paths], capsys)
            assert err == "" and status == (1 if expected else 0), (fmt, err)
            got = format_places(fmt, document)
            want = expected
            if fmt == "gitlab":
                want = [(p, line, -1, code, message) for p, line, _col, code, message in expected]
            assert got == want, (fmt, options)
            if fmt == "sarif":
                jsonschema.Draft4Validator(SCHEMA).validate(json.loads(document))
    assert total > 500, "the corpus reports hundreds of findings"


def test_the_json_fingerprints_are_distinct_and_stable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    _status, first, _err = check(["--output-format", "json", "fixtures/rules"], capsys)
    _status, again, _err = check(["--output-format", "json", "fixtures/rules"], capsys)
    assert first == again
    prints = [d["fingerprint"] for d in json.loads(first)]
    assert len(prints) == len(set(prints)) > 50
    assert all(re.fullmatch(r"[0-9a-f]{64}", p) for p in prints)
    entry = json.loads(first)[0]
    assert set(entry) == {"path", "line", "column", "code", "rule", "message", "fingerprint"}
    assert entry["rule"] == RULES[entry["code"]].name


# ---- SARIF ---------------------------------------------------------------------------------


def test_sarif_validates_and_has_what_github_code_scanning_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status, out, _err = check(["--output-format", "sarif", "fixtures/rules"], capsys)
    assert status == 1
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    homepage = re.search(r'^Homepage = "(.+)"$', pyproject, re.M)
    assert homepage is not None
    assert driver["name"] == "flake8-bsg" and driver["version"] == __version__
    assert driver["informationUri"] == homepage.group(1)
    assert [rule["id"] for rule in driver["rules"]] == list(RULES)
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": rule.what}
        assert descriptor["help"] == {"text": cli.explain(rule.code)}
    assert run["columnKind"] == "unicodeCodePoints"
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == ROOT.as_uri() + "/"
    levels = set()
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"].startswith(result["ruleId"] + " ")
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (ROOT / artifact["uri"]).is_file()
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["flake8Bsg/v1"])
        levels.add((result["ruleId"] == "BSG000", result["level"]))
    assert levels == {(False, "warning"), (True, "error")}


def test_a_file_python_cannot_parse_is_an_error_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, _err = check(["--output-format", "sarif", "broken.py"], capsys)
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    assert status == 1 and result["ruleId"] == "E999" and result["level"] == "error"
    assert log["runs"][0]["tool"]["driver"]["rules"][-1] == {"id": "E999"}
    status, out, _err = check(["--output-format", "json", "broken.py"], capsys)
    (entry,) = json.loads(out)
    assert (entry["path"], entry["line"], entry["code"], entry["rule"]) == (
        "broken.py",
        1,
        "E999",
        None,
    )
    status, out, _err = check(["--output-format", "github", "broken.py"], capsys)
    assert out.startswith("::error file=broken.py,line=1,col=1,title=E999::SyntaxError")


def test_no_findings_is_an_empty_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clean.py").write_text("import os\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert check(["--output-format", "json", "clean.py"], capsys) == (0, "[]\n", "")
    assert check(["--output-format", "gitlab", "clean.py"], capsys) == (0, "[]\n", "")
    assert check(["--output-format", "github", "clean.py"], capsys) == (0, "", "")
    status, out, _err = check(["--output-format", "sarif", "clean.py"], capsys)
    assert status == 0 and json.loads(out)["runs"][0]["results"] == []
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(out))


# ---- GitHub and GitLab ---------------------------------------------------------------------


def test_github_escapes_as_the_runner_reads_it() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("dir,1/a:b%.py") == "dir%2C1/a%3Ab%25.py"
    report = Report("dir,1/a:b.py", 3, 7, "BSG201", "BSG201 100% magic,\nreally: yes", "f" * 64)
    assert render_github([report]) == (
        "::warning file=dir%2C1/a%3Ab.py,line=3,col=7,title=BSG201::100%25 magic,%0Areally: yes\n"
    )
    unparsable = Report("a.py", 1, 1, "BSG000", "BSG000 LibCST cannot parse this file", "0" * 64)
    assert render_github([unparsable]).startswith("::error file=a.py,line=1,col=1,title=BSG000::")


def test_gitlab_severities() -> None:
    assert [gitlab_severity(code) for code in RULES] == [
        "info",  # BSG000
        "major",  # BSG101
        "major",
        "major",
        "major",  # BSG104
        "minor",  # BSG201
        "minor",
        "minor",
        "minor",  # BSG204
        "major",  # BSG301
    ]
    assert gitlab_severity("E501") == "minor" and gitlab_severity("E999") == "info"


def test_paths_are_relative_to_the_current_directory_with_slashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    source = "from bsg_restapi import APIError\n\ndef f(e: APIError):\n    return e.code == 88\n"
    (tmp_path / "pkg" / "m.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "pkg")
    absolute = str(tmp_path / "pkg" / "m.py")
    for given in (absolute, "./m.py", "../pkg/m.py"):
        _status, out, _err = check(["--output-format", "json", given], capsys)
        assert {d["path"] for d in json.loads(out)} == {"m.py"}, given
    monkeypatch.chdir(tmp_path)
    _status, out, _err = check(["--output-format", "gitlab", absolute], capsys)
    assert {d["location"]["path"] for d in json.loads(out)} == {"pkg/m.py"}
    _status, out, _err = check([absolute], capsys)
    assert out.startswith("pkg/m.py:4:")


# ---- the flake8 formatter plugins ----------------------------------------------------------


def test_flake8_bsg_json_matches_check_on_the_whole_corpus(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every BSG finding of flake8 --format=bsg-json is check's, fingerprint included."""
    monkeypatch.chdir(ROOT)
    for options, paths in corpus_groups().items():
        proc = flake8(*options, "--format=bsg-json", *paths)
        assert proc.returncode == 1 and proc.stderr == "", proc.stderr
        from_flake8 = [d for d in json.loads(proc.stdout) if d["code"].startswith("BSG")]
        _status, out, _err = check([*options, "--output-format", "json", *paths], capsys)
        key = lambda d: (d["path"], d["line"], d["column"], d["message"])  # noqa: E731
        assert sorted(from_flake8, key=key) == sorted(json.loads(out), key=key), options


def _non_bsg(document: List[Dict[str, Any]], code_key: str) -> List[str]:
    return sorted({d[code_key] for d in document if not d[code_key].startswith("BSG")})


def test_flake8_formatters_cover_every_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [p for p in corpus_groups()[()] if p.startswith("fixtures/rules/")]
    sarif = json.loads(flake8("--format=bsg-sarif", *paths).stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    run = sarif["runs"][0]
    extra = [rule for rule in run["tool"]["driver"]["rules"] if rule["id"] not in RULES]
    assert extra and all(set(rule) == {"id"} for rule in extra)
    reported = {result["ruleId"] for result in run["results"]}
    assert {rule["id"] for rule in extra} == {c for c in reported if not c.startswith("BSG")}
    gitlab = json.loads(flake8("--format=bsg-gitlab", *paths).stdout)
    assert _non_bsg(gitlab, "check_name") == sorted(rule["id"] for rule in extra)
    github = flake8("--format=bsg-github", *paths).stdout.splitlines()
    assert len(github) == len(gitlab) == len(run["results"])
    # the same BSG findings and fingerprints as check
    monkeypatch.chdir(ROOT)
    _status, out, _err = check(["--output-format", "sarif", *paths], capsys)
    mine = [r for r in run["results"] if r["ruleId"].startswith("BSG")]
    ordered = lambda results: sorted(json.dumps(r, sort_keys=True) for r in results)  # noqa: E731
    assert ordered(mine) == ordered(json.loads(out)["runs"][0]["results"])


def test_flake8_format_writes_one_document_to_an_output_file(tmp_path: Path) -> None:
    source = "from bsg_restapi import APIError\n\n\ndef f(e: APIError):\n    return e.code == 88\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    for _ in range(2):  # flake8 appends to --output-file; a document must replace it
        proc = flake8("--format=bsg-json", "--output-file=out/report.json", "m.py", cwd=tmp_path)
        assert proc.returncode == 1 and proc.stdout == "", proc.stderr
    document = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert [(d["line"], d["code"]) for d in document] == [(5, "BSG201"), (5, "BSG301")]
    proc = flake8("--format=bsg-json", "--statistics", "--benchmark", "m.py", cwd=tmp_path)
    assert len(json.loads(proc.stdout)) == 2  # statistics and benchmarks stay out of it


def test_flake8_format_on_stdin(tmp_path: Path) -> None:
    source = "from bsg_restapi import APIError\n\n\ndef f(e: APIError):\n    return e.code == 88\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    on_file = flake8("--format=bsg-json", "m.py", cwd=tmp_path)
    on_stdin = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--format=bsg-json"]
        + ["--stdin-display-name=m.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert on_stdin.stdout == on_file.stdout and json.loads(on_file.stdout)


def test_flake8_loads_the_formatters_without_anything_heavy(tmp_path: Path) -> None:
    """flake8 imports every report plugin at start-up: ours import nothing of the analysis."""
    (tmp_path / "plain.py").write_text("x = 1\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from flake8.main import cli\n"
        "status = cli.main(['--isolated', 'plain.py'])\n"
        "print(status, sorted(m for m in ('flake8_bsg.formatters', 'libcst', 'flake8_bsg.formats',"
        " 'flake8_bsg.baseline', 'hashlib') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.stdout.strip() == "0 ['flake8_bsg.formatters']", proc.stdout + proc.stderr


def test_fingerprint_is_the_specified_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SHA-256 of version, code, path, enclosing name, collapsed line, key and occurrence."""
    source = (
        "from bsg_restapi import SMSAPI\n"
        "\n"
        "class Gateway:\n"
        "    def send(self, phone):\n"
        "        SMSAPI(config={}).send(phone)\n"
    )
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "gw.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _status, out, _err = check(["--output-format", "json", "--bsg-test-files=", "app"], capsys)
    (entry,) = json.loads(out)
    from flake8_bsg.engine import check_findings
    from flake8_bsg.options import Config

    (finding,) = check_findings(source, "app/gw.py", Config())
    parts = ["1", "BSG101", "app/gw.py", "Gateway.send", "SMSAPI(config={}).send(phone)"]
    data = "\0".join([*parts, finding.key, "0"]).encode("utf-8")
    assert finding.key and entry["fingerprint"] == hashlib.sha256(data).hexdigest()

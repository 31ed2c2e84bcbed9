"""The baseline: ``flake8-bsg check --write-baseline FILE PATH...`` records what is reported now;
``check --baseline FILE`` and ``flake8 --bsg-baseline=FILE`` then report only what is new.
Each scenario asserts the exact lines reported, by check and by flake8 alike."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_bsg import cli
from flake8_bsg.baseline import collapse, enclosing_name, scopes

SMS = """\
from bsg_restapi import APIError, SMSAPI

client = SMSAPI(config={"api_key": "k"})


def notify(phone):
    try:
        client.send(phone)
    except APIError as exc:
        if exc.code == 21:
            return False
    return True


def unguarded(phone):
    client.send(phone)
"""
# what SMS reports, by line and code
SMS_FOUND = [(9, "BSG102"), (10, "BSG201"), (16, "BSG101")]

RESERVED = """\
from bsg_restapi import APIError


def describe(e: APIError) -> str:
    return "reserved" if e.code == 88 else "ok"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "sms.py").write_text(SMS, encoding="utf-8")
    (tmp_path / "app" / "codes.py").write_text(RESERVED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> Tuple[int, str, str]:
    status = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=BSG", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def places(out: str) -> List[Tuple[str, int, str]]:
    """(path, line, code) of each reported line."""
    found = []
    for line in out.splitlines():
        path, number, _col, rest = line.split(":", 3)
        found.append((path.removeprefix("./"), int(number), rest.split()[0]))
    return found


def reported(
    capsys: pytest.CaptureFixture[str], root: Path, *paths: str
) -> List[Tuple[str, int, str]]:
    """What check --baseline reports, asserted equal to what flake8 --bsg-baseline reports."""
    status, out, err = check(capsys, "--baseline", "bsg-baseline.json", *paths)
    assert err == "" and status == (1 if out else 0), err
    proc = flake8("--bsg-baseline=bsg-baseline.json", *paths, cwd=root)
    assert proc.stderr == "" and proc.returncode == (1 if proc.stdout else 0), proc.stderr
    assert proc.stdout == out, "flake8 --bsg-baseline and check --baseline differ"
    return places(out)


def write(capsys: pytest.CaptureFixture[str], *paths: str) -> str:
    status, out, err = check(capsys, "--write-baseline", "bsg-baseline.json", *paths)
    assert status == 0 and out == "", err
    return err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def entries(root: Path) -> List[Tuple[str, int, str]]:
    data = json.loads((root / "bsg-baseline.json").read_text(encoding="utf-8"))
    return [(e["path"], e["line"], e["code"]) for e in data["findings"]]


# ---- scenarios ------------------------------------------------------------------------------


def test_written_then_read_reports_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = check(capsys, "app")
    assert status == 1 and places(out) == [
        ("app/codes.py", 5, "BSG201"),
        ("app/codes.py", 5, "BSG301"),
    ] + [("app/sms.py", line, code) for line, code in SMS_FOUND]
    assert write(capsys, "app") == "flake8-bsg: recorded 5 findings in bsg-baseline.json\n"
    assert reported(capsys, project, "app") == []
    data = json.loads((project / "bsg-baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert [(e["path"], e["line"], e["column"], e["code"]) for e in data["findings"]] == [
        ("app/codes.py", 5, 36, "BSG201"),
        ("app/codes.py", 5, 36, "BSG301"),
        ("app/sms.py", 9, 5, "BSG102"),
        ("app/sms.py", 10, 24, "BSG201"),
        ("app/sms.py", 16, 5, "BSG101"),
    ]
    assert data["findings"][4]["message"].startswith("BSG101 SMSAPI.send() can fail")


def test_moving_code_down_keeps_findings_silent(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    sms = project / "app" / "sms.py"
    edit(sms, "client = SMSAPI", "\n\n\nclient = SMSAPI")
    assert reported(capsys, project, "app") == []
    edit(sms, "def notify(phone):", "def helper():\n    return 42\n\n\ndef notify(phone):")
    edit(sms, "def unguarded(phone):", "class Later:\n    pass\n\n\ndef unguarded(phone):")
    status, out, _err = check(capsys, "app/sms.py")
    assert [line for _p, line, _c in places(out)] == [16, 17, 27], "the findings moved"
    assert reported(capsys, project, "app") == []


def test_an_edited_reported_line_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    edit(
        project / "app" / "sms.py", "\n    client.send(phone)\n", "\n    client.send(phone, 'hi')\n"
    )
    assert reported(capsys, project, "app") == [("app/sms.py", 16, "BSG101")]


def test_a_new_finding_in_a_baselined_file_is_the_only_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    with (project / "app" / "sms.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef status(task):\n    return client.get_status(task)\n")
    assert reported(capsys, project, "app") == [("app/sms.py", 20, "BSG101")]


def test_a_changed_message_of_the_same_finding_stays_silent(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Viber call added to the guarded block: the handler's BSG102 now drops the Viber codes
    too (its message changes), but it is the same finding, so nothing is new."""
    write(capsys, "app")
    before = json.loads((project / "bsg-baseline.json").read_text(encoding="utf-8"))
    sms = project / "app" / "sms.py"
    edit(
        sms,
        "from bsg_restapi import APIError, SMSAPI",
        "from bsg_restapi import APIError, SMSAPI, ViberAPI",
    )
    edit(
        sms,
        "        client.send(phone)\n",
        "        client.send(phone)\n        ViberAPI(config={}).send()\n",
    )
    _status, out, _err = check(capsys, "app/sms.py")
    now = [line for line in out.splitlines() if ": BSG102 " in line]
    (was,) = [e["message"] for e in before["findings"] if e["code"] == "BSG102"]
    assert len(now) == 1 and was not in now[0] and "ViberAPI.send()" in now[0]
    assert reported(capsys, project, "app") == []


def test_identical_findings_are_counted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two identical unhandled calls in one function are two findings; a third is new."""
    sms = project / "app" / "sms.py"
    edit(sms, "\n    client.send(phone)\n", "\n    client.send(phone)\n    client.send(phone)\n")
    write(capsys, "app/sms.py")
    assert entries(project).count(("app/sms.py", 17, "BSG101")) == 1
    edit(sms, "\n    client.send(phone)\n", "\n    client.send(phone)\n    client.send(phone)\n")
    assert reported(capsys, project, "app/sms.py") == [("app/sms.py", 18, "BSG101")]


def test_rewriting_a_subset_keeps_other_files_entries(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    codes_entries = [e for e in entries(project) if e[0] == "app/codes.py"]
    edit(
        project / "app" / "sms.py",
        "        if exc.code == 21:\n            return False\n",
        "        raise\n",
    )
    (project / "app" / "codes.py").write_text(RESERVED.replace("88", "89"), encoding="utf-8")
    summary = write(capsys, "app/sms.py")
    assert (
        summary == "flake8-bsg: recorded 1 finding in bsg-baseline.json (kept 2 of other files)\n"
    )
    assert entries(project) == codes_entries + [("app/sms.py", 15, "BSG101")]
    # codes.py was not rewritten: its old entries stay, its new value is reported
    assert reported(capsys, project, "app") == [
        ("app/codes.py", 5, "BSG201"),
        ("app/codes.py", 5, "BSG301"),
    ]


def test_the_file_is_stable_byte_for_byte(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(capsys, "app")
    first = (project / "bsg-baseline.json").read_bytes()
    write(capsys, "app")
    assert (project / "bsg-baseline.json").read_bytes() == first
    # from another folder: paths are relative to the baseline's folder, not the current one
    monkeypatch.chdir(project / "app")
    status, _out, err = check(capsys, "--write-baseline", "../bsg-baseline.json", ".")
    assert status == 0, err
    assert (project / "bsg-baseline.json").read_bytes() == first
    assert (
        first.endswith(b"\n")
        and first.decode("utf-8")
        == json.dumps(json.loads(first), indent=2, ensure_ascii=False) + "\n"
    )


def test_the_option_from_a_configuration_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    with (project / "app" / "sms.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef status(task):\n    return client.get_status(task)\n")
    (project / "setup.cfg").write_text("[flake8]\nbsg-baseline = bsg-baseline.json\n")
    status, out, _err = check(capsys, "app")
    assert status == 1 and places(out) == [("app/sms.py", 20, "BSG101")]
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=BSG", "app"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert proc.stdout == out and proc.stderr == ""
    # --write-baseline never filters by the baseline it is given
    assert write(capsys, "app").startswith("flake8-bsg: recorded 6 findings")


def test_formats_share_the_baseline_fingerprints(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(capsys, "app")
    recorded = {
        e["fingerprint"]
        for e in json.loads((project / "bsg-baseline.json").read_text())["findings"]
    }
    edit(
        project / "app" / "sms.py", "\n    client.send(phone)\n", "\n    client.send(phone, 'hi')\n"
    )
    _status, out, _err = check(
        capsys, "--baseline", "bsg-baseline.json", "--output-format", "json", "app"
    )
    (new,) = json.loads(out)
    assert new["fingerprint"] not in recorded and new["line"] == 16
    _status, out, _err = check(capsys, "--output-format", "json", "app/codes.py")
    assert {d["fingerprint"] for d in json.loads(out)} <= recorded


# ---- a missing or malformed baseline ---------------------------------------------------------


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "does not exist (write it with: flake8-bsg check --write-baseline FILE PATH...)"),
        (
            "{not json",
            "is not valid JSON (line 1: Expecting property name enclosed in double quotes)",
        ),
        ("[]", 'is not a flake8-bsg baseline (no "version")'),
        ('{"version": 2, "findings": []}', "has version 2; this flake8-bsg reads version 1"),
        ('{"version": 1}', 'has no "findings" list'),
        ('{"version": 1, "findings": [{"path": "a.py"}]}', "has a malformed finding #1"),
        ("\udcff", "cannot be read"),
        ("DIRECTORY", "cannot be read"),
    ],
)
def test_a_bad_baseline_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], content: str | None, reason: str
) -> None:
    target = project / "bsg-baseline.json"
    if content == "DIRECTORY":
        target.mkdir()
    elif content == "\udcff":
        target.write_bytes(b'{"version": 1, "findings": [\xff]}')
    elif content is not None:
        target.write_text(content, encoding="utf-8")
    status, out, err = check(capsys, "--baseline", "bsg-baseline.json", "app")
    head = "flake8-bsg: baseline file 'bsg-baseline.json' "
    assert status == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(head + reason), err
    proc = flake8("--bsg-baseline=bsg-baseline.json", "app", cwd=project)
    assert proc.returncode != 0 and proc.stdout == "" and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(head + reason), proc.stderr
    if content is not None:  # an existing bad file is not overwritten by --write-baseline
        status, _out, err = check(capsys, "--write-baseline", "bsg-baseline.json", "app")
        assert status == 2 and err.count("\n") == 1 and "not overwritten" in err


def test_the_plugin_reads_the_baseline_only_when_asked(tmp_path: Path) -> None:
    """Without the option nothing of the baseline is imported; with it, a file without BSG
    still imports nothing heavy."""
    (tmp_path / "b.json").write_text('{"version": 1, "findings": []}', encoding="utf-8")
    code = (
        "import sys, flake8_bsg.plugin as p\n"
        "options = type('O', (), {'bsg_baseline': sys.argv[1]})()\n"
        "p.Plugin.parse_options(options)\n"
        "list(p.Plugin(None, ['x = 1\\n'], 'a.py').run())\n"
        "print(sorted(m for m in ('libcst', 'flake8_bsg.codes', 'flake8_bsg.baseline', "
        "'hashlib', 'dataclasses') if m in sys.modules))"
    )
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for value, imported in (("", "[]"), ("b.json", "['flake8_bsg.baseline']")):
        proc = subprocess.run(
            [sys.executable, "-S", "-c", code, value],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
        )
        assert proc.stdout.strip() == imported, proc.stdout + proc.stderr


# ---- what a fingerprint is made of ---------------------------------------------------------


def test_enclosing_names() -> None:
    import ast

    source = (
        "import os\n"  # 1
        "class Outer:\n"  # 2
        "    x = 1\n"  # 3
        "    class Inner:\n"  # 4
        "        @staticmethod\n"  # 5
        "        def method():\n"  # 6
        "            async def nested():\n"  # 7
        "                return 1\n"  # 8
        "            return nested\n"  # 9
        "    if True:\n"  # 10
        "        def conditional(self):\n"  # 11
        "            pass\n"  # 12
        "try:\n"  # 13
        "    def guarded():\n"  # 14
        "        pass\n"  # 15
        "except ImportError:\n"  # 16
        "    pass\n"  # 17
    )
    known = scopes(ast.parse(source))
    names = [enclosing_name(known, line) for line in range(1, 18)]
    assert names == [
        "",
        "Outer",
        "Outer",
        "Outer.Inner",
        "Outer.Inner",  # a decorator line belongs to the scope around the def
        "Outer.Inner.method",
        "Outer.Inner.method.nested",
        "Outer.Inner.method.nested",
        "Outer.Inner.method",
        "Outer",
        "Outer.conditional",
        "Outer.conditional",
        "",
        "guarded",
        "guarded",
        "",
        "",
    ]
    assert collapse("  if  e.code\t==\f21 :  \r\n") == "if e.code == 21 :"


def test_paths_in_fingerprints_use_slashes(tmp_path: Path) -> None:
    from flake8_bsg.baseline import relative_path

    assert relative_path(str(tmp_path / "a" / "b.py"), str(tmp_path)) == "a/b.py"
    assert relative_path(str(tmp_path / "b.py"), str(tmp_path / "a")) == "../b.py"

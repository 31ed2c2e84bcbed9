"""The flake8 adapter: registration, options, laziness, and never raising."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flake8_bsg import engine, source
from flake8_bsg.options import Config, OptionError, build_config


def flake8(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
    )


def test_flake8_lists_the_plugin(tmp_path: Path) -> None:
    proc = flake8("--version", cwd=tmp_path)
    assert "flake8-bsg" in proc.stdout


BSG_FILE = (
    "from bsg_restapi import SMSAPI, APIError\ndef f(e: APIError):\n    return e.code == 88\n"
)


@pytest.mark.parametrize(
    "option, message",
    [
        ("--bsg-require-codes=abc", "--bsg-require-codes: 'abc' is not a number"),
        ("--bsg-require-codes=88", "--bsg-require-codes: 88 is not a documented BSG error code"),
        ("--bsg-clients=pkg.Cls", "--bsg-clients: 'pkg.Cls' has no '='"),
        ("--bsg-clients=pkg.Cls=fax", "--bsg-clients: 'pkg.Cls=fax': unknown family 'fax'"),
        (
            "--bsg-clients=pkg.Cls=sms:",
            "--bsg-clients: 'pkg.Cls=sms:': empty error class after ':'",
        ),
        (
            "--bsg-clients=pkg.make=other.Thing",
            "is neither a bsg_restapi client class nor a declared client class",
        ),
        ("--bsg-allow-literals=zero", "--bsg-allow-literals: 'zero' is not a number"),
        ("--bsg-test-files=test_[abc.py", "--bsg-test-files: 'test_[abc.py' is not a valid glob"),
        ("--bsg-project-root=nowhere", "is not a folder"),
        (
            "--bsg-source-roots=/srv/app",
            "--bsg-source-roots: '/srv/app' is not a folder relative to the project root",
        ),
    ],
)
def test_bad_option_is_one_clear_line(tmp_path: Path, option: str, message: str) -> None:
    (tmp_path / "a.py").write_text(BSG_FILE)
    proc = flake8(option, "a.py", cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_bad_option_from_config_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BSG_FILE)
    (tmp_path / "setup.cfg").write_text("[flake8]\nbsg-clients = pkg.Cls=fax\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "a.py"], capture_output=True, text=True, cwd=tmp_path
    )
    assert (
        proc.returncode != 0
        and "unknown family 'fax'" in proc.stderr
        and "Traceback" not in proc.stderr
    )


@pytest.mark.parametrize("switch", ["bsg-no-cache", "bsg-no-project"])
def test_a_bad_switch_in_a_config_file_is_one_clear_line(tmp_path: Path, switch: str) -> None:
    """flake8 reads a store_true option from a configuration file with getboolean, which raises
    on `maybe`: the switches are read as text and validated, as every other option is."""
    (tmp_path / "a.py").write_text(BSG_FILE)
    (tmp_path / "setup.cfg").write_text(f"[flake8]\n{switch} = maybe\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "a.py"], capture_output=True, text=True, cwd=tmp_path
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert lines == [f"flake8-bsg: --{switch}: 'maybe' is not true or false"], proc.stderr


def test_switches_from_the_command_line_and_config_files(tmp_path: Path) -> None:
    """`--bsg-no-project` on the command line or `bsg-no-project = true` in a configuration
    file both analyse each file alone: the wrapper's call is judged where it is."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "wrapper.py").write_text(
        "from bsg_restapi import SMSAPI\nsms = SMSAPI(config={})\ndef send(m):\n    sms.send(m)\n"
    )
    (tmp_path / "view.py").write_text("from wrapper import send\ndef view(r):\n    send(r)\n")

    def codes(*args: str) -> list[str]:
        # not --isolated: the configuration file is read
        proc = subprocess.run(
            [sys.executable, "-m", "flake8", "--select=BSG", "--bsg-no-cache", *args, "."],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        return sorted(line.split(" ")[0] for line in proc.stdout.splitlines())

    assert codes() == ["./view.py:3:5:"]
    assert codes("--bsg-no-project") == ["./wrapper.py:4:5:"]
    (tmp_path / ".flake8").write_text("[flake8]\nbsg-no-project = true\n")
    assert codes() == ["./wrapper.py:4:5:"]


def test_options_from_config_file_apply(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BSG_FILE.replace("88", "21"))
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=BSG", "a.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "BSG201" in proc.stdout
    (tmp_path / "setup.cfg").write_text("[flake8]\nbsg-allow-literals = 0,21\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=BSG", "a.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "BSG201" not in proc.stdout, proc.stdout


def test_stdin_gives_the_same_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BSG_FILE)
    on_file = flake8("--select=BSG", "a.py", cwd=tmp_path).stdout
    on_stdin = flake8(
        "--select=BSG", "--stdin-display-name=a.py", "-", cwd=tmp_path, stdin=BSG_FILE
    ).stdout
    assert on_file and on_file == on_stdin


def test_loading_the_plugin_imports_nothing_heavy(tmp_path: Path) -> None:
    """An editor lints on save: on a file without BSG the plugin must not load LibCST, nor even
    its own catalogue, engine, project index or package metadata; of its own modules only the
    adapter, the options, the text check and the quick look at the project (which reads the
    file's imports: here, a module without BSG text)."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "helpers.py").write_text("import json\n", encoding="utf-8")
    code = (
        # the standard library's modules that flake8 has loaded by then compile their own
        "import re, argparse, ast, fnmatch, gc, os, threading, tokenize, typing\n"
        "compiled = []\n"
        "_compile = re._compile\n"
        "re._compile = lambda pattern, flags: (\n"
        "    compiled.append(pattern) or _compile(pattern, flags))\n"
        "import sys, flake8_bsg.plugin as p\n"
        "options = type('O', (), {'bsg_require_codes': '', 'bsg_clients': '', "
        "'bsg_allow_literals': '0', 'bsg_test_files': 'test_*.py'})()\n"
        "p.Plugin.parse_options(options)\n"
        "list(p.Plugin(None, ['import os\\n', 'import helpers\\n'], 'a.py').run())\n"
        "print(sorted(m for m in ('libcst', 'flake8_bsg.codes', 'dataclasses', "
        "'importlib.metadata', 'flake8_bsg.engine', 'flake8_bsg.project.index') "
        "if m in sys.modules))\n"
        "print(sorted(m for m in sys.modules if m.startswith('flake8_bsg')))\n"
        "print(compiled)"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    heavy, own, patterns = proc.stdout.splitlines()
    assert heavy == "[]", proc.stdout + proc.stderr
    assert own == str(
        [
            "flake8_bsg",
            "flake8_bsg.options",
            "flake8_bsg.plugin",
            "flake8_bsg.project",
            "flake8_bsg.project.paths",
            "flake8_bsg.project.quick",
            "flake8_bsg.source",
        ]
    )
    # no regular expression compiled (each costs a tenth of a millisecond or more)
    assert patterns == "[]", proc.stdout


def test_files_without_bsg_are_skipped_before_parsing() -> None:
    assert not source.may_involve_bsg("import os\nprint(os.getcwd())\n", Config())
    assert source.may_involve_bsg("from bsg_restapi import SMSAPI\n", Config())
    config = build_config(clients="myapp.sms.Gateway=sms")
    assert source.may_involve_bsg("from myapp.sms import Gateway\n", config)


def test_unparsable_file_is_one_bsg000(monkeypatch: pytest.MonkeyPatch) -> None:
    import libcst

    def refuse(source: str) -> None:
        raise libcst.ParserSyntaxError("unsupported syntax", lines=["x"], raw_line=1, raw_column=0)

    monkeypatch.setattr(libcst, "parse_module", refuse)
    results = engine.check_source(BSG_FILE, "a.py", Config())
    assert len(results) == 1
    line, col, message = results[0]
    assert (
        (line, col) == (1, 0)
        and message.startswith("BSG000 LibCST cannot parse this file (")
        and "unsupported syntax" in message
    )


class _Panic(BaseException):
    """Like LibCST's native PanicException: not an Exception."""


def test_internal_error_is_one_bsg000(monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_bsg import rules

    def boom(*args: object, **kwargs: object) -> None:
        raise _Panic("native parser panicked")

    monkeypatch.setattr(rules, "run", boom)
    results = engine.check_source(BSG_FILE, "a.py", Config())
    assert results == [
        (
            1,
            0,
            "BSG000 internal error in flake8-bsg (_Panic: native parser panicked); please report "
            "it with this file",
        )
    ]


def test_build_config_parses_every_form() -> None:
    config = build_config(
        require_codes="8, 21",
        clients=(
            "myapp.sms.Gateway=sms,myapp.sms.send_otp=sms+viber:myapp.errors.SmsError,"
            "myapp.sms.get_client=bsg_restapi.SMSAPI"
        ),
        allow_literals="0,21",
        test_files="test_*.py",
    )
    assert config.require_codes == (8, 21)
    assert config.allow_literals == {0, 21}
    assert config.wrapper_classes == {"myapp.sms.Gateway": (("common", "sms"), None)}
    assert config.wrapper_functions == {
        "myapp.sms.send_otp": (("common", "sms", "viber"), "myapp.errors.SmsError")
    }
    assert config.factories == {"myapp.sms.get_client": "bsg_restapi.SMSAPI"}
    assert config.error_classes == {"myapp.errors.SmsError"}
    assert config.is_test_file("pkg/test_x.py") and not config.is_test_file("pkg/x_test.py")
    with pytest.raises(OptionError):
        build_config(clients="a=sms+fax")

"""``flake8-bsg check``: the same diagnostics as flake8, for teams that do not run flake8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fixture_runner import FIXTURES, expectations

CLI = [sys.executable, "-m", "flake8_bsg"]


def bsg_lines(text: str) -> list:
    return sorted(line for line in text.splitlines() if ": BSG" in line)


def test_check_matches_flake8_on_every_fixture() -> None:
    groups = {}
    for path in sorted(FIXTURES.rglob("*.py")):
        groups.setdefault(tuple(expectations(path)[1]), []).append(
            str(path.relative_to(FIXTURES.parent))
        )
    for options, paths in groups.items():
        flake8 = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", *options, *paths],
            capture_output=True,
            text=True,
            cwd=FIXTURES.parent,
        )
        check = subprocess.run(
            [*CLI, "check", *options, *paths], capture_output=True, text=True, cwd=FIXTURES.parent
        )
        assert "Traceback" not in check.stderr, check.stderr
        assert bsg_lines(check.stdout) == bsg_lines(flake8.stdout), options
        assert check.returncode == (1 if bsg_lines(check.stdout) else 0)


def test_check_exit_status_and_noqa(tmp_path: Path) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text(
        "from bsg_restapi import APIError\n\ndef f(e: APIError):\n    return e.code == 0\n",
        encoding="utf-8",
    )
    noqa = tmp_path / "noqa.py"
    noqa.write_text(
        "from bsg_restapi import APIError\n\ndef f(e: APIError):\n    return e.code == 21  # "
        "noqa: BSG201\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [*CLI, "check", "clean.py", "noqa.py"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_check_reads_pyproject_and_setup_cfg(tmp_path: Path) -> None:
    source = "from bsg_restapi import APIError\n\ndef f(e: APIError):\n    return e.code == 21\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    proc = subprocess.run([*CLI, "check", "m.py"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "m.py:4:22: BSG201 " in proc.stdout
    (tmp_path / "pyproject.toml").write_text(
        "[tool.flake8-bsg]\nbsg-allow-literals = [0, 21]\n", encoding="utf-8"
    )
    proc = subprocess.run([*CLI, "check", "m.py"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "setup.cfg").write_text("[flake8]\nbsg-allow-literals = 0,21\n", encoding="utf-8")
    proc = subprocess.run([*CLI, "check", "m.py"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    proc = subprocess.run(
        [*CLI, "check", "--bsg-allow-literals=0", "m.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, "a flag wins over the configuration file"


def test_check_bad_option_and_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def f(:\n", encoding="utf-8")
    proc = subprocess.run([*CLI, "check", "bad.py"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "bad.py:1:1: E999 SyntaxError" in proc.stdout
    proc = subprocess.run(
        [*CLI, "check", "--bsg-clients=pkg.Cls=fax", "bad.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (
        proc.returncode == 2
        and "unknown family 'fax'" in proc.stderr
        and "Traceback" not in proc.stderr
    )


def test_catalogue_command_formats() -> None:
    for fmt, marker in (
        ("table", "| 21 | SMS_INVALID_PHONE_NUMBER | sms | invalid phone number |"),
        ("json", '"name": "SMS_INVALID_PHONE_NUMBER"'),
        ("python", "SMS_INVALID_PHONE_NUMBER = 21"),
    ):
        proc = subprocess.run([*CLI, "catalogue", "--format", fmt], capture_output=True, text=True)
        assert proc.returncode == 0 and marker in proc.stdout


def test_console_script_is_installed() -> None:
    import shutil

    script = shutil.which("flake8-bsg", path=str(Path(sys.executable).parent))
    assert script is not None
    proc = subprocess.run([script, "explain", "BSG301"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("BSG301 reserved-code")


def test_a_closed_pipe_ends_check_quietly() -> None:
    """`flake8-bsg check . | head -1`: the reader goes away after one line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flake8_bsg", "check", "fixtures"],
        cwd=FIXTURES.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    errors = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.startswith(b"fixtures/")
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors

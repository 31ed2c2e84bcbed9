"""The README, `explain` and the catalogue commands say what the code does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flake8_bsg import cli
from flake8_bsg.codes import ErrorCode, ErrorMessage
from flake8_bsg.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The package's description on PyPI (pyproject.toml's ``readme``).
PYPI = (ROOT / "PYPI.md").read_text(encoding="utf-8")


def test_rule_tables_match_the_rules() -> None:
    """The README's rule table, and the PyPI page's, row for row."""
    rows = [
        f"| {rule.code} | {rule.name} | {rule.summary}"
        + (" (off by default)" if rule.default_off else "")
        + " |"
        for rule in RULES.values()
    ]
    for document in (README, PYPI):
        table = [line for line in document.splitlines() if line.startswith("| BSG")]
        assert table == rows


def test_readme_catalogue_is_the_generated_one() -> None:
    assert cli.catalogue_table() in README


def test_explain_unknown_rule_is_a_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8_bsg", "explain", "BSG999"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "unknown rule 'BSG999'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_catalogue_json_round_trips() -> None:
    data = json.loads(cli.catalogue_json())
    assert [c["code"] for c in data["codes"]] == [int(m) for m in ErrorCode]
    assert data["reserved"] == [88, 89]
    assert [m["message"] for m in data["messages"]] == [m.value for m in ErrorMessage]


def test_catalogue_python_is_a_standalone_module(tmp_path: Path) -> None:
    module = tmp_path / "bsg_codes.py"
    module.write_text(cli.catalogue_python(), encoding="utf-8")
    code = (
        "import sys; sys.path.insert(0, '.'); import bsg_codes\n"
        "assert 'flake8_bsg' not in sys.modules\n"
        "print(len(bsg_codes.ErrorCode), bsg_codes.ErrorCode.SMS_INVALID_PHONE_NUMBER == 21,"
        " bsg_codes.ErrorMessage.TARIFF_NOT_FOUND == 'Tariff not found', "
        "sorted(bsg_codes.RESERVED_CODES))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["59", "True", "True", "[88,", "89]"]


def test_every_message_belongs_to_a_rule_and_every_rule_has_one() -> None:
    from flake8_bsg.rules import MESSAGES

    codes = {text.split(" ", 1)[0] for text in MESSAGES.values()}
    assert codes <= set(RULES), codes - set(RULES)
    assert set(RULES) <= codes, set(RULES) - codes


def test_the_project_lints_clean_with_flake8() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "flake8_bsg", "tests", "benchmarks"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

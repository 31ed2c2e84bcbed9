"""Option values that the fixture runner does not exercise."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_bsg.options import build_config


@pytest.mark.parametrize("glob", ["qa/*", "*/qa/*"])
def test_a_path_glob_matches_however_flake8_was_given_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, glob: str
) -> None:
    (tmp_path / "qa").mkdir()
    target = tmp_path / "qa" / "sms_checks.py"
    target.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = build_config(test_files=glob)
    for given in ("qa/sms_checks.py", "./qa/sms_checks.py", str(target)):
        assert config.is_test_file(given), given
    assert not config.is_test_file("app/sms_checks.py")


def test_a_name_glob_matches_the_file_name_anywhere() -> None:
    config = build_config(test_files="test_*.py")
    assert config.is_test_file("/somewhere/deep/test_sms.py")
    assert not config.is_test_file("/somewhere/test_dir/sms.py")

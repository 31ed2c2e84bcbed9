"""The catalogue is exactly the specification's table."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from flake8_bsg import codes
from flake8_bsg.codes import ErrorCode, ErrorMessage

SPEC = Path(__file__).resolve().parents[2] / "shared" / "SPEC.md"


@pytest.fixture(scope="module")
def spec_text() -> str:
    if not SPEC.is_file():
        pytest.skip("the specification is not beside this checkout")
    return SPEC.read_text(encoding="utf-8")


def test_error_codes_match_the_specification(spec_text: str) -> None:
    rows = re.findall(r"^\| (\d+) \| ([A-Z_0-9]+) \| (\w+) \| (.+?) \|$", spec_text, re.M)
    assert len(rows) == 59
    assert [(int(m), m.name, m.family, m.description) for m in ErrorCode] == [
        (int(c), n, f, d) for c, n, f, d in rows
    ]


def test_error_messages_match_the_specification(spec_text: str) -> None:
    rows = re.findall(r"^\| ([A-Z_]+) \| (.+?) \| ([a-z, ]+) \|$", spec_text, re.M)
    assert len(rows) == 32
    expected = [(n, msg, tuple(g.strip() for g in groups.split(","))) for n, msg, groups in rows]
    assert [(m.name, m.value, m.groups) for m in ErrorMessage] == expected


def test_reserved_and_undocumented() -> None:
    assert codes.RESERVED_CODES == {88, 89}
    assert all(not codes.is_documented(c) for c in (13, 19, 37, 42, 50, 59, 67, 79, 88, 89, 94))
    assert codes.is_documented(0) and codes.is_documented(93)
    assert codes.family_of(21) == "sms" and codes.family_of(88) is None


def test_helpers() -> None:
    assert codes.family_range("sms") == (20, 36)
    assert codes.family_range("common") == (1, 12)
    assert [int(m) for m in codes.nearest_codes(42)] == [41, 43]
    assert [int(m) for m in codes.same_description(41, [20, 21, 22])] == [21]
    assert (
        codes.lookup_message("the phone number already exists in the user's   CONTACT book")
        is ErrorMessage.PHONE_ALREADY_IN_CONTACT_BOOK
    )
    assert (
        codes.lookup_message("Contact group is not found") is ErrorMessage.CONTACT_GROUP_NOT_FOUND
    )
    assert codes.is_alias("Contact group is not found") and not codes.is_alias(
        "Contact group not found"
    )
    assert codes.close_messages("Tarif not found")[0] is ErrorMessage.TARIFF_NOT_FOUND


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is new in 3.10")
def test_codes_module_needs_only_the_standard_library() -> None:
    import ast

    tree = ast.parse(Path(codes.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported

"""Deep and long inputs are analysed, not skipped, and nothing ever raises into flake8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

from flake8_bsg.engine import check_source
from flake8_bsg.options import Config

HEADER = (
    "from bsg_restapi import APIError, SMSAPI\n"
    "from flake8_bsg.codes import ErrorCode\n"
    "sms = SMSAPI()\n"
)


def deep_file() -> str:
    """What flake8 and pyflakes accept but a plain recursive LibCST visitor does not."""
    terms = " + ".join(f"x{i}" for i in range(300))
    parens = "(" * 199 + "1" + ")" * 199
    calls = "f(" * 190 + "1" + ")" * 190
    return HEADER + (
        f"y = {terms}\n"
        f"z = {parens}\n"
        f"w = {calls}\n"
        "def g():\n"
        "    try:\n"
        f"        sms.send({calls})\n"
        "    except APIError as e:\n"
        "        if e.code == ErrorCode.INVALID_KEY or "
        + " or ".join("e.code == 21" for _ in range(150))
        + ":\n"
        "            raise\n"
        f"    sms.send({parens})\n"
    )


def elif_chain(branches: int) -> str:
    lines = [HEADER, "def g(m):", "    try:", "        sms.send(m)", "    except APIError as e:"]
    for i in range(branches):
        lines.append(
            f"        {'if' if i == 0 else 'elif'} e.code == ErrorCode.SMS_INVALID_TEXT "
            f"and m == {i}:"
        )
        lines.append("            raise")
    lines.append("        elif e.code == 42:")
    lines.append("            raise")
    return "\n".join(lines) + "\n"


def method_chain(calls: int) -> str:
    return HEADER + "def g(m):\n    return sms.send(m)" + ".copy()" * calls + "\n"


def codes(results: List) -> List[str]:
    return [message.split(" ", 1)[0] for _line, _col, message in results]


def flake8(tmp_path: Path, name: str, source: str) -> List[str]:
    (tmp_path / name).write_text(source, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=BSG,E999", name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr and "failed during execution" not in proc.stderr, (
        proc.stderr
    )
    return proc.stdout.splitlines()


def test_deep_file_through_flake8(tmp_path: Path) -> None:
    lines = flake8(tmp_path, "deep.py", deep_file())
    found = sorted((int(line.split(":")[1]), line.split(" ")[1]) for line in lines)
    # the 150 literals are analysed (BSG201 each), the dispatch drops codes, the last call is
    # unhandled
    assert found.count((11, "BSG201")) == 150
    assert (13, "BSG101") in found and (10, "BSG102") in found
    assert not any(code == "BSG000" for _row, code in found)
    assert len(found) == 152


def test_long_elif_chain_through_flake8(tmp_path: Path) -> None:
    lines = flake8(tmp_path, "chain.py", elif_chain(300))
    assert [line.split(" ")[1] for line in lines] == ["BSG102", "BSG201", "BSG202"]


def test_beyond_what_pyflakes_survives() -> None:
    results = check_source(elif_chain(400), "chain.py", Config())
    assert codes(results) == ["BSG102", "BSG201", "BSG202"]
    results = check_source(method_chain(200), "chain.py", Config())
    assert codes(results) == ["BSG101"]


def test_flake8_on_a_method_chain(tmp_path: Path) -> None:
    lines = flake8(tmp_path, "methods.py", method_chain(150))
    assert [line.split(" ")[1] for line in lines] == ["BSG101"]


def test_recursion_limit_and_stack_are_restored() -> None:
    before = sys.getrecursionlimit()
    check_source(deep_file(), "deep.py", Config())
    assert sys.getrecursionlimit() == before
    import threading

    assert threading.stack_size() == 0

"""Generated programs, with BSG client code added so the analysis runs, never crash it.

The number of examples is bounded for CI; set BSG_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import ast
import os

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings

from flake8_bsg.engine import check_source
from flake8_bsg.options import Config

EXAMPLES = int(os.environ.get("BSG_FUZZ_EXAMPLES", "40"))

BSG_CODE = """
from bsg_restapi import APIError, SMSAPI
client = SMSAPI()
def _bsg_probe(message):
    try:
        client.send(message)
    except APIError as exc:
        if exc.code == 21:
            raise
"""

FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


def check(program: str) -> bool:
    """False when the program is not for the plugin (Python or LibCST rejects it)."""
    for source in (BSG_CODE + "\n" + program, program + "\n" + BSG_CODE):
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            return False  # flake8 reports these itself (E999); the plugin never sees them
        results = check_source(source, "fuzz.py", Config(), force=True)
        messages = [m for _l, _c, m in results]
        assert not any("internal error" in m for m in messages), messages
        if any(m.startswith("BSG000") for m in messages):
            return False  # LibCST rejecting what ast accepts is reported (BSG000), not a crash
        # the probe is always analysed: its magic number is found wherever the program sits
        assert any(m.startswith("BSG201 magic BSG code 21") for m in messages), messages
    return True


@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs(program: str) -> None:
    assume(check(program))


@FUZZ
@given(hypothesmith.from_node())
def test_cst_generated_programs(program: str) -> None:
    assume(check(program))


@pytest.mark.parametrize(
    "program",
    [
        "",
        "x = 1 if True else 2\n",
        "async def f():\n    async with a as b, c as d:\n        yield\n",
        "match x:\n    case {'a': 1, **rest}: pass\n    case [1, *_]: pass\n    case C(a=1): "
        "pass\n",
        "def f[T](x: T) -> T: return x\n" if hasattr(ast, "TypeAlias") else "def f(x): return x\n",
        "lambda: (yield)\n",
        "class A:\n    client: 'SMSAPI'\n    def f(self): return self.client.send(1)\n",
        "for exc.code in range(3): pass\n",
        "global client\n",
    ],
)
def test_odd_programs(program: str) -> None:
    assert check(program)

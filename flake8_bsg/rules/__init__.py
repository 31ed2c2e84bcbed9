"""The rules, one module each (``bsg104_swallowed_error.py``): documentation, messages, check.

This registry lists them. Importing it is cheap: rule modules import the analysis only to
type their ``check`` (``explain``, the README table and flake8's start-up read the docs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Set, Tuple

from flake8_bsg.rules import (
    bsg000_unparsable_file,
    bsg101_unhandled_call,
    bsg102_dropped_codes,
    bsg103_required_code_not_handled,
    bsg104_swallowed_error,
    bsg201_magic_code,
    bsg202_unknown_code,
    bsg203_impossible_code,
    bsg204_magic_http_status,
    bsg301_reserved_code,
)
from flake8_bsg.rules.base import Rule, Violation

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis

#: Every rule by code, in the order they run.
RULES: Dict[str, Rule] = {
    module.RULE.code: module.RULE
    for module in (
        bsg000_unparsable_file,
        bsg101_unhandled_call,
        bsg102_dropped_codes,
        bsg103_required_code_not_handled,
        bsg104_swallowed_error,
        bsg201_magic_code,
        bsg202_unknown_code,
        bsg203_impossible_code,
        bsg204_magic_http_status,
        bsg301_reserved_code,
    )
}

DEFAULT_OFF: Tuple[str, ...] = tuple(code for code, rule in RULES.items() if rule.default_off)

#: Every message template, by key (each starts with its rule's code).
MESSAGES: Dict[str, str] = {
    key: template for rule in RULES.values() for key, template in rule.messages.items()
}


def message(key: str, **fields: object) -> str:
    """The text of message ``key`` (it starts with its rule's code)."""
    return MESSAGES[key].format(**fields)


def run(analysis: FileAnalysis) -> List[Violation]:
    """Every rule's violations for one analysed file; a node gets each code at most once (the
    first violation a rule yields there), or once per key for rules that say so."""
    out: List[Violation] = []
    for rule in RULES.values():
        seen: Set[Tuple[int, str]] = set()
        for violation in rule.check(analysis):
            identity = (id(violation.node), violation.key if rule.per_key else "")
            if identity not in seen:
                seen.add(identity)
                out.append(violation)
    return out


__all__ = ["DEFAULT_OFF", "MESSAGES", "RULES", "Rule", "Violation", "message", "run"]

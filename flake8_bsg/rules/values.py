"""One verdict per value compared with a code expression, shared by the value rules.

A compared value can be magic (BSG201, or BSG204 for an HTTP status) and, independently, fall
into one category, decided in this priority: reserved (BSG301), not in the expression's domain
(BSG202), documented but impossible for the guarded calls (BSG203), or fine.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Container, Dict, FrozenSet, NamedTuple, Optional, Tuple, cast

from flake8_bsg.clients import UNCATALOGUED
from flake8_bsg.codes import (
    HTTP_ERROR_STATUSES,
    HTTP_STATUSES,
    RESERVED_CODES,
    is_documented,
    lookup_message,
    messages_containing,
)

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import ComparedValue, FileAnalysis
    from flake8_bsg.flow.values import CodeExpr, ConstValue
    from flake8_bsg.options import Config


class Magic(enum.Enum):
    """Why a literal is magic."""

    CODE = "code"  # an int compared with a code (BSG201)
    STATUS = "status"  # an HTTP status inside the expression's domain (BSG204)
    MESSAGE = "message"  # a message string (BSG201)


class Category(enum.Enum):
    """What a compared value is, by priority (the first that applies)."""

    RESERVED = "reserved"  # BSG301: 88 or 89
    NOT_A_STATUS = "not_a_status"  # BSG202: ApiException.status never holds it
    STATUS_AS_ERROR = "status_as_error"  # BSG202: an HTTP status for a response's "error"
    UNKNOWN_CODE = "unknown_code"  # BSG202: not a documented code
    UNKNOWN_MESSAGE = "unknown_message"  # BSG202: neither a documented message nor an alias
    IMPOSSIBLE_RANGE = "impossible_range"  # BSG203: a range admitting no producible code
    NO_ERROR = "no_error"  # BSG203: 0 compared with a raised error's code
    IMPOSSIBLE_CODE = "impossible_code"  # BSG203: a documented code the calls cannot produce
    IMPOSSIBLE_MESSAGE = "impossible_message"  # BSG203: a message of another group
    FINE = "fine"


class Verdict(NamedTuple):
    compared: ComparedValue
    magic: Optional[Magic]
    category: Category


def http_domain(expr: CodeExpr) -> Container[int]:
    """The HTTP statuses a code expression can hold (BSG204's literals)."""
    from flake8_bsg.flow.values import Domain

    if expr.domain is Domain.API1:
        return HTTP_ERROR_STATUSES
    if expr.domain is Domain.STATUS:
        return HTTP_STATUSES
    return ()


def messages_matching(text: str, substring: bool) -> FrozenSet[str]:
    """The members a message text names (through ``in``: every message containing it)."""
    member = lookup_message(text)
    if member is not None:
        return frozenset({member.name})
    return messages_containing(text) if substring else frozenset()


def _magic(compared: ComparedValue, config: Config) -> Optional[Magic]:
    value, expr = compared.value, compared.expr
    if expr is None or not compared.literal:
        return None
    if expr.domain.holds_messages:
        return Magic.MESSAGE if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value in config.allow_literals:
        return None
    return Magic.STATUS if value in http_domain(expr) else Magic.CODE


def _int(compared: ComparedValue) -> Optional[int]:
    value = compared.value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _code_category(compared: ComparedValue) -> Category:
    from flake8_bsg.flow.values import Domain

    value = _int(compared)
    expr = compared.expr
    if value is None:
        return Category.FINE
    if compared.constructed or expr is None:
        return Category.RESERVED if value in RESERVED_CODES else Category.FINE
    calls = compared.producible
    statuses = http_domain(expr)
    domain = expr.domain
    # in priority order: the first that holds is the verdict
    if compared.bound:
        return Category.IMPOSSIBLE_RANGE if compared.range_admits is False else Category.FINE
    if domain is Domain.STATUS:
        return Category.NOT_A_STATUS if value != 0 and value not in HTTP_STATUSES else Category.FINE
    if value in RESERVED_CODES:
        return Category.RESERVED
    documented = is_documented(value)
    if not documented and value not in statuses:
        if domain is Domain.RESPONSE_ERROR and value in HTTP_STATUSES:
            return Category.STATUS_AS_ERROR
        return Category.UNKNOWN_CODE
    if calls is None or not documented:
        return Category.FINE
    if value == 0:
        return Category.NO_ERROR if domain is Domain.API1 else Category.FINE
    return Category.IMPOSSIBLE_CODE if value not in calls else Category.FINE


def _message_category(compared: ComparedValue) -> Category:
    value = compared.value
    if not isinstance(value, str):
        return Category.FINE
    calls = compared.producible
    matches: FrozenSet[str] = messages_matching(
        value, compared.substring or _is_body(compared.expr)
    )
    catalogued = calls is None or UNCATALOGUED not in calls
    rules: Tuple[Tuple[Category, bool], ...] = (
        (Category.UNKNOWN_MESSAGE, not matches and catalogued),
        (Category.FINE, not matches),
        (
            Category.IMPOSSIBLE_MESSAGE,
            calls is not None and catalogued and not (matches & calls),
        ),
    )
    for category, holds in rules:
        if holds:
            return category
    return Category.FINE


def _is_body(expr: Optional[CodeExpr]) -> bool:
    from flake8_bsg.flow.values import Domain

    return expr is not None and expr.domain is Domain.BODY


def verdict(compared: ComparedValue, config: Config) -> Verdict:
    expr = compared.expr
    if expr is not None and expr.domain.holds_messages:
        return Verdict(compared, _magic(compared, config), _message_category(compared))
    return Verdict(compared, _magic(compared, config), _code_category(compared))


_IMPOSSIBLE = (Category.IMPOSSIBLE_CODE, Category.IMPOSSIBLE_MESSAGE)


def _shared_possible(found: Tuple[Verdict, ...]) -> Tuple[Verdict, ...]:
    """Shared values are impossible only where nothing could use them: a table key only when
    no lookup of the table can produce it, a member of a named collection only when no member
    can come from the calls (as for a range)."""
    used: Dict[Tuple[int, ConstValue], bool] = {}
    for item in found:
        compared = item.compared
        if compared.table:
            key = (id(compared.node), compared.value)
            used[key] = used.get(key, False) or item.category not in _IMPOSSIBLE
    out = []
    for item in found:
        compared = item.compared
        if item.category in _IMPOSSIBLE:
            calls = compared.producible
            if compared.table and used[(id(compared.node), compared.value)]:
                item = item._replace(category=Category.FINE)
            elif compared.members and calls is not None:
                if any(_item(member, compared) in calls for member in compared.members):
                    item = item._replace(category=Category.FINE)
        out.append(item)
    return tuple(out)


def _item(value: ConstValue, compared: ComparedValue) -> object:
    """A compared value as the calls' items name it (a message by its member's name)."""
    if compared.expr is not None and compared.expr.domain.holds_messages:
        member = lookup_message(value) if isinstance(value, str) else None
        return member.name if member is not None else None
    return value


def verdicts(analysis: FileAnalysis) -> Tuple[Verdict, ...]:
    """The verdict of every compared value of the file, in the order the values were found
    (computed once per file, whichever value rule asks first)."""
    cached = analysis.memo.get("verdicts")
    if cached is None:
        cached = analysis.memo["verdicts"] = _shared_possible(
            tuple(verdict(compared, analysis.config) for compared in analysis.compared_values)
        )
    return cast(Tuple[Verdict, ...], cached)


def describe_expr(expr: CodeExpr) -> str:
    """How messages name a code expression."""
    from flake8_bsg.flow.values import Domain

    return {
        Domain.API1: "an error code",
        Domain.STATUS: "ApiException.status",
        Domain.RESPONSE_ERROR: 'a response\'s "error"',
        Domain.MESSAGE: "an API 2.0 error message",
        Domain.BODY: "an API 2.0 error body",
    }[expr.domain]


def value_key(compared: ComparedValue) -> str:
    """A value rule's key: the value compared."""
    return repr(compared.value)

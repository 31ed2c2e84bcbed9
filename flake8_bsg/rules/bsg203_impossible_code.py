"""BSG203 impossible-code: a documented code (or message) the guarded calls cannot produce.

Decision (after BSG301 and BSG202, by the priority of :mod:`flake8_bsg.rules.values`): the
value is documented, the calls behind the code expression are known, and none of them can
produce it — another family's code, ``NO_ERROR`` on a raised error, a range admitting no
producible code, an API 2.0 message of another catalogued group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Set

from flake8_bsg.codes import GROUPS, family_of, messages_of_group, same_description
from flake8_bsg.rules.base import Rule, Violation, families_of, label
from flake8_bsg.rules.values import Category, value_key, verdicts

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import ComparedValue, FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for verdict in verdicts(analysis):
        compared = verdict.compared
        calls: Set[object] = set(compared.producible or ())
        key = value_key(compared)
        value = compared.value
        if verdict.category is Category.NO_ERROR:
            yield RULE.violation(compared.node, "no_error", key)
        elif verdict.category is Category.IMPOSSIBLE_CODE and _family_produced(compared):
            # its family comes from the calls, this code does not reach here: a handler of
            # theirs took it, or they do not produce it (a local validation)
            yield RULE.violation(
                compared.node, "not_reaching", key, value=label(value), source=_source(compared)
            )
        elif verdict.category is Category.IMPOSSIBLE_CODE:
            assert isinstance(value, int)
            same = same_description(value, [c for c in calls if isinstance(c, int)])
            response = _is_response(compared)
            family = "its family" if response else "the guarded family"
            hint = (
                f"; did you mean {label(int(same[0]))}, the same error in {family}?"
                if same
                else "; remove it or guard the call that can produce it"
                if not response
                else "; remove it"
            )
            yield RULE.violation(
                compared.node,
                "impossible_code",
                key,
                value=label(value),
                source=_source(compared),
                produce="it produces" if response else "they produce",
                families=", ".join(families_of(compared.producible or ())),
                hint=hint,
            )
        elif verdict.category is Category.IMPOSSIBLE_RANGE and _family_produced(compared):
            yield RULE.violation(
                compared.node,
                "range_not_reaching",
                key,
                value=label(value),
                source=_source(compared),
            )
        elif verdict.category is Category.IMPOSSIBLE_RANGE:
            yield RULE.violation(
                compared.node,
                "impossible_range",
                key,
                value=label(value),
                families=", ".join(families_of(compared.producible or ())),
            )
        elif verdict.category is Category.IMPOSSIBLE_MESSAGE:
            groups = [g for g in GROUPS if {m.name for m in messages_of_group(g)} <= calls]
            yield RULE.violation(
                compared.node, "impossible_message", key, value=value, groups=", ".join(groups)
            )


def _family_produced(compared: ComparedValue) -> bool:
    value = compared.value
    if not isinstance(value, int) or _is_response(compared):
        return False
    return family_of(value) in families_of(compared.producible or ())


def _is_response(compared: ComparedValue) -> bool:
    from flake8_bsg.flow.values import ResponseOrigin

    return compared.expr is not None and isinstance(compared.expr.origin, ResponseOrigin)


def _source(compared: ComparedValue) -> str:
    from flake8_bsg.flow.values import ResponseOrigin

    origin = compared.expr.origin if compared.expr is not None else None
    if isinstance(origin, ResponseOrigin):
        return f"the {origin.call} response"
    return "the guarded calls"


RULE = Rule(
    code="BSG203",
    name="impossible-code",
    summary="a documented code the guarded calls cannot produce",
    what=(
        "Finds documented codes compared with the error of calls that can never produce them: "
        "another family's code, `NO_ERROR` on a raised error."
    ),
    why="The branch never runs; the code meant is usually the same error in the right family.",
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage
from flake8_bsg.codes import ErrorCode

sms = SMSAPI(config={"api_key": "live-key"})
invalid_numbers: set[str] = set()


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == ErrorCode.VIBER_INVALID_PHONE_NUMBER:
            invalid_numbers.add(phone)
        else:
            raise
""",
    instead="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage
from flake8_bsg.codes import ErrorCode

sms = SMSAPI(config={"api_key": "live-key"})
invalid_numbers: set[str] = set()


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            invalid_numbers.add(phone)
        else:
            raise
""",
    messages={
        "no_error": (
            "BSG203 0 NO_ERROR is never carried by a raised BSG error; remove the comparison"
        ),
        "impossible_code": (
            "BSG203 {value} cannot come from {source} ({produce} {families} codes){hint}"
        ),
        "not_reaching": (
            "BSG203 {value} does not reach this handler from {source} (they produce other codes "
            "of its family: it is handled before, or none of them produces it); remove it"
        ),
        "range_not_reaching": (
            "BSG203 no code in this range reaches this handler from {source} ({value} is a "
            "bound; the codes of its family there are handled before, or not produced); fix the "
            "range or remove the branch"
        ),
        "impossible_range": (
            "BSG203 no code in this range can come from the guarded calls (they produce "
            "{families} codes; {value} is a bound); fix the range or remove the branch"
        ),
        "impossible_message": (
            "BSG203 {value!r} cannot come from the guarded calls (they produce {groups} "
            "messages); remove it or guard the call that can produce it"
        ),
    },
    check=check,
    per_key=True,
)

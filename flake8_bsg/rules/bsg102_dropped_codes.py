"""BSG102 dropped-codes: a dispatch on the error code that lets producible codes through.

Decision: a handler's body (or a block checking a response) dispatches on the code (or API
2.0 message) and has no fallback, and some item the guarded calls can produce is covered by
no branch. The coverage itself (branches, nesting, fallbacks) is :mod:`flake8_bsg.flow.coverage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.clients import HTTP_ERRORS
from flake8_bsg.rules.base import (
    Rule,
    Violation,
    describe_dropped,
    dispatch_key,
    dispatch_subject,
)

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import DispatchCheck, FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for dispatch in analysis.handler_checks + analysis.response_checks:
        if not dispatch.complete:
            continue
        dropped = [i for i in dispatch.producible if not dispatch.coverage.covers(i)]
        if dropped:
            yield RULE.violation(
                dispatch.at,
                "dropped",
                dispatch_key(dispatch),
                subject=dispatch_subject(dispatch),
                dropped=describe_dropped(dropped),
                them="it" if len(dropped) == 1 and dropped[0] != HTTP_ERRORS else "them",
                fallback=_fallback_hint(dispatch),
            )


def _fallback_hint(dispatch: DispatchCheck) -> str:
    from flake8_bsg.flow.coverage import Kind

    if dispatch.response is None:
        return "else, case _, or a final statement"
    if dispatch.kind is Kind.CODES:
        return "else, or a success branch that returns"
    return "else, or a raise after the check"


RULE = Rule(
    code="BSG102",
    name="dropped-codes",
    summary="a dispatch on the error code drops codes the call can produce",
    what=(
        "Finds `if`/`elif`, `match` and table dispatches on a BSG error code that name some of "
        "the codes the guarded calls can produce and have no fallback, so the others fall "
        "through unnoticed."
    ),
    why=(
        "A code the dispatch forgets is ignored silently: the message is lost and nothing is "
        "logged."
    ),
    example="""\
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
        "dropped": (
            "BSG102 this {subject} drops {dropped}; handle {them} or add a fallback ({fallback})"
        ),
    },
    check=check,
)

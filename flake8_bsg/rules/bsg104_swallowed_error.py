"""BSG104 swallowed-error: a BSG error caught and ignored.

Decision: the clause that handles a BSG call (the first that catches its full error class or
a base) does nothing (its body is only ``pass``, ``...`` or strings), or a
``contextlib.suppress(...)`` block wraps a BSG call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.rules.base import Rule, Violation, describe_calls, short

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    from flake8_bsg.facts.records import HandlerRec

    for guard, handled in analysis.handled_guards():
        error = short(handled.kinds)
        calls = describe_calls(handled.calls)
        key = f"{calls}:{error}"
        if isinstance(guard, HandlerRec):
            if analysis.does_nothing(guard):
                yield RULE.violation(guard.node, "swallowed", key, error=error, calls=calls)
        elif analysis.suppresses(guard):
            yield RULE.violation(guard.node, "suppressed", key, error=error, calls=calls)


RULE = Rule(
    code="BSG104",
    name="swallowed-error",
    summary="a BSG error is caught and ignored",
    what=(
        "Finds the handler of a BSG call whose body does nothing (`pass`, `...`, strings), and "
        "`contextlib.suppress` around a BSG call."
    ),
    why="The failure disappears without a trace: no log, no retry, no user feedback.",
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError:
        pass
""",
    instead="""\
import logging

from bsg_restapi import APIError, SMSAPI, SMSMessage

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "live-key"})


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError:
        log.exception("code to %s not sent", phone)
""",
    messages={
        "swallowed": (
            "BSG104 the {error} of {calls} is swallowed: this handler does nothing; log it, "
            "re-raise it or handle its codes"
        ),
        "suppressed": (
            "BSG104 suppress() swallows the {error} of {calls}; catch it and log, retry or "
            "report it instead"
        ),
    },
    check=check,
)

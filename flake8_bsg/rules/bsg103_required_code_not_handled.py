"""BSG103 required-code-not-handled: a handler that does not name a code the team requires.

Decision: ``--bsg-require-codes`` lists a code the guarded calls (or the response) can produce,
and no branch of the dispatch names it (``==``, ``in``, a range, a ``case`` value or a table
key; not ``!=``, ``not in``, truthiness or a fallback). One diagnostic per handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.rules.base import Rule, Violation, dispatch_key, dispatch_subject, listing

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for dispatch in analysis.handler_checks + analysis.response_checks:
        missing = [c for c in dispatch.required if c not in dispatch.coverage.named]
        if missing:
            many = len(missing) > 1
            yield RULE.violation(
                dispatch.at,
                "required",
                dispatch_key(dispatch),
                subject=dispatch_subject(dispatch),
                codes=("codes " if many else "code ") + listing(missing),
                them="them" if many else "it",
            )


RULE = Rule(
    code="BSG103",
    name="required-code-not-handled",
    summary="a handler does not name a code the team requires",
    what=(
        "With `--bsg-require-codes`, finds handlers of calls able to produce a required code "
        "that do not name it explicitly (`==`, `in`, a range, a `case` value or a table key)."
    ),
    why=(
        "Some codes need their own handling (e.g. 8, not enough funds, must page someone); a "
        "generic fallback hides them."
    ),
    example="""\
import logging

from bsg_restapi import APIError, SMSAPI, SMSMessage

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "live-key"})


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        log.warning("code to %s not sent: %s", phone, exc)
""",
    instead="""\
import logging

from bsg_restapi import APIError, SMSAPI, SMSMessage
from flake8_bsg.codes import ErrorCode

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "live-key"})


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == ErrorCode.NOT_ENOUGH_FUNDS:
            log.critical("the BSG account is out of funds")
        log.warning("code to %s not sent: %s", phone, exc)
""",
    options="`--bsg-require-codes` (off while empty).",
    example_options="--bsg-require-codes=8",
    messages={
        "required": (
            "BSG103 this {subject} does not name required {codes}; handle {them} explicitly "
            "(--bsg-require-codes)"
        ),
    },
    check=check,
)

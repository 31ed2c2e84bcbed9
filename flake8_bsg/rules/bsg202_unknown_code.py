"""BSG202 unknown-code: a value a code expression can never hold.

Decision (after BSG301's reserved codes, by the priority of :mod:`flake8_bsg.rules.values`):
an undocumented number for ``e.code``, a non-HTTP number for ``e.status``, an HTTP status for a
response's ``"error"``, or a message that is neither documented nor an alias (when the guarded
calls' messages are catalogued).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.codes import close_messages, nearest_codes
from flake8_bsg.rules.base import Rule, Violation, label
from flake8_bsg.rules.values import Category, value_key, verdicts

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for verdict in verdicts(analysis):
        compared = verdict.compared
        value = compared.value
        key = value_key(compared)
        if verdict.category is Category.UNKNOWN_CODE:
            assert isinstance(value, int)
            # the nearest codes the guarded calls can produce, when they are known
            calls = [c for c in compared.producible or () if isinstance(c, int)]
            hint = " or ".join(label(int(m)) for m in nearest_codes(value, calls or None))
            yield RULE.violation(compared.node, "unknown_code", key, value=value, hint=hint)
        elif verdict.category is Category.STATUS_AS_ERROR:
            yield RULE.violation(compared.node, "status_as_error", key, value=value)
        elif verdict.category is Category.NOT_A_STATUS:
            yield RULE.violation(compared.node, "not_a_status", key, value=value)
        elif verdict.category is Category.UNKNOWN_MESSAGE:
            assert isinstance(value, str)
            close = close_messages(value)
            hint = f"; did you mean {' or '.join(repr(m.value) for m in close)}?" if close else ""
            yield RULE.violation(compared.node, "unknown_message", key, value=value, hint=hint)


RULE = Rule(
    code="BSG202",
    name="unknown-code",
    summary="a value that no BSG call can ever return",
    what=(
        "Finds numbers and messages compared with a BSG code expression that are outside its "
        "domain: undocumented codes, non-HTTP statuses, unknown messages."
    ),
    why="The branch is dead code; usually a typo of a real code.",
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})
invalid_numbers: set[str] = set()
INVALID_NUMBER = 42  # not a documented BSG code


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == INVALID_NUMBER:
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
        "unknown_code": "BSG202 {value} is not a documented BSG error code; did you mean {hint}?",
        "status_as_error": (
            'BSG202 {value} is an HTTP status, not a BSG error code: a response\'s "error" holds '
            "documented codes only; compare the response's status_code instead"
        ),
        "not_a_status": (
            "BSG202 {value} is not an HTTP status, so ApiException.status never holds it (it "
            "holds 0 or 100–599); compare with the message instead"
        ),
        "unknown_message": "BSG202 {value!r} is not a documented BSG API 2.0 error message{hint}",
    },
    check=check,
    per_key=True,
)

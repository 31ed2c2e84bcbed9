"""BSG301 reserved-code: 88 or 89 used as a BSG code.

Decision: a compared, matched or looked-up value (not a range bound), or the code given to a
constructed BSG error or to the catalogue's ``ErrorCode(...)``, is a reserved code. This
category comes first in the value verdicts (:mod:`flake8_bsg.rules.values`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.rules.base import Rule, Violation
from flake8_bsg.rules.values import Category, value_key, verdicts

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for verdict in verdicts(analysis):
        if verdict.category is Category.RESERVED:
            compared = verdict.compared
            yield RULE.violation(
                compared.node, "reserved", value_key(compared), value=compared.value
            )


RULE = Rule(
    code="BSG301",
    name="reserved-code",
    summary="a reserved code (88, 89) is used",
    what=(
        "Finds 88 and 89 used as BSG codes: compared, matched, table keys, "
        "`APIError(code=88)`, `ErrorCode(89)`, members of a collection tested against a code."
    ),
    why=(
        "88 and 89 are reserved for future use: the API never returns them, so the code never "
        "runs (or tests a state that cannot happen)."
    ),
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})
retry_later: list[str] = []
RETRY_LATER = 88  # reserved: BSG never returns it


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == RETRY_LATER:
            retry_later.append(phone)
        else:
            raise
""",
    instead="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage
from flake8_bsg.codes import ErrorCode

sms = SMSAPI(config={"api_key": "live-key"})
retry_later: list[str] = []


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        # the documented code meant (or remove the branch)
        if exc.code == ErrorCode.TOO_MANY_SIMULTANEOUS_MESSAGES:
            retry_later.append(phone)
        else:
            raise
""",
    messages={
        "reserved": (
            "BSG301 {value} is reserved for future use and never returned by BSG; remove it or "
            "use the documented code meant"
        ),
    },
    check=check,
    per_key=True,
)

"""BSG201 magic-code: a code (or API 2.0 message) compared with a bare literal.

Decision: a literal is compared with, matched against or looked up by a code expression, and
it is not an HTTP status inside the expression's domain (that is BSG204) nor one of
``--bsg-allow-literals``. Range bounds count too. The verdicts are in
:mod:`flake8_bsg.rules.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.codes import HTTP_STATUSES, RESERVED_CODES, is_documented, lookup_message
from flake8_bsg.rules.base import Rule, Violation, suggestion_for
from flake8_bsg.rules.values import Magic, describe_expr, http_domain, value_key, verdicts

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import ComparedValue, FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for verdict in verdicts(analysis):
        compared = verdict.compared
        expr = compared.expr
        if expr is None or verdict.magic not in (Magic.CODE, Magic.MESSAGE):
            continue
        key = value_key(compared)
        if verdict.magic is Magic.MESSAGE:
            yield RULE.violation(
                compared.node,
                "magic",
                key,
                what="BSG message",
                value=repr(compared.value),
                verb=_verb(compared),
                expr=describe_expr(expr),
                hint=_message_advice(compared.value),
            )
            continue
        status = _is_status_domain(compared)
        yield RULE.violation(
            compared.node,
            "magic",
            key,
            what=_what(compared, status),
            value=compared.value,
            verb=_verb(compared),
            expr=describe_expr(expr),
            hint=_advice(compared, status),
        )


def _what(compared: ComparedValue, status: bool) -> str:
    if not status:
        return "BSG code"
    return "HTTP status" if compared.value in HTTP_STATUSES else "value"


def _verb(compared: ComparedValue) -> str:
    return "used as a key of a table looked up by" if compared.table else "compared with"


def _message_advice(value: object) -> str:
    """The member to use, only when it equals the literal: an alias or another spelling of a
    documented message is recognised, but the member does not compare equal to it."""
    member = lookup_message(value) if isinstance(value, str) else None
    if member is None:
        return "use a named constant"
    if member.value == value:
        return f"use ErrorMessage.{member.name}"
    return (
        f"use a named constant (ErrorMessage.{member.name} is this message in another wording "
        "and does not compare equal to it)"
    )


def _is_status_domain(compared: ComparedValue) -> bool:
    from flake8_bsg.flow.values import Domain

    return compared.expr is not None and compared.expr.domain is Domain.STATUS


def _advice(compared: ComparedValue, status: bool) -> str:
    value = compared.value
    assert isinstance(value, int) and compared.expr is not None
    name = suggestion_for(value) if value not in RESERVED_CODES and not status else None
    if name:
        return f"use {name}"
    undocumented = not status and not is_documented(value)
    if not compared.bound and (
        value in RESERVED_CODES or (undocumented and value not in http_domain(compared.expr))
    ):
        return "no documented code has this value (see the rule reported with it)"
    return "use a named constant"


RULE = Rule(
    code="BSG201",
    name="magic-code",
    summary="a BSG code is compared with a bare literal",
    what=(
        "Finds int literals (and message strings) compared with, matched against or looked up "
        "by a BSG code expression."
    ),
    why=(
        "`exc.code == 21` says nothing to the reader and breaks silently when a number is mistyped."
    ),
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})
invalid_numbers: set[str] = set()


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == 21:
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
    options="`--bsg-allow-literals` (literals not reported; default `0`).",
    messages={"magic": "BSG201 magic {what} {value} {verb} {expr}; {hint}"},
    check=check,
    per_key=True,
)

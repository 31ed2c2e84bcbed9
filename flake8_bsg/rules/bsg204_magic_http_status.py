"""BSG204 magic-http-status: an HTTP status compared as a bare number (off by default).

Decision: an ``int`` literal inside the code expression's HTTP domain (400–599 for an API 1.0
``e.code``, 100–599 for an API 2.0 ``e.status``) is compared with it, and it is not one of
``--bsg-allow-literals``. The verdicts are in :mod:`flake8_bsg.rules.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from flake8_bsg.rules.base import Rule, Violation
from flake8_bsg.rules.values import Magic, value_key, verdicts

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    for verdict in verdicts(analysis):
        if verdict.magic is Magic.STATUS:
            compared = verdict.compared
            value = compared.value
            assert isinstance(value, int)
            yield RULE.violation(
                compared.node, "magic_status", value_key(compared), value=value, name=_name(value)
            )


def _name(value: int) -> str:
    import http

    try:
        return f"http.HTTPStatus.{http.HTTPStatus(value).name}"
    except ValueError:
        return "a named constant"


RULE = Rule(
    code="BSG204",
    name="magic-http-status",
    summary="an HTTP status compared as a bare literal",
    what=(
        "Finds int literals that are HTTP statuses compared with a BSG code or status "
        "expression. Off by default; enable with `--extend-select=BSG204`."
    ),
    why="`http.HTTPStatus.NOT_FOUND` reads better than `404`.",
    example="""\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})
retry_later: list[str] = []


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == 503:
            retry_later.append(phone)
        else:
            raise
""",
    instead="""\
from http import HTTPStatus

from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})
retry_later: list[str] = []


def send_code(phone: str, text: str) -> None:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == HTTPStatus.SERVICE_UNAVAILABLE:
            retry_later.append(phone)
        else:
            raise
""",
    options="`--extend-select=BSG204` turns the rule on (it is off by default).",
    example_options="--extend-select=BSG204",
    messages={"magic_status": "BSG204 HTTP status {value} compared as a bare number; use {name}"},
    check=check,
    per_key=True,
)

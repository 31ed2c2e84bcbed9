"""BSG101 unhandled-call: a BSG call whose error nothing handles.

Decision: a BSG call (a client call, or a call of a project function that lets BSG errors
escape) has no handler (no clause of an enclosing ``try`` catches its error class, no
``pytest.raises``/``assertRaises``/``suppress`` block), its function is an entry point of the
project (nothing in the project calls it, it is registered or referenced, module-level code...)
and does not pass the error on on purpose (``Raises:`` docstring, retry decorator), and the
file is not a test file. With ``--bsg-no-project``: a private, nested or ``self.``-called
helper whose every call site handles the error passes it on instead of being an entry point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Tuple

from flake8_bsg import clients
from flake8_bsg.codes import family_of, family_range, is_documented
from flake8_bsg.rules.base import Rule, Violation, label

if TYPE_CHECKING:
    from flake8_bsg.flow.analysis import FileAnalysis
    from flake8_bsg.flow.calls import BsgCall


def check(analysis: FileAnalysis) -> Iterator[Violation]:
    if analysis.is_test_file:
        return
    for call in analysis.bsg_calls + analysis.declared_calls:
        if analysis.handler_of(call) is None and not analysis.propagated_on_purpose(call):
            key = f"{call.name}:{call.kind}"
            yield RULE.violation(call.rec.node, "unhandled", key, **_fields(call))


def _fields(call: BsgCall) -> Dict[str, str]:
    error = call.kind.rsplit(".", 1)[-1]
    if call.kind == clients.API2_ERROR:
        groups = (
            f"{', '.join(call.families)} messages" if call.families else "uncatalogued messages"
        )
        what = f"BSG API 2.0 errors ({groups}, HTTP statuses)"
    elif call.local and not call.families:
        codes = ", ".join(label(c) for c in call.local)
        what = f"BSG error code {codes}" if len(call.local) == 1 else f"BSG error codes {codes}"
    else:
        parts = []
        for family in call.families:
            low, high = family_range(family)
            parts.append(f"{family} {low}–{high}")
        parts += partial_families(call.local)  # `viber 41`, `sms 20, 22–36`
        what = f"BSG error codes ({', '.join(parts)})" if parts else "HTTP errors (400–599)"
    if call.origins:
        what += " from " + origins(call.origins)
    return {"call": call.name, "what": what, "error": error}


def origins(found: Tuple[Tuple[str, str, int], ...], most: int = 3) -> str:
    """Where the errors of a project function come from: ``SMSAPI.send() and Recipient()
    (myapp/services/sms.py:9)``, places in the order found, at most ``most`` then ``(+N more)``."""
    places: Dict[Tuple[str, int], List[str]] = {}
    for name, path, line in found:
        names = places.setdefault((path, line), [])
        if name not in names:
            names.append(name)
    parts = [f"{' and '.join(names)} ({path}:{line})" for (path, line), names in places.items()]
    text = ", ".join(parts[:most])
    if len(parts) > most:
        text += f" (+{len(parts) - most} more)"
    return text


def partial_families(codes: Tuple[int, ...]) -> List[str]:
    """Codes of families produced only in part, by family, runs joined: ``sms 20, 22–36``."""
    by_family: Dict[str, List[int]] = {}
    for code in sorted(codes):
        by_family.setdefault(family_of(code) or "", []).append(code)
    out = []
    for family, members in by_family.items():
        runs: List[List[int]] = []
        for code in members:
            if runs and is_documented(code - 1) and runs[-1][-1] == code - 1:
                runs[-1].append(code)
            else:
                runs.append([code])
        text = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
        out.append(f"{family} {text}".strip())
    return out


RULE = Rule(
    code="BSG101",
    name="unhandled-call",
    summary="a BSG call is not handled",
    what=(
        "Finds BSG calls that no enclosing `try`, `pytest.raises`, `assertRaises`, "
        "`contextlib.suppress`, retry decorator or documented `Raises:` handles, where the "
        "error leaves the project: in a function nothing in the project calls (a view, a task, "
        "a command, a callback) or in module-level code. A call of a project function that "
        "lets BSG errors escape is a BSG call too, and the message says where they come from."
    ),
    why=(
        "An unhandled `APIError` crashes the request or task that sent the message, and the "
        "user never learns why it was not delivered."
    ),
    example="""\
from bsg_restapi import SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "live-key"})


def send_reminder(phone: str, text: str) -> None:
    sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
""",
    instead="""\
import logging

from bsg_restapi import APIError, SMSAPI, SMSMessage

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "live-key"})


def send_reminder(phone: str, text: str) -> bool:
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{"msisdn": phone}])
    except APIError as exc:
        log.warning("reminder to %s not sent: %s", phone, exc)
        return False
    return True
""",
    options=(
        "`--bsg-test-files` (files that get no BSG101), `--bsg-clients` (wrappers that count as "
        "clients)."
    ),
    messages={
        "unhandled": (
            "BSG101 {call} can fail with {what} and no enclosing handler catches {error}; wrap "
            "it in try/except {error} and handle the failure"
        ),
    },
    check=check,
)

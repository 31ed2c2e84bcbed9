"""Generated corpora for the benchmark: BSG-dense code, long chains, and plain code."""

from __future__ import annotations

import textwrap

HEADER = """\
import logging

from bsg_restapi import APIError, HLRAPI, SMSAPI, ViberAPI
from flake8_bsg.codes import ErrorCode

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "key"})
viber = ViberAPI(config={"api_key": "key"})
hlr = HLRAPI(config={"api_key": "key"})
"""

FUNCTION = '''

def send_{i}(message, recipients, attempts=0):
    """Send batch {i}."""
    try:
        result = sms.send(message=message, recipients=recipients)
    except APIError as exc:
        if exc.code == 21:
            log.warning("invalid number in batch {i}: %s", recipients)
        elif exc.code in (8, 9):
            log.error("billing problem: %s", exc.description)
            raise
        elif 20 <= exc.code <= 36:
            log.info("sms error %s", exc.code)
        else:
            raise
    else:
        return result


class Notifier{i}:
    def __init__(self, key):
        self.client = ViberAPI(config={{"api_key": key}})

    def notify(self, message):
        self.client.get_status(message)
        try:
            return self.client.send(message)
        except APIError as exc:
            match exc.code:
                case ErrorCode.VIBER_SENDER_NOT_REGISTERED:
                    log.error("sender not registered")
                case 41 | 46:
                    log.warning("bad message")
'''


def dense(functions: int) -> str:
    """BSG-dense code: every function calls a client and dispatches on its codes, with magic
    numbers, an unhandled call and a dispatch without a fallback (about 28 diagnostics per 100
    lines, SPEC 8(b))."""
    return HEADER + "".join(FUNCTION.format(i=i) for i in range(functions))


HANDLED_FUNCTION = '''

def send_{i}(message, recipients, attempts=0):
    """Send batch {i}."""
    try:
        result = sms.send(message=message, recipients=recipients)
    except APIError as exc:
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            log.warning("invalid number in batch {i}: %s", recipients)
        elif exc.code in (ErrorCode.NOT_ENOUGH_FUNDS, ErrorCode.RATE_SCALE_INACTIVE):
            log.error("billing problem: %s", exc.description)
            raise
        else:
            raise
    else:
        return result


class Notifier{i}:
    def __init__(self, key):
        self.client = ViberAPI(config={{"api_key": key}})

    def notify(self, message):
        try:
            self.client.get_status(message)
            return self.client.send(message)
        except APIError as exc:
            match exc.code:
                case ErrorCode.VIBER_SENDER_NOT_REGISTERED:
                    log.error("sender not registered")
                case ErrorCode.VIBER_INVALID_PHONE_NUMBER | ErrorCode.VIBER_INVALID_TEXT:
                    log.warning("bad message")
                case _:
                    raise
'''


def handled(functions: int) -> str:
    """The dense corpus's calls with their handling complete: the same clients, calls, handlers
    and dispatches, and nothing to report."""
    return HEADER + "".join(HANDLED_FUNCTION.format(i=i) for i in range(functions))


def elif_chain(branches: int) -> str:
    """One handler with a long ``elif`` chain (magic numbers on purpose: every branch reports)."""
    lines = [
        HEADER,
        "",
        "def send(message):",
        "    try:",
        "        sms.send(message)",
        "    except APIError as exc:",
    ]
    for i in range(branches):
        keyword = "if" if i == 0 else "elif"
        lines.append(f"        {keyword} exc.code == ErrorCode.SMS_INVALID_TEXT and {i} < 0:")
        lines.append(f"            log.info('branch {i}')")
    lines.append("        else:")
    lines.append("            raise")
    return "\n".join(lines) + "\n"


def long_expression(terms: int) -> str:
    """A condition of ``terms`` terms joined by ``or``."""
    condition = " or ".join(
        "exc.code == ErrorCode.SMS_INVALID_TEXT" if i % 2 else f"flag_{i}" for i in range(terms)
    )
    return HEADER + textwrap.dedent(f"""

    def send(message):
        try:
            sms.send(message)
        except APIError as exc:
            if {condition}:
                log.info("x")
            raise
    """)


PLAIN_HEADER = """\
import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field

from bsg_restapi import APIError, SMSAPI
from flake8_bsg.codes import ErrorCode

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": os.environ.get("BSG_KEY", "")})
LIMITS = {"daily": 1000, "hourly": 100}
"""

PLAIN_FUNCTION = '''

def summarise_{i}(records, key="amount", limit=LIMITS["daily"]):
    """Sum the records of batch {i} by their kind, skipping the malformed ones."""
    totals = defaultdict(float)
    skipped = 0
    for record in records:
        try:
            kind = record["kind"]
            value = float(record.get(key, 0))
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("skipping %r: %s", record, exc)
            skipped += 1
            continue
        if value > limit:
            log.warning("batch {i}: %s over the limit", kind)
            value = limit
        totals[kind] += value
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return {{"totals": dict(ordered), "skipped": skipped, "batch": {i}}}


@dataclass
class Report{i}:
    title: str
    rows: list = field(default_factory=list)

    def add(self, name, amount):
        if not name:
            raise ValueError("a row needs a name")
        self.rows.append((name, round(amount, 2)))
        return self

    def render(self, path=None):
        text = json.dumps({{"title": self.title, "rows": self.rows}}, indent=2)
        if path is None:
            return text
        with open(os.path.join(path, "report_{i}.json"), "w", encoding="utf-8") as handle:
            handle.write(text)
        return path
'''

PLAIN_BSG_FUNCTION = '''

def notify_owner(phone, text):
    """The one function of the module that talks to BSG."""
    try:
        return sms.send(message=text, recipients=[phone])
    except APIError as exc:
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            log.warning("invalid phone %s", phone)
            return None
        raise
'''


def mostly_plain(functions: int) -> str:
    """A long module of ordinary code with one function (in the middle) that calls a client."""
    parts = [PLAIN_HEADER]
    for i in range(functions):
        if i == functions // 2:
            parts.append(PLAIN_BSG_FUNCTION)
        parts.append(PLAIN_FUNCTION.format(i=i))
    return "".join(parts)

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
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            log.warning("invalid number in batch {i}: %s", recipients)
        elif exc.code in (ErrorCode.NOT_ENOUGH_FUNDS, ErrorCode.RATE_SCALE_INACTIVE):
            log.error("billing problem: %s", exc.description)
            raise
        elif ErrorCode.SMS_NOT_FOUND <= exc.code <= ErrorCode.SMS_WRONG_TWO_WAY_SENDER:
            log.info("sms error %s", exc.code)
        else:
            raise
    else:
        return result


class Notifier{i}:
    def __init__(self, key):
        self.client = ViberAPI(config={{"api_key": key}})

    def notify(self, message):
        try:
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


def dense(functions: int) -> str:
    """BSG-dense code: every function calls a client and dispatches on its codes."""
    return HEADER + "".join(FUNCTION.format(i=i) for i in range(functions))


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

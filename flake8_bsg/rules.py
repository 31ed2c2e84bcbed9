"""Every rule: its code, name, documentation and message.

This is the one place a rule is described: ``flake8-bsg explain``, the README's rule table
and the messages read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

from flake8_bsg.codes import ErrorCode, ErrorMessage, member_of

MAX_LISTED = 5


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what: str
    why: str
    example: str
    instead: str
    options: str = "None."
    default_off: bool = False


RULES: Dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "BSG000",
            "unparsable-file",
            "LibCST cannot parse a file that Python accepts, or the analysis failed",
            "Reports, once at 1:0, a file that Python's `ast` accepts but LibCST cannot parse "
            "(the message gives LibCST's reason), or an internal error of the analysis. Nothing "
            "else is reported for that file.",
            "The file was not checked: a BSG mistake in it would go unnoticed.",
            "# a file using syntax newer than the installed LibCST understands",
            "Upgrade LibCST (`pip install -U libcst`), or report the internal error with the file.",
        ),
        Rule(
            "BSG101",
            "unhandled-call",
            "a BSG call is not handled",
            "Finds BSG client calls that no enclosing `try`, `pytest.raises`, `assertRaises`, "
            "`contextlib.suppress`, retry decorator or documented `Raises:` handles.",
            "An unhandled `APIError` crashes the request or task that sent the message, and the "
            "user never learns why it was not delivered.",
            "client = SMSAPI(config={'api_key': KEY})\nclient.send(message)",
            "try:\n    client.send(message)\nexcept APIError as exc:\n    log.warning('SMS "
            "failed: %s', exc)",
            "`--bsg-test-files` (files that get no BSG101), `--bsg-clients` (wrappers that count "
            "as clients).",
        ),
        Rule(
            "BSG102",
            "dropped-codes",
            "a dispatch on the error code drops codes the call can produce",
            "Finds `if`/`elif`, `match` and table dispatches on a BSG error code that name some "
            "of the codes the guarded calls can produce and have no fallback, so the others fall "
            "through unnoticed.",
            "A code the dispatch forgets is ignored silently: the message is lost and nothing is "
            "logged.",
            "except APIError as exc:\n    if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:\n    "
            "    mark_invalid(phone)",
            "except APIError as exc:\n    if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:\n    "
            "    mark_invalid(phone)\n    else:\n        raise",
        ),
        Rule(
            "BSG103",
            "required-code-not-handled",
            "a handler does not name a code the team requires",
            "With `--bsg-require-codes`, finds handlers of calls able to produce a required code "
            "that do not name it explicitly (`==`, `in`, a range, a `case` value or a table key).",
            "Some codes need their own handling (e.g. 8, not enough funds, must page someone); a "
            "generic fallback hides them.",
            "# --bsg-require-codes=8\nexcept APIError as exc:\n    log.warning('failed: %s', exc)",
            "except APIError as exc:\n    if exc.code == ErrorCode.NOT_ENOUGH_FUNDS:\n        "
            "alert_billing()\n    log.warning('failed: %s', exc)",
            "`--bsg-require-codes` (off while empty).",
        ),
        Rule(
            "BSG104",
            "swallowed-error",
            "a BSG error is caught and ignored",
            "Finds the handler of a BSG call whose body does nothing (`pass`, `...`, strings), "
            "and `contextlib.suppress` around a BSG call.",
            "The failure disappears without a trace: no log, no retry, no user feedback.",
            "try:\n    client.send(message)\nexcept APIError:\n    pass",
            "try:\n    client.send(message)\nexcept APIError:\n    log.exception('SMS not sent')",
        ),
        Rule(
            "BSG201",
            "magic-code",
            "a BSG code is compared with a bare literal",
            "Finds int literals (and message strings) compared with, matched against or looked up "
            "by a BSG code expression.",
            "`exc.code == 21` says nothing to the reader and breaks silently when a number is "
            "mistyped.",
            "if exc.code == 21:\n    mark_invalid(phone)",
            "from flake8_bsg.codes import ErrorCode\n\nif exc.code == "
            "ErrorCode.SMS_INVALID_PHONE_NUMBER:\n    mark_invalid(phone)",
            "`--bsg-allow-literals` (literals not reported; default `0`).",
        ),
        Rule(
            "BSG202",
            "unknown-code",
            "a value that no BSG call can ever return",
            "Finds numbers and messages compared with a BSG code expression that are outside its "
            "domain: undocumented codes, non-HTTP statuses, unknown messages.",
            "The branch is dead code; usually a typo of a real code.",
            "if exc.code == 42:\n    ...",
            "if exc.code == ErrorCode.VIBER_INVALID_PHONE_NUMBER:\n    ...",
        ),
        Rule(
            "BSG203",
            "impossible-code",
            "a documented code the guarded calls cannot produce",
            "Finds documented codes compared with the error of calls that can never produce them: "
            "another family's code, `NO_ERROR` on a raised error.",
            "The branch never runs; the code meant is usually the same error in the right family.",
            "try:\n    sms.send(message)\nexcept APIError as exc:\n    if exc.code == "
            "ErrorCode.VIBER_INVALID_PHONE_NUMBER:\n        ...",
            "    if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:\n        ...",
        ),
        Rule(
            "BSG204",
            "magic-http-status",
            "an HTTP status compared as a bare literal",
            "Finds int literals that are HTTP statuses compared with a BSG code or status "
            "expression. Off by default; enable with `--extend-select=BSG204`.",
            "`http.HTTPStatus.NOT_FOUND` reads better than `404`.",
            "if exc.code == 404:\n    ...",
            "if exc.code == HTTPStatus.NOT_FOUND:\n    ...",
            default_off=True,
        ),
        Rule(
            "BSG301",
            "reserved-code",
            "a reserved code (88, 89) is used",
            "Finds 88 and 89 used as BSG codes: compared, matched, table keys, "
            "`APIError(code=88)`, `ErrorCode(89)`, members of a collection tested against a code.",
            "88 and 89 are reserved for future use: the API never returns them, so the code never "
            "runs (or tests a state that cannot happen).",
            "if exc.code == 88:\n    ...",
            "# remove the branch, or use the documented code you meant",
        ),
    )
}

DEFAULT_OFF = tuple(code for code, rule in RULES.items() if rule.default_off)

#: Every message, one template each: the code, the thing at fault, what to do instead.
MESSAGES: Dict[str, str] = {
    "unparsable": (
        "BSG000 LibCST cannot parse this file ({reason}); flake8-bsg checked nothing in it"
    ),
    "internal": "BSG000 internal error in flake8-bsg ({error}); please report it with this file",
    "unhandled": (
        "BSG101 {call} can fail with {what} and no enclosing handler catches {error}; wrap it in "
        "try/except {error} and handle the failure"
    ),
    "dropped": "BSG102 this {subject} drops {dropped}; handle them or add a fallback ({fallback})",
    "required": (
        "BSG103 this {subject} does not name required {codes}; handle {them} explicitly "
        "(--bsg-require-codes)"
    ),
    "swallowed": (
        "BSG104 the {error} of {calls} is swallowed: this handler does nothing; log it, re-raise "
        "it or handle its codes"
    ),
    "suppressed": (
        "BSG104 suppress() swallows the {error} of {calls}; catch it and log, retry or report it "
        "instead"
    ),
    "magic": "BSG201 magic {what} {value} compared with {expr}; {hint}",
    "unknown_code": "BSG202 {value} is not a documented BSG error code; did you mean {hint}?",
    "status_as_error": (
        'BSG202 {value} is an HTTP status, not a BSG error code: a response\'s "error" holds '
        "documented codes only; compare the response's status_code instead"
    ),
    "not_a_status": (
        "BSG202 {value} is not an HTTP status, so ApiException.status never holds it (it holds 0 "
        "or 100–599); compare with the message instead"
    ),
    "unknown_message": "BSG202 {value!r} is not a documented BSG API 2.0 error message{hint}",
    "no_error": "BSG203 0 NO_ERROR is never carried by a raised BSG error; remove the comparison",
    "impossible_code": (
        "BSG203 {value} cannot come from {source} (they produce {families} codes){hint}"
    ),
    "impossible_range": (
        "BSG203 no code in this range can come from the guarded calls (they produce {families} "
        "codes; {value} is a bound); fix the range or remove the branch"
    ),
    "impossible_message": (
        "BSG203 {value!r} cannot come from the guarded calls (they produce {groups} messages); "
        "remove it or guard the call that can produce it"
    ),
    "magic_status": "BSG204 HTTP status {value} compared as a bare number; use {name}",
    "reserved": (
        "BSG301 {value} is reserved for future use and never returned by BSG; remove it or use "
        "the documented code meant"
    ),
}


def message(key: str, **fields: object) -> str:
    """The text of message ``key`` (it starts with its rule's code)."""
    return MESSAGES[key].format(**fields)


def _code_label(value: int) -> str:
    member = member_of(value)
    return f"{value} {member.name}" if member is not None else str(value)


def label(value: object) -> str:
    """A code with its name (``21 SMS_INVALID_PHONE_NUMBER``), a message quoted, or an item."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return _code_label(value)
    if isinstance(value, str) and value.startswith("HTTP"):
        return value
    return repr(value)


def listing(values: Sequence[object]) -> str:
    shown = ", ".join(label(v) for v in values[:MAX_LISTED])
    if len(values) > MAX_LISTED:
        shown += f" (+{len(values) - MAX_LISTED} more)"
    return shown


def join_or(items: List[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def suggestion_for(value: object) -> Optional[str]:
    """The catalogue constant for a value, if one exists."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        member = member_of(value)
        return f"ErrorCode.{member.name}" if member is not None else None
    if isinstance(value, str):
        from flake8_bsg.codes import lookup_message

        member = lookup_message(value)
        return f"ErrorMessage.{member.name}" if member is not None else None
    return None


def describe_calls(names: Iterable[str]) -> str:
    unique = sorted(set(names))
    if len(unique) > 3:
        return ", ".join(unique[:3]) + f" and {len(unique) - 3} more"
    return join_or(unique).replace(" or ", " and ")


__all__ = [
    "RULES",
    "Rule",
    "DEFAULT_OFF",
    "label",
    "listing",
    "suggestion_for",
    "join_or",
    "describe_calls",
    "ErrorCode",
    "ErrorMessage",
]

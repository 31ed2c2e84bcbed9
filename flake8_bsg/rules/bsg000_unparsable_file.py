"""BSG000 unparsable-file: a file the analysis could not check.

Decided by the engine (:mod:`flake8_bsg.engine`), which parses the file and runs the other
rules: a LibCST parse error or an internal failure becomes this one diagnostic at 1:0.
"""

from __future__ import annotations

from flake8_bsg.rules.base import Rule

RULE = Rule(
    code="BSG000",
    name="unparsable-file",
    summary="LibCST cannot parse a file that Python accepts, or the analysis failed",
    what=(
        "Reports, once at 1:0, a file that Python's `ast` accepts but LibCST cannot parse "
        "(the message gives LibCST's reason), or an internal error of the analysis. Nothing "
        "else is reported for that file."
    ),
    why="The file was not checked: a BSG mistake in it would go unnoticed.",
    example="""\
from bsg_restapi import SMSAPI

# `(name): T = value` is valid Python that LibCST's grammar rejects
(sms): SMSAPI = SMSAPI(config={"api_key": "live-key"})
""",
    instead="""\
from bsg_restapi import SMSAPI

# the same assignment without the parentheses, or upgrade LibCST
# (pip install -U libcst); an internal error: report it with the file
sms: SMSAPI = SMSAPI(config={"api_key": "live-key"})
""",
    messages={
        "unparsable": (
            "BSG000 LibCST cannot parse this file ({reason}); flake8-bsg checked nothing in it"
        ),
        "internal": (
            "BSG000 internal error in flake8-bsg ({error}); please report it with this file"
        ),
    },
)


def unparsable(reason: str) -> str:
    """The message for a file LibCST cannot parse."""
    return RULE.message("unparsable", reason=reason)


def internal(error: str) -> str:
    """The message for a failure of the analysis itself."""
    return RULE.message("internal", error=error)

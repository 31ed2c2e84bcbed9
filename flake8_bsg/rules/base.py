"""What every rule is made of, and the wording helpers their messages share.

Importing a rule module is cheap (no LibCST): ``explain``, the README table and flake8's
start-up read the rules' documentation; only ``check`` touches the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Union,
)

from flake8_bsg.clients import HTTP_ERRORS
from flake8_bsg.codes import FAMILIES, HTTP_ERROR_STATUSES, ErrorMessage, family_of, member_of

if TYPE_CHECKING:
    import libcst as cst

    from flake8_bsg.flow.analysis import DispatchCheck, FileAnalysis

MAX_LISTED = 5


class Violation(NamedTuple):
    """One finding: the node to report at, the rule's code, the message, and the rule's key
    for what is at fault (the callable and error class, the handler's error classes, or the
    value) — the part of a finding that stays the same when its message changes."""

    node: cst.CSTNode
    code: str
    message: str
    key: str


Check = Callable[["FileAnalysis"], Iterator[Violation]]


def _no_check(analysis: FileAnalysis) -> Iterator[Violation]:
    return iter(())


@dataclass(frozen=True)
class Rule:
    """A rule: its code and name, its documentation (What it does / Why is this bad? /
    Example / Use instead / Options), its message templates and its check.

    ``example`` and ``instead`` are complete modules: flake8 run on ``example`` with
    ``example_options`` (flake8 flags, e.g. ``--bsg-require-codes=8``) reports this rule and
    no other BSG code, and on ``instead`` reports nothing (tests/test_rule_docs.py runs them)."""

    code: str
    name: str
    summary: str
    what: str
    why: str
    example: str
    instead: str
    options: str = "None."
    example_options: str = ""
    #: A node gets this rule once per key (the value rules: once per value compared there, as
    #: a name can stand for several) instead of once.
    per_key: bool = False
    messages: Dict[str, str] = field(default_factory=dict)
    check: Check = _no_check

    @property
    def default_off(self) -> bool:
        """Off unless selected (``extend_default_ignore``): listed in :data:`options.DEFAULT_OFF`,
        which flake8's start-up reads without importing the rules."""
        from flake8_bsg.options import DEFAULT_OFF

        return self.code in DEFAULT_OFF

    def explain(self) -> str:
        """The documentation ``flake8-bsg explain`` prints (and SARIF carries as help)."""

        def indent(text: str) -> str:
            return "\n".join(("    " + line).rstrip() for line in text.splitlines())

        # The example needs these flags to report the rule (an option, a rule off by default).
        run_with = f"# flake8 {self.example_options}\n" if self.example_options else ""
        parts = [
            f"{self.code} {self.name}: {self.summary}"
            + (" (off by default)" if self.default_off else ""),
            "",
            "What it does",
            self.what,
            "",
            "Why is this bad?",
            self.why,
            "",
            "Example",
            indent(run_with + self.example),
            "",
            "Use instead",
            indent(self.instead),
            "",
            "Options",
            self.options,
        ]
        return "\n".join(parts) + "\n"

    def message(self, key: str, **fields: object) -> str:
        return self.messages[key].format(**fields)

    def violation(
        self, node: cst.CSTNode, message: str, fault: str, /, **fields: object
    ) -> Violation:
        """A violation of this rule at ``node`` with message template ``message`` filled with
        ``fields``; ``fault`` is the rule's key for the thing at fault."""
        return Violation(node, self.code, self.message(message, **fields), fault)


# ---- wording ---------------------------------------------------------------------------------


def label(value: object) -> str:
    """A code with its name (``21 SMS_INVALID_PHONE_NUMBER``), a message quoted, or an item."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        member = member_of(value)
        return f"{value} {member.name}" if member is not None else str(value)
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


def describe_calls(names: Iterable[str]) -> str:
    unique = sorted(set(names))
    if len(unique) > 3:
        return ", ".join(unique[:3]) + f" and {len(unique) - 3} more"
    return join_or(unique).replace(" or ", " and ")


def suggestion_for(value: object) -> Optional[str]:
    """The catalogue constant for a value, if one exists."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        member = member_of(value)
        return f"ErrorCode.{member.name}" if member is not None else None
    if isinstance(value, str):
        from flake8_bsg.codes import lookup_message

        found = lookup_message(value)
        return f"ErrorMessage.{found.name}" if found is not None else None
    return None


def short(kinds: Iterable[str]) -> str:
    """Error classes by their last name: ``APIError``, ``APIError/ApiException``."""
    return "/".join(sorted(k.rsplit(".", 1)[-1] for k in kinds))


def families_of(items: Iterable[Union[int, str]]) -> List[str]:
    """The code families of the codes among ``items``, in catalogue order."""
    found = {family_of(c) for c in items if isinstance(c, int) and c}
    return sorted((f for f in found if f), key=FAMILIES.index)


def describe_dropped(dropped: Sequence[Union[int, str]]) -> str:
    """``28 BSG codes: 1 INVALID_KEY, ... (+23 more) and the HTTP errors (400–599)``."""
    codes = [d for d in dropped if isinstance(d, int)]
    names = [d for d in dropped if isinstance(d, str) and d != HTTP_ERRORS]
    parts = []
    if codes:
        parts.append(f"{len(codes)} BSG code{'s' if len(codes) > 1 else ''}: {listing(codes)}")
    if names:
        texts = [ErrorMessage[n].value for n in names]
        parts.append(f"{len(names)} BSG message{'s' if len(names) > 1 else ''}: {listing(texts)}")
    if HTTP_ERRORS in dropped:
        low, high = HTTP_ERROR_STATUSES[0], HTTP_ERROR_STATUSES[-1]
        parts.append(f"the HTTP errors ({low}–{high})")
    return " and ".join(parts)


def dispatch_subject(check: DispatchCheck) -> str:
    """``handler of SMSAPI.send()`` or ``check of the api.bsg.world response``."""
    if check.response is not None:
        return f"check of the {check.response} response"
    return f"handler of {describe_calls(check.calls)}"


def dispatch_key(check: DispatchCheck) -> str:
    """A dispatch's key: what it dispatches on."""
    if check.response is not None:
        return f"{check.response}:{check.kind.value}"
    return f"{short(check.errors)}:{check.kind.value}"

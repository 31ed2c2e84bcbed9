"""The text of a file before any parse: the cheap check that skips files which cannot involve
BSG, Python's lines, form feeds, and the deep-stack thread the analysis runs in.

Stdlib only: the flake8 adapter, the engine and the project index all start here.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import tokenize
from typing import Callable, Dict, List, Tuple, TypeVar, Union

from flake8_bsg.options import Config

T = TypeVar("T")

#: Words one of which a file must contain for BSG code to be possible in it.
TRIGGERS: Tuple[str, ...] = ("bsg_restapi", "bsg_api", "bsg.world", "flake8_bsg")

_STACK_SIZE = 512 * 1024 * 1024
_RECURSION_LIMIT = 200_000


def may_involve_bsg(source: str, config: Config) -> bool:
    """The cheap check: can this text contain anything a rule looks at?"""
    for word in TRIGGERS:
        if word in source:
            return True
    return any(name in source for name in config.client_names) or any(
        error.rsplit(".", 1)[-1] in source for error in config.error_classes
    )


def run_deep(action: Callable[[], T]) -> Union[T, BaseException]:
    """Run ``action`` in a thread with a large stack and recursion limit; return what it
    returned, or the exception (any ``BaseException``) it raised."""
    outcome: List[Union[T, BaseException]] = []

    def work() -> None:
        try:
            outcome.append(action())
        # LibCST's PanicException derives from BaseException
        except BaseException as exc:  # noqa: B902
            outcome.append(exc)

    # LibCST builds hundreds of thousands of objects; collecting cycles while it does costs
    # up to half the parse and grows faster than the file. Nothing here makes cycles worth
    # collecting before the work ends, so the collector waits until then.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    old_limit = sys.getrecursionlimit()
    try:
        old_size = threading.stack_size(_STACK_SIZE)
    except (ValueError, RuntimeError):  # pragma: no cover - platforms without the call
        old_size = None
    try:
        sys.setrecursionlimit(max(old_limit, _RECURSION_LIMIT))
        thread = threading.Thread(target=work, name="flake8-bsg")
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
        if old_size is not None:
            threading.stack_size(old_size)
        if gc_was_enabled:
            gc.enable()
    if not outcome:
        return RuntimeError("the analysis thread ended without a result")
    first = outcome[0]
    if isinstance(first, KeyboardInterrupt):
        raise first
    return first


# compiled by `re` at first use: the plugin imports this module for the text check alone
_LINE = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$"


def split_lines(source: str) -> List[str]:
    """Lines as Python counts them (``str.splitlines`` also splits at form feeds), ends kept."""
    return re.findall(_LINE, source)


def strip_form_feeds(source: str) -> Tuple[str, Dict[int, int]]:
    """The source without form feeds in line indentation, and how many characters each line lost.

    Python resets the indentation count at a form feed; LibCST's tokenizer rejects them. The
    text after the last form feed of an indentation is the indentation Python sees.
    """
    if "\f" not in source:
        return source, {}
    lines = split_lines(source)
    removed: Dict[int, int] = {}
    for index, line in enumerate(lines):
        stripped = line.lstrip(" \t\f")
        indent = line[: len(line) - len(stripped)]
        if "\f" in indent:
            cut = indent.rindex("\f") + 1
            lines[index] = line[cut:]
            removed[index + 1] = cut
    return "".join(lines), removed


def decode_source(data: bytes) -> str:
    """A file's bytes decoded as Python decodes them (coding cookie, BOM), newlines kept; raises
    ``SyntaxError``, ``UnicodeDecodeError`` or ``LookupError`` when it cannot."""
    encoding, _ = tokenize.detect_encoding(iter(data.splitlines(True)).__next__)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text

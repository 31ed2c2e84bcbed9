"""flake8's map from a line to the text its noqa comment is looked for in, without tokenizing.

At the first finding of any plugin in a file, flake8 tokenizes the whole file a second time
(in Python, before 3.12) to map each line to the physical lines of the token run it belongs to:
a line joined to others by a backslash or spanned by a multi-line string maps to all of them
together, every other line to itself. On BSG-dense code that second tokenization costs about
0.44x LibCST's parse of the file. When the plugin reports, it hands flake8 a map that answers
"itself" for the lines that provably stand alone, from the text and the ``ast`` tree flake8
already has, and computes flake8's own map (the same code, called once) for any other line.
The answers are flake8's, line for line (``tests/test_noqa_lines.py`` compares them on every
fixture and the standard library).

The same module reads ``# noqa`` comments as flake8 does for the commands that report without
flake8 (``check``, ``fix``, the language server).
"""

from __future__ import annotations

import ast
import bisect
import functools
import io
import re
import tokenize
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, cast

#: flake8's ``FileProcessor`` attribute (a ``functools.cached_property``) holding the map.
_ATTRIBUTE = "_noqa_line_mapping"
#: The nodes a string token belongs to (``TemplateStr``: Python 3.14).
_STRINGS = tuple(
    kind
    for kind in (ast.Constant, ast.JoinedStr, getattr(ast, "TemplateStr", None))
    if isinstance(kind, type)
)
_TRIPLE_QUOTES = ('"""', "'''")


def hand_over(noqa_line_for: object, lines: Sequence[str], tree: object) -> None:
    """Give flake8's file processor (``noqa_line_for``: its bound method, the parameter
    flake8 hands the plugin) a map that needs no tokenization for lines that stand alone.

    Does nothing unless the processor is the one these ``lines`` and ``tree`` came from, keeps
    its map in the ``functools.cached_property`` this module knows and has not computed it
    yet (another plugin's finding may have): with another flake8 the map is flake8's own."""
    processor = getattr(noqa_line_for, "__self__", None)
    if processor is None or getattr(processor, "lines", None) is not lines:
        return
    if not isinstance(tree, ast.Module) or _ATTRIBUTE in getattr(
        processor, "__dict__", (_ATTRIBUTE,)
    ):
        return
    compute = _flake8_mapping(type(processor))
    if compute is None:
        return
    text = "".join(lines)
    if text.count("\r") != text.count("\r\n"):
        return  # a lone carriage return: Python's parse counts lines differently from flake8
    # (the map reaches its processor through a weak reference: the processor holds the map,
    # and a cycle would keep the file's lines and tree until the cycle collector ran)
    owner = weakref.ref(processor)
    processor.__dict__[_ATTRIBUTE] = NoqaLines(lines, tree, lambda: compute(owner()))


def _flake8_mapping(cls: type) -> Optional[Callable[[Any], Dict[int, str]]]:
    """The function computing flake8's map, when ``cls`` keeps it as this module expects."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(_ATTRIBUTE)
        if found is not None:
            if isinstance(found, functools.cached_property) and found.attrname == _ATTRIBUTE:
                return found.func
            return None
    return None


#: How a physical line ends with a backslash (a continuation, or one in a string or a comment:
#: either way the line is not known to stand alone).
_CONTINUED = ("\\\n", "\\\r\n", "\\\r", "\\")


class NoqaLines:
    """flake8's map from a line to the text a noqa comment is looked for in, read through
    ``get`` as flake8 reads it.

    A line stands alone when neither it nor the line before ends with a backslash and no
    multi-line string covers it: its tokens then start after the previous line's newline token
    and end with its own, and flake8 maps it to itself. Any other line, or any other use of the
    map, computes flake8's whole map once and answers from it."""

    def __init__(
        self, lines: Sequence[str], tree: ast.Module, compute: Callable[[], Dict[int, str]]
    ) -> None:
        self._lines = lines
        self._compute = compute
        self._whole: Optional[Dict[int, str]] = None
        self._statements: List[ast.stmt] = list(tree.body)
        self._firsts = [_first_line(s) for s in self._statements]
        self._lasts = [_last_line(s) for s in self._statements]
        self._spans: Dict[int, List[Tuple[int, int]]] = {}

    def get(self, line: object, default: Optional[str] = None) -> Optional[str]:
        if self._whole is None and type(line) is int and self._alone(line):
            return self._lines[line - 1]
        found: Optional[str] = self.whole().get(line, default)  # type: ignore[call-overload]
        return found

    def whole(self) -> Dict[int, str]:
        """flake8's own map, computed once."""
        if self._whole is None:
            self._whole = self._compute()
        return self._whole

    def __getitem__(self, line: int) -> str:
        return self.whole()[line]

    def __contains__(self, line: object) -> bool:
        return line in self.whole()

    def __iter__(self) -> Iterator[int]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())

    def __getattr__(self, name: str) -> Any:
        # keys(), items(), values() and the rest: flake8's map
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.whole(), name)

    def _alone(self, line: int) -> bool:
        lines = self._lines
        if not 0 < line <= len(lines):
            return False
        if lines[line - 1].endswith(_CONTINUED) or (
            line > 1 and lines[line - 2].endswith(_CONTINUED)
        ):
            return False
        # the top-level statements whose lines include it (two when a ``;`` joins them on
        # it); a line outside every statement holds only comments or nothing: no string
        i = bisect.bisect_right(self._firsts, line) - 1
        while i >= 0 and self._lasts[i] >= line:
            spans = self._spans.get(i)
            for first, last in self._strings(i) if spans is None else spans:
                if first <= line <= last:
                    return False
            i -= 1
        return True

    def _strings(self, i: int) -> List[Tuple[int, int]]:
        """The lines of each multi-line string of the ``i``-th statement. A multi-line
        string opens and closes with triple quotes on two lines (or continues with a
        backslash, seen by the line test): with fewer than two lines holding triple quotes,
        the statement has none and its tree is not walked."""
        spans = self._spans.get(i)
        if spans is None:
            statement = self._statements[i]
            first, last = self._firsts[i], self._lasts[i]
            quoted = 0
            for text in self._lines[first - 1 : last]:
                if _TRIPLE_QUOTES[0] in text or _TRIPLE_QUOTES[1] in text:
                    quoted += 1
                    if quoted == 2:
                        break
            spans = []
            if quoted == 2:
                for node in ast.walk(statement):
                    if isinstance(node, _STRINGS):
                        string = cast(ast.expr, node)
                        start, end = string.lineno, string.end_lineno
                        if end is None or end > start:
                            spans.append((start, last if end is None else end))
            self._spans[i] = spans
        return spans


def _first_line(statement: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    decorators: List[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _last_line(statement: ast.stmt) -> int:
    end = statement.end_lineno
    return statement.lineno if end is None else end


# ---- noqa, as flake8 reads it, for the commands that report without flake8 --------------------


def noqa_match(text: str) -> Optional[re.Match[str]]:
    """flake8's ``# noqa`` comment in ``text`` (its own pattern: ``#noqa`` is not one)."""
    from flake8.defaults import NOQA_INLINE_REGEXP  # type: ignore[import-untyped]

    found: Optional[re.Match[str]] = NOQA_INLINE_REGEXP.search(text)
    return found


def noqa_silences(text: str, code: str) -> bool:
    """Whether flake8 leaves ``code`` unreported under the ``# noqa`` in ``text``."""
    from flake8 import utils  # type: ignore[import-untyped]

    match = noqa_match(text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    listed = tuple(utils.parse_comma_separated_list(codes))
    return code in listed or code.startswith(listed)


def ignores_file(lines: Sequence[str]) -> bool:
    """``# flake8: noqa`` on a line of its own: flake8 skips the file."""
    from flake8.defaults import NOQA_FILE

    return any(NOQA_FILE.match(line) for line in lines)


def noqa_ranges(source: str) -> Dict[int, Tuple[int, int]]:
    """For each 1-based line, the lines whose text flake8 searches for ``# noqa`` (those of
    the same token run: a string or a backslash continuation over several lines)."""
    ranges: Dict[int, Tuple[int, int]] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return ranges
    low, high = len(source) + 2, -1
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, token.start[0]), max(high, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            for number in range(low, high + 1):
                ranges[number] = (low, high)
            low, high = len(source) + 2, -1
    return ranges


def noqa_text(lines: Sequence[str], ranges: Dict[int, Tuple[int, int]], line: int) -> str:
    """The text flake8 searches for the ``# noqa`` of a finding on ``line`` (1-based): the
    lines of its token run (``ranges``: :func:`noqa_ranges` of the file), or the line alone."""
    low, high = ranges.get(line, (line, line))
    return "".join(lines[max(low, 1) - 1 : high])

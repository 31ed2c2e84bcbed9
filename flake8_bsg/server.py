"""``flake8-bsg server``: a language server (LSP over stdio) for editors.

It publishes the diagnostics flake8 reports with the plugin (same codes, messages and
positions, filtered by the same ``select``/``ignore``/``per-file-ignores``, ``# noqa`` and
baseline) for the unsaved buffer, on open, on change (debounced) and on save, and offers code
actions: the ``fix`` replacement of one BSG201/BSG204 literal, "fix all BSG201 in this file",
and "ignore with ``# noqa: BSGnnn``". Every edit is the difference between the buffer and the
whole module rewritten (by LibCST, or with the comment added), never text pasted over a range.

Run it with ``flake8-bsg server`` or ``python -m flake8_bsg.server``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import bisect
import configparser
import logging
import os
import re
import tokenize
import traceback
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

# Imported at start-up, once: the first analysis of a session must not pay for it.
import libcst as cst
from libcst.codemod.visitors import ImportItem
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from flake8_bsg import __version__
from flake8_bsg import options as options_module
from flake8_bsg.baseline import (
    Baseline,
    BaselineError,
    Fingerprinted,
    fingerprints,
    load_baseline,
    relative_path,
)
from flake8_bsg.engine import Finding, check_findings
from flake8_bsg.fix import FileFix, Replace, _add_imports, fix_source
from flake8_bsg.noqa_lines import (
    ignores_file,
    noqa_match,
    noqa_ranges,
    noqa_silences,
    noqa_text,
)
from flake8_bsg.options import OPTIONS, PATH_OPTIONS, Config, OptionError, build_config
from flake8_bsg.positions import node_positions
from flake8_bsg.rules import DEFAULT_OFF
from flake8_bsg.source import split_lines
from flake8_bsg.trusted import parse_module

NAME = "flake8-bsg"
#: A change is analysed this long after the last edit; an edit during the wait restarts it.
DEBOUNCE_SECONDS = 0.05
CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
#: flake8 options the server applies as flake8 does, besides the plugin's own.
FLAKE8_LISTS = ("select", "ignore", "extend-select", "extend-ignore")
CODES_MODULE = "flake8_bsg.codes"
FIXABLE = ("BSG201", "BSG204")
#: Rules reported at a statement's keyword (``except``, ``with``, ``if``, ``match``).
KEYWORD_RULES = frozenset({"BSG102", "BSG103", "BSG104"})
FIX_ALL_KIND = f"{lsp.CodeActionKind.SourceFixAll.value}.{NAME}"
#: Analysed once at start-up: every rule runs (a call, a handler, a literal).
WARM_UP = """\
from bsg_restapi import APIError, SMSAPI

try:
    SMSAPI().send("x")
except APIError as exc:
    if exc.code == 21:
        pass
"""

_LOG = logging.getLogger(__name__)
_WORD = re.compile(r"[^\W\d]\w*")
_DOTTED_TAIL = re.compile(r"(?:[ \t]*\.[ \t]*[^\W\d]\w*)*")


# ---- options ----------------------------------------------------------------------------------


def read_config_values(root: str) -> Dict[str, str]:
    """``[flake8]`` from setup.cfg/tox.ini/.flake8 and ``[tool.flake8-bsg]`` from pyproject.toml
    in the folder ``root``, keys with ``-`` (as ``flake8-bsg check`` reads them in the current
    directory)."""
    values: Dict[str, str] = {}
    parser = configparser.RawConfigParser()
    for name in CONFIG_FILES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
    if parser.has_section("flake8"):
        for key, value in parser.items("flake8"):
            values[key.replace("_", "-")] = value
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        try:
            import tomllib
        except ImportError:  # pragma: no cover - Python < 3.11
            import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
        try:
            with open(pyproject, "rb") as handle:
                data: Mapping[str, Any] = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        section = data.get("tool", {}).get("flake8-bsg", {})
        if isinstance(section, dict):
            for key, value in section.items():
                values[str(key).replace("_", "-")] = _as_text(value)
    return values


def _as_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def normalise_options(options: object) -> Dict[str, str]:
    """``initializationOptions`` as option names without leading dashes, ``-`` for ``_``."""
    if not isinstance(options, Mapping):
        return {}
    return {
        str(key).lstrip("-").replace("_", "-").lower(): _as_text(value)
        for key, value in options.items()
        if value is not None
    }


class Selection:
    """Which codes flake8 reports for a file: ``select``, ``ignore``, ``extend-select``,
    ``extend-ignore`` and ``per-file-ignores``, decided by flake8's own ``DecisionEngine`` (the
    plugin's rules off by default stay off unless selected)."""

    def __init__(self, values: Mapping[str, str], root: str) -> None:
        from flake8 import utils  # type: ignore[import-untyped]

        def listed(key: str) -> Optional[List[str]]:
            text = values.get(key)
            return None if text is None else list(utils.parse_comma_separated_list(text))

        self._lists = {key: listed(key) for key in FLAKE8_LISTS}
        self._per_file: List[Tuple[str, List[str]]] = []
        mapping = values.get("per-file-ignores", "")
        if mapping.strip():
            try:
                pairs = utils.parse_files_to_codes_mapping(mapping)
            except ValueError as exc:
                raise OptionError(f"flake8-bsg: per-file-ignores: {exc}") from None
            self._per_file = [
                (utils.normalize_path(pattern, root), list(codes)) for pattern, codes in pairs
            ]
        self._engines: Dict[Tuple[str, ...], Any] = {}

    def reports(self, code: str, filename: str) -> bool:
        from flake8.style_guide import Decision  # type: ignore[import-untyped]

        return bool(
            self._engine(self._extra_ignores(filename)).decision_for(code) is Decision.Selected
        )

    def _extra_ignores(self, filename: str) -> Tuple[str, ...]:
        from flake8 import utils

        matching = [
            (pattern, codes)
            for pattern, codes in self._per_file
            if utils.matches_filename(filename, [pattern], "%(path)s %(whether)s", _LOG)
        ]
        if not matching:
            return ()
        # flake8 uses the style guide of the longest matching pattern
        return tuple(max(matching, key=lambda pair: len(pair[0]))[1])

    def _engine(self, ignores: Tuple[str, ...]) -> Any:
        engine = self._engines.get(ignores)
        if engine is None:
            from flake8.style_guide import DecisionEngine

            options = argparse.Namespace(
                select=self._lists["select"],
                ignore=self._lists["ignore"],
                extend_select=self._lists["extend-select"],
                extend_ignore=[*(self._lists["extend-ignore"] or []), *ignores],
                extended_default_select=["BSG"],
                extended_default_ignore=list(DEFAULT_OFF),
            )
            engine = self._engines[ignores] = DecisionEngine(options)
        return engine


@dataclass
class Settings:
    """What the analysis and the fixes of every document use."""

    config: Config = field(default_factory=Config)
    selection: Optional[Selection] = None
    baseline: Optional[Baseline] = None
    codes_module: str = CODES_MODULE
    #: One line per bad value, for ``window/showMessage``.
    errors: List[str] = field(default_factory=list)

    def reports(self, code: str, filename: str) -> bool:
        if self.selection is None:
            return code not in DEFAULT_OFF
        return self.selection.reports(code, filename)

    def fixes_http_statuses(self, filename: str) -> bool:
        return self.reports("BSG204", filename)


def load_settings(root: str, init_options: object) -> Settings:
    """The workspace's configuration overridden by ``initializationOptions``. A bad value is
    reported in ``errors`` and that option keeps its default; the rest still applies."""
    values = read_config_values(root)
    values.update(normalise_options(init_options))
    settings = Settings(
        codes_module=values.get("codes-module", CODES_MODULE).strip() or CODES_MODULE
    )
    # build_config takes the values in the order of OPTIONS, then of the switches (FLAGS)
    # where the options module has them
    switches: Sequence[Tuple[str, str]] = getattr(options_module, "FLAGS", ())
    flags = [(flag, default) for flag, default, _help in OPTIONS] + [
        (flag, "") for flag, _help in switches
    ]
    raw: List[object] = []
    for flag, default in flags:
        value = values.get(flag[2:], default)
        if flag in PATH_OPTIONS and value.strip() and not os.path.isabs(value.strip()):
            value = os.path.join(root, value.strip())
        raw.append(value)
    defaults: List[object] = [default for _flag, default in flags]
    for index in range(len(raw)):
        alone = list(defaults)
        alone[index] = raw[index]
        try:
            build_config(*alone)
        except OptionError as exc:
            settings.errors.append(str(exc))
            raw[index] = defaults[index]
    try:
        settings.config = build_config(*raw)
    except OptionError as exc:  # options that are valid alone but not together
        settings.errors.append(str(exc))
    try:
        settings.selection = Selection(values, root)
    except OptionError as exc:
        settings.errors.append(str(exc))
        settings.selection = Selection({}, root)
    if settings.config.baseline:
        try:
            settings.baseline = load_baseline(settings.config.baseline)
        except BaselineError as exc:
            settings.errors.append(str(exc))
    return settings


# ---- positions --------------------------------------------------------------------------------


def code_units(text: str, encoding: str) -> int:
    """The length of ``text`` in the negotiated position encoding's code units."""
    if encoding == lsp.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == lsp.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _content(line: str) -> str:
    return line.rstrip("\r\n")


class Text:
    """A buffer's lines (split as Python and LSP split them), and conversions between character
    offsets and LSP positions."""

    def __init__(self, source: str, encoding: str) -> None:
        self.source = source
        self.encoding = encoding
        self.lines = split_lines(source)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def line(self, number: int) -> str:
        """The 0-based line ``number`` without its line break ("" past the end)."""
        return _content(self.lines[number]) if 0 <= number < len(self.lines) else ""

    def position(self, line: int, char: int) -> lsp.Position:
        """The LSP position of 0-based ``line`` and character ``char``."""
        text = self.line(line)
        return lsp.Position(line, code_units(text[: min(char, len(text))], self.encoding))

    def at_offset(self, offset: int) -> lsp.Position:
        """The LSP position of a character offset in the buffer."""
        index = bisect.bisect_right(self.starts, offset) - 1
        if index >= len(self.lines):  # the end of the buffer
            if not self.lines or self.lines[-1] != _content(self.lines[-1]):
                return lsp.Position(len(self.lines), 0)  # after its last line break
            index = len(self.lines) - 1
        return self.position(index, offset - self.starts[index])


# ---- what a diagnostic covers -----------------------------------------------------------------

Span = Tuple[int, int, int, int]  # 0-based start line and character, end line and character


class Calls:
    """The calls of a module by where they start (1-based line, character), from ``ast``."""

    def __init__(self, tree: Optional[ast.AST], text: Text) -> None:
        self.by_start: Dict[Tuple[int, int], List[ast.Call]] = {}
        self.text = text
        if tree is None:
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                start = (node.lineno, self._char(node.lineno, node.col_offset))
                self.by_start.setdefault(start, []).append(node)

    def _char(self, line: int, byte: int) -> int:
        """ast counts columns in UTF-8 bytes."""
        text = self.text.line(line - 1)
        return len(text.encode("utf-8", "surrogatepass")[:byte].decode("utf-8", "replace"))

    def span(self, line: int, col: int) -> Optional[Span]:
        """The call starting at (line, col). Calls chained from one start (``SMSAPI(c).send(x)``,
        ``sms.send(x).json()``) all start there: the reported one is the innermost method call
        (the client's method), else the innermost call."""
        found = self.by_start.get((line, col))
        if not found:
            return None
        found.sort(key=lambda call: (call.end_lineno or 0, call.end_col_offset or 0))
        methods = [call for call in found if isinstance(call.func, ast.Attribute)]
        call = (methods or found)[0]
        end_line = call.end_lineno or line
        end_col = self._char(end_line, call.end_col_offset or 0)
        return line - 1, col, end_line - 1, end_col


def _token_span(text: Text, line: int, col: int) -> Optional[Span]:
    """The token starting at (1-based line, col): a number, a string (over several lines if it
    is), or a dotted name."""
    first = text.line(line - 1)[col:]
    if not first:
        return None
    word = _WORD.match(first)
    if word is not None and first[word.end() : word.end() + 1] not in ("'", '"'):
        dotted = _DOTTED_TAIL.match(first, word.end())
        end = dotted.end() if dotted is not None else word.end()
        return line - 1, col, line - 1, col + end
    rest = iter([first + "\n", *text.lines[line:]])
    try:
        token = next(tokenize.generate_tokens(lambda: next(rest, "")))
    except (tokenize.TokenError, SyntaxError, StopIteration):
        return None
    if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.COMMENT):
        return None
    end_line, end_col = token.end
    if end_line == 1:
        return line - 1, col, line - 1, col + end_col
    return line - 1, col, line - 2 + end_line, end_col


def finding_span(finding: Finding, text: Text, calls: Calls) -> Span:
    """What the diagnostic covers: the call (BSG101), the statement's keyword (BSG102/103/104),
    the literal or name (the value rules), the first line (BSG000)."""
    line, col = finding.line, finding.col
    if finding.code == "BSG000":
        return 0, 0, 0, len(text.line(0))
    span: Optional[Span] = None
    if finding.code == "BSG101":
        span = calls.span(line, col)
    elif finding.code in KEYWORD_RULES:
        word = _WORD.match(text.line(line - 1), col)
        span = (line - 1, col, line - 1, word.end()) if word is not None else None
    if span is None:
        span = _token_span(text, line, col)
    if span is None:
        span = line - 1, col, line - 1, min(col + 1, len(text.line(line - 1)))
    return span


# ---- analysis ---------------------------------------------------------------------------------


@dataclass
class Analysis:
    """One version of one buffer, analysed."""

    version: Optional[int]
    generation: int
    text: Text
    filename: str
    findings: List[Finding]
    diagnostics: List[lsp.Diagnostic]
    published: bool = False
    fix: Optional[FileFix] = None


def reported_findings(
    source: str, filename: str, settings: Settings, tree: Optional[ast.AST], lines: List[str]
) -> List[Finding]:
    """The engine's findings that flake8 would print: selected, not under ``# noqa``, not
    recorded in the baseline."""
    if "noqa" in source.lower() and ignores_file(lines):
        return []
    findings = [
        f
        for f in check_findings(source, filename, settings.config)
        if settings.reports(f.code, filename)
    ]
    if findings and "noqa" in source.lower():
        ranges = noqa_ranges(source)

        def silenced(finding: Finding) -> bool:
            return noqa_silences(noqa_text(lines, ranges, finding.line), finding.code)

        findings = [f for f in findings if not silenced(f)]
    baseline = settings.baseline
    if findings and baseline is not None:
        marks = fingerprints(
            [Fingerprinted(f.code, f.line, f.key) for f in findings],
            relative_path(filename, baseline.folder),
            lines,
            tree,
        )
        findings = [f for f, mark in zip(findings, marks) if not baseline.records(mark)]
    return findings


def to_diagnostic(finding: Finding, text: Text, calls: Calls) -> lsp.Diagnostic:
    start_line, start_col, end_line, end_col = finding_span(finding, text, calls)
    message = finding.message
    if message.startswith(finding.code + " "):
        message = message[len(finding.code) + 1 :]
    return lsp.Diagnostic(
        range=lsp.Range(text.position(start_line, start_col), text.position(end_line, end_col)),
        message=message,
        severity=(
            lsp.DiagnosticSeverity.Error
            if finding.code == "BSG000"
            else lsp.DiagnosticSeverity.Warning
        ),
        code=finding.code,
        source=NAME,
    )


def analyse(
    source: str,
    filename: str,
    settings: Settings,
    encoding: str,
    version: Optional[int] = None,
    generation: int = 0,
) -> Analysis:
    """The diagnostics of a buffer. A buffer Python cannot parse gets none: flake8 reports its
    E999 and runs no plugin."""
    text = Text(source, encoding)
    try:
        tree: Optional[ast.AST] = ast.parse(source)
    except (SyntaxError, ValueError):
        return Analysis(version, generation, text, filename, [], [])
    except (RecursionError, MemoryError):
        tree = None  # too deep for ast; the engine analyses it in a deep stack
    findings = reported_findings(source, filename, settings, tree, text.lines)
    calls = Calls(tree if any(f.code == "BSG101" for f in findings) else None, text)
    diagnostics = [to_diagnostic(f, text, calls) for f in findings]
    return Analysis(version, generation, text, filename, findings, diagnostics)


# ---- edits ------------------------------------------------------------------------------------


def _trimmed(start: int, old: str, new: str) -> Tuple[int, int, str]:
    """The smallest replacement turning ``old`` (at offset ``start``) into ``new``; it never
    starts or ends between the two characters of a CRLF."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1
    end = len(old) - suffix
    if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
        suffix -= 1
        end += 1
    return start + prefix, start + end, new[prefix : len(new) - suffix]


def text_edits(old: str, new: str, encoding: str) -> List[lsp.TextEdit]:
    """The edits turning buffer ``old`` into ``new``: lines matched with ``SequenceMatcher``,
    each changed line (or block) reduced to what differs."""
    text = Text(old, encoding)
    old_lines, new_lines = text.lines, split_lines(new)
    pieces: List[Tuple[int, int, str]] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            pieces += [
                _trimmed(text.starts[i1 + k], old_lines[i1 + k], new_lines[j1 + k])
                for k in range(i2 - i1)
            ]
        else:
            pieces.append(
                _trimmed(text.starts[i1], "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]))
            )
    return [
        lsp.TextEdit(lsp.Range(text.at_offset(start), text.at_offset(end)), replacement)
        for start, end, replacement in pieces
        if start != end or replacement
    ]


# ---- fixes ------------------------------------------------------------------------------------


class Replacement(NamedTuple):
    """One literal ``fix`` replaces, in the buffer's coordinates (1-based line, character)."""

    line: int
    col: int
    old: str
    new: str


def replacements_in_source(fix: FileFix) -> Tuple[List[Replacement], List[str]]:
    """The literals a full fix replaces, at their places in the buffer, and the import
    statements it adds. ``FileFix.replaced`` counts in the fixed text: undoing the replacements
    there leaves the buffer's lines and the added imports, which the line diff separates."""
    fixed = split_lines(fix.fixed)
    by_line: Dict[int, List[Tuple[int, str, str]]] = {}
    for line, col, old, new in fix.replaced:
        by_line.setdefault(line, []).append((col, old, new))
    undone = list(fixed)
    columns: Dict[int, List[Tuple[int, str, str]]] = {}
    for line, items in by_line.items():
        items.sort()
        text = fixed[line - 1]
        shift = 0
        for col, old, new in items:
            columns.setdefault(line, []).append((col - shift, old, new))
            shift += len(new) - len(old)
        for col, old, new in reversed(items):
            text = text[:col] + old + text[col + len(new) :]
        undone[line - 1] = text
    source_lines = split_lines(fix.source)
    line_of: Dict[int, int] = {}
    added: List[str] = []
    matcher = SequenceMatcher(None, source_lines, undone, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            line_of.update({j1 + k + 1: i1 + k + 1 for k in range(j2 - j1)})
        elif tag == "insert":
            added += undone[j1:j2]
    found = [
        Replacement(line_of[line], col, old, new)
        for line, items in columns.items()
        if line in line_of
        for col, old, new in items
    ]
    return sorted(found), added


def _imports_for(name: str, statements: Sequence[str]) -> List[ImportItem]:
    """The import among ``statements`` (``from M import X [as Y]``) that binds ``name``."""
    for statement in statements:
        try:
            parsed = cst.parse_statement(statement)
        except cst.ParserSyntaxError:
            continue
        for small in getattr(parsed, "body", ()):
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            module = "." * len(small.relative) + (
                cst.Module(body=[]).code_for_node(small.module) if small.module else ""
            )
            for alias in small.names:
                obj = cst.Module(body=[]).code_for_node(alias.name)
                local = alias.evaluated_alias or obj
                if local == name:
                    return [ImportItem(module, obj, alias.evaluated_alias)]
    return []


class _Literals(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: Dict[int, cst.CSTNode] = {}

    def visit_Integer(self, node: cst.Integer) -> None:
        self.nodes[id(node)] = node

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.nodes[id(node)] = node


def fix_one(source: str, replacement: Replacement, added_imports: Sequence[str]) -> Optional[str]:
    """The buffer with one literal replaced as the full fix replaces it, and the import its
    constant needs (if the full fix adds one) added where ``fix`` adds it: a LibCST rewrite of
    the module."""
    try:
        module = parse_module(source)
    except cst.ParserSyntaxError:
        return None
    literals = _Literals()
    module.visit(literals)
    positions = node_positions(module, set(literals.nodes))
    target = next(
        (
            literals.nodes[key]
            for key, where in positions.items()
            if where == (replacement.line, replacement.col)
        ),
        None,
    )
    if target is None:
        return None
    rewritten = module.visit(Replace({id(target): replacement.new}))
    imports = _imports_for(replacement.new.split(".", 1)[0], added_imports)
    rewritten, _count = _add_imports(rewritten, imports)
    return rewritten.code


def noqa_source(
    text: Text, ranges: Mapping[int, Tuple[int, int]], line: int, code: str
) -> Optional[str]:
    """The buffer with ``code`` added to the ``# noqa`` comment of the finding's line (flake8's
    line: the last of a string or continuation running over several), or a new ``# noqa:
    CODE`` at its end; ``None`` when a bare ``# noqa`` is there already or no comment can go
    there without changing the code."""
    low, high = ranges.get(line, (line, line))
    lines = list(text.lines)
    for number in range(low, high + 1):
        match = noqa_match(_content(lines[number - 1]))
        if match is None:
            continue
        if not match.group("codes"):
            return None
        # flake8's pattern takes the separators after the last code too
        codes = re.sub(r"[,\s]+$", "", match.group("codes"))
        separator = ("," + (" " if ", " in codes else "")) if "," in codes else ", "
        old = lines[number - 1]
        at = match.start("codes") + len(codes)
        lines[number - 1] = old[:at] + separator + code + old[at:]
        break
    else:
        old = lines[high - 1]
        content = _content(old)
        lines[high - 1] = content.rstrip(" \t") + f"  # noqa: {code}" + old[len(content) :]
    new = "".join(lines)
    try:
        same = ast.dump(ast.parse(text.source)) == ast.dump(ast.parse(new))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        same = False
    joined = "".join(split_lines(new)[low - 1 : high])
    return new if same and noqa_silences(joined, code) else None


# ---- the server -------------------------------------------------------------------------------


class BsgServer(LanguageServer):
    """The language server: documents, settings, debounced analyses, code actions."""

    def __init__(self) -> None:
        # Full sync: the buffer as the editor has it, split into lines only the way LSP does.
        super().__init__(NAME, __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.settings = Settings()
        self.root = os.getcwd()
        self.init_options: object = None
        self.generation = 0
        self.analyses: Dict[str, Analysis] = {}
        self.timers: Dict[str, asyncio.TimerHandle] = {}
        #: The registration for ``workspace/didChangeWatchedFiles`` (kept: a task only weakly
        #: referenced by the loop could be collected before it ends).
        self.registering: Optional[asyncio.Future[None]] = None

    # -- messages to the client

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def log_failure(self, doing: str) -> None:
        self.log(f"{NAME}: {doing} failed:\n{traceback.format_exc()}", lsp.MessageType.Error)

    # -- settings

    def configure(self) -> None:
        self.settings = load_settings(self.root, self.init_options)
        for error in self.settings.errors:
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Error, message=f"{error} (using its default)"
                )
            )
        self.generation += 1

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or lsp.PositionEncodingKind.Utf16)

    # -- analyses

    def filename(self, uri: str) -> str:
        return to_fs_path(uri) or "stdin"

    def current(self, uri: str) -> Optional[Analysis]:
        """The analysis of the buffer's current version (made now if there is none yet)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        known = self.analyses.get(uri)
        if (
            known is not None
            and known.version == document.version
            and known.generation == self.generation
            and known.text.source == document.source
        ):
            return known
        analysis = analyse(
            document.source,
            self.filename(uri),
            self.settings,
            self.encoding,
            document.version,
            self.generation,
        )
        self.analyses[uri] = analysis
        return analysis

    def schedule(self, uri: str, delay: float) -> None:
        """Analyse and publish ``uri`` after ``delay`` seconds; a later call restarts the wait."""
        pending = self.timers.pop(uri, None)
        if pending is not None:
            pending.cancel()
        loop = asyncio.get_running_loop()
        self.timers[uri] = loop.call_later(delay, self.publish, uri)

    def schedule_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    def publish(self, uri: str) -> None:
        self.timers.pop(uri, None)
        try:
            analysis = self.current(uri)
            if analysis is None or analysis.published:
                return
            analysis.published = True
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=uri, diagnostics=analysis.diagnostics, version=analysis.version
                )
            )
        except Exception:
            self.log_failure(f"analysing {uri}")

    def forget(self, uri: str) -> None:
        pending = self.timers.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.analyses.pop(uri, None)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def disk_changed(self) -> None:
        """Other modules may have changed: the projects' facts are read again (from the cache,
        for the modules that did not change) and every open buffer is analysed again."""
        from flake8_bsg.project.index import forget

        forget()
        self.generation += 1
        self.schedule_all()

    # -- code actions

    def code_actions(self, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        uri = params.text_document.uri
        analysis = self.current(uri)
        if analysis is None or not analysis.findings:
            return []
        wanted = _Kinds(params.context.only)
        low = (params.range.start.line, params.range.start.character)
        high = (params.range.end.line, params.range.end.character)
        touched = [
            (finding, diagnostic)
            for finding, diagnostic in zip(analysis.findings, analysis.diagnostics)
            if (diagnostic.range.start.line, diagnostic.range.start.character) <= high
            and low <= (diagnostic.range.end.line, diagnostic.range.end.character)
        ]
        http = self.settings.fixes_http_statuses(analysis.filename)
        fixable = FIXABLE if http else FIXABLE[:1]
        actions: List[lsp.CodeAction] = []
        wants_fixes = any(f.code in fixable for f, _d in touched) or (
            wanted.explicit and wanted.accepts(FIX_ALL_KIND)
        )
        if wants_fixes and any(f.code in fixable for f in analysis.findings):
            actions += self.fix_actions(uri, analysis, touched, fixable, wanted)
        if wanted.accepts(lsp.CodeActionKind.QuickFix):
            actions += self.noqa_actions(uri, analysis, touched)
        return actions

    def full_fix(self, analysis: Analysis, http: bool) -> FileFix:
        if analysis.fix is None:
            analysis.fix = fix_source(
                analysis.text.source,
                analysis.filename,
                self.settings.config,
                codes_module=self.settings.codes_module,
                http_statuses=http,
            )
        return analysis.fix

    def fix_actions(
        self,
        uri: str,
        analysis: Analysis,
        touched: Sequence[Tuple[Finding, lsp.Diagnostic]],
        fixable: Tuple[str, ...],
        wanted: _Kinds,
    ) -> List[lsp.CodeAction]:
        fix = self.full_fix(analysis, "BSG204" in fixable)
        if fix.error or not fix.changed:
            return []
        replaced, added = replacements_in_source(fix)
        where = {(r.line, r.col): r for r in replaced}
        source = analysis.text.source
        actions: List[lsp.CodeAction] = []
        if wanted.accepts(lsp.CodeActionKind.QuickFix):
            for finding, diagnostic in touched:
                replacement = where.get((finding.line, finding.col))
                if finding.code not in fixable or replacement is None:
                    continue
                new = fix_one(source, replacement, added)
                if new is None:
                    continue
                actions.append(
                    lsp.CodeAction(
                        title=f"Replace {replacement.old} with {replacement.new}",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=True,
                        edit=self.workspace_edit(uri, analysis, new),
                    )
                )
        codes = " and ".join(sorted({f.code for f in analysis.findings if f.code in fixable}))
        title = f"Fix all {codes} in this file"
        fixed_here = [d for f, d in touched if f.code in fixable]
        # Beside the quick fixes when a fixable diagnostic is under the cursor; as a source
        # action (run on save by editors configured to) when the client asks for that kind.
        if fixed_here and wanted.accepts(lsp.CodeActionKind.QuickFix):
            kind: str = lsp.CodeActionKind.QuickFix
        elif wanted.explicit and wanted.accepts(FIX_ALL_KIND):
            kind = FIX_ALL_KIND
        else:
            return actions
        actions.append(
            lsp.CodeAction(
                title=title,
                kind=kind,
                diagnostics=[
                    d
                    for f, d in zip(analysis.findings, analysis.diagnostics)
                    if f.code in fixable and (f.line, f.col) in where
                ],
                edit=self.workspace_edit(uri, analysis, fix.fixed),
            )
        )
        return actions

    def noqa_actions(
        self, uri: str, analysis: Analysis, touched: Sequence[Tuple[Finding, lsp.Diagnostic]]
    ) -> List[lsp.CodeAction]:
        actions: List[lsp.CodeAction] = []
        ranges = noqa_ranges(analysis.text.source)
        seen = set()
        for finding, diagnostic in touched:
            if finding.code == "BSG000" or (finding.line, finding.code) in seen:
                continue
            seen.add((finding.line, finding.code))
            new = noqa_source(analysis.text, ranges, finding.line, finding.code)
            if new is None:
                continue
            actions.append(
                lsp.CodeAction(
                    title=f"Ignore {finding.code} on this line (# noqa: {finding.code})",
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[
                        d
                        for f, d in zip(analysis.findings, analysis.diagnostics)
                        if f.line == finding.line and f.code == finding.code
                    ],
                    edit=self.workspace_edit(uri, analysis, new),
                )
            )
        return actions

    def workspace_edit(self, uri: str, analysis: Analysis, new: str) -> lsp.WorkspaceEdit:
        edits = text_edits(analysis.text.source, new, analysis.text.encoding)
        workspace = self.client_capabilities.workspace
        edit_caps = workspace.workspace_edit if workspace is not None else None
        if edit_caps is not None and edit_caps.document_changes:
            document = lsp.OptionalVersionedTextDocumentIdentifier(
                uri=uri, version=analysis.version
            )
            return lsp.WorkspaceEdit(
                document_changes=[lsp.TextDocumentEdit(text_document=document, edits=list(edits))]
            )
        return lsp.WorkspaceEdit(changes={uri: list(edits)})

    # -- start-up

    async def watch_files(self) -> None:
        try:
            await self._watch_files()
        except Exception:
            self.log_failure("registering for file changes")

    async def _watch_files(self) -> None:
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        patterns = ["**/*.py", "**/pyproject.toml", *(f"**/{name}" for name in CONFIG_FILES)]
        baseline = self.settings.config.baseline
        if baseline and not os.path.relpath(baseline, self.root).startswith(".."):
            patterns.append(os.path.relpath(baseline, self.root).replace(os.sep, "/"))
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in patterns]
        )
        registration = lsp.Registration(
            id=f"{NAME}-watched-files",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        await self.client_register_capability_async(lsp.RegistrationParams([registration]))

    def warm_up(self) -> None:
        """One analysis at start-up imports and primes what every later analysis uses."""
        sample = WARM_UP
        analyse(
            sample,
            os.path.join(self.root, "__flake8_bsg_warm_up__.py"),
            self.settings,
            self.encoding,
        )


class _Kinds:
    """The code action kinds a request asks for (``context.only``; all when absent)."""

    def __init__(self, only: Optional[Sequence[str]]) -> None:
        self.only = [str(kind) for kind in only] if only else []
        self.explicit = bool(self.only)

    def accepts(self, kind: str) -> bool:
        return not self.only or any(kind == o or kind.startswith(o + ".") for o in self.only)


def _guarded(server: BsgServer, doing: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception:
        server.log_failure(doing)


def create_server() -> BsgServer:
    """A server with its handlers registered (not started)."""
    server = BsgServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: BsgServer, params: lsp.InitializeParams) -> None:
        root = ls.workspace.root_path
        if not root and params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        if root and os.path.isdir(root):
            ls.root = os.path.abspath(root)
            # flake8 runs from the project's root: relative globs and paths are read from there
            os.chdir(ls.root)
        ls.init_options = params.initialization_options

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: BsgServer, params: lsp.InitializedParams) -> None:
        # before any document arrives: the handler runs to its end before the next message
        _guarded(ls, "reading the configuration", ls.configure)
        _guarded(ls, "warming up", ls.warm_up)
        ls.registering = asyncio.ensure_future(ls.watch_files())

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: BsgServer, params: lsp.DidOpenTextDocumentParams) -> None:
        _guarded(ls, "opening", lambda: ls.schedule(params.text_document.uri, 0))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: BsgServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        _guarded(ls, "scheduling", lambda: ls.schedule(uri, DEBOUNCE_SECONDS))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: BsgServer, params: lsp.DidSaveTextDocumentParams) -> None:
        # a module saved can change what the others' calls raise: all are analysed again
        _guarded(ls, "saving", ls.disk_changed)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: BsgServer, params: lsp.DidCloseTextDocumentParams) -> None:
        _guarded(ls, "closing", lambda: ls.forget(params.text_document.uri))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: BsgServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        def react() -> None:
            names = {os.path.join(ls.root, name) for name in (*CONFIG_FILES, "pyproject.toml")}
            if ls.settings.config.baseline:
                names.add(os.path.abspath(ls.settings.config.baseline))
            paths = {os.path.abspath(to_fs_path(change.uri) or "") for change in params.changes}
            if paths & names:
                ls.configure()
            ls.disk_changed()

        _guarded(ls, "reading changed files", react)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=False,
        ),
    )
    def code_action(ls: BsgServer, params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        try:
            return ls.code_actions(params) or None
        except Exception:
            ls.log_failure("computing code actions")
            return None

    return server


def main() -> int:
    """Serve on stdin/stdout until the client says ``exit``."""
    create_server().start_io()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

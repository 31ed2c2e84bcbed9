"""``flake8-bsg fix``: replace magic codes (BSG201, BSG204) by their named constants.

A LibCST transform: only the reported literals change (and one import is added), so every
other byte of the file stays as it was. A literal is replaced only where the constant is
exactly equal to it and the comparison is ``==``, ``!=``, ``in``, ``not in``, a ``case`` value
or a table key; never under ``is``, never a message that matches only case-insensitively or
through an alias, never a literal that another rule reports (a reserved, unknown or impossible
code), and never on a line whose ``# noqa`` covers the rule.
"""

from __future__ import annotations

import difflib
import http
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, GatherImportsVisitor, ImportItem
from libcst.metadata import MetadataWrapper, ScopeProvider

from flake8_bsg.codes import ErrorMessage, lookup_message, member_of
from flake8_bsg.engine import find_diagnostics
from flake8_bsg.flow.values import integer_value, string_value
from flake8_bsg.noqa_lines import noqa_ranges, noqa_silences, noqa_text
from flake8_bsg.options import Config
from flake8_bsg.positions import node_positions
from flake8_bsg.source import run_deep, split_lines, strip_form_feeds
from flake8_bsg.trusted import parse_module

FIXABLE = ("BSG201", "BSG204")
CATALOGUE = "flake8_bsg.codes"

#: (node, code, message), as ``engine.find_diagnostics`` reports them
Diagnostic = tuple[cst.CSTNode, str, str]


@dataclass
class FileFix:
    """The outcome for one file."""

    source: str
    fixed: str
    #: (line, col, old, new) and (line, col, why), positions in the fixed text
    replaced: list[tuple[int, int, str, str]] = field(default_factory=list)
    left: list[tuple[int, int, str]] = field(default_factory=list)
    #: the same literals left alone, positions in the text as it was read
    left_in_source: list[tuple[int, int, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.source


# ---- where a constant can stand ---------------------------------------------------------------

_EQUALITY = m.ComparisonTarget(operator=m.Equal() | m.NotEqual())
_ITEMS = m.SaveMatchedNode(m.DoNotCare(), "items")
#: ``in`` / ``not in`` a collection written out: each item is compared for equality
_MEMBERSHIP = m.ComparisonTarget(
    operator=m.In() | m.NotIn(),
    comparator=m.Tuple(elements=_ITEMS) | m.List(elements=_ITEMS) | m.Set(elements=_ITEMS),
)
#: what a ``case`` value can stand in: alternatives (``case 21 | 22``) and ``as`` around one
_CASE_VALUE_HOLDERS = m.MatchOr() | m.MatchOrElement() | m.MatchAs()


class _FileFacts(cst.CSTVisitor):
    """One walk: the literals a constant can replace without changing behaviour, and the names
    ``case`` patterns capture (which LibCST's scope analysis does not record)."""

    def __init__(self) -> None:
        super().__init__()
        self.eligible: set[int] = set()
        self.captured: set[str] = set()

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if m.matches(target, _EQUALITY):
                self.eligible.update((id(left), id(target.comparator)))
            else:
                items = m.extract(target, _MEMBERSHIP)
                if items is not None:
                    elements = cast("Sequence[cst.BaseElement]", items["items"])
                    self.eligible.update(id(element.value) for element in elements)
            left = target.comparator

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        values = _CaseValues()
        node.pattern.visit(values)
        self.eligible |= values.found

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self.eligible.add(id(node.key))  # a table key

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.captured.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.captured.add(node.name.value)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.captured.add(node.rest.value)


class _CaseValues(cst.CSTVisitor):
    """The values a ``case`` pattern compares with: not those inside a class, sequence or
    mapping pattern (``case APIError(code=21)``)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        super().on_visit(node)
        return m.matches(node, _CASE_VALUE_HOLDERS)

    def visit_MatchValue(self, node: cst.MatchValue) -> None:
        self.found.add(id(node.value))


def _constant_for(node: cst.CSTNode, code: str) -> tuple[str, str] | None:
    """(kind, member name) of the constant exactly equal to a literal, if one exists."""
    if isinstance(node, cst.Integer):
        value = integer_value(node)
        if code == "BSG204":
            try:
                return "HTTPStatus", http.HTTPStatus(value).name
            except ValueError:
                return None
        member = member_of(value)
        return ("ErrorCode", member.name) if member is not None else None
    if isinstance(node, cst.SimpleString):
        text = string_value(node)
        if not isinstance(text, str):
            return None
        message = lookup_message(text)
        if message is not None and message.value == text:
            return "ErrorMessage", message.name
    return None


# ---- how the file names the constants ---------------------------------------------------------

#: GatherImportsVisitor resolves a relative import against the package it is given and drops
#: the ones it cannot resolve. Our rule reads a relative import's module as written
#: (``from .bsg_codes import ErrorCode`` is a team's copy wherever the file is; a namespace
#: package has no ``__init__.py`` to find its name by), so it gets a placeholder package deep
#: enough for any relative import, and the placeholder is cut off again.
_HERE = "__flake8_bsg_here__"
_PLACEHOLDER_PACKAGE = ".".join([_HERE] * 64)


def _as_written(module: str) -> tuple[str, bool]:
    """An import's module without the placeholder package, and whether the import is relative."""
    parts = module.split(".")
    written = list(itertools.dropwhile(lambda part: part == _HERE, parts))
    return ".".join(written), len(written) < len(parts)


def _parent_and_name(dotted: str) -> tuple[str, str]:
    parent, _, name = dotted.rpartition(".")
    return parent, name


def _existing_names(module: cst.Module, codes_module: str) -> dict[str, str]:
    """How the file's module-level imports already name ``ErrorCode``, ``ErrorMessage`` and
    ``HTTPStatus``: from the catalogue, the chosen module, or the team's own copy (a module
    whose path names bsg)."""
    gatherer = GatherImportsVisitor(CodemodContext(full_package_name=_PLACEHOLDER_PACKAGE))
    # only imports that name something in the whole module: not in a function, class, if or try
    for statement in module.body:
        if m.matches(statement, m.SimpleStatementLine()):
            statement.visit(gatherer)
    # `from flake8_bsg import codes`: the module itself, its constants as attributes
    own_modules = {_parent_and_name(CATALOGUE), _parent_and_name(codes_module)}
    existing: dict[str, str] = {}
    # in the order the names are first bound; a name imported twice is its last import
    for local, item in gatherer.symbol_mapping.items():
        source, relative = _as_written(item.module_name)
        name = item.obj_name
        if name is None:  # import M / import M as local
            if item.alias is not None and source in (codes_module, CATALOGUE):
                existing.setdefault("ErrorCode", f"{local}.ErrorCode")
                existing.setdefault("ErrorMessage", f"{local}.ErrorMessage")
            if source == "http":
                existing.setdefault("HTTPStatus", f"{local}.HTTPStatus")
            continue
        catalogue = source in (codes_module, CATALOGUE) or "bsg" in source.lower()
        if name in ("ErrorCode", "ErrorMessage") and catalogue and local not in existing.values():
            existing.setdefault(name, local)
        if (source, name) in own_modules and not relative:
            existing.setdefault("ErrorCode", f"{local}.ErrorCode")
            existing.setdefault("ErrorMessage", f"{local}.ErrorMessage")
        if name == "HTTPStatus" and source == "http":
            existing.setdefault(name, local)
    return existing


def _bound_names(wrapper: MetadataWrapper, captured: set[str]) -> set[str]:
    """Every name the file binds, in any scope: a new module-level import of one of them would
    be rebound at module level, or shadowed in the function, class or comprehension."""
    scopes = {scope for scope in wrapper.resolve(ScopeProvider).values() if scope is not None}
    return {assignment.name for scope in scopes for assignment in scope.assignments} | captured


class _Names:
    """How the fixed file names each constant, and the imports to add for it."""

    def __init__(self, codes_module: str, existing: dict[str, str], bound: set[str]) -> None:
        self.codes_module = codes_module
        self.existing = existing
        self.bound = bound
        self.needed: dict[str, str] = {}

    def reference(self, kind: str) -> str:
        if kind in self.existing:
            return self.existing[kind]
        if kind not in self.needed:
            self.needed[kind] = kind if kind not in self.bound else f"Bsg{kind}"
        return self.needed[kind]

    def imports(self) -> list[ImportItem]:
        return [
            ImportItem(
                "http" if kind == "HTTPStatus" else self.codes_module,
                kind,
                None if local == kind else local,
            )
            for kind, local in self.needed.items()
        ]


# ---- rewriting --------------------------------------------------------------------------------


class Replace(cst.CSTTransformer):
    """Replaces literal nodes (by ``id``) with the expressions written as text."""

    def __init__(self, replacements: dict[int, str]) -> None:
        super().__init__()
        self.replacements = replacements

    def _swap(self, original: cst.CSTNode, updated: cst.BaseExpression) -> cst.BaseExpression:
        text = self.replacements.get(id(original))
        if text is None:
            return updated
        replacement = cst.parse_expression(text)
        return replacement.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def leave_Integer(
        self, original_node: cst.Integer, updated_node: cst.Integer
    ) -> cst.BaseExpression:
        return self._swap(original_node, updated_node)

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        return self._swap(original_node, updated_node)


class _AddImports(AddImportsVisitor):
    """AddImportsVisitor writing and placing new import statements, and nothing else.

    It would also look at the imports at the top of the file, to add names to a ``from M
    import ...`` line already there or to count on a ``from M import *``; fix has already
    decided what is missing, and leaves every line the user wrote as it was.
    """

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False  # the module is not walked; leave_Module inserts the imports


_DOCSTRING = m.SimpleStatementLine(
    body=[m.Expr(value=m.SimpleString() | m.ConcatenatedString()), m.ZeroOrMore()]
)
_IMPORT_LINE = m.SimpleStatementLine(body=[m.AtLeastN(m.Import() | m.ImportFrom(), n=1)])
_FROM_HTTP = m.SimpleStatementLine(body=[m.ImportFrom(module=m.Name("http"), relative=[])])


def _import_position(body: Sequence[cst.BaseStatement]) -> int:
    """After the docstring, ``__future__`` imports and the leading imports."""
    position = 1 if body and m.matches(body[0], _DOCSTRING) else 0
    while position < len(body) and m.matches(body[position], _IMPORT_LINE):
        position += 1
    return position


def _add_imports(module: cst.Module, imports: list[ImportItem]) -> tuple[cst.Module, int]:
    """The module with the imports added, and how many statements that took."""
    if not imports:
        return module, 0
    body = list(module.body)
    added = module.visit(_AddImports(CodemodContext(), imports))
    start = next(
        (i for i, (old, new) in enumerate(zip(body, added.body)) if not old.deep_equals(new)),
        len(body),
    )
    statements = list(added.body[start : start + len(added.body) - len(body)])
    # AddImportsVisitor orders the lines by module, aliased imports first; ours: the catalogue's
    # constants, then HTTPStatus.
    statements.sort(key=lambda statement: m.matches(statement, _FROM_HTTP))
    # AddImportsVisitor puts the imports where _import_position does, except in three layouts
    # where it reads the top of a file more narrowly than Python: a docstring of adjacent
    # strings ("a" "b") is not one to it (the import would go above it and the module would
    # lose its docstring), nor is a line of several imports (`from __future__ import
    # annotations; import os`: an import above it is a SyntaxError), and it keeps a leading
    # `__strict__ = ...` first. There the place stays the one fix has always used. It also adds
    # an empty line below the imports; the statements around them stay as the user wrote them.
    at = _import_position(body)
    return module.with_changes(body=[*body[:at], *statements, *body[at:]]), len(statements)


# ---- the command ------------------------------------------------------------------------------


def fix_source(
    source: str,
    filename: str,
    config: Config,
    codes_module: str = CATALOGUE,
    http_statuses: bool = False,
) -> FileFix:
    """The fixed text of one file (the same text when nothing can be fixed).

    ``http_statuses``: also replace BSG204 literals (the rule is off by default).
    """
    fixable = FIXABLE if http_statuses else ("BSG201",)
    # LibCST's visitors recurse once per level of nesting; deep expressions need a deep stack
    outcome = run_deep(lambda: _fix(source, filename, config, codes_module, fixable))
    if isinstance(outcome, FileFix):
        return outcome
    return FileFix(source, source, error=f"{type(outcome).__name__}: {outcome}")


def _fix(
    source: str, filename: str, config: Config, codes_module: str, fixable_codes: tuple[str, ...]
) -> FileFix:
    stripped, shifted = strip_form_feeds(source)
    try:
        module = parse_module(stripped)
    except cst.ParserSyntaxError as exc:
        return FileFix(
            source, source, error=f"LibCST cannot parse it: {getattr(exc, 'message', exc)}"
        )
    found: list[Diagnostic] = find_diagnostics(module, filename, config)
    diags = [
        (node, code, message)
        for node, code, message in found
        if code in fixable_codes or code not in FIXABLE
    ]
    if not any(code in fixable_codes for _n, code, _m in diags):
        return FileFix(source, source)
    if shifted:
        return FileFix(source, source, error="form feeds in indentation: not rewritten")
    codes_by_node: dict[int, set[str]] = {}
    nodes: dict[int, cst.CSTNode] = {}
    for node, code, _message in diags:
        codes_by_node.setdefault(id(node), set()).add(code)
        nodes[id(node)] = node
    insert_at = _import_position(module.body)
    anchor = module.body[insert_at] if insert_at < len(module.body) else None
    positions = node_positions(module, set(nodes) | ({id(anchor)} if anchor is not None else set()))
    lines = split_lines(source)
    # what flake8 searches for a finding's noqa comment: its line, or the lines joined to it
    ranges = noqa_ranges(source) if "noqa" in source.lower() else {}
    # the same tree: the reported nodes are matched by identity
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    facts = _FileFacts()
    wrapper.visit(facts)
    names = _Names(
        codes_module,
        _existing_names(module, codes_module),
        _bound_names(wrapper, facts.captured),
    )
    replacements: dict[int, str] = {}
    result = FileFix(source, source)
    for key, codes in codes_by_node.items():
        fixable = codes & set(fixable_codes)
        if not fixable:
            continue
        line, col = positions.get(key, (1, 0))
        node = nodes[key]
        code = sorted(fixable)[0]
        old = cst.Module(body=[]).code_for_node(node)
        if codes - set(FIXABLE):
            result.left.append(
                (
                    line,
                    col,
                    f"{old}: also {', '.join(sorted(codes - set(FIXABLE)))}; not a value to name",
                )
            )
            continue
        if noqa_silences(noqa_text(lines, ranges, line), code):
            continue
        if key not in facts.eligible:
            result.left.append(
                (line, col, f"{old}: not under ==, !=, in, not in, case or a table key")
            )
            continue
        constant = _constant_for(node, code)
        if constant is None:
            result.left.append((line, col, f"{old}: no constant is exactly equal to it"))
            continue
        kind, member = constant
        new = f"{names.reference(kind)}.{member}"
        replacements[key] = new
        result.replaced.append((line, col, old, new))
    if not replacements:
        result.left.sort()
        result.left_in_source = list(result.left)
        return result
    result.left_in_source = sorted(result.left)
    fixed, added = _add_imports(module.visit(Replace(replacements)), names.imports())
    result.fixed = fixed.code
    # columns after a replacement on the same line move by the difference in length
    growth = sorted((line, c, len(n) - len(o)) for line, c, o, n in result.replaced)

    def moved(line: int, col: int) -> int:
        return col + sum(d for at, c, d in growth if at == line and c < col)

    result.replaced = [(line, moved(line, c), o, n) for line, c, o, n in result.replaced]
    result.left = [(line, moved(line, c), w) for line, c, w in result.left]
    if added and anchor is not None:
        # positions are reported in the fixed file: lines after the new imports move down
        first = positions[id(anchor)][0]
        result.replaced = [
            (line + added if line >= first else line, c, o, n) for line, c, o, n in result.replaced
        ]
        result.left = [
            (line + added if line >= first else line, c, w) for line, c, w in result.left
        ]
    result.replaced.sort()
    result.left.sort()
    return result


def unified_diff(path: str, fix: FileFix) -> str:
    return "".join(
        difflib.unified_diff(
            fix.source.splitlines(keepends=True),
            fix.fixed.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


__all__ = ["FileFix", "fix_source", "unified_diff", "ErrorMessage"]

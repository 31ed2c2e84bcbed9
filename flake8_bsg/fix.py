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
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from flake8_bsg import checks, model
from flake8_bsg.codes import ErrorMessage, lookup_message, member_of
from flake8_bsg.engine import noqa_covers, package_of, run_deep, split_lines, strip_form_feeds
from flake8_bsg.options import Config
from flake8_bsg.positions import node_positions

FIXABLE = ("BSG201", "BSG204")


@dataclass
class FileFix:
    """The outcome for one file."""

    source: str
    fixed: str
    #: (line, col, old, new) and (line, col, why), positions in the fixed text
    replaced: List[Tuple[int, int, str, str]] = field(default_factory=list)
    left: List[Tuple[int, int, str]] = field(default_factory=list)
    #: the same literals left alone, positions in the text as it was read
    left_in_source: List[Tuple[int, int, str]] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.source


def _eligible_literals(facts: model.Facts) -> Set[int]:
    """Literals standing where a constant can replace them without changing behaviour."""
    ids: Set[int] = set()
    for site in facts.comparisons:
        node: cst.Comparison = site.node
        left = node.left
        for target in node.comparisons:
            op = target.operator
            right = target.comparator
            if isinstance(op, (cst.Equal, cst.NotEqual)):
                ids.update((id(left), id(right)))
            elif isinstance(op, (cst.In, cst.NotIn)) and isinstance(
                right, (cst.Tuple, cst.List, cst.Set)
            ):
                ids.update(id(element.value) for element in right.elements)
            left = right
    for site in facts.matches:
        for case in site.node.cases:
            todo = [case.pattern]
            while todo:
                pattern = todo.pop()
                if isinstance(pattern, cst.MatchValue):
                    ids.add(id(pattern.value))
                elif isinstance(pattern, cst.MatchOr):
                    todo.extend(element.pattern for element in pattern.patterns)
                elif isinstance(pattern, cst.MatchAs) and pattern.pattern is not None:
                    todo.append(pattern.pattern)
    return ids


def _table_keys(module: cst.Module) -> Set[int]:
    keys: Set[int] = set()
    todo: List[cst.CSTNode] = [module]
    while todo:
        node = todo.pop()
        if isinstance(node, cst.Dict):
            keys.update(id(e.key) for e in node.elements if isinstance(e, cst.DictElement))
        todo.extend(model.children(node))
    return keys


def _constant_for(node: cst.CSTNode, code: str) -> Optional[Tuple[str, str]]:
    """(kind, member name) of the constant exactly equal to a literal, if one exists."""
    if isinstance(node, cst.Integer):
        value = int(node.evaluated_value)
        if code == "BSG204":
            import http

            try:
                return "HTTPStatus", http.HTTPStatus(value).name
            except ValueError:
                return None
        member = member_of(value)
        return ("ErrorCode", member.name) if member is not None else None
    if isinstance(node, cst.SimpleString):
        try:
            text = node.evaluated_value
        except Exception:
            return None
        if not isinstance(text, str):
            return None
        member = lookup_message(text)
        if member is not None and member.value == text:
            return "ErrorMessage", member.name
    return None


class _Names:
    """How the file can name ``ErrorCode``, ``ErrorMessage`` and ``HTTPStatus``; imports to add."""

    def __init__(self, module: cst.Module, codes_module: str, facts: model.Facts) -> None:
        self.codes_module = codes_module
        self.existing: Dict[str, str] = {}
        self.needed: Dict[str, str] = {}
        # a name bound in any function or class would shadow a module-level import there
        self.bound: Set[str] = {name for f in facts.functions for name in f.inner.bindings}
        self.bound |= {name for c in facts.classes for name in c.inner.bindings}
        codes_parent, _, codes_last = codes_module.rpartition(".")
        for statement in module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                for name in _defined_names(statement):
                    self.bound.add(name)
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(
                    small.names, cst.ImportStar
                ):
                    source = model.dotted_name(small.module) if small.module is not None else ""
                    source = source or ""
                    for alias in small.names:
                        name = alias.name.value if isinstance(alias.name, cst.Name) else ""
                        local = alias.asname.name.value if alias.asname is not None else name
                        self.bound.add(local)
                        # the catalogue, the chosen module, or the team's own copy (path naming bsg)
                        catalogue = (
                            source in (codes_module, "flake8_bsg.codes") or "bsg" in source.lower()
                        )
                        if (
                            name in ("ErrorCode", "ErrorMessage")
                            and catalogue
                            and local not in self.existing.values()
                        ):
                            self.existing.setdefault(name, local)
                        if (source, name) in (
                            ("flake8_bsg", "codes"),
                            (codes_parent, codes_last),
                        ) and not small.relative:
                            self.existing.setdefault("ErrorCode", f"{local}.ErrorCode")
                            self.existing.setdefault("ErrorMessage", f"{local}.ErrorMessage")
                        if name == "HTTPStatus" and source == "http":
                            self.existing.setdefault(name, local)
                elif isinstance(small, cst.Import):
                    for alias in small.names:
                        dotted = model.dotted_name(alias.name) or ""
                        if alias.asname is not None:
                            local = alias.asname.name.value
                            self.bound.add(local)
                            if dotted in (codes_module, "flake8_bsg.codes"):
                                self.existing.setdefault("ErrorCode", f"{local}.ErrorCode")
                                self.existing.setdefault("ErrorMessage", f"{local}.ErrorMessage")
                            if dotted == "http":
                                self.existing.setdefault("HTTPStatus", f"{local}.HTTPStatus")
                        else:
                            self.bound.add(dotted.split(".")[0])
                            if dotted == "http":
                                self.existing.setdefault("HTTPStatus", "http.HTTPStatus")
                else:
                    for name in _defined_names(small):
                        self.bound.add(name)

    def reference(self, kind: str) -> str:
        if kind in self.existing:
            return self.existing[kind]
        if kind not in self.needed:
            local = kind if kind not in self.bound else f"Bsg{kind}"
            self.needed[kind] = local
        return self.needed[kind]

    def import_lines(self) -> List[str]:
        lines = []
        from_codes = [k for k in ("ErrorCode", "ErrorMessage") if k in self.needed]
        if from_codes:
            names = ", ".join(
                k if self.needed[k] == k else f"{k} as {self.needed[k]}" for k in from_codes
            )
            lines.append(f"from {self.codes_module} import {names}")
        if "HTTPStatus" in self.needed:
            local = self.needed["HTTPStatus"]
            lines.append(
                "from http import HTTPStatus" + ("" if local == "HTTPStatus" else f" as {local}")
            )
        return lines


def _defined_names(node: cst.CSTNode) -> List[str]:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return [node.name.value]
    if isinstance(node, cst.Assign):
        return [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
    if isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name):
        return [node.target.value]
    return []


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: Dict[int, str], imports: List[str]) -> None:
        super().__init__()
        self.replacements = replacements
        self.imports = imports

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

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.imports:
            return updated_node
        body = list(updated_node.body)
        index = _import_position(body)
        new = [cst.parse_statement(line + "\n") for line in self.imports]
        return updated_node.with_changes(body=body[:index] + new + body[index:])


def _import_position(body: List[cst.CSTNode]) -> int:
    """After the docstring, ``__future__`` imports and the leading imports."""
    index = 0
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and body[0].body
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        index = 1
    position = index
    for offset, statement in enumerate(body[index:], start=index):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
        ):
            position = offset + 1
        else:
            break
    return position


def fix_source(
    source: str,
    filename: str,
    config: Config,
    codes_module: str = "flake8_bsg.codes",
    http_statuses: bool = False,
) -> FileFix:
    """The fixed text of one file (the same text when nothing can be fixed).

    ``http_statuses``: also replace BSG204 literals (the rule is off by default).
    """
    fixable = FIXABLE if http_statuses else ("BSG201",)
    outcome = run_deep(lambda: _fix(source, filename, config, codes_module, fixable))
    if isinstance(outcome, BaseException):
        return FileFix(source, source, error=f"{type(outcome).__name__}: {outcome}")
    return outcome


def _fix(
    source: str, filename: str, config: Config, codes_module: str, fixable_codes: Tuple[str, ...]
) -> FileFix:
    stripped, shifted = strip_form_feeds(source)
    try:
        module = cst.parse_module(stripped)
    except cst.ParserSyntaxError as exc:
        return FileFix(
            source, source, error=f"LibCST cannot parse it: {getattr(exc, 'message', exc)}"
        )
    facts = model.collect(module, package_of(filename))
    diags = checks.analyze(facts, config, config.is_test_file(filename))
    diags = [
        (node, code, message)
        for node, code, message in diags
        if code in fixable_codes or code not in FIXABLE
    ]
    if not any(code in fixable_codes for _n, code, _m in diags):
        return FileFix(source, source)
    if shifted:
        return FileFix(source, source, error="form feeds in indentation: not rewritten")
    codes_by_node: Dict[int, Set[str]] = {}
    nodes: Dict[int, cst.CSTNode] = {}
    for node, code, _message in diags:
        codes_by_node.setdefault(id(node), set()).add(code)
        nodes[id(node)] = node
    insert_at = _import_position(list(module.body))
    anchor = module.body[insert_at] if insert_at < len(module.body) else None
    positions = node_positions(module, set(nodes) | ({id(anchor)} if anchor is not None else set()))
    lines = split_lines(source)
    eligible = _eligible_literals(facts) | _table_keys(module)
    names = _Names(module, codes_module, facts)
    replacements: Dict[int, str] = {}
    result = FileFix(source, source)
    for key, codes in codes_by_node.items():
        fixable = codes & set(fixable_codes)
        if not fixable:
            continue
        line, col = positions.get(key, (1, 0))
        node = nodes[key]
        code = sorted(fixable)[0]
        text = lines[line - 1] if 0 < line <= len(lines) else ""
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
        if noqa_covers(text, code):
            continue
        if key not in eligible:
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
    imports = names.import_lines()
    fixed = module.visit(_Replace(replacements, imports))
    result.fixed = fixed.code
    # columns after a replacement on the same line move by the difference in length
    growth = sorted((line, c, len(n) - len(o)) for line, c, o, n in result.replaced)

    def moved(line: int, col: int) -> int:
        return col + sum(d for at, c, d in growth if at == line and c < col)

    result.replaced = [(line, moved(line, c), o, n) for line, c, o, n in result.replaced]
    result.left = [(line, moved(line, c), w) for line, c, w in result.left]
    if imports and anchor is not None:
        # positions are reported in the fixed file: lines after the new imports move down
        first = positions[id(anchor)][0]
        result.replaced = [
            (line + len(imports) if line >= first else line, c, o, n)
            for line, c, o, n in result.replaced
        ]
        result.left = [
            (line + len(imports) if line >= first else line, c, w) for line, c, w in result.left
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

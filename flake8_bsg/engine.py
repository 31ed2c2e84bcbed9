"""Run the analysis on one file's text: cheap text check, one parse, one walk, positions.

Nothing here raises: a file LibCST cannot parse, or a failure of the analysis itself, is one
BSG000 diagnostic.
"""

from __future__ import annotations

import ast
import os
from typing import (
    TYPE_CHECKING,
    Callable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

if TYPE_CHECKING:
    import libcst as cst

    from flake8_bsg.positions import Parsed
    from flake8_bsg.project.index import ModuleContext
    from flake8_bsg.rules.base import Violation

from flake8_bsg.options import Config
from flake8_bsg.source import may_involve_bsg, run_deep, split_lines, strip_form_feeds

Result = Tuple[int, int, str]
T = TypeVar("T")


def package_of(filename: str) -> Optional[str]:
    """The dotted package of a file, found by walking up folders that hold ``__init__.py``."""
    if not filename or filename in ("-", "stdin"):
        return None
    from flake8_bsg.project.paths import package_of as package_of_path

    return package_of_path(os.path.abspath(filename))


class Finding(NamedTuple):
    """One diagnostic of a file: 1-based line, 0-based column (in characters), the rule's
    code, its message, and the rule's key for what is at fault (stable when the message
    changes; empty for BSG000)."""

    line: int
    col: int
    code: str
    message: str
    key: str


def check_findings(
    source: str,
    filename: str,
    config: Config,
    force: bool = False,
    tree: Optional[ast.AST] = None,
    scope: bool = True,
) -> List[Finding]:
    """The findings of one file, sorted by position and message; never raises.

    ``force``: analyse it even when it fails the text check. ``tree``: Python's parse of
    ``source`` when the caller has it (flake8 does). ``scope``: parse only the statements
    that can take part (``False``: the whole module at once, the reference the differential
    test compares with)."""
    from flake8_bsg.project.quick import takes_part

    if (
        not force
        and not may_involve_bsg(source, config)
        and not takes_part(source, filename, config)
    ):
        return []
    result = run_deep(lambda: _analyse(source, filename, config, tree, scope))
    if isinstance(result, BaseException):
        from flake8_bsg.rules.bsg000_unparsable_file import internal

        text = internal(f"{type(result).__name__}: {_one_line(result)}")
        return [Finding(1, 0, "BSG000", text, "")]
    return result


def check_source(
    source: str,
    filename: str,
    config: Config,
    force: bool = False,
    tree: Optional[ast.AST] = None,
) -> List[Result]:
    """Diagnostics for one file as ``(line, column, message)``, sorted; never raises.
    ``tree``: Python's parse of ``source`` when the caller has it (flake8 does)."""
    return [
        (f.line, f.col, f.message) for f in check_findings(source, filename, config, force, tree)
    ]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


def _analyse(
    source: str,
    filename: str,
    config: Config,
    tree: Optional[ast.AST] = None,
    scope: bool = True,
) -> List[Finding]:
    import libcst as cst

    from flake8_bsg.positions import Parsed
    from flake8_bsg.project.index import context_for
    from flake8_bsg.rules.bsg000_unparsable_file import unparsable

    context = context_for(filename, config)
    if context is not None:
        context.text = source  # its facts are the index's when the text is the file's
    source, shifted = strip_form_feeds(source)
    parsed: Optional[Parsed] = None
    try:
        if scope:
            parsed = _parse_scoped(source, tree, config, context)
            if parsed is None:
                return []  # no statement can take part
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
        pass  # parsed whole below: the same answer, or BSG000 with LibCST's reason
    if parsed is None:
        from flake8_bsg.trusted import parse_module

        try:
            # as in pieces: without LibCST's node checks when Python's parse accepts the text
            parsed = Parsed.single(parse_module(source, tree), source)
        except cst.ParserSyntaxError as exc:
            reason = " ".join(str(getattr(exc, "message", "") or _one_line(exc)).split())
            if len(reason) > 120:
                reason = reason[:117].rstrip(" ,") + "..."
            return [Finding(1, 0, "BSG000", unparsable(reason), "")]
    # ast's columns are the text's unless form feeds were removed or a BOM leads the text
    ast_columns = not shifted and not source.startswith("\ufeff")
    violations = find_violations(parsed.module, filename, config, context, parsed, ast_columns)
    if not violations:
        return []
    positions = parsed.positions({id(v.node) for v in violations})
    results = []
    for violation in violations:
        line, col = positions.get(id(violation.node), (1, 0))
        col += shifted.get(line, 0)
        results.append(Finding(line, col, violation.code, violation.message, violation.key))
    results.sort(key=lambda f: (f.line, f.col, f.message))
    return results


def _parse_scoped(
    source: str,
    tree: Optional[ast.AST],
    config: Config,
    context: Optional[ModuleContext],
) -> Optional[Parsed]:
    """The statements of the module that can take part (SPEC section 8(d)), parsed in
    pieces, or ``None`` when none can. Raises ``libcst.ParserSyntaxError``
    when LibCST cannot parse them, ``SyntaxError``/``ValueError`` when ``ast`` cannot read
    the text."""
    from flake8_bsg.positions import Parsed
    from flake8_bsg.scope import scoped_units

    if tree is None:
        tree = ast.parse(source)
    lines = split_lines(source)
    whole = context is not None and context.known_facts() is None
    plan = None if whole else scoped_units(tree, lines, _seed_check(config, context))
    if plan is None:
        return Parsed.whole(source, tree)
    units, chosen = plan
    if not chosen:
        return None
    spans = [(u.first, u.last) for i, u in enumerate(units) if i in chosen]
    statements = [s for i, u in enumerate(units) if i in chosen for s in u.statements]
    return Parsed.chunked(lines, spans, statements)


def _seed_check(config: Config, context: Optional[ModuleContext]) -> Callable[[str], bool]:
    """Whether a unit's text is a seed: it passes the text check, names a catalogue class,
    or (in a project) imports a project module that takes part."""
    from flake8_bsg.scope import names_catalogue

    if context is None:
        return lambda text: may_involve_bsg(text, config) or names_catalogue(text)
    return lambda text: (
        may_involve_bsg(text, config)
        or names_catalogue(text)
        or ("import" in text and context.imports_take_part(text))
    )


def find_violations(
    module: cst.Module,
    filename: str,
    config: Config,
    context: Optional[ModuleContext] = None,
    parsed: Optional[Parsed] = None,
    ast_columns: bool = True,
) -> List[Violation]:
    """The rules' violations for a parsed module (``rules.base.Violation``), in the order the
    rules found them: the one entry to the analysis for every adapter. ``context``: the
    file's project (found from ``filename`` when not given)."""
    from flake8_bsg import facts as file_facts
    from flake8_bsg import rules
    from flake8_bsg.flow.analysis import FileAnalysis
    from flake8_bsg.project.index import context_for

    if context is None:
        context = context_for(filename, config)
    package = package_of(filename) if context is None else context.package
    facts = file_facts.collect(module, package)
    facts.parsed = parsed
    try:
        analysis = FileAnalysis(facts, config, config.is_test_file(filename), context)
        violations = rules.run(analysis)
        if parsed is not None:
            parsed.note([v.node for v in violations], facts, ast_columns)
        return violations
    finally:
        file_facts.dispose(facts)


def find_diagnostics(
    module: cst.Module, filename: str, config: Config
) -> List[Tuple[cst.CSTNode, str, str]]:
    """The diagnostics of a parsed module, as ``(node, code, message)``, in the order found."""
    return [(v.node, v.code, v.message) for v in find_violations(module, filename, config)]


def check_lines(
    lines: Sequence[str],
    filename: str,
    config: Config,
    tree: Optional[ast.AST] = None,
    force: bool = False,
) -> List[Result]:
    return check_source("".join(lines), filename, config, force, tree)

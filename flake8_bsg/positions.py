"""Positions of reported nodes, computed only for files that have something to report.

LibCST nodes carry no positions, and its ``PositionProvider`` costs about twice the parse.
Code generation with a state that counts lines and characters and records the start of the
few reported nodes costs about a third of it.
"""

from __future__ import annotations

import ast
import bisect
import operator
from contextlib import contextmanager
from typing import (
    Any,
    Dict,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import libcst as cst
from libcst._nodes.internal import CodegenState

from flake8_bsg.trusted import parse_trusted, trusting

Position = Tuple[int, int]


class _PositionState(CodegenState):
    """Counts (line, column-in-characters) as tokens are generated."""

    def __init__(self, module: cst.Module, targets: Set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.line = 1
        self.column = 0
        self.targets = targets
        self.found: Dict[int, Position] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            last = max(value.rfind("\n"), value.rfind("\r"))
            self.column = len(value) - last - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        # a fallback for nodes that record no syntactic position
        key = id(node)
        if key in self.targets and key not in self.found:
            self.found[key] = (self.line, -1 - self.column)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        key = id(node)
        if key in self.targets:
            found = self.found.get(key)
            if found is None or found[1] < 0:
                self.found[key] = (self.line, self.column)
        yield


def node_positions(module: cst.Module, nodes: Set[int]) -> Dict[int, Position]:
    """(line, column) of the start of each node (by ``id``), parentheses excluded."""
    state = _PositionState(module, nodes)
    module._codegen(state)
    return {key: (line, col if col >= 0 else -1 - col) for key, (line, col) in state.found.items()}


def call_lines(calls: Sequence[cst.Call], text: str) -> Optional[Dict[int, int]]:
    """The line of each call (by ``id``), from Python's own parse of ``text``, without a code
    generation pass: ``calls`` are all the module's calls in source order (the facts' walk),
    so their start lines are the sorted start lines of ``ast``'s calls. ``None`` when the two
    parses disagree on how many calls there are (then positions must be computed)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call))
    if len(lines) != len(calls):
        return None
    return {id(call): line for call, line in zip(calls, lines)}


_UNKNOWN = object()

#: Reported nodes whose positions Python's parse gives (matched by order within their kind).
_ANCHORED = frozenset({cst.Call, cst.ExceptHandler, cst.ExceptStarHandler, cst.Integer})


#: ``ast`` fields that hold no call, ``except`` clause or integer: names, operators, contexts.
_AST_LEAVES = frozenset(
    (
        "ctx",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "module",
        "level",
        "op",
        "ops",
        "type_comment",
        "kwd_attrs",
    )
)
_AST_FIELDS: Dict[type, Tuple[str, ...]] = {}
_AT = operator.attrgetter("lineno", "col_offset")


def _ast_kinds(statements: Sequence[ast.stmt]) -> Dict[str, List[ast.AST]]:
    """The calls, ``except`` clauses and integer literals of ``statements``, each in source
    order (a walk of its own: ``ast.walk`` costs twice as much)."""
    calls: List[ast.AST] = []
    handlers: List[ast.AST] = []
    ints: List[ast.AST] = []
    call, handler, constant, node_type = ast.Call, ast.ExceptHandler, ast.Constant, ast.AST
    stack: List[Any] = list(statements)
    fields_of = _AST_FIELDS
    while stack:
        node = stack.pop()
        cls = node.__class__
        if cls is call:
            calls.append(node)
        elif cls is handler:
            handlers.append(node)
        elif cls is constant:
            if node.value.__class__ is int:
                ints.append(node)
            continue
        fields = fields_of.get(cls)
        if fields is None:
            # a list's items are pushed whole: what is not a node (the ``None`` of a ``**``
            # in a dict display, a name) has no fields
            fields = fields_of[cls] = tuple(
                f for f in getattr(cls, "_fields", ()) if f not in _AST_LEAVES
            )
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                stack += value
            elif isinstance(value, node_type):
                stack.append(value)
    found = {"call": calls, "handler": handlers, "int": ints}
    for nodes in found.values():
        nodes.sort(key=_AT)  # calls, ``except`` clauses and constants all have both
    return found


class Chunk(NamedTuple):
    """A piece of a module parsed on its own: its tree, and for each unit in it, the line
    where the unit starts in the piece and in the file."""

    module: cst.Module
    starts: List[Tuple[int, int]]


class Parsed:
    """A file's LibCST tree for the walk, with the positions and call lines of its nodes.

    ``single``: the whole module parsed at once. ``chunked``: units of the module (see
    :mod:`flake8_bsg.scope`) parsed in pieces of a few hundred lines, the pieces' statements
    joined into one module for the walk; LibCST's parse grows faster than the text, the
    pieces' parses do not."""

    def __init__(
        self,
        module: cst.Module,
        chunks: List[Chunk],
        text: Optional[str] = None,
        statements: Optional[Sequence[ast.stmt]] = None,
    ) -> None:
        self.module = module
        self.chunks = chunks
        self._text = text
        self._statements = statements
        #: The top-level statement (index in ``module.body``) of each reported node, when
        #: known (:meth:`note`): only those statements are generated for positions.
        self.tops: Dict[int, int] = {}
        #: Positions read from Python's parse (calls, ``except`` clauses, integers).
        self.anchors: Dict[int, Position] = {}
        #: The text's lines (``chunked``), for columns in characters.
        self.lines: Optional[Sequence[str]] = None
        self._starts: object = _UNKNOWN

    def note(self, nodes: Sequence[cst.CSTNode], facts: Any, ast_columns: bool = True) -> None:
        """Before the walk's facts are dropped: the top-level statement of each reported node
        (from the walk's numbering of nodes in source order), and the positions of those that
        Python's parse of the same statements gives (matched by order within their kind);
        ``ast_columns``: whether ``ast``'s columns are the text's (no form feed was removed)."""
        order_of: Dict[int, int] = facts.order_of
        firsts = [order_of.get(id(statement), -1) for statement in self.module.body]
        for node in nodes:
            order = order_of.get(id(node))
            if order is not None:
                self.tops[id(node)] = bisect.bisect_right(firsts, order) - 1
        if ast_columns and self.lines is not None:
            self._anchor(nodes, facts, firsts)

    def _anchor(self, nodes: Sequence[cst.CSTNode], facts: Any, firsts: List[int]) -> None:
        starts = self._statement_starts()
        if starts is None:
            return
        order_of: Dict[int, int] = facts.order_of
        kinds = {"call": facts.calls, "handler": facts.handler_nodes, "int": facts.integers}
        orders = {
            kind: [order_of.get(id(getattr(n, "node", n)), -1) for n in seq]
            for kind, seq in kinds.items()
        }
        wanted: Dict[int, Set[int]] = {}
        for node in nodes:
            top = self.tops.get(id(node))
            if top is not None and type(node) in _ANCHORED:
                wanted.setdefault(top, set()).add(id(node))
        for top, keys in wanted.items():
            low = firsts[top]
            high = firsts[top + 1] if top + 1 < len(firsts) else 1 << 62
            found = _ast_kinds(self._statements_of(top, starts))
            for kind, seq in kinds.items():
                at = orders[kind]
                mine = seq[bisect.bisect_left(at, low) : bisect.bisect_left(at, high)]
                theirs = found[kind]
                if len(mine) != len(theirs):
                    continue  # the two parses disagree here: generated instead
                for item, match in zip(mine, theirs):
                    key = id(getattr(item, "node", item))
                    if key in keys:
                        self.anchors[key] = (getattr(match, "lineno", 1), self._column(match))

    def _column(self, node: ast.AST) -> int:
        """``ast``'s column (UTF-8 bytes) in characters."""
        col: int = getattr(node, "col_offset", 0)
        assert self.lines is not None
        text = self.lines[getattr(node, "lineno", 1) - 1]
        if text.isascii():
            return col
        return len(text.encode("utf-8", "surrogatepass")[:col].decode("utf-8", "replace"))

    def _statements_of(self, top: int, starts: List[Tuple[int, cst.Module, int]]) -> List[ast.stmt]:
        assert self._statements is not None
        first = starts[top][2]
        last = starts[top + 1][2] if top + 1 < len(starts) else len(self._statements)
        return list(self._statements[first:last])

    def _statement_starts(self) -> Optional[List[Tuple[int, cst.Module, int]]]:
        """For each top-level statement: the file's line where its code (leading lines
        included) starts, the piece it was parsed in, and the index of its first ``ast``
        statement; from the ``ast`` statements' lines (``None`` when the parses do not align).
        Computed once (the anchors and the generated positions both ask)."""
        if self._starts is _UNKNOWN:
            self._starts = self._align()
        return self._starts  # type: ignore[return-value]

    def _align(self) -> Optional[List[Tuple[int, cst.Module, int]]]:
        statements = self._statements
        if statements is None:
            return None
        out: List[Tuple[int, cst.Module, int]] = []
        index = 0
        for chunk in self.chunks:
            for statement in chunk.module.body:
                if index >= len(statements):
                    return None
                first = statements[index]
                line = min(
                    [first.lineno] + [d.lineno for d in getattr(first, "decorator_list", ())]
                )
                start = index
                index += len(statement.body) if type(statement) is cst.SimpleStatementLine else 1
                lead = len(statement.leading_lines)
                decorators = getattr(statement, "decorators", ())
                if decorators:
                    lead += len(decorators[0].leading_lines)
                out.append((line - lead, chunk.module, start))
        return out if index == len(statements) else None

    def _positions_by_statement(self, nodes: Set[int]) -> Optional[Dict[int, Position]]:
        if not nodes or any(key not in self.tops for key in nodes):
            return None
        starts = self._statement_starts()
        if starts is None:
            return None
        wanted: Dict[int, Set[int]] = {}
        out: Dict[int, Position] = {}
        for key in nodes:
            anchored = self.anchors.get(key)
            if anchored is not None:
                out[key] = anchored
            else:
                wanted.setdefault(self.tops[key], set()).add(key)
        for index, keys in wanted.items():
            if not 0 <= index < len(starts):
                return None
            line, module, _first = starts[index]
            state = _PositionState(module, keys)
            state.line = line
            self.module.body[index]._codegen(state)
            for key, (found_line, col) in state.found.items():
                out[key] = (found_line, col if col >= 0 else -1 - col)
        return out if len(out) == len(nodes) else None

    @classmethod
    def single(cls, module: cst.Module, text: Optional[str] = None) -> "Parsed":
        return cls(module, [Chunk(module, [(1, 1)])], text)

    @classmethod
    def chunked(
        cls,
        lines: Sequence[str],
        spans: Sequence[Tuple[int, int]],
        statements: Sequence[ast.stmt],
        chunk_lines: int = 250,
    ) -> "Parsed":
        """Parse the line spans ``(first, last)`` (1-based, in order) of ``lines``;
        ``statements``: the ``ast`` statements they hold (for the lines of their calls).
        Raises ``libcst.ParserSyntaxError`` as ``parse_module`` does."""
        chunks: List[Chunk] = []
        body: List[Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]] = []
        group: List[Tuple[int, int]] = []
        size = 0

        def flush() -> None:
            starts: List[Tuple[int, int]] = []
            pieces: List[str] = []
            line = 1
            for first, last in group:
                starts.append((line, first))
                pieces.append("".join(lines[first - 1 : last]))
                line += last - first + 1
            module = parse_trusted("".join(pieces))
            chunks.append(Chunk(module, starts))
            body.extend(module.body)

        with trusting():  # once for the file's pieces
            for first, last in spans:
                group.append((first, last))
                size += last - first + 1
                if size >= chunk_lines:
                    flush()
                    group, size = [], 0
            if group:
                flush()
        parsed = cls(cst.Module(body=body), chunks, statements=statements)
        parsed.lines = lines
        return parsed

    @classmethod
    def whole(cls, source: str, tree: Optional[ast.AST] = None) -> "Parsed":
        """Every statement of ``source`` (its ``ast`` tree: parsed when not given), in pieces;
        the whole module at once when ``ast`` cannot read it. Raises
        ``libcst.ParserSyntaxError`` as ``parse_module`` does."""
        from flake8_bsg.scope import units_of
        from flake8_bsg.source import split_lines

        try:
            if tree is None:
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if not isinstance(tree, ast.Module) or not tree.body:
            return cls.single(cst.parse_module(source), source)
        lines = split_lines(source)
        units = units_of(tree, len(lines))
        try:
            return cls.chunked(lines, [(u.first, u.last) for u in units], tree.body)
        except cst.ParserSyntaxError:
            # the same answer as a parse of the whole, or its reason for failing
            return cls.single(cst.parse_module(source), source)

    def positions(self, nodes: Set[int]) -> Dict[int, Position]:
        """(line, column) in the file of the start of each node (by ``id``): generated for
        the top-level statements holding them when those are known, else for every piece."""
        found = self._positions_by_statement(nodes)
        if found is not None:
            return found
        if len(self.chunks) == 1 and self.chunks[0].starts == [(1, 1)]:
            return node_positions(self.chunks[0].module, nodes)
        out: Dict[int, Position] = {}
        left = set(nodes)
        for chunk in self.chunks:
            if not left:
                break
            found = node_positions(chunk.module, left)
            for key, (line, col) in found.items():
                index = bisect.bisect_right(chunk.starts, (line, 1 << 62)) - 1
                start, first = chunk.starts[max(index, 0)]
                out[key] = (first + line - start, col)
            left -= found.keys()
        return out

    def call_lines(self, calls: Sequence[cst.Call]) -> Optional[Dict[int, int]]:
        """The line of each call, as :func:`call_lines`: ``calls`` are all the calls of the
        module in source order."""
        if self._statements is not None:
            starts = sorted(
                node.lineno
                for statement in self._statements
                for node in ast.walk(statement)
                if isinstance(node, ast.Call)
            )
            if len(starts) != len(calls):
                return None
            return {id(call): line for call, line in zip(calls, starts)}
        if self._text is None:
            return None
        return call_lines(calls, self._text)

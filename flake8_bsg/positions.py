"""Positions of reported nodes, computed only for files that have something to report.

LibCST nodes carry no positions, and its ``PositionProvider`` costs about twice the parse.
Code generation with a state that counts lines and characters and records the start of the
few reported nodes costs about a third of it.
"""

from __future__ import annotations

import ast
import bisect
from contextlib import contextmanager
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst._nodes.internal import CodegenState

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
            module = cst.parse_module("".join(pieces))
            chunks.append(Chunk(module, starts))
            body.extend(module.body)

        for first, last in spans:
            group.append((first, last))
            size += last - first + 1
            if size >= chunk_lines:
                flush()
                group, size = [], 0
        if group:
            flush()
        return cls(cst.Module(body=body), chunks, statements=statements)

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
        """(line, column) in the file of the start of each node (by ``id``)."""
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

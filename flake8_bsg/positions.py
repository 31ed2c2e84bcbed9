"""Positions of reported nodes, computed only for files that have something to report.

LibCST nodes carry no positions, and its ``PositionProvider`` costs about twice the parse.
Code generation with a state that counts lines and characters and records the start of the
few reported nodes costs about a third of it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Sequence, Set, Tuple

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
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call))
    if len(lines) != len(calls):
        return None
    return {id(call): line for call, line in zip(calls, lines)}

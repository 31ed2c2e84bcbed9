"""The flake8 adapter: options, the cheap text check, and results.

Importing this module is cheap: LibCST is imported only when a file passes the text check.
"""

from __future__ import annotations

import argparse
import ast
from typing import TYPE_CHECKING, Iterator, List, Sequence, Tuple

if TYPE_CHECKING:
    from flake8.options.manager import OptionManager  # type: ignore[import-untyped]

from flake8_bsg.options import OPTIONS, Config, OptionError, build_config, names


class Plugin:
    """flake8 entry point ``BSG``."""

    name = "flake8-bsg"
    config: Config = Config()

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, manager: OptionManager) -> None:
        for flag, default, help_text in OPTIONS:
            manager.add_option(flag, default=default, parse_from_config=True, help=help_text)
        from flake8_bsg.rules import DEFAULT_OFF

        manager.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        values = [getattr(options, name, None) for name in names()]
        try:
            cls.config = build_config(*values)
        except OptionError as exc:
            raise SystemExit(str(exc)) from None

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        from flake8_bsg.engine import check_lines

        try:
            results: List[Tuple[int, int, str]] = check_lines(
                self.lines, self.filename, self.config
            )
        except Exception as exc:  # the engine never raises; this is the last line of defence
            from flake8_bsg.rules.bsg000_unparsable_file import internal

            results = [(1, 0, internal(type(exc).__name__))]
        for line, col, text in results:
            yield line, col, text, type(self)

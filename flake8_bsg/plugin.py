"""The flake8 adapter: options, the cheap text check, and results.

Importing this module is cheap: LibCST is imported only when a file passes the text check.
"""

from __future__ import annotations

import argparse
import ast
from typing import TYPE_CHECKING, Iterator, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from flake8.options.manager import OptionManager  # type: ignore[import-untyped]

    from flake8_bsg.baseline import Baseline

from flake8_bsg.options import (
    DEFAULT_OFF,
    FLAGS,
    OPTIONS,
    PATH_OPTIONS,
    Config,
    OptionError,
    build_config,
    names,
)


class _Switch(argparse.Action):
    """A ``store_true`` switch that flake8 reads from configuration files as text (it reads
    ``store_true`` options with ``getboolean``, which raises on a bad value): the text is then
    validated with the other options, as one clear line."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        kwargs.pop("nargs", None)
        super().__init__(option_strings, dest, nargs=0, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: Optional[str] = None,
    ) -> None:
        setattr(namespace, self.dest, True)


class Plugin:
    """flake8 entry point ``BSG``."""

    name = "flake8-bsg"
    config: Config = Config()
    #: The findings ``--bsg-baseline`` records (read only when the option is set).
    baseline: Optional[Baseline] = None

    def __init__(
        self,
        tree: ast.AST,
        lines: Sequence[str],
        filename: str,
        noqa_line_for: object = None,
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename
        #: flake8's ``FileProcessor.noqa_line_for`` (see ``flake8_bsg.noqa_lines``)
        self.noqa_line_for = noqa_line_for

    @classmethod
    def add_options(cls, manager: OptionManager) -> None:
        for flag, default, help_text in OPTIONS:
            manager.add_option(
                flag,
                default=default,
                parse_from_config=True,
                help=help_text,
                normalize_paths=flag in PATH_OPTIONS,
            )
        for flag, help_text in FLAGS:
            manager.add_option(
                flag, action=_Switch, default=False, parse_from_config=True, help=help_text
            )
        manager.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        values = [getattr(options, name, None) for name in names()]
        try:
            cls.config = build_config(*values)
        except OptionError as exc:
            raise SystemExit(str(exc)) from None
        exclude = list(getattr(options, "exclude", None) or [])
        exclude += list(getattr(options, "extend_exclude", None) or [])
        cls.config.exclude = tuple(str(e) for e in exclude)
        jobs = getattr(options, "jobs", None)
        parallel = getattr(jobs, "is_auto", False) or getattr(jobs, "n_jobs", 1) > 1
        paths = [str(p) for p in getattr(options, "filenames", None) or ["."]]
        if parallel and not cls.config.no_project and cls._many_files(paths):
            from flake8_bsg.project.index import prepare

            prepare(paths, cls.config)
        cls.baseline = None
        if cls.config.baseline:
            from flake8_bsg.baseline import BaselineError, load_baseline

            try:
                cls.baseline = load_baseline(cls.config.baseline)
            except BaselineError as exc:
                raise SystemExit(str(exc)) from None

    @staticmethod
    def _many_files(paths: List[str]) -> bool:
        """Whether flake8 may lint these paths in parallel (more than one file)."""
        import os

        return len(paths) > 1 or any(p != "-" and os.path.isdir(p) for p in paths)

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        if not self._may_take_part():
            return  # decided without importing the engine (most files of most projects)
        # (the engine need not ask again: force)
        from flake8_bsg.engine import check_lines

        try:
            results: List[Tuple[int, int, str]] = (
                check_lines(self.lines, self.filename, self.config, self.tree, force=True)
                if self.baseline is None
                else self._not_in_baseline(self.baseline)
            )
        except Exception as exc:  # the engine never raises; this is the last line of defence
            from flake8_bsg.rules.bsg000_unparsable_file import internal

            results = [(1, 0, internal(type(exc).__name__))]
        if results and self.noqa_line_for is not None:
            self._spare_tokenizing()
        for line, col, text in results:
            yield line, col, text, type(self)

    def _spare_tokenizing(self) -> None:
        """flake8 tokenizes a file again at its first finding, to find noqa comments;
        hand it the lines that need no tokenizing (never raises)."""
        try:
            from flake8_bsg.noqa_lines import hand_over

            hand_over(self.noqa_line_for, self.lines, self.tree)
        except Exception:  # flake8 then computes its map itself, as without the plugin
            pass

    def _may_take_part(self) -> bool:
        """The engine's first question (SPEC 8(a)): does the text mention BSG, or does the
        file import a project module that does?"""
        from flake8_bsg.source import may_involve_bsg

        text = "".join(self.lines)
        if may_involve_bsg(text, self.config):
            return True
        from flake8_bsg.project.quick import takes_part

        return takes_part(text, self.filename, self.config)

    def _not_in_baseline(self, baseline: Baseline) -> List[Tuple[int, int, str]]:
        """The file's diagnostics that the baseline does not record."""
        from flake8_bsg.baseline import Fingerprinted, fingerprints, relative_path
        from flake8_bsg.engine import check_findings

        findings = check_findings(
            "".join(self.lines), self.filename, self.config, force=True, tree=self.tree
        )
        marks = fingerprints(
            [Fingerprinted(f.code, f.line, f.key) for f in findings],
            relative_path(self.filename, baseline.folder),
            self.lines,
            self.tree,
        )
        return [
            (f.line, f.col, f.message)
            for f, mark in zip(findings, marks)
            if not baseline.records(mark)
        ]

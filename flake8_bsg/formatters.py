"""flake8 formatter plugins: ``flake8 --format=bsg-sarif`` (also ``bsg-github``, ``bsg-gitlab``
and ``bsg-json``), the formats of ``flake8-bsg check --output-format`` for every code flake8
reports.

flake8 imports every report plugin at each start, chosen or not: this module imports only
flake8's base class (already loaded by then); the rest comes when the document is written.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from flake8.formatting.base import BaseFormatter  # type: ignore[import-untyped]

if TYPE_CHECKING:
    import ast

    from flake8.statistics import Statistics  # type: ignore[import-untyped]
    from flake8.violation import Violation  # type: ignore[import-untyped]

    from flake8_bsg.formats import Report


class _Document(BaseFormatter):  # type: ignore[misc]
    """Collects what flake8 reports and writes one document when the run ends."""

    output_format = "json"

    def after_init(self) -> None:
        self._errors: List[Violation] = []

    def start(self) -> None:
        # a document replaces the file (flake8 appends lines, which would make two documents)
        if self.filename:
            import os

            folder = os.path.dirname(os.path.abspath(self.filename))
            os.makedirs(folder, exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def handle(self, error: Violation) -> None:
        self._errors.append(error)

    def format(self, error: Violation) -> Optional[str]:
        return None

    def show_statistics(self, statistics: Statistics) -> None:
        """Nothing: statistics would break the document (use the default format for them)."""

    def show_benchmarks(self, benchmarks: List[Tuple[str, float]]) -> None:
        """Nothing: benchmarks would break the document."""

    def stop(self) -> None:
        from flake8_bsg.formats import render

        text = render(self.output_format, reports_from_flake8(self._errors, self.options))
        if text:
            self._write(text[:-1] if text.endswith("\n") else text)
        super().stop()


class SarifFormatter(_Document):
    """``--format=bsg-sarif``: SARIF 2.1.0 for GitHub code scanning."""

    output_format = "sarif"


class GithubFormatter(_Document):
    """``--format=bsg-github``: GitHub workflow commands (pull-request annotations)."""

    output_format = "github"


class GitlabFormatter(_Document):
    """``--format=bsg-gitlab``: a GitLab Code Quality report."""

    output_format = "gitlab"


class JsonFormatter(_Document):
    """``--format=bsg-json``: a JSON list of findings."""

    output_format = "json"


def _source(filename: str, options: argparse.Namespace) -> Optional[str]:
    """The text flake8 linted: stdin (which flake8 keeps) or the file."""
    if filename == getattr(options, "stdin_display_name", "stdin") and "-" in (
        getattr(options, "filenames", None) or []
    ):
        from flake8.utils import stdin_get_value  # type: ignore[import-untyped]

        return str(stdin_get_value())
    from flake8_bsg.cli import read_source

    try:
        return read_source(filename)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _fingerprint_base(options: argparse.Namespace) -> str:
    import os

    baseline = str(getattr(options, "bsg_baseline", None) or "")
    if baseline:
        return os.path.dirname(os.path.abspath(baseline))
    return os.getcwd()


def reports_from_flake8(errors: Sequence[Violation], options: argparse.Namespace) -> List[Report]:
    """flake8's violations as reports, in flake8's order, each with the fingerprint
    ``flake8-bsg check`` gives the same finding (BSG findings get their rule's key by analysing
    the file again; other codes have none)."""
    from flake8_bsg.formats import Report, display_path

    by_file: Dict[str, List[Violation]] = {}
    for error in errors:
        by_file.setdefault(error.filename, []).append(error)
    prints: Dict[int, str] = {}
    base = _fingerprint_base(options)
    for filename, found in by_file.items():
        prints.update(_file_fingerprints(filename, found, options, base))
    return [
        Report(
            display_path(e.filename),
            e.line_number,
            e.column_number,
            e.code,
            f"{e.code} {e.text}",
            prints.get(id(e), ""),
        )
        for e in errors
    ]


def _file_fingerprints(
    filename: str, errors: Sequence[Violation], options: argparse.Namespace, base: str
) -> Dict[int, str]:
    """The fingerprint of each of one file's violations, by ``id()`` of the violation."""
    import ast

    from flake8_bsg.baseline import Fingerprinted, fingerprints, relative_path
    from flake8_bsg.source import split_lines

    source = _source(filename, options)
    if source is not None:
        lines = split_lines(source)
    else:  # unreadable now: the lines flake8 kept are all there is
        lines = [""] * max(e.line_number for e in errors)
        for error in errors:
            if error.physical_line is not None and 0 < error.line_number <= len(lines):
                lines[error.line_number - 1] = error.physical_line
    tree: Optional[ast.AST] = None
    if source is not None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    path = relative_path(filename, base)
    out: Dict[int, str] = {}
    bsg = [e for e in errors if e.code.startswith("BSG")]
    if bsg and source is not None:
        out.update(_bsg_fingerprints(filename, source, bsg, options, path, lines, tree))
    others = sorted(
        (e for e in errors if id(e) not in out),
        key=lambda e: (e.line_number, e.column_number, e.code, e.text),
    )
    marks = [Fingerprinted(e.code, e.line_number, "") for e in others]
    for error, mark in zip(others, fingerprints(marks, path, lines, tree)):
        out[id(error)] = mark
    return out


def _bsg_fingerprints(
    filename: str,
    source: str,
    errors: Sequence[Violation],
    options: argparse.Namespace,
    path: str,
    lines: Sequence[str],
    tree: Optional[ast.AST],
) -> Dict[int, str]:
    """Fingerprints of the BSG violations, from the file's findings analysed again (flake8
    hands a formatter the message, not the rule's key, and runs the plugin in other
    processes)."""
    from flake8_bsg.baseline import Fingerprinted, fingerprints
    from flake8_bsg.engine import check_findings
    from flake8_bsg.options import build_config, names

    config = build_config(*[getattr(options, name, None) for name in names()])
    findings = check_findings(source, filename, config)
    marks = [Fingerprinted(f.code, f.line, f.key) for f in findings]
    pending: Dict[Tuple[int, int, str, str], List[str]] = {}
    for finding, mark in zip(findings, fingerprints(marks, path, lines, tree)):
        place = (finding.line, finding.col, finding.code, finding.message)
        pending.setdefault(place, []).append(mark)
    out: Dict[int, str] = {}
    for error in errors:
        place = (
            error.line_number,
            error.column_number - 1,
            error.code,
            f"{error.code} {error.text}",
        )
        marks_here = pending.get(place)
        if marks_here:
            out[id(error)] = marks_here.pop(0)
    return out

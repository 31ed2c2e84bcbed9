"""The ``flake8-bsg`` command: ``check``, ``fix``, ``catalogue``, ``explain``, ``server``."""

from __future__ import annotations

import argparse
import configparser
import importlib
import json
import os
import sys
import tokenize
from types import ModuleType
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, Optional, Sequence

from flake8_bsg import __version__
from flake8_bsg.codes import GROUPS, MESSAGE_ALIASES, RESERVED_CODES, ErrorCode, ErrorMessage
from flake8_bsg.formats import FORMATS

if TYPE_CHECKING:
    from flake8_bsg.baseline import Baseline
    from flake8_bsg.formats import Report
    from flake8_bsg.options import Config

# ---- catalogue ----------------------------------------------------------------------------


def catalogue_table() -> str:
    lines = ["| code | name | family | description |", "|---|---|---|---|"]
    lines += [f"| {int(m)} | {m.name} | {m.family} | {m.description} |" for m in ErrorCode]
    lines += [
        "",
        "Reserved for future use (never returned): "
        + ", ".join(str(c) for c in sorted(RESERVED_CODES))
        + ".",
        "",
    ]
    lines += ["| name | message | groups |", "|---|---|---|"]
    lines += [f"| {m.name} | {m.value} | {', '.join(m.groups)} |" for m in ErrorMessage]
    lines += ["", "Aliases (wordings the live API returns):", ""]
    lines += [f"- {text!r} = {member.name}" for text, member in MESSAGE_ALIASES.items()]
    return "\n".join(lines) + "\n"


def catalogue_json() -> str:
    data = {
        "codes": [
            {"code": int(m), "name": m.name, "family": m.family, "description": m.description}
            for m in ErrorCode
        ],
        "reserved": sorted(RESERVED_CODES),
        "messages": [
            {"name": m.name, "message": m.value, "groups": list(m.groups)} for m in ErrorMessage
        ],
        "aliases": {text: member.name for text, member in MESSAGE_ALIASES.items()},
        "groups": list(GROUPS),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def catalogue_python() -> str:
    out = [
        '"""BSG error codes and API 2.0 error messages.',
        "",
        f"Written by ``flake8-bsg catalogue --format python`` (flake8-bsg {__version__}); "
        "standard library only.",
        "flake8-bsg resolves ``ErrorCode.<NAME>`` and ``ErrorMessage.<NAME>`` from this module as "
        "from",
        "``flake8_bsg.codes``, and ``flake8-bsg fix --codes-module`` can import from it.",
        '"""',
        "",
        "import enum",
        "",
        "#: Reserved for future use: never returned.",
        f"RESERVED_CODES = frozenset({{{', '.join(str(c) for c in sorted(RESERVED_CODES))}}})",
        "",
        "",
        "class ErrorCode(enum.IntEnum):",
        '    """API 1.0 error codes."""',
        "",
    ]
    out += [f"    {m.name} = {int(m)}  # {m.family}: {m.description}" for m in ErrorCode]
    out += ["", "", "class ErrorMessage(str, enum.Enum):", '    """API 2.0 error messages."""', ""]
    out += [f"    {m.name} = {m.value!r}  # {', '.join(m.groups)}" for m in ErrorMessage]
    out += [
        "",
        "",
        "#: Wordings the live API returns for documented errors.",
        "MESSAGE_ALIASES = {",
    ]
    out += [
        f"    {text!r}: ErrorMessage.{member.name}," for text, member in MESSAGE_ALIASES.items()
    ]
    out += ["}", ""]
    return "\n".join(out)


# ---- explain ------------------------------------------------------------------------------


def explain(code: str) -> Optional[str]:
    """A rule's documentation as ``flake8-bsg explain`` prints it, or ``None``."""
    from flake8_bsg.rules import RULES

    rule = RULES.get(code.upper())
    return rule.explain() if rule is not None else None


# ---- check ----------------------------------------------------------------------------------


def _config_values(paths: Sequence[str]) -> Dict[str, str]:
    """``[flake8]`` from setup.cfg/tox.ini/.flake8 and ``[tool.flake8-bsg]`` from pyproject.toml."""
    values: Dict[str, str] = {}
    parser = configparser.RawConfigParser()
    for name in ("setup.cfg", "tox.ini", ".flake8"):
        if os.path.isfile(name):
            try:
                parser.read(name, encoding="utf-8")
            except configparser.Error:
                continue
    if parser.has_section("flake8"):
        for key, value in parser.items("flake8"):
            values[key.replace("_", "-")] = value
    if os.path.isfile("pyproject.toml"):
        toml = _toml()
        if toml is not None:
            with open("pyproject.toml", "rb") as handle:
                try:
                    data = toml.load(handle)
                except toml.TOMLDecodeError:
                    data = {}
            section = data.get("tool", {}).get("flake8-bsg", {})
            for key, value in section.items():
                values[key.replace("_", "-")] = (
                    ",".join(map(str, value)) if isinstance(value, list) else str(value)
                )
    return values


def _toml() -> Optional[ModuleType]:
    """``tomllib`` (Python 3.11+), or ``tomli`` where it is installed, or ``None``."""
    try:
        import tomllib

        return tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        try:
            return importlib.import_module("tomli")
        except ImportError:
            return None


def _python_files(paths: Iterable[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".") and d not in ("__pycache__", "node_modules")
                )
                for name in sorted(files):
                    if name.endswith(".py"):
                        yield os.path.join(root, name)
        else:
            yield path


def read_source(path: str) -> str:
    """A file's text decoded as Python does (coding cookie, BOM), newlines kept."""
    from flake8_bsg.source import decode_source

    with open(path, "rb") as handle:
        return decode_source(handle.read())


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The options from flags, else from the configuration files, else the defaults."""
    from flake8_bsg.options import FLAGS, OPTIONS, build_config

    config_values = _config_values(args.paths)
    values = []
    for flag, default, _help in OPTIONS:
        given = getattr(args, flag[2:].replace("-", "_"))
        values.append(given if given is not None else config_values.get(flag[2:], default))
    switches = {}
    for flag, _help in FLAGS:
        given = getattr(args, flag[2:].replace("-", "_"), False)
        switches[flag[6:].replace("-", "_")] = given or config_values.get(flag[2:], False)
    config = build_config(*values, **switches)
    exclude = []
    for key in ("exclude", "extend-exclude"):
        exclude += [e.strip() for e in config_values.get(key, "").split(",") if e.strip()]
    config.exclude = tuple(exclude)
    return config


def run_check(args: argparse.Namespace) -> int:
    """0: nothing reported (or a baseline written); 1: something reported; 2: an error."""
    from flake8_bsg.baseline import BaselineError, load_baseline
    from flake8_bsg.formats import render
    from flake8_bsg.options import OptionError

    try:
        config = _config(args)
    except OptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.write_baseline:
        return _write_baseline(args, config)
    baseline: Optional[Baseline] = None
    if config.baseline:
        try:
            baseline = load_baseline(config.baseline)
        except BaselineError as exc:
            print(exc, file=sys.stderr)
            return 2
    anchor = baseline.folder if baseline is not None else os.getcwd()
    streamed = args.output_format == "text"
    reports = []
    for report in _check_reports(args, config, anchor, baseline, not streamed):
        if not streamed:
            reports.append(report)
            continue
        line = f"{report.path}:{report.line}:{report.column}: {report.message}"
        print(line, file=sys.stderr if report.code == "E902" else sys.stdout)
        reports.append(report)
    if not streamed:
        sys.stdout.write(render(args.output_format, reports))
    return 1 if reports else 0


def _check_reports(
    args: argparse.Namespace,
    config: Config,
    anchor: str,
    baseline: Optional[Baseline],
    fingerprinted: bool,
) -> Iterator[Report]:
    """What ``check`` reports for the given paths, file by file, in order: the findings that
    are enabled, not under ``# noqa`` and not recorded in ``baseline``, and the files that
    cannot be read (E902) or parsed (E999). Fingerprints are relative to the folder ``anchor``
    (computed only when ``fingerprinted`` or a baseline needs them)."""
    import ast

    from flake8_bsg.baseline import Fingerprinted, fingerprints, relative_path
    from flake8_bsg.engine import check_findings
    from flake8_bsg.formats import Report, display_path
    from flake8_bsg.noqa_lines import noqa_ranges, noqa_silences, noqa_text
    from flake8_bsg.rules import DEFAULT_OFF
    from flake8_bsg.source import split_lines

    enabled_extra = {c.strip().upper() for c in (args.extend_select or "").split(",") if c.strip()}
    paths = list(_python_files(args.paths))
    if getattr(args, "affected", False):
        from flake8_bsg.project.index import affected

        paths += [p for p in affected(paths, config) if p not in paths]
    for path in paths:
        shown = display_path(path)
        where = relative_path(path, anchor)
        try:
            source = read_source(path)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            (mark,) = fingerprints([Fingerprinted("E902", 1, "")], where, [], None)
            yield Report(shown, 1, 1, "E902", f"E902 {type(exc).__name__}: {exc}", mark)
            continue
        lines = split_lines(source)
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", 1) or 1
            text = f"E999 {type(exc).__name__}: {getattr(exc, 'msg', exc)}"
            (mark,) = fingerprints([Fingerprinted("E999", line, "")], where, lines, None)
            yield Report(shown, line, 1, "E999", text, mark)
            continue
        findings = check_findings(source, path, config)
        if fingerprinted or baseline is not None:
            marks = [Fingerprinted(f.code, f.line, f.key) for f in findings]
            prints = fingerprints(marks, where, lines, tree)
        else:
            prints = [""] * len(findings)
        # what flake8 searches for a finding's noqa comment: its line, or the lines joined to it
        ranges = noqa_ranges(source) if findings and "noqa" in source.lower() else {}
        for finding, mark in zip(findings, prints):
            if finding.code in DEFAULT_OFF and finding.code not in enabled_extra:
                continue
            if noqa_silences(noqa_text(lines, ranges, finding.line), finding.code):
                continue
            if baseline is not None and baseline.records(mark):
                continue
            yield Report(shown, finding.line, finding.col + 1, finding.code, finding.message, mark)


def _write_baseline(args: argparse.Namespace, config: Config) -> int:
    """``check --write-baseline FILE PATH...``: record what the paths report now; entries of
    other files are kept. Exit 0, or 2 when the existing file cannot be kept."""
    from flake8_bsg.baseline import (
        Baseline,
        BaselineError,
        Entry,
        load_baseline,
        merge,
        relative_path,
        write_baseline,
    )

    target = args.write_baseline
    old = Baseline(target, [])
    if os.path.exists(target):
        try:
            old = load_baseline(target)
        except BaselineError as exc:
            print(f"{exc}; not overwritten (remove it to start afresh)", file=sys.stderr)
            return 2
    entries = []
    for report in _check_reports(args, config, old.folder, None, True):
        if report.code in ("E902", "E999"):
            where = f"{report.path}:{report.line}:{report.column}"
            print(f"{where}: {report.message} (not recorded)", file=sys.stderr)
            continue
        path = relative_path(report.path, old.folder)
        entries.append(
            Entry(path, report.line, report.column, report.code, report.message, report.fingerprint)
        )
    recorded = merge(old, entries, args.paths)
    try:
        write_baseline(target, recorded)
    except OSError as exc:
        print(
            f"flake8-bsg: cannot write baseline file {target!r} ({exc.strerror})", file=sys.stderr
        )
        return 2
    kept = len(recorded) - len(entries)
    print(
        f"flake8-bsg: recorded {len(entries)} finding{'s' if len(entries) != 1 else ''} "
        f"in {target}" + (f" (kept {kept} of other files)" if kept else ""),
        file=sys.stderr,
    )
    return 0


def run_fix(args: argparse.Namespace) -> int:
    """0: nothing to fix; 1: fixed (or, with --diff, would fix); 2: an error."""
    from flake8_bsg.fix import fix_source, unified_diff
    from flake8_bsg.options import OptionError

    try:
        config = _config(args)
    except OptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    changed = False
    failed = False
    for path in _python_files(args.paths):
        try:
            source = read_source(path)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
            failed = True
            continue
        http_statuses = "BSG204" in args.extend_select.upper()
        result = fix_source(source, path, config, args.codes_module, http_statuses)
        if result.error:
            print(f"{path}: not fixed: {result.error}", file=sys.stderr)
            failed = failed or not result.error.startswith("form feeds")
        for line, col, why in result.left_in_source if args.diff else result.left:
            print(f"{path}:{line}:{col + 1}: left alone: {why}", file=sys.stderr)
        if not result.changed:
            continue
        changed = True
        if args.diff:
            sys.stdout.write(unified_diff(path, result))
            continue
        with open(path, "rb") as handle:
            raw = handle.read()
        encoding = "utf-8"
        try:
            import io

            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError:
            pass
        bom = raw.startswith(b"\xef\xbb\xbf")
        data = result.fixed.encode("utf-8-sig" if bom else encoding)
        with open(path, "wb") as handle:
            handle.write(data)
        print(
            f"{path}: replaced {len(result.replaced)} "
            f"literal{'s' if len(result.replaced) != 1 else ''}"
        )
    if failed:
        return 2
    return 1 if changed else 0


# ---- main -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-bsg", description="Checks for code that uses the BSG messaging API."
    )
    parser.add_argument("--version", action="version", version=f"flake8-bsg {__version__}")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check", help="lint files without flake8 (same diagnostics and format)")
    check.add_argument("paths", nargs="+")
    options = __import__("flake8_bsg.options", fromlist=["OPTIONS"])
    for flag, _default, help_text in options.OPTIONS:
        flags = (flag, "--baseline") if flag == "--bsg-baseline" else (flag,)
        check.add_argument(*flags, dest=flag[2:].replace("-", "_"), default=None, help=help_text)
    for flag, help_text in options.FLAGS:
        check.add_argument(flag, action="store_true", help=help_text)
    check.add_argument(
        "--affected",
        action="store_true",
        help="also lint every project module whose diagnostics can depend on the given files "
        "(for pre-commit, which passes only the changed files)",
    )
    check.add_argument(
        "--extend-select", default="", help="enable rules that are off by default (BSG204)"
    )
    check.add_argument(
        "--output-format",
        choices=FORMATS,
        default="text",
        help="text (flake8's), json, sarif (GitHub code scanning), github (workflow commands), "
        "gitlab (Code Quality)",
    )
    check.add_argument(
        "--write-baseline",
        metavar="FILE",
        default=None,
        help="record the current findings of PATH... in FILE (entries of other files are kept) "
        "and exit 0",
    )
    cat = sub.add_parser("catalogue", help="print the error catalogue")
    cat.add_argument("--format", choices=("table", "json", "python"), default="table")
    exp = sub.add_parser("explain", help="print a rule's documentation")
    exp.add_argument("code")
    fix = sub.add_parser(
        "fix", help="replace magic codes (BSG201, BSG204) by their named constants"
    )
    fix.add_argument("paths", nargs="+")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    fix.add_argument(
        "--extend-select",
        default="",
        help="BSG204: also replace HTTP statuses by http.HTTPStatus members",
    )
    fix.add_argument(
        "--codes-module",
        default="flake8_bsg.codes",
        help=(
            "module to import ErrorCode/ErrorMessage from (e.g. one written by `catalogue "
            "--format python`)"
        ),
    )
    options = __import__("flake8_bsg.options", fromlist=["OPTIONS"])
    for flag, _default, help_text in options.OPTIONS:
        fix.add_argument(flag, default=None, help=help_text)
    for flag, help_text in options.FLAGS:
        fix.add_argument(flag, action="store_true", help=help_text)
    sub.add_parser("server", help="run the language server (LSP over stdin/stdout) for editors")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``flake8-bsg`` command; its exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`flake8-bsg check . | head`): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "catalogue":
        text = {"table": catalogue_table, "json": catalogue_json, "python": catalogue_python}[
            args.format
        ]()
        sys.stdout.write(text)
        return 0
    if args.command == "explain":
        explained = explain(args.code)
        if explained is None:
            from flake8_bsg.rules import RULES

            print(
                f"flake8-bsg: unknown rule {args.code!r} (known: {', '.join(RULES)})",
                file=sys.stderr,
            )
            return 2
        sys.stdout.write(explained)
        return 0
    if args.command == "check":
        return run_check(args)
    if args.command == "fix":
        return run_fix(args)
    if args.command == "server":
        try:
            from flake8_bsg.server import main as serve
        except ImportError as exc:  # the optional extra is not installed
            print(
                f"flake8-bsg server needs pygls: pip install 'flake8-bsg[server]' ({exc})",
                file=sys.stderr,
            )
            return 2
        return serve()
    parser.print_help()
    return 2

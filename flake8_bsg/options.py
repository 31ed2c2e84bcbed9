"""The ``--bsg-*`` options: their definitions, parsing and validation.

Shared by the flake8 plugin and ``flake8-bsg check``; a bad value raises
:class:`OptionError` with one line naming the option and the value.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

DEFAULT_TEST_FILES = "test_*.py,*_test.py,conftest.py"
#: The rules that are off unless selected (flake8's ``extend_default_ignore``): data read at
#: flake8's start-up, before (and without) the rules being imported.
DEFAULT_OFF: Tuple[str, ...] = ("BSG204",)
DEFAULT_ALLOW_LITERALS = "0"

#: (flag, default, help) for every option.
OPTIONS: Tuple[Tuple[str, str, str], ...] = (
    (
        "--bsg-require-codes",
        "",
        "BSG codes every handler of a call able to produce them must name explicitly (BSG103), "
        "e.g. 8,21",
    ),
    (
        "--bsg-clients",
        "",
        "extra BSG clients: DOTTED=FAMILIES[:ErrorClass] (class or function) or "
        "DOTTED=client.Class (factory), comma-separated",
    ),
    (
        "--bsg-allow-literals",
        DEFAULT_ALLOW_LITERALS,
        "literals BSG201 does not report (default: 0)",
    ),
    (
        "--bsg-test-files",
        DEFAULT_TEST_FILES,
        "globs of test files that get no BSG101 (empty: check tests too)",
    ),
    (
        "--bsg-baseline",
        "",
        "report only findings not recorded in this baseline file (written by "
        "`flake8-bsg check --write-baseline FILE PATH...`)",
    ),
    (
        "--bsg-project-root",
        "",
        "the project's root folder (default: the nearest folder holding pyproject.toml, "
        "setup.cfg, setup.py, tox.ini, .flake8 or .git)",
    ),
    (
        "--bsg-source-roots",
        "",
        "extra folders, relative to the project root, that imports resolve from "
        "(the root and src/ always do), comma-separated",
    ),
    (
        "--bsg-cache-dir",
        "",
        "where per-module facts are cached (default: <root>/.flake8-bsg-cache)",
    ),
)

#: Switches (``store_true`` flags, also ``true``/``false`` in a configuration file).
FLAGS: Tuple[Tuple[str, str], ...] = (
    ("--bsg-no-cache", "do not read or write the facts cache"),
    (
        "--bsg-no-project",
        "file-local analysis: other modules are not read and every public function is an "
        "entry point",
    ),
)

#: Options whose value is a path: relative to the configuration file that sets them.
PATH_OPTIONS: FrozenSet[str] = frozenset(
    {"--bsg-baseline", "--bsg-project-root", "--bsg-cache-dir"}
)

# a pattern, not compiled: `re` compiles it at first use, and flake8 starts without it (most
# configurations name no client)
_DOTTED = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
_ALL = "all"


class OptionError(ValueError):
    """A bad option value; ``str()`` is the one line to show."""


class Config:
    """The parsed options. (A plain class: importing dataclasses would cost every flake8 start.)"""

    def __init__(self) -> None:
        self.require_codes: Tuple[int, ...] = ()
        self.allow_literals: FrozenSet[int] = frozenset({0})
        self.test_files: Tuple[str, ...] = tuple(DEFAULT_TEST_FILES.split(","))
        self.wrapper_classes: Dict[str, Tuple[Tuple[str, ...], Optional[str]]] = {}
        self.wrapper_functions: Dict[str, Tuple[Tuple[str, ...], Optional[str]]] = {}
        self.factories: Dict[str, str] = {}
        self.error_classes: FrozenSet[str] = frozenset()
        #: The baseline file's path (``--bsg-baseline``), or ``""``; read by its users.
        self.baseline: str = ""
        #: The project (SPEC section 3, "Across the project").
        self.project_root: str = ""
        self.source_roots: Tuple[str, ...] = ()
        self.cache_dir: str = ""
        self.no_cache = False
        self.no_project = False
        #: flake8's ``exclude`` and ``extend-exclude`` patterns (modules the project skips).
        self.exclude: Tuple[str, ...] = ()

    def fact_options(self) -> List[str]:
        """The options that change a module's facts (part of the cache's key)."""
        clients = sorted(
            f"{name}={families}:{error}"
            for table in (self.wrapper_classes, self.wrapper_functions)
            for name, (families, error) in table.items()
        )
        return [
            ",".join(clients),
            ",".join(sorted(f"{k}={v}" for k, v in self.factories.items())),
            ",".join(sorted(self.error_classes)),
            ",".join(self.test_files),
            ",".join(self.source_roots),
            self.project_root,
        ]

    def fact_options_key(self) -> str:
        return "\0".join(
            self.fact_options() + [self.cache_dir, str(self.no_cache)] + list(self.exclude)
        )

    @property
    def client_names(self) -> Tuple[str, ...]:
        """The last part of every configured client name (for the cheap text check)."""
        names = list(self.wrapper_classes) + list(self.wrapper_functions) + list(self.factories)
        return tuple(sorted({n.rsplit(".", 1)[-1] for n in names}))

    def is_test_file(self, filename: str) -> bool:
        """Whether a file is a test file: a glob without ``/`` matches the file's name, one with
        ``/`` its path relative to the current directory (however flake8 was given the path:
        ``qa/x.py``, ``./qa/x.py`` or absolute)."""
        if not filename or not self.test_files:
            return False
        base = os.path.basename(filename)
        paths = {filename.replace(os.sep, "/")}
        if filename not in ("-", "stdin"):
            relative = os.path.relpath(os.path.abspath(filename)).replace(os.sep, "/")
            paths |= {relative, "./" + relative}
        return any(
            fnmatch.fnmatch(base, glob)
            if "/" not in glob
            else any(fnmatch.fnmatch(path, glob) for path in paths)
            for glob in self.test_files
        )


def _items(value: object) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        text = ",".join(str(v) for v in value)
    else:
        text = str(value)
    # (split at commas and runs of white space: `str.split` knows the same white space as `\s`)
    return text.replace(",", " ").split()


def _codes(option: str, value: object) -> List[int]:
    out = []
    for item in _items(value):
        try:
            code = int(item)
        except ValueError:
            raise OptionError(
                f"flake8-bsg: {option}: {item!r} is not a number (expected codes like 8,21)"
            ) from None
        out.append(code)
    return out


def parse_require_codes(value: object) -> Tuple[int, ...]:
    codes = _codes("--bsg-require-codes", value)
    if codes:  # the catalogue is imported only when needed: flake8 starts before every lint
        from flake8_bsg.codes import is_documented, is_reserved
    for code in codes:
        if is_reserved(code) or not is_documented(code) or code == 0:
            raise OptionError(
                f"flake8-bsg: --bsg-require-codes: {code} is not a documented BSG error code"
            )
    return tuple(codes)


def parse_allow_literals(value: object) -> FrozenSet[int]:
    return frozenset(_codes("--bsg-allow-literals", value))


def parse_test_files(value: object) -> Tuple[str, ...]:
    globs = tuple(_items(value))
    for glob in globs:
        if any(ch in glob for ch in "\0\n") or glob.count("[") != glob.count("]"):
            raise OptionError(f"flake8-bsg: --bsg-test-files: {glob!r} is not a valid glob")
    return globs


def parse_baseline(value: object) -> str:
    """The baseline file's path (the file itself is read by those who use it)."""
    path = "" if value is None else str(value).strip()
    if any(ch in path for ch in "\0\n\r"):
        raise OptionError(f"flake8-bsg: --bsg-baseline: {path!r} is not a file name")
    return path


def _families(entry: str, text: str) -> Tuple[str, ...]:
    from flake8_bsg.codes import COMMON, FAMILIES

    families: List[str] = []
    for part in text.split("+"):
        part = part.strip()
        if part == _ALL:
            families.extend(FAMILIES)
        elif part in FAMILIES:
            families.append(part)
        else:
            allowed = ", ".join(FAMILIES + (_ALL,))
            raise OptionError(
                f"flake8-bsg: --bsg-clients: {entry!r}: unknown family {part!r} (expected "
                f"{allowed})"
            )
    ordered = [f for f in FAMILIES if f in families or f == COMMON]
    return tuple(ordered)


def parse_clients(value: object, config: Config) -> None:
    for entry in _items(value):
        if "=" not in entry:
            raise OptionError(
                f"flake8-bsg: --bsg-clients: {entry!r} has no '=' (expected "
                f"DOTTED=FAMILIES[:ErrorClass] or DOTTED=client.Class)"
            )
        dotted, spec = (part.strip() for part in entry.split("=", 1))
        if not re.match(_DOTTED, dotted):
            raise OptionError(
                f"flake8-bsg: --bsg-clients: {entry!r}: {dotted!r} is not a dotted name"
            )
        if not spec:
            raise OptionError(f"flake8-bsg: --bsg-clients: {entry!r} has no families after '='")
        head, sep, error = spec.partition(":")
        if sep and not error.strip():
            raise OptionError(f"flake8-bsg: --bsg-clients: {entry!r}: empty error class after ':'")
        if sep and not re.match(_DOTTED, error.strip()):
            raise OptionError(
                f"flake8-bsg: --bsg-clients: {entry!r}: {error!r} is not a dotted class name"
            )
        if not sep and "." in head and re.match(_DOTTED, head):
            config.factories[dotted] = head
            continue
        families = _families(entry, head)
        error_class = error.strip() or None
        last = dotted.rsplit(".", 1)[-1]
        target = config.wrapper_classes if last[:1].isupper() else config.wrapper_functions
        target[dotted] = (families, error_class)
        if error_class:
            config.error_classes = config.error_classes | {error_class}


def parse_path(option: str, value: object) -> str:
    path = "" if value is None else str(value).strip()
    if any(ch in path for ch in "\0\n\r"):
        raise OptionError(f"flake8-bsg: {option}: {path!r} is not a path")
    return path


def parse_project_root(value: object) -> str:
    path = parse_path("--bsg-project-root", value)
    if path and not os.path.isdir(path):
        raise OptionError(f"flake8-bsg: --bsg-project-root: {path!r} is not a folder")
    return path


def parse_source_roots(value: object) -> Tuple[str, ...]:
    roots = tuple(_items(value))
    for root in roots:
        if os.path.isabs(root) or any(ch in root for ch in "\0\n\r"):
            raise OptionError(
                f"flake8-bsg: --bsg-source-roots: {root!r} is not a folder relative to the "
                "project root"
            )
    return roots


def parse_flag(option: str, value: object) -> bool:
    """A switch: ``True``/``False`` from the command line, a string from a config file."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise OptionError(f"flake8-bsg: {option}: {value!r} is not true or false")


def build_config(
    require_codes: object = "",
    clients: object = "",
    allow_literals: object = DEFAULT_ALLOW_LITERALS,
    test_files: object = DEFAULT_TEST_FILES,
    baseline: object = "",
    project_root: object = "",
    source_roots: object = "",
    cache_dir: object = "",
    no_cache: object = False,
    no_project: object = False,
) -> Config:
    """A :class:`Config` from raw option values (strings or lists, as flake8 hands them)."""
    config = Config()
    config.baseline = parse_baseline(baseline)
    config.project_root = parse_project_root(project_root)
    config.source_roots = parse_source_roots(source_roots)
    config.cache_dir = parse_path("--bsg-cache-dir", cache_dir)
    config.no_cache = parse_flag("--bsg-no-cache", no_cache)
    config.no_project = parse_flag("--bsg-no-project", no_project)
    config.require_codes = parse_require_codes(require_codes)
    config.allow_literals = parse_allow_literals(allow_literals)
    config.test_files = parse_test_files(test_files)
    parse_clients(clients, config)
    for dotted, target in config.factories.items():
        from flake8_bsg.clients import canonical_api1

        if canonical_api1(target) is None and target not in config.wrapper_classes:
            raise OptionError(
                f"flake8-bsg: --bsg-clients: '{dotted}={target}': {target!r} is neither a "
                f"bsg_restapi client class nor a declared client class"
            )
    return config


def names(flags: Optional[Iterable[str]] = None) -> List[str]:
    """The attribute names of the options (``bsg_require_codes``, ...)."""
    chosen = flags if flags is not None else [o[0] for o in OPTIONS] + [f[0] for f in FLAGS]
    return [flag[2:].replace("-", "_") for flag in chosen]

"""How the quick look (and the index's scan) reads a module's import statements without a parse:
exact examples, and the reading compared with the regular expression that states it on
generated texts, the fixtures and the standard library."""

from __future__ import annotations

import os
import re
import sysconfig
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_bsg.project.quick import _imported_names, import_statements

ROOT = Path(__file__).resolve().parent.parent

#: What a line-start import statement is, as one pattern: a line starting (after blanks and
#: tabs) with `from BASE import NAMES` (NAMES a parenthesised group, over lines, or the rest of
#: the line up to `#` or `;`) or `import MODULES`. The reader must find exactly its matches.
STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+(?P<modules>[^\n#;]*))",
    re.M,
)

Statement = Tuple[str, Optional[str], Optional[str]]


def by_pattern(text: str) -> List[Statement]:
    return [
        ("", None, m.group("modules"))
        if m.group("modules") is not None
        else (m.group("base"), m.group("names"), None)
        for m in STATEMENT.finditer(text)
    ]


@pytest.mark.parametrize(
    ("text", "statements"),
    [
        ("import a.b, c as d\n", [("", None, "a.b, c as d")]),
        ("import os  # why\n", [("", None, "os  ")]),
        ("import os; import sys\n", [("", None, "os")]),
        (
            "from .x import (\n    a,\n    b,\n)\nimport y\n",
            [(".x", "(\n    a,\n    b,\n)", None), ("", None, "y")],
        ),
        # the lines of a group are not read again, even when one looks like an import
        (
            "from a import (b,\nimport c)\nimport d\n",
            [("a", "(b,\nimport c)", None), ("", None, "d")],
        ),
        # a group that never closes is the rest of its line
        ("from a import (b\nimport c\n", [("a", "(b", None), ("", None, "c")]),
        ("\tfrom ..pkg.mod import name as other\r\n", [("..pkg.mod", "name as other\r", None)]),
        ("from é.ü import ñ\n", [("é.ü", "ñ", None)]),
        ("from  import x\n", [("", "x", None)]),
        ("from import x\n", []),
        ("from a import\n", []),
        ("x = 1; import y\n", []),
        ("importlib.reload(x)\nimported = 1\n", []),
        ('"""\nimport inside_a_docstring\n"""\n', [("", None, "inside_a_docstring")]),
        ("import a\rimport b\n", [("", None, "a\rimport b")]),
        ("", []),
        ("import", []),
        ("import x", [("", None, "x")]),
    ],
)
def test_import_statements(text: str, statements: List[Statement]) -> None:
    assert list(import_statements(text)) == statements == by_pattern(text)


def test_imported_names() -> None:
    text = "import a.b\nfrom . import c\nfrom ..d import (e, f as g)\nfrom h import *\n"
    assert _imported_names(text, "pkg.sub") == {
        "a",
        "a.b",
        "pkg.sub",
        "pkg.sub.c",
        "pkg.d",
        "pkg.d.e",
        "pkg.d.f",
        "h",
    }


PIECES = st.sampled_from(
    [" ", "  ", "\t", "(", ")", "#", ";", ".", "..", ",", "a", "b.c", "_x", "é", "1", "as", "*"]
    + ["from", "import", "importx", "fromage", "\n", "\r"]
)
#: Lines that start like import statements more often than chance would make them.
LINES = st.tuples(
    st.sampled_from(["", " ", "\t", "  "]),
    st.sampled_from(
        ["from", "import", "from ", "import ", "from  ", "from\t", "", "from a import "]
        + ["from .b import (", "from  import ", "from a.b\timport\t(", "import x"]
    ),
    st.lists(PIECES, max_size=8).map("".join),
    st.sampled_from(["\n", "\r\n", ""]),
).map("".join)


@given(st.lists(LINES, max_size=8).map("".join))
@settings(
    max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_generated_texts_read_as_the_pattern_reads_them(text: str) -> None:
    assert list(import_statements(text)) == by_pattern(text)


def test_real_modules_read_as_the_pattern_reads_them() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(ROOT.glob("fixtures/**/*.py")) + sorted(stdlib.glob("*.py"))
    assert len(files) > 300
    for path in files:
        text = path.read_text("utf-8", errors="replace")
        assert list(import_statements(text)) == by_pattern(text), path


def test_module_paths_are_real_through_symlinked_files_and_folders(tmp_path: Path) -> None:
    from flake8_bsg.project.paths import forget_roots, quick_path

    (tmp_path / "real" / "pkg").mkdir(parents=True)
    (tmp_path / "real" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "real" / "pkg" / "mod.py").write_text("", encoding="utf-8")
    (tmp_path / "real" / "target.py").write_text("", encoding="utf-8")
    (tmp_path / "real" / "pkg" / "alias.py").symlink_to(tmp_path / "real" / "target.py")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "linked").symlink_to(tmp_path / "real" / "pkg", target_is_directory=True)
    roots = (str(tmp_path / "missing"), str(tmp_path / "src"), str(tmp_path / "real"))
    forget_roots()
    try:
        for dotted, expected in [
            ("pkg.mod", tmp_path / "real" / "pkg" / "mod.py"),
            ("pkg", tmp_path / "real" / "pkg" / "__init__.py"),
            ("pkg.alias", tmp_path / "real" / "target.py"),
            ("linked.mod", tmp_path / "real" / "pkg" / "mod.py"),
            ("linked.alias", tmp_path / "real" / "target.py"),
        ]:
            assert quick_path(dotted, roots) == os.path.realpath(expected), dotted
        assert quick_path("pkg.mod.name", roots) is None
        assert quick_path("nowhere.mod", roots) is None
    finally:
        forget_roots()


def test_remembered_real_paths_are_realpath_through_links_loops_and_dot_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``real_path`` resolves a file from its folder's remembered answer: on paths through
    symlinked folders and files, relative and dangling links, loops, missing parts and ``..``,
    it answers as ``os.path.realpath`` of the path made absolute."""
    import random

    from flake8_bsg.project.paths import forget_roots, real_path

    root = str(tmp_path)
    for folder in ("a/b/c", "x/y"):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("a/b/c/f.py", "x/g.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    for link, target in [
        ("x/lb", f"{root}/a/b"),
        ("a/lg.py", f"{root}/x/g.py"),
        ("a/b/c/up", "../.."),
        ("a/b/rel", "c/../.."),
        ("loop1", f"{root}/loop2"),
        ("loop2", f"{root}/loop1"),
        ("a/dangling", "missing"),
    ]:
        os.symlink(target, tmp_path / link)
    parts = ["a", "b", "c", "x", "y", "lb", "lg.py", "f.py", "g.py", "up", "rel", "..", "."]
    parts += ["missing", "loop1", "dangling", "", "..x"]
    chosen = random.Random(4)
    monkeypatch.chdir(tmp_path / "x")
    forget_roots()
    # a `..` after a missing part, a loop (realpath's own answers), then paths by chance
    given = [f"{root}/missing/../x/lb/c", f"{root}/loop1/b", "../loop1/c", "lb/c/up/x/g.py"]
    try:
        for path in given:
            assert real_path(path) == os.path.realpath(os.path.join(root, "x", path)), path
        for count in range(6000):
            path = "/".join(chosen.choice(parts) for _ in range(chosen.randint(1, 7)))
            if count % 2:
                path = f"{root}/{path}"
            if chosen.random() < 0.3:
                forget_roots()
            assert real_path(path) == os.path.realpath(os.path.join(root, "x", path)), path
    finally:
        forget_roots()


def write_app(root: Path, files: Dict[str, str]) -> str:
    """A project with a package ``app`` holding a BSG wrapper and ``files``; returns the path
    of a module ``app/top.py`` to look from (not written)."""
    base = {"pyproject.toml": "", "app/__init__.py": "", "app/wrapper.py": "import bsg_restapi\n"}
    for name, text in {**base, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return str(root / "app" / "top.py")


def test_the_look_takes_a_module_s_imports_from_the_index_s_scan(tmp_path: Path) -> None:
    """A module the project index has scanned (from the cache, without its text) is not
    scanned again by the look: the names its scan found are the ones followed; for another
    package or other options the look reads them from the text."""
    from flake8_bsg.options import build_config
    from flake8_bsg.project.index import forget
    from flake8_bsg.project.quick import remember_scan, takes_part

    top = write_app(tmp_path, {"app/plain.py": "import os\n"})
    config = build_config(no_cache=True)
    plain = os.path.realpath(tmp_path / "app" / "plain.py")
    forget()
    try:
        assert not takes_part("from app import plain\n", top, config)
        forget()
        # a record that says it imports the wrapper: the record's names are what is followed
        remember_scan(plain, "app", config, False, frozenset({"app.wrapper"}))
        assert takes_part("from app import plain\n", top, config)
        forget()
        remember_scan(plain, "other", config, False, frozenset({"app.wrapper"}))
        remember_scan(
            plain, "app", build_config(clients="x.y=sms"), False, frozenset({"app.wrapper"})
        )
        assert not takes_part("from app import plain\n", top, config)
    finally:
        forget()


def test_a_scan_with_its_text_s_digest_stands_for_reading_the_module(tmp_path: Path) -> None:
    """A scan that records the digest of the text it read is what the look follows without
    reading the module (whether it passes the text check, what it imports), and a linted file
    whose text has that digest takes the verdict found for it; another text is looked at."""
    from flake8_bsg.options import build_config
    from flake8_bsg.project.index import forget, text_digest
    from flake8_bsg.project.quick import remember_scan, takes_part

    plain_text = "from app import wrapper\n"
    top = write_app(tmp_path, {"app/plain.py": plain_text, "app/other.py": "import os\n"})
    config = build_config(no_cache=True)
    plain = os.path.realpath(tmp_path / "app" / "plain.py")
    other = os.path.realpath(tmp_path / "app" / "other.py")
    forget()
    try:
        assert takes_part("from app import plain\n", top, config)
        forget()
        # records that differ from the files: they are followed, the files are not read
        remember_scan(plain, "app", config, False, frozenset(), text_digest(plain_text))
        remember_scan(other, "app", config, True, frozenset(), text_digest("import os\n"))
        assert not takes_part("from app import plain\n", top, config)
        assert takes_part("from app import other\n", top, config)
        # the linted module itself: its text is the one scanned, so the verdict stands ...
        assert not takes_part(plain_text, plain, config)
        # ... and another text (an editor's buffer) is looked at
        assert takes_part(plain_text + "# edited\n", plain, config)
    finally:
        forget()

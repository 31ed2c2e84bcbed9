"""The project around a linted file, through real flake8: what its modules are, how odd input is
taken (a module LibCST cannot parse, a symlink loop, stdin without a name), and the options that
shape it. The applications under fixtures/projects pin the error flow itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent

WRAPPER = (
    "from bsg_restapi import SMSAPI\n"
    "\n"
    "client = SMSAPI(config={})\n"
    "\n"
    "\n"
    "def notify(message):\n"
    "    return client.send(message)\n"
)
VIEW = "from app.wrapper import notify\n\n\ndef view(request):\n    return notify(request)\n"
# ast accepts it, LibCST does not (fixtures/reliability/unparsable_by_libcst.py)
UNPARSABLE = (ROOT / "fixtures" / "reliability" / "unparsable_by_libcst.py").read_text("utf-8")


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def lint(root: Path, *args: str, stdin: str = "") -> List[str]:
    """flake8's BSG lines (``path:line:col: CODE``), sorted; fails on a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=BSG", "--bsg-no-cache", *args],
        capture_output=True,
        text=True,
        cwd=root,
        input=stdin or None,
    )
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return sorted(" ".join(line.split(" ")[:2]) for line in proc.stdout.splitlines())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/wrapper.py": WRAPPER,
            "app/views.py": VIEW,
        },
    )
    return tmp_path


def test_the_error_leaves_the_project_at_the_view(project: Path) -> None:
    assert lint(project, ".") == ["./app/views.py:5:12: BSG101"]


def test_a_module_libcst_cannot_parse_contributes_nothing_and_the_rest_works(
    project: Path,
) -> None:
    """The unparsable module gets its BSG000 and no facts; it even calls the wrapper, yet the
    view is still judged as before (its call of notify is not seen, so nothing changes)."""
    write(project, {"app/odd.py": "from app.wrapper import notify\n" + UNPARSABLE})
    assert lint(project, ".") == ["./app/odd.py:1:1: BSG000", "./app/views.py:5:12: BSG101"]
    assert lint(project, "app/views.py") == ["app/views.py:5:12: BSG101"]


def test_a_directory_symlink_loop_is_not_followed(project: Path) -> None:
    os.symlink(project, project / "app" / "loop", target_is_directory=True)
    assert lint(project, "app/views.py") == ["app/views.py:5:12: BSG101"]


def test_stdin_without_a_display_name_is_analysed_alone(project: Path) -> None:
    """Nothing says where the text is: it is analysed file-locally, as with --bsg-no-project
    (the wrapper's call is judged where it is)."""
    assert lint(project, "-", stdin=WRAPPER) == ["stdin:7:12: BSG101"]
    shown = lint(project, "--stdin-display-name=app/wrapper.py", "-", stdin=WRAPPER)
    assert shown == []  # with its name, it is the project's wrapper: its callers are judged


def test_a_file_outside_an_explicit_root_is_analysed_alone(project: Path) -> None:
    write(project, {"tools/send.py": WRAPPER})
    root = f"--bsg-project-root={project / 'app'}"
    # tools/ is outside app/: its call is judged where it is (an entry point of its own)
    assert lint(project, root, "tools/send.py") == ["tools/send.py:7:12: BSG101"]


def test_a_nested_project_is_its_own(project: Path) -> None:
    """app/ holds a project marker: it is a project of its own, and the outer project's
    modules do not see it (the view's import no longer resolves from there)."""
    write(project, {"app/setup.cfg": "", "app/wrapper2.py": WRAPPER, "caller.py": VIEW})
    # in the outer project, app/ is skipped: caller.py's import reaches nothing
    assert lint(project, "caller.py") == []
    # app/ is a project of its own: nothing there calls wrapper2, an entry point
    assert lint(project, "app/wrapper2.py") == ["app/wrapper2.py:7:12: BSG101"]


def test_source_roots_resolve_imports(tmp_path: Path) -> None:
    """Modules in a folder without __init__.py resolve from the root (services.api.gateway),
    and by their own name only when the folder is configured as a source root."""
    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "services/api/gateway.py": WRAPPER,
            "services/api/views.py": VIEW.replace("app.wrapper", "gateway"),
        },
    )
    # without configuration services/api is no source root: `gateway` resolves only as
    # services.api.gateway, so the view's import reaches nothing and the wrapper is an entry
    assert lint(tmp_path, ".") == ["./services/api/gateway.py:7:12: BSG101"]
    configured = lint(tmp_path, "--bsg-source-roots=services/api", ".")
    assert configured == ["./services/api/views.py:5:12: BSG101"]


def test_flake8_exclude_leaves_a_module_out_of_the_project(project: Path) -> None:
    """An excluded view is not linted and, out of the project, makes no call: the wrapper,
    called by nobody, is an entry point."""
    assert lint(project, "--extend-exclude=views.py", ".") == ["./app/wrapper.py:7:12: BSG101"]


def test_the_quick_look_reuses_a_verdict_only_for_the_text_on_disk(tmp_path: Path) -> None:
    """A file without BSG text takes part when it imports a module that does; a verdict found
    while looking at another file is reused for the file itself only when its text is the
    one read from disk (an editor's unsaved buffer is looked at anew)."""
    from flake8_bsg.options import build_config
    from flake8_bsg.project.index import forget
    from flake8_bsg.project.quick import takes_part

    write(
        tmp_path,
        {
            "pyproject.toml": "",
            "app/__init__.py": "",
            "app/wrapper.py": WRAPPER,
            "app/plain.py": "import os\n",
            "app/top.py": "from app.plain import os\n",
        },
    )
    forget()
    config = build_config(no_cache=True)
    top, plain = tmp_path / "app" / "top.py", tmp_path / "app" / "plain.py"
    assert not takes_part(top.read_text("utf-8"), str(top), config)  # reads plain.py: apart
    assert not takes_part(plain.read_text("utf-8"), str(plain), config)
    assert takes_part("from app.wrapper import notify\n", str(plain), config)
    assert takes_part(VIEW, str(top), config)
    forget()


def test_remembered_real_paths_follow_symlinks_before_dot_dot(tmp_path: Path) -> None:
    """``link/../x.py`` through a symlink to ``real/sub`` is ``real/x.py``, as the file system
    resolves it (not ``x.py``, as the text reads)."""
    from flake8_bsg.project.paths import forget_roots, real_path

    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "x.py").write_text("", encoding="utf-8")
    (tmp_path / "x.py").write_text("", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "real" / "sub", target_is_directory=True)
    forget_roots()
    given = str(tmp_path / "link" / ".." / "x.py")
    assert (
        real_path(given) == os.path.realpath(given) == os.path.realpath(tmp_path / "real" / "x.py")
    )
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert real_path(os.path.join("link", "..", "x.py")) == os.path.realpath(given)
    finally:
        os.chdir(cwd)
        forget_roots()


def test_escape_filters_written_by_what_they_stop_pass_the_same_items() -> None:
    """A filter that lets all codes but a few through is written as the few it stops; it lets
    through exactly what the list of the rest would (codes, the HTTP-errors item, messages)."""
    import random

    from flake8_bsg.flow.coverage import HTTP
    from flake8_bsg.flow.handling import ALL
    from flake8_bsg.project.summary import EXCEPT, apply_filter, filter_json

    chosen = random.Random(7)
    universe = sorted(ALL, key=str)
    written_short = 0
    for count in range(3000):
        size = chosen.choice([0, 1, 5, 300, len(ALL) - 200, len(ALL) - 5, len(ALL) - 1])
        allowed = set(chosen.sample(universe, size))
        items = set(chosen.sample(range(0, 700), 30)) | {HTTP, "Contact not found"}
        if count % 3 == 0:
            items -= set(range(400, 600))
        escapes, written = filter_json(allowed)
        assert escapes
        plain = None if allowed >= ALL else sorted(allowed, key=str)
        assert apply_filter(written, items) == apply_filter(plain, items), sorted(allowed, key=str)
        if written is not None and written[:1] == [EXCEPT]:
            written_short += 1
            assert len(written) <= len(ALL) // 2 + 1
    assert written_short > 1000

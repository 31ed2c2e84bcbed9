"""``flake8-bsg fix``: the fixture corpus is fixed, re-linted, compiled and fixed again."""

from __future__ import annotations

import ast
import py_compile
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from fixture_runner import FIXTURES, compiler_refuses, expectations, run_flake8

from flake8_bsg.fix import fix_source
from flake8_bsg.options import Config

CLI = [sys.executable, "-m", "flake8_bsg"]


def fix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "fix", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def fixed_corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> Tuple[Path, Dict[Tuple[str, ...], List[Path]], str]:
    root = tmp_path_factory.mktemp("corpus") / "fixtures"
    shutil.copytree(FIXTURES, root)
    groups: Dict[Tuple[str, ...], List[Path]] = {}
    for path in sorted(root.rglob("*.py")):
        expected, options = expectations(path)
        if any("BSG000" in codes for codes in expected.values()):
            continue  # a file LibCST cannot parse cannot be fixed (see the test below)
        groups.setdefault(tuple(options), []).append(path)
    stderr = ""
    for options, paths in groups.items():
        fix_options = [
            o for o in options if o.startswith("--bsg-") or o.startswith("--extend-select")
        ]
        proc = fix(*fix_options, *[str(p) for p in paths], cwd=root)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
        stderr += proc.stderr
    return root, groups, stderr


def test_a_file_libcst_cannot_parse_is_an_error(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "reliability" / "unparsable_by_libcst.py", tmp_path / "u.py")
    proc = fix("u.py", cwd=tmp_path)
    assert proc.returncode == 2 and "u.py: not fixed: LibCST cannot parse it" in proc.stderr


def test_fixed_corpus_compiles(fixed_corpus) -> None:
    root, _groups, _stderr = fixed_corpus
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", SyntaxWarning
        )  # the corpus compares with `is 23` on purpose
        for path in root.rglob("*.py"):
            if compiler_refuses(path) is not None:
                ast.parse(path.read_bytes())  # only the compiler refuses it, as before the fix
                continue
            py_compile.compile(str(path), doraise=True)


def test_fixed_corpus_has_only_the_literals_fix_left_alone(fixed_corpus) -> None:
    root, groups, stderr = fixed_corpus
    left = {tuple(line.split(":")[:3]) for line in stderr.splitlines() if ": left alone: " in line}
    assert left, "the corpus has literals that must not be replaced"
    remaining = []
    for options, paths in groups.items():
        found = run_flake8(paths, list(options))
        for path in paths:
            lines = path.read_text(encoding="utf-8").splitlines()
            for line, col, code, _text in found.get(str(path.resolve()), []):
                if code not in ("BSG201", "BSG204"):
                    continue
                if "noqa" in lines[line - 1]:
                    continue
                if (str(path), str(line), str(col)) not in left:
                    remaining.append(f"{path.relative_to(root)}:{line}:{col} {code}")
    assert not remaining, remaining


def test_fix_is_idempotent_and_leaves_unchanged_files_alone(fixed_corpus) -> None:
    root, groups, _stderr = fixed_corpus
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for paths in groups.values() for p in paths}
    for options, paths in groups.items():
        fix_options = [
            o for o in options if o.startswith("--bsg-") or o.startswith("--extend-select")
        ]
        proc = fix(*fix_options, *[str(p) for p in paths], cwd=root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for paths in groups.values() for p in paths}
    assert after == before


HEADER = (
    '"""Module docstring."""\nfrom __future__ import annotations\n\nimport logging\n\n'
    "from bsg_restapi import APIError, SMSAPI\n"
)


def fixed(body: str, **kwargs) -> str:
    return fix_source(HEADER + body, "m.py", Config(), **kwargs).fixed


def test_adds_one_import_after_the_leading_imports() -> None:
    out = fixed("def f(e: APIError):\n    return e.code == 21 or e.code in (22, 23)\n")
    assert out == HEADER + "from flake8_bsg.codes import ErrorCode\n" + (
        "def f(e: APIError):\n    return e.code == ErrorCode.SMS_INVALID_PHONE_NUMBER or e.code "
        "in (ErrorCode.SMS_NO_EXTERNAL_ID, ErrorCode.SMS_DUPLICATE_ID)\n"
    )


def test_reuses_an_existing_import_or_alias() -> None:
    body = "import flake8_bsg.codes as bc\n\ndef f(e: APIError):\n    return e.code == 21\n"
    assert fixed(body).endswith("return e.code == bc.ErrorCode.SMS_INVALID_PHONE_NUMBER\n")
    body = (
        "from flake8_bsg.codes import ErrorCode as EC\n\n"
        "def f(e: APIError):\n    return e.code == 21\n"
    )
    out = fixed(body)
    assert (
        out.endswith("return e.code == EC.SMS_INVALID_PHONE_NUMBER\n") and out.count("import") == 4
    )


def test_a_name_already_taken_gets_an_alias() -> None:
    body = "ErrorCode = 'mine'\n\ndef f(e: APIError):\n    return e.code == 21\n"
    out = fixed(body)
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert out.endswith("return e.code == BsgErrorCode.SMS_INVALID_PHONE_NUMBER\n")


def test_codes_module_option() -> None:
    out = fixed("def f(e: APIError):\n    return e.code == 21\n", codes_module="myapp.bsg_codes")
    assert "from myapp.bsg_codes import ErrorCode\n" in out


def test_keeps_formatting_and_parentheses() -> None:
    body = "def f(e: APIError):\n    return (e.code  ==  ( 21 ))  # why\n"
    assert fixed(body).endswith(
        "return (e.code  ==  ( ErrorCode.SMS_INVALID_PHONE_NUMBER ))  # why\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        "def f(e: APIError):\n    return e.code is 21\n",  # never under `is`
        "def f(e: APIError):\n    return e.code == 21  # noqa: BSG201\n",
        "def f(e: APIError):\n    return e.code == 21  # noqa\n",
        # flake8 reads the comment of a line joined by a backslash as the literal's
        "def f(e: APIError):\n    return e.code == 21 or \\\n        False  # noqa: BSG201\n",
        "def f(e: APIError):\n    return e.code == 88\n",  # reserved: not a value to name
        "def f(e: APIError):\n    return e.code == 42\n",  # unknown
        "def f(e: APIError):\n    return e.code < 21\n",  # a range bound
    ],
)
def test_leaves_literals_it_must_not_replace(body: str) -> None:
    assert fixed(body) == HEADER + body


def test_messages_only_when_exactly_equal() -> None:
    body = (
        "import json\nfrom bsg_api import ApiException\n\n"
        "def f(e: ApiException):\n"
        "    m = json.loads(e.body)['message']\n"
        "    return m == 'Tariff not found' or m == 'tariff not found' or m == 'Contact group is "
        "not found'\n"
    )
    out = fixed(body)
    assert (
        "m == ErrorMessage.TARIFF_NOT_FOUND or m == 'tariff not found' or m == 'Contact group is "
        "not found'" in out
    )
    assert "from flake8_bsg.codes import ErrorMessage\n" in out


def test_http_statuses_only_when_selected() -> None:
    body = "def f(e: APIError):\n    return e.code == 404\n"
    assert fixed(body) == HEADER + body
    out = fixed(body, http_statuses=True)
    assert (
        out.endswith("return e.code == HTTPStatus.NOT_FOUND\n")
        and "from http import HTTPStatus\n" in out
    )


def test_diff_writes_nothing_and_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HEADER + "def f(e: APIError):\n    return e.code == 21\n", encoding="utf-8")
    original = path.read_bytes()
    proc = fix("--diff", "m.py", cwd=tmp_path)
    assert (
        proc.returncode == 1
        and "+    return e.code == ErrorCode.SMS_INVALID_PHONE_NUMBER" in proc.stdout
    )
    assert path.read_bytes() == original
    assert fix("m.py", cwd=tmp_path).returncode == 1
    assert fix("m.py", cwd=tmp_path).returncode == 0
    assert fix("--bsg-clients=x", "m.py", cwd=tmp_path).returncode == 2


def test_left_alone_positions_follow_the_file_shown(tmp_path: Path) -> None:
    source = HEADER + "def f(e: APIError):\n    return e.code == 21 or e.code == 88\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    diff = fix("--diff", "m.py", cwd=tmp_path)
    col = source.splitlines()[7].index("88") + 1
    assert f"m.py:8:{col}: left alone: 88: also BSG301" in diff.stderr, diff.stderr  # as on disk
    written = fix("m.py", cwd=tmp_path)
    fixed_lines = (tmp_path / "m.py").read_text(encoding="utf-8").splitlines()
    line, col = 9, fixed_lines[8].index("88") + 1  # one import added above, 21 replaced before it
    assert f"m.py:{line}:{col}: left alone: 88: also BSG301" in written.stderr, written.stderr


def test_reuses_the_teams_own_codes_module_and_module_imports() -> None:
    body = "from .bsg_codes import ErrorCode\n\ndef f(e: APIError):\n    return e.code == 21\n"
    out = fixed(body)
    assert "flake8_bsg" not in out and out.endswith(
        "return e.code == ErrorCode.SMS_INVALID_PHONE_NUMBER\n"
    )
    body = "from flake8_bsg import codes\n\ndef f(e: APIError):\n    return e.code == 21\n"
    out = fixed(body)
    assert out.count("import") == 4 and out.endswith(
        "return e.code == codes.ErrorCode.SMS_INVALID_PHONE_NUMBER\n"
    )
    body = "from myapp.bsg_codes import ErrorCode\n\ndef f(e: APIError):\n    return e.code == 21\n"
    out = fixed(body, codes_module="myapp.bsg_codes")
    assert out.count("from myapp.bsg_codes import ErrorCode") == 1


def test_a_local_name_that_would_shadow_the_import_gets_an_alias() -> None:
    body = (
        "def f(e: APIError):\n"
        "    from myapp.errors import ErrorCode\n"
        "    if e.code == 21:\n"
        "        return ErrorCode.INVALID_RECIPIENT\n"
    )
    out = fixed(body)
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert (
        "if e.code == BsgErrorCode.SMS_INVALID_PHONE_NUMBER:" in out
        and "return ErrorCode.INVALID_RECIPIENT" in out
    )


# ---- names: what the file binds (LibCST scope analysis) and imports (GatherImportsVisitor) ----

F21 = "def f(e: APIError):\n    return e.code == 21\n"
ALIASED = "return e.code == BsgErrorCode.SMS_INVALID_PHONE_NUMBER\n"


@pytest.mark.parametrize(
    "binding",
    [
        "def g(ErrorCode):\n    pass\n",  # a parameter
        "g = lambda ErrorCode: ErrorCode\n",
        "def g(xs):\n    return [ErrorCode for ErrorCode in xs]\n",  # a comprehension's own scope
        "class K:\n    ErrorCode = 1\n",
        "def g(e):\n    try:\n        pass\n    except Exception as ErrorCode:\n        pass\n",
        # a `case` capture: LibCST's scope analysis does not record those, fix adds them
        "def g(e):\n    match e:\n        case ErrorCode:\n            pass\n",
        "def g(e):\n    match e:\n        case [*ErrorCode]:\n            pass\n",
        "def g(e):\n    match e:\n        case {**ErrorCode}:\n            pass\n",
    ],
)
def test_a_name_a_function_or_class_binds_gets_an_alias(binding: str) -> None:
    out = fixed(binding + F21)
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert out.endswith(ALIASED)


@pytest.mark.parametrize(
    "binding",
    [
        # any module-level binding, not only one at the top level, rebinds fix's import
        "try:\n    from myapp.codes import ErrorCode\nexcept ImportError:\n    ErrorCode = None\n",
        "for ErrorCode in ():\n    pass\n",
        "ErrorCode, other = 1, 2\n",
        "with open('x') as ErrorCode:\n    pass\n",
        "if other:\n    class ErrorCode:\n        pass\n",
        "def g():\n    global ErrorCode\n    ErrorCode = 1\n",
    ],
)
def test_a_name_rebound_at_module_level_gets_an_alias(binding: str) -> None:
    out = fixed(binding + F21)
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert out.endswith(ALIASED)
    compile(out, "m.py", "exec")


def test_reuses_module_imports_with_an_alias() -> None:
    body = "import flake8_bsg.codes as c\nimport http as h\n\n" + F21
    body += "def g(e: APIError):\n    return e.code == 404\n"
    out = fixed(body, http_statuses=True)
    assert out == HEADER + body.replace("== 21", "== c.ErrorCode.SMS_INVALID_PHONE_NUMBER").replace(
        "== 404", "== h.HTTPStatus.NOT_FOUND"
    )


def test_a_module_imported_without_alias_is_not_reused() -> None:
    out = fixed("import flake8_bsg.codes\n" + F21)
    assert out == HEADER + "import flake8_bsg.codes\nfrom flake8_bsg.codes import ErrorCode\n" + (
        F21.replace("21", "ErrorCode.SMS_INVALID_PHONE_NUMBER")
    )


def test_a_later_import_of_the_same_name_is_the_one_that_counts() -> None:
    body = "from flake8_bsg.codes import ErrorCode\nfrom myapp.errors import ErrorCode\n\n" + F21
    out = fixed(body)
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert out.endswith(ALIASED)


def test_a_relative_import_is_read_as_written(tmp_path: Path) -> None:
    package = tmp_path / "mybsg" / "app"
    package.mkdir(parents=True)
    (tmp_path / "mybsg" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    filename = str(package / "views.py")
    # the team's copy: the path as written names bsg, however deep the relative import
    body = "from ..bsg_codes import ErrorCode as EC\n\n" + F21
    out = fix_source(HEADER + body, filename, Config()).fixed
    assert out == HEADER + body.replace("21", "EC.SMS_INVALID_PHONE_NUMBER")
    # not the team's copy although the package's path names bsg
    body = "from .errors import ErrorCode\n\n" + F21
    out = fix_source(HEADER + body, filename, Config()).fixed
    assert "from flake8_bsg.codes import ErrorCode as BsgErrorCode\n" in out
    assert out.endswith(ALIASED)


# ---- imports: written by AddImportsVisitor, placed and ordered as fix always did --------------


def test_import_lines_the_user_wrote_stay_as_they_were() -> None:
    # AddImportsVisitor alone would add ErrorCode to the first line and count on the star import
    mine = "from flake8_bsg.codes import ErrorMessage\nfrom http import *\n"
    body = mine + "\n" + F21 + "def g(e: APIError):\n    return e.code == 404\n"
    out = fixed(body, http_statuses=True)
    assert out == HEADER + mine + (
        "from flake8_bsg.codes import ErrorCode\nfrom http import HTTPStatus\n\n"
        "def f(e: APIError):\n    return e.code == ErrorCode.SMS_INVALID_PHONE_NUMBER\n"
        "def g(e: APIError):\n    return e.code == HTTPStatus.NOT_FOUND\n"
    )


def test_the_catalogue_import_comes_before_http() -> None:
    body = (
        "import json\nfrom bsg_api import ApiException\n\ndef g(e: ApiException):\n"
        "    return json.loads(e.body)['message'] == 'Tariff not found'\n"
        "def f(e: APIError):\n    return e.code == 21 or e.code == 404\n"
    )
    out = fixed(body, http_statuses=True, codes_module="myapp.bsg_codes")
    assert out == HEADER + (
        "import json\nfrom bsg_api import ApiException\n"
        "from myapp.bsg_codes import ErrorCode, ErrorMessage\nfrom http import HTTPStatus\n\n"
        "def g(e: ApiException):\n"
        "    return json.loads(e.body)['message'] == ErrorMessage.TARIFF_NOT_FOUND\n"
        "def f(e: APIError):\n"
        "    return e.code == ErrorCode.SMS_INVALID_PHONE_NUMBER"
        " or e.code == HTTPStatus.NOT_FOUND\n"
    )


@pytest.mark.parametrize(
    "top",
    [
        '"Docstring " "in two parts."\n',  # still the docstring: the import goes below it
        "from __future__ import annotations; import os\n",  # above it would not compile
        '"""Doc."""; import os\n',
    ],
)
def test_the_import_goes_below_the_docstring_and_every_leading_import_line(top: str) -> None:
    source = top + "from bsg_restapi import APIError\n" + F21
    out = fix_source(source, "m.py", Config()).fixed
    assert (
        out
        == top
        + "from bsg_restapi import APIError\nfrom flake8_bsg.codes import ErrorCode\n"
        + (F21.replace("21", "ErrorCode.SMS_INVALID_PHONE_NUMBER"))
    )
    compile(out, "m.py", "exec")


def test_the_import_keeps_the_files_line_endings() -> None:
    source = ('"""Doc."""\nfrom bsg_restapi import APIError\n' + F21).replace("\n", "\r\n")
    out = fix_source(source, "m.py", Config()).fixed
    assert out == (
        '"""Doc."""\nfrom bsg_restapi import APIError\nfrom flake8_bsg.codes import ErrorCode\n'
        + F21.replace("21", "ErrorCode.SMS_INVALID_PHONE_NUMBER")
    ).replace("\n", "\r\n")


# ---- where a literal can be replaced (LibCST matchers) ----------------------------------------


def test_replaces_literals_only_where_a_constant_can_stand() -> None:
    body = (
        "def f(e: APIError):\n"
        "    match e.code:\n"
        "        case 21 | (22):\n"
        "            pass\n"
        "        case (24 as z):\n"
        "            pass\n"
        "    match e:\n"
        "        case APIError(code=21):\n"
        "            pass\n"
        "    return 21 == e.code != 22 < 3 or e.code in [21, 22] or e.code not in {23} or "
        "e.code in ((25, 26), 27)\n"
    )
    result = fix_source(HEADER + body, "m.py", Config())
    assert result.fixed == HEADER + "from flake8_bsg.codes import ErrorCode\n" + (
        "def f(e: APIError):\n"
        "    match e.code:\n"
        "        case ErrorCode.SMS_INVALID_PHONE_NUMBER | (ErrorCode.SMS_NO_EXTERNAL_ID):\n"
        "            pass\n"
        "        case (ErrorCode.SMS_INVALID_PAYLOAD as z):\n"
        "            pass\n"
        "    match e:\n"
        "        case APIError(code=21):\n"
        "            pass\n"
        "    return ErrorCode.SMS_INVALID_PHONE_NUMBER == e.code != ErrorCode.SMS_NO_EXTERNAL_ID "
        "< 3 or e.code in [ErrorCode.SMS_INVALID_PHONE_NUMBER, ErrorCode.SMS_NO_EXTERNAL_ID] or "
        "e.code not in {ErrorCode.SMS_DUPLICATE_ID} or e.code in ((25, 26), "
        "ErrorCode.SMS_INVALID_EXTERNAL_ID)\n"
    )
    assert [(line, why) for line, _col, why in result.left_in_source] == [
        (14, "21: not under ==, !=, in, not in, case or a table key"),
        (16, "25: not under ==, !=, in, not in, case or a table key"),
        (16, "26: not under ==, !=, in, not in, case or a table key"),
    ]


def test_a_deep_file_is_fixed() -> None:
    # deeper than a LibCST visitor, its scope analysis or its code generation can go on the
    # default stack; fix runs them where the analysis runs
    terms = " + ".join(f"x{i}" for i in range(300))
    parens = "(" * 199 + "1" + ")" * 199
    calls = "f(" * 190 + "1" + ")" * 190
    body = (
        f"y = {terms}\nz = {parens}\nw = {calls}\n"
        "def f(e: APIError):\n    return " + "(" * 150 + "e.code == 21" + ")" * 150 + "\n"
    )
    result = fix_source(HEADER + body, "m.py", Config())
    assert result.error is None
    assert result.fixed == HEADER + "from flake8_bsg.codes import ErrorCode\n" + body.replace(
        "== 21", "== ErrorCode.SMS_INVALID_PHONE_NUMBER"
    )

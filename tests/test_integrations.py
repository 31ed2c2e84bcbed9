"""End to end through the tools users run the plugin with: the pre-commit hook of this repository,
python-lsp-server's flake8 linter (an editor), and the flake8 switches and formats people rely on.

Nothing is mocked: every test starts the real program in a subprocess. (An editor feeding its
buffer to `flake8 -` is covered by test_plugin.py's stdin test; the language server below does
exactly that too.)
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Line 7 compares the error code with 88 (BSG201 and BSG301 at column 34); line 5 compares it with
# the HTTP status 404, which is BSG204 and so reported only when that rule is selected.
SOURCE = (
    "from bsg_restapi import APIError\n"
    "\n"
    "\n"
    "def describe(e: APIError) -> str:\n"
    "    if e.code == 404:\n"
    '        return "endpoint moved"\n'
    '    return "failed" if e.code == 88 else "ok"\n'
)
BSG201_88 = "BSG201 magic BSG code 88"
BSG301_88 = "BSG301 88 is reserved"


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without what would leak into a nested git or pre-commit run (the
    suite may itself run inside a git hook), with this interpreter's scripts first on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"
    }
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.update(extra)
    return env


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
    )


def findings(stdout: str) -> list[tuple[str, int, int, str]]:
    """(file, line, column, code) of every line of flake8's default output."""
    found = []
    for line in stdout.splitlines():
        match = re.match(r"(.+?):(\d+):(\d+): ([A-Z]+\d+) ", line)
        assert match, f"not flake8's default format: {line!r}"
        found.append((match[1], int(match[2]), int(match[3]), match[4]))
    return found


# --------------------------------------------------------------------------------------------
# pre-commit: the hook of .pre-commit-hooks.yaml, through `pre-commit try-repo`

BAD_FILE = (
    "from bsg_restapi import APIError\n\n\n"
    "def f(e: APIError):\n    return e.code == 88  # noqa: BSG201\n"
)
# A wrapper and the view that calls it: the commit changes only the wrapper, and the hook
# (`check --affected`) lints the view too, where the error now leaves the project.
WRAPPER_FILE = (
    "from bsg_restapi import SMSAPI\n"
    "\n"
    "client = SMSAPI(config={})\n"
    "\n"
    "\n"
    "def notify(message: dict) -> None:\n"
    "    client.send(message)\n"
)
VIEW_FILE = "from wrapper import notify\n\n\ndef view(request):\n    notify(request)\n"
CLEAN_FILE = (
    "from bsg_restapi import APIError, SMSAPI\n"
    "\n"
    "\n"
    "def send(client: SMSAPI, message: dict) -> bool:\n"
    "    try:\n"
    "        client.send(message)\n"
    "    except APIError:\n"
    "        raise\n"
    "    return True\n"
)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=clean_env(), check=True, capture_output=True)


def init_repo(path: Path) -> None:
    git("init", "-q", cwd=path)
    git("config", "user.email", "tests@example.com", cwd=path)
    git("config", "user.name", "flake8-bsg tests", cwd=path)
    git("config", "commit.gpgsign", "false", cwd=path)


def snapshot_of_working_tree(dest: Path) -> Path:
    """A one-commit git repository holding this checkout's working tree as it is now.

    `try-repo` on the checkout itself would test the last commit plus modified *tracked* files
    only (its shadow repo is made with `git add -u`), so a new, untracked file such as a freshly
    written .pre-commit-hooks.yaml would be missing; the snapshot tests exactly what is on disk.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    if listed.returncode == 0:
        dest.mkdir()
        for name in filter(None, listed.stdout.split("\0")):
            source = ROOT / name
            if source.is_file():  # tracked files deleted in the working tree are listed too
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked archive): copy the tree without generated files
        shutil.copytree(
            ROOT,
            dest,
            ignore=shutil.ignore_patterns(
                ".git",
                ".venv",
                ".ci-venv",
                ".baseline-venv",
                ".hypothesis",
                ".pytest_cache",
                "__pycache__",
                "*.egg-info",
                "build",
                "dist",
            ),
        )
    init_repo(dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def try_repo(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """One `pre-commit try-repo` run over both files.

    try-repo installs the hook's environment (this package, flake8, libcst from PyPI) into a
    temporary store of its own on every call, whatever PRE_COMMIT_HOME says, so both files go
    through one call to build that environment once. PRE_COMMIT_HOME still points into the
    test's directory so nothing (pre-commit.log on an error) lands in the user's cache.
    """
    base = tmp_path_factory.mktemp("pre-commit")
    hooks_repo = snapshot_of_working_tree(base / "flake8-bsg")
    project = base / "project"
    project.mkdir()
    init_repo(project)
    (project / "bad.py").write_text(BAD_FILE)
    (project / "clean.py").write_text(CLEAN_FILE)
    (project / "wrapper.py").write_text(WRAPPER_FILE)
    (project / "view.py").write_text(VIEW_FILE)
    git("add", "-A", cwd=project)
    git("commit", "-q", "--no-verify", "-m", "code", cwd=project)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hooks_repo),
            "flake8-bsg",
            "--color=never",
            "--files",
            "bad.py",
            "clean.py",
            "wrapper.py",
        ],
        cwd=project,
        env=clean_env(PRE_COMMIT_HOME=str(base / "home")),
        capture_output=True,
        text=True,
        timeout=600,
    )


def diagnostic_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"\S+\.py:\d+:\d+: ", line)]


def test_pre_commit_hook_fails_on_bsg301(try_repo: subprocess.CompletedProcess) -> None:
    output = try_repo.stdout + try_repo.stderr
    assert try_repo.returncode == 1, output
    assert re.search(r"^flake8-bsg\.+Failed$", try_repo.stdout, re.MULTILINE), output
    assert "- hook id: flake8-bsg" in try_repo.stdout
    lines = [line for line in diagnostic_lines(try_repo.stdout) if line.startswith("bad.py")]
    assert len(lines) == 1 and lines[0].startswith(f"bad.py:5:22: {BSG301_88} "), output


def test_pre_commit_hook_lints_what_a_change_affects(
    try_repo: subprocess.CompletedProcess,
) -> None:
    """Only wrapper.py changed; its error leaves the project in view.py, which the hook lints
    too (`check --affected`), and wrapper.py itself reports nothing (its caller is judged)."""
    output = try_repo.stdout + try_repo.stderr
    lines = diagnostic_lines(try_repo.stdout)
    assert [line.split(" ")[0:2] for line in lines if "view.py" in line] == [
        ["view.py:5:5:", "BSG101"]
    ], output
    assert "notify() can fail with" in output and "(wrapper.py:7)" in output, output
    assert not [line for line in lines if line.startswith("wrapper.py")], output


def test_pre_commit_hook_passes_clean_file(try_repo: subprocess.CompletedProcess) -> None:
    # The hook ran on both files (one flake8 run, or several when pre-commit splits the list);
    # nothing it printed is about the clean one.
    output = try_repo.stdout + try_repo.stderr
    assert "flake8-bsg" in try_repo.stdout, output
    assert "clean.py" not in try_repo.stdout, output
    assert diagnostic_lines(try_repo.stdout), output


# --------------------------------------------------------------------------------------------
# python-lsp-server: the built-in flake8 linter runs `flake8 -` on the editor's buffer

LSP_SETTINGS = {
    "pylsp": {
        "plugins": {
            "flake8": {"enabled": True},
            "pycodestyle": {"enabled": False},
            "pyflakes": {"enabled": False},
            "mccabe": {"enabled": False},
        }
    }
}
# Non-ASCII text before the reported literal on its line: 88 is at character 48 (0-based) but at
# byte 67 in UTF-8, so a byte offset anywhere on the way would show.
LSP_LINE = '    return "Доставка не удалась ✗" if e.code == 88 else "ok"'
LSP_SOURCE = (
    "from bsg_restapi import APIError\n\n\ndef describe(e: APIError) -> str:\n" + LSP_LINE + "\n"
)
LSP_FIXED = (
    "from bsg_restapi import APIError\n\nfrom flake8_bsg.codes import ErrorCode\n\n\n"
    "def describe(e: APIError) -> str:\n"
    '    return "Доставка ✗" if e.code == ErrorCode.NOT_ENOUGH_FUNDS else "ok"\n'
)


class LanguageServer:
    """A minimal LSP client: JSON-RPC over the stdio of `python -m pylsp`."""

    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pylsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=root,
            env=clean_env(),
        )
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self._messages.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            self._messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self._send({"method": method, "params": params or {}})

    def request(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = 30
    ) -> Any:
        self._next_id += 1
        self._send({"id": self._next_id, "method": method, "params": params or {}})
        reply = self.wait_for(lambda m: m.get("id") == self._next_id and "method" not in m, timeout)
        assert "error" not in reply, reply
        return reply["result"]

    def wait_for(self, wanted: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no such message from pylsp within {timeout} s; its log:\n{self.log()}"
                )
            try:
                message = self._messages.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"pylsp exited ({self.proc.poll()}); its log:\n{self.log()}")
            if "method" in message and "id" in message:  # a request from the server
                self._send({"id": message["id"], "result": None})
            if wanted(message):
                return message

    def diagnostics(self, uri: str, wanted: Any, timeout: float = 60) -> list[dict[str, Any]]:
        """The first diagnostics published for `uri` that satisfy `wanted`."""
        message = self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and wanted(m["params"]["diagnostics"])
            ),
            timeout,
        )
        return message["params"]["diagnostics"]

    def log(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-4000:]

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("shutdown", timeout=10)
                self.notify("exit")
                self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()


@pytest.fixture
def pylsp(tmp_path: Path) -> Iterator[LanguageServer]:
    root = tmp_path / "workspace"
    root.mkdir()
    # A project config stops flake8 from looking for one above the temporary directory.
    (root / ".flake8").write_text("[flake8]\n")
    server = LanguageServer(root, tmp_path / "pylsp.log")
    try:
        server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "capabilities": {},
            },
            timeout=60,
        )
        server.notify("initialized")
        server.notify("workspace/didChangeConfiguration", {"settings": LSP_SETTINGS})
        yield server
    finally:
        server.close()


def bsg(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diagnostics if str(d.get("code", "")).startswith("BSG")]


def test_pylsp_shows_bsg_diagnostics_where_flake8_reports_them(pylsp: LanguageServer) -> None:
    # The buffer exists only in the editor: pylsp pipes it to `flake8 -` with
    # --stdin-display-name=app/notify.py, from the workspace root.
    uri = (pylsp.root / "app" / "notify.py").as_uri()
    on_stdin = flake8(
        "--select=BSG", "--stdin-display-name=app/notify.py", "-", cwd=pylsp.root, stdin=LSP_SOURCE
    )
    expected = [line.split(": ", 1)[1] for line in on_stdin.stdout.splitlines()]
    assert [e.split(" ", 1)[0] for e in expected] == ["BSG201", "BSG301"], on_stdin.stdout
    assert on_stdin.stdout.startswith("app/notify.py:5:49: "), on_stdin.stdout

    pylsp.notify(
        "textDocument/didOpen",
        {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": LSP_SOURCE},
        },
    )
    shown = bsg(pylsp.diagnostics(uri, bsg))

    # What the editor shows: the code in `code`, flake8's text prefixed with the code as
    # `message`, a warning (pylsp makes only syntax and pyflakes errors errors), starting at
    # flake8's line and column less one (0-based), and running to the end of the line because
    # flake8 reports no end (pylsp counts the newline too).
    assert [d["code"] for d in shown] == ["BSG201", "BSG301"], shown
    assert [d["message"] for d in shown] == expected
    assert shown[1]["message"].startswith(BSG301_88)
    assert LSP_LINE.index("88") == 48 and len(LSP_LINE[:48].encode()) == 67
    for d in shown:
        assert d["source"] == "flake8"
        assert d["severity"] == 2
        assert d["range"]["start"] == {"line": 4, "character": 48}, d
        assert d["range"]["end"]["line"] == 4
        assert 48 < d["range"]["end"]["character"] <= len(LSP_LINE) + 1, d


def test_pylsp_updates_on_unsaved_edits(pylsp: LanguageServer) -> None:
    uri = (pylsp.root / "notify.py").as_uri()
    pylsp.notify(
        "textDocument/didOpen",
        {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": LSP_SOURCE},
        },
    )
    assert bsg(pylsp.diagnostics(uri, bsg))
    pylsp.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": LSP_FIXED}],
        },
    )
    # pylsp lints on every change of the buffer; the fix clears the BSG diagnostics.
    pylsp.diagnostics(uri, lambda diagnostics: not bsg(diagnostics))


# --------------------------------------------------------------------------------------------
# flake8's formats and switches


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "a.py").write_text(SOURCE)
    return tmp_path


def test_default_format_carries_the_code(project: Path) -> None:
    proc = flake8("a.py", cwd=project)
    assert proc.returncode == 1
    assert findings(proc.stdout) == [("a.py", 7, 34, "BSG201"), ("a.py", 7, 34, "BSG301")]
    assert f"a.py:7:34: {BSG301_88} " in proc.stdout


def test_pylint_format_carries_the_code(project: Path) -> None:
    proc = flake8("--format=pylint", "a.py", cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["a.py:7:", "a.py:7:"], proc.stdout
    assert lines[0].startswith("a.py:7: [BSG201] magic BSG code 88")
    assert lines[1].startswith("a.py:7: [BSG301] 88 is reserved")


def test_exit_zero_keeps_the_findings(project: Path) -> None:
    proc = flake8("--exit-zero", "a.py", cwd=project)
    assert proc.returncode == 0
    assert [f[3] for f in findings(proc.stdout)] == ["BSG201", "BSG301"]


def test_extend_ignore_removes_a_code(project: Path) -> None:
    proc = flake8("--extend-ignore=BSG301", "a.py", cwd=project)
    assert findings(proc.stdout) == [("a.py", 7, 34, "BSG201")]
    proc = flake8("--extend-ignore=BSG", "a.py", cwd=project)
    assert proc.returncode == 0 and proc.stdout == ""


def test_per_file_ignores(project: Path) -> None:
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(SOURCE)
    proc = flake8("--per-file-ignores=legacy/*.py:BSG301", "a.py", "legacy/old.py", cwd=project)
    assert findings(proc.stdout) == [
        ("a.py", 7, 34, "BSG201"),
        ("a.py", 7, 34, "BSG301"),
        ("legacy/old.py", 7, 34, "BSG201"),
    ]


def test_noqa_with_a_code(project: Path) -> None:
    (project / "a.py").write_text(SOURCE.replace('else "ok"\n', 'else "ok"  # noqa: BSG301\n'))
    assert findings(flake8("a.py", cwd=project).stdout) == [("a.py", 7, 34, "BSG201")]
    (project / "a.py").write_text(
        SOURCE.replace('else "ok"\n', 'else "ok"  # noqa: BSG201,BSG301\n')
    )
    assert flake8("a.py", cwd=project).stdout == ""


def test_bsg204_is_off_by_default_and_extend_select_turns_it_on(project: Path) -> None:
    assert "BSG204" not in flake8("a.py", cwd=project).stdout
    proc = flake8("--extend-select=BSG204", "a.py", cwd=project)
    assert findings(proc.stdout) == [
        ("a.py", 5, 18, "BSG204"),
        ("a.py", 7, 34, "BSG201"),
        ("a.py", 7, 34, "BSG301"),
    ]
    assert "a.py:5:18: BSG204 HTTP status 404" in proc.stdout

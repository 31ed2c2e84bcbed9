"""The facts cache end to end, through real flake8 runs on small temporary projects (SPEC section
3, "Across the project": "Same answer alone or together" and "Cost and cache"; section 5:
``--bsg-cache-dir``, ``--bsg-no-cache``).

"A warm run gives byte-identical output to a cold one (``--bsg-no-cache``), also after any
sequence of edits, additions, deletions and renames of modules." Every expectation here is the
output of a cold run made right next to the warm one, never a stored text; a few checks on top
make sure the scenario really moves a finding (so that a stale cache would show).

Each test says, in a comment, which change of the plugin would make it fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import pytest

CACHE = ".flake8-bsg-cache"
FIXTURE_PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"
SECOND = 1_000_000_000
CACHEDIR_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>BSG\d{3}) ", re.M)

# ---- the project ------------------------------------------------------------------------------

SMS = """\
from bsg_restapi import Recipient, SMSAPI, SMSMessage

client = SMSAPI(config={"api_key": "k"})


def send_otp(phone):
    return client.send(message=SMSMessage(body="1234"), recipients=[Recipient(phone)])
"""

#: The wrapper handling its own error: nothing escapes ``send_otp`` any more.
SMS_HANDLED = """\
from bsg_restapi import APIError, Recipient, SMSAPI, SMSMessage

client = SMSAPI(config={"api_key": "k"})


def send_otp(phone):
    try:
        return client.send(message=SMSMessage(body="1234"), recipients=[Recipient(phone)])
    except APIError:
        return None
"""

#: The wrapper handling one code and re-raising the rest: that code no longer escapes
#: ``send_otp``. ``{code}`` is two digits, so that 21 and 22 give files of the same size.
SMS_DISPATCH = """\
from bsg_restapi import APIError, Recipient, SMSAPI, SMSMessage

client = SMSAPI(config={{"api_key": "k"}})


def send_otp(phone):
    try:
        return client.send(message=SMSMessage(body="1234"), recipients=[Recipient(phone)])
    except APIError as exc:
        if exc.code == {code}:
            return None
        raise
"""

VIEWS = """\
from bsg_restapi import APIError

from app.sms import send_otp


def request_otp(request):
    try:
        return send_otp(request)
    except APIError as exc:
        if exc.code == 21:
            return None


def resend(request):
    return send_otp(request)
"""

TASKS = """\
from app.sms import send_otp


def remind(user):
    send_otp(user)
"""

#: A caller of the view ``resend``: ``resend`` is no entry point any more, so its BSG101 moves
#: from views.py to here.
JOBS = """\
from app.views import resend


def nightly(user):
    resend(user)
"""

#: Calls of the wrapper that are handled (a fallback after the dispatch): nothing to report.
API = """\
from bsg_restapi import APIError

from app import sms


def signup(request):
    try:
        sms.send_otp(request)
    except APIError as exc:
        if exc.code == 21:
            return "bad number"
        return "try later"
"""


def write(path: Path, text: str, age_ns: int = 0) -> None:
    """Write ``text`` at ``path``; with ``age_ns``, date the file that long ago (ahead, when
    negative)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    if age_ns:
        stamp = time.time_ns() - age_ns
        os.utime(path, ns=(stamp, stamp))


def make_project(
    root: Path, extra: Optional[Dict[str, str]] = None, age_ns: int = 10 * SECOND
) -> Path:
    """The issue's project under ``root``: ``app/sms.py`` (the wrapper), ``app/views.py`` (its
    callers) and ``extra`` modules. By default the files are 10 s old, as files are before an
    edit in real life, so that their entries may use the size and modification time stand-in."""
    files = {
        "pyproject.toml": "[project]\nname = 'app'\n",
        "app/__init__.py": "",
        "app/sms.py": SMS,
        "app/views.py": VIEWS,
        **(extra or {}),
    }
    for rel, text in files.items():
        write(root / rel, text, age_ns)
    return root


# ---- running flake8 ---------------------------------------------------------------------------


class Run(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")

    def lines(self, path: Optional[str] = None) -> List[str]:
        """The output lines (of the file ``path`` only, when given)."""
        return [
            line for line in self.text.splitlines() if path is None or line.startswith(path + ":")
        ]

    def findings(self, path: Optional[str] = None) -> List[Tuple[str, int, int, str]]:
        """(path, line, column, code) of every diagnostic (of the file ``path`` only)."""
        return [
            (m["path"], int(m["line"]), int(m["col"]), m["code"])
            for m in LINE.finditer(self.text)
            if path is None or m["path"] == path
        ]


def flake8(cwd: Path, *args: str, stdin: Optional[str] = None, prefix: Sequence[str] = ()) -> Run:
    """One real flake8 run in ``cwd`` (through the command ``prefix``, when given); it must not
    crash nor write anything to stderr."""
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "flake8", "--isolated", "--select=BSG", *args],
        cwd=cwd,
        input=None if stdin is None else stdin.encode("utf-8"),
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert b"Traceback" not in run.stderr, run.stderr.decode("utf-8", "replace")
    assert run.stderr == b"", run.stderr.decode("utf-8", "replace")
    assert run.returncode in (0, 1), run
    # every line of the output is a BSG diagnostic (a crash reported as E902 or BSG999 is not)
    assert len(run.findings()) == len(run.lines()), run.text
    return run


def cold(cwd: Path, *args: str, stdin: Optional[str] = None) -> Run:
    return flake8(cwd, "--bsg-no-cache", *args, stdin=stdin)


def warm_equals_cold(cwd: Path, *args: str, stdin: Optional[str] = None) -> Run:
    """A run with the cache, then a cold run right after: the same bytes, the same status."""
    warm = flake8(cwd, *args, stdin=stdin)
    reference = cold(cwd, *args, stdin=stdin)
    assert warm.stdout == reference.stdout, f"warm run:\n{warm.text}\ncold run:\n{reference.text}"
    assert warm.returncode == reference.returncode
    return warm


# ---- looking at the cache ---------------------------------------------------------------------


def entry_files(cache: Path) -> List[Path]:
    """The cache's entries (one JSON file per module, in the sub-folder of the cache key)."""
    return sorted(cache.rglob("*.json"))


def snapshot(cache: Path) -> Dict[str, Tuple[bytes, int]]:
    """Every entry's bytes and modification time, by path."""
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in entry_files(cache)}


def load_entries(cache: Path) -> List[dict]:
    return [json.loads(p.read_bytes()) for p in entry_files(cache)]


def entry_of(cache: Path, rel: str) -> dict:
    """The entry of the module ``rel`` (its ``path`` field names it first)."""
    found = [e for e in load_entries(cache) if re.match(re.escape(rel) + r"\b", e["path"])]
    assert len(found) == 1, [e["path"] for e in load_entries(cache)]
    return found[0]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def all_files(folder: Path) -> List[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---- 1. cold and warm -------------------------------------------------------------------------


def test_cold_and_warm_runs_give_the_same_bytes(tmp_path: Path) -> None:
    # Fails if facts do not survive the JSON round trip of the cache (a tuple or set read back
    # as a list, a key lost), if a hit returns another module's entry, or if the cache folder
    # lacks its .gitignore / CACHEDIR.TAG.
    root = make_project(tmp_path / "proj", {"app/tasks.py": TASKS, "app/api.py": API})
    first = cold(root, "app")
    assert not (root / CACHE).exists()  # --bsg-no-cache writes nothing
    # the example: BSG102 at the except, BSG201 at 21, BSG101 at the unhandled calls
    assert first.findings() == [
        ("app/api.py", 10, 24, "BSG201"),
        ("app/tasks.py", 5, 5, "BSG101"),
        ("app/views.py", 9, 5, "BSG102"),
        ("app/views.py", 10, 24, "BSG201"),
        ("app/views.py", 15, 12, "BSG101"),
    ]
    assert first.returncode == 1

    second = flake8(root, "app")  # writes the cache
    entries = snapshot(root / CACHE)
    third = flake8(root, "app")  # reads it
    assert second.stdout == first.stdout
    assert third.stdout == first.stdout
    assert first.returncode == second.returncode == third.returncode

    assert (root / CACHE / ".gitignore").read_text().splitlines() == ["*"]
    assert (root / CACHE / "CACHEDIR.TAG").read_text().startswith(CACHEDIR_SIGNATURE)
    # one entry per module that takes part (sms, views, tasks, api), all hits the second time:
    # the warm run really read them (it rewrote none)
    assert len(entries) == 4
    assert snapshot(root / CACHE) == entries


# ---- 2. edits, additions, deletions, renames --------------------------------------------------


def test_warm_equals_cold_after_edits_additions_deletions_and_renames(tmp_path: Path) -> None:
    # Fails if an entry is matched by path alone (the edited wrapper's old facts keep BSG101 in
    # views.py), if a deleted module's facts still count (views.py's BSG101 would stay in the
    # deleted jobs.py's hands), if a renamed module's entry is found by content alone with the
    # old path and dotted name in its facts (the import of app.messaging would not resolve, or
    # the message would name app/sms.py), or if the facts of a module LibCST cannot parse are
    # taken from its last good entry.
    root = make_project(tmp_path / "proj")
    base = warm_equals_cold(root, "app")
    assert base.findings() == [
        ("app/views.py", 9, 5, "BSG102"),
        ("app/views.py", 10, 24, "BSG201"),
        ("app/views.py", 15, 12, "BSG101"),
    ]

    sms, views = root / "app/sms.py", root / "app/views.py"
    tasks, jobs = root / "app/tasks.py", root / "app/jobs.py"

    # the wrapper handles its own error: nothing escapes send_otp, BSG101 and BSG102 go
    write(sms, SMS_HANDLED)
    handled = warm_equals_cold(root, "app")
    assert handled.findings() == [("app/views.py", 10, 24, "BSG201")]

    # and back
    write(sms, SMS)
    assert warm_equals_cold(root, "app").stdout == base.stdout

    # a new module calling the wrapper unhandled: a new BSG101 there, views.py unchanged
    write(tasks, TASKS)
    added = warm_equals_cold(root, "app")
    assert added.findings("app/tasks.py") == [("app/tasks.py", 5, 5, "BSG101")]
    assert added.lines("app/views.py") == base.lines("app/views.py")

    # deleted again
    tasks.unlink()
    assert warm_equals_cold(root, "app").stdout == base.stdout

    # a new caller of the view resend: resend's BSG101 moves into it
    write(jobs, JOBS)
    moved = warm_equals_cold(root, "app")
    assert moved.findings("app/jobs.py") == [("app/jobs.py", 5, 5, "BSG101")]
    assert moved.findings("app/views.py") == base.findings()[:2]

    # deleted again: the BSG101 comes back to views.py
    jobs.unlink()
    assert warm_equals_cold(root, "app").stdout == base.stdout

    # the wrapper renamed (same bytes, so the same content hash), its import updated
    sms.rename(root / "app/messaging.py")
    write(views, VIEWS.replace("from app.sms import", "from app.messaging import"))
    renamed = warm_equals_cold(root, "app")
    assert renamed.findings() == base.findings()
    assert "(app/messaging.py:7)" in renamed.lines("app/views.py")[-1]
    assert "app/sms.py" not in renamed.text

    # and renamed back
    (root / "app/messaging.py").rename(sms)
    write(views, VIEWS)
    assert warm_equals_cold(root, "app").stdout == base.stdout

    # the wrapper cannot be parsed: it contributes no facts (its last good entry is not used)
    write(sms, SMS + "\ndef broken(:\n")
    broken = warm_equals_cold(root, "app")
    assert broken.findings() == [("app/views.py", 10, 24, "BSG201")]

    # repaired
    write(sms, SMS)
    assert warm_equals_cold(root, "app").stdout == base.stdout


# ---- 3. a same-size edit within the same modification time -----------------------------------


def test_a_same_size_edit_of_a_young_file_with_its_old_mtime_is_seen(tmp_path: Path) -> None:
    # Fails if size and modification time stand in for the content hash of a file that was
    # younger than 2 s when its entry was written (the cache would hand back the facts of
    # `== 21`: BSG203 would stay at views.py:10 and the BSG101 message would still leave 21
    # out). The wrapper is dated a minute ahead, so that it is still young when its entry is
    # written however slow the machine (a file just saved, or a clock skew, looks the same).
    root = make_project(tmp_path / "proj", {"app/sms.py": SMS_DISPATCH.format(code=21)})
    sms = root / "app/sms.py"
    write(sms, SMS_DISPATCH.format(code=21), age_ns=-60 * SECOND)
    before = warm_equals_cold(root, "app")  # writes the entry while the file is young
    # the wrapper handles 21: views.py's `== 21` cannot be reached (BSG203)
    assert ("app/views.py", 10, 24, "BSG203") in before.findings()

    stat = sms.stat()
    entry = entry_of(root / CACHE, "app/sms.py")
    assert entry["stat_ok"] is False  # the file was young when the entry was written

    new = SMS_DISPATCH.format(code=22)
    assert len(new.encode()) == stat.st_size
    sms.write_bytes(new.encode())
    os.utime(sms, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # the stat alone cannot tell: size and modification time are those the entry recorded
    assert (sms.stat().st_size, sms.stat().st_mtime_ns) == (entry["size"], entry["mtime_ns"])

    after = warm_equals_cold(root, "app")
    assert after.stdout != before.stdout
    assert ("app/views.py", 10, 24, "BSG203") not in after.findings()
    assert "sms 20, 21, 23–36" in after.lines("app/views.py")[-1]

    # and back, again within the same modification time
    sms.write_bytes(SMS_DISPATCH.format(code=21).encode())
    os.utime(sms, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert flake8(root, "app").stdout == before.stdout


def test_what_a_scan_found_is_kept_and_trusted_only_under_the_file_stamp(tmp_path: Path) -> None:
    # Fails if what a scan found (whether a module passes the text check, what it imports) is
    # not kept (a warm run would read every module again to know which take part), or if it is
    # trusted for a file whose modification time moved (the forged record below would keep
    # the wrapper out of the project).
    root = make_project(tmp_path / "proj", {"app/jobs.py": JOBS})
    first = warm_equals_cold(root, "app")
    [path] = (root / CACHE).glob("v*/scanned")
    document = json.loads(path.read_bytes())
    records = document["value"]
    assert sorted(records) == ["app/__init__.py", "app/jobs.py", "app/sms.py", "app/views.py"]
    sms = root / "app/sms.py"
    stat = sms.stat()
    assert records["app/sms.py"] == [
        [stat.st_size, stat.st_mtime_ns],
        "app",
        True,
        ["bsg_restapi", "bsg_restapi.Recipient", "bsg_restapi.SMSAPI", "bsg_restapi.SMSMessage"],
        hashlib.sha256(sms.read_bytes().replace(b"\r\n", b"\n")).hexdigest(),
    ]
    # a record under the file's own stamp is trusted: the wrapper, said to have no BSG text
    # and to import nothing, takes no part, and nothing escapes into the views any more
    records["app/sms.py"][2:4] = [False, []]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert flake8(root, "app").stdout != first.stdout
    # once the file's modification time moves (the file still old), the record is not
    os.utime(sms, ns=(stat.st_atime_ns, stat.st_mtime_ns - SECOND))
    assert warm_equals_cold(root, "app").stdout == first.stdout
    assert json.loads(path.read_bytes())["value"]["app/sms.py"][2] is True


# ---- 4. flake8 -j2 ----------------------------------------------------------------------------


def copy_fixture_projects(dest: Path) -> List[str]:
    """The fixture applications of fixtures/projects, without any cache of theirs, as more
    projects next to ours (one flake8 run lints files of several projects)."""
    names = []
    for project in sorted(FIXTURE_PROJECTS.iterdir()):
        if project.is_dir():
            shutil.copytree(
                project, dest / project.name, ignore=shutil.ignore_patterns(CACHE, "__pycache__")
            )
            names.append(project.name)
    return names


def test_parallel_workers_warm_and_cold_agree_with_one_cold_process(tmp_path: Path) -> None:
    # Fails if -j workers sharing the cache folder see half-written entries (a non-atomic
    # write read by the other worker), if a worker's facts differ from the main process's, or
    # if the order or content of the output depends on the number of jobs or on the cache.
    make_project(tmp_path / "proj", {"app/tasks.py": TASKS, "app/api.py": API})
    paths = ["proj", *copy_fixture_projects(tmp_path)]
    reference = cold(tmp_path, "-j1", *paths)
    assert len(reference.findings()) > 20
    assert len({path.split("/")[0] for path, *_ in reference.findings()}) >= 5

    for args in (
        ["-j2", "--bsg-no-cache"],
        ["-j2"],  # empty caches: both workers write
        ["-j2"],  # full caches: both workers read
    ):
        run = flake8(tmp_path, *args, *paths)
        assert run.stdout == reference.stdout, args
        assert run.returncode == reference.returncode

    caches = sorted(tmp_path.glob(f"*/{CACHE}"))
    assert len(caches) == len(paths)
    for cache in caches:
        assert entry_files(cache)
        for entry in load_entries(cache):  # every entry whole
            assert isinstance(entry, dict) and "payload" in entry
        assert not list(cache.rglob(".tmp-*"))  # no temporary file left behind


# ---- 5. a cache folder that cannot be written -------------------------------------------------


def read_only_mount(folder: Path) -> List[str]:
    """A command prefix running the rest of the command with ``folder`` mounted read-only in a
    mount namespace of its own (root only, where namespaces are allowed): read-only for root
    too, which ignores the permissions that ``chmod`` takes away."""
    return ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder)]


@pytest.mark.parametrize("how", ["chmod", "read-only mount"])
def test_a_read_only_cache_folder_changes_nothing(tmp_path: Path, how: str) -> None:
    # Fails if an OSError of the cache (PermissionError, or EROFS on the read-only mount, from
    # mkstemp in the entries' folder) escapes: a traceback or a BSG999/E902 line instead of the
    # findings, another exit status. The run has to write: the entries of sms.py are stale and
    # tasks.py has none.
    root = make_project(tmp_path / "proj")
    flake8(root, "app")  # a cache with entries of the first versions
    cache = root / CACHE
    write(root / "app/sms.py", SMS_DISPATCH.format(code=21))
    write(root / "app/tasks.py", TASKS)
    entries = snapshot(cache)
    expected = cold(root, "app")
    assert ("app/tasks.py", 5, 5, "BSG101") in expected.findings()
    if how == "chmod":
        if os.name == "nt" or os.geteuid() == 0:
            pytest.skip("root (or Windows) ignores the permissions of folders")
        subprocess.run(["chmod", "-R", "a-w", str(cache)], check=True)
        try:
            run = flake8(root, "app")
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(cache)], check=True)
    else:
        if os.name == "nt" or os.geteuid() != 0 or shutil.which("unshare") is None:
            pytest.skip("a read-only bind mount needs root and unshare")
        probe = subprocess.run([*read_only_mount(cache), "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("no mount namespace here: " + probe.stderr.decode(errors="replace"))
        run = flake8(root, "app", prefix=read_only_mount(cache))
    assert run.stdout == expected.stdout
    assert run.returncode == expected.returncode
    assert snapshot(cache) == entries  # nothing was written


@pytest.mark.parametrize("where", ["below a file", "a file itself"])
def test_a_cache_folder_that_cannot_be_created_changes_nothing(tmp_path: Path, where: str) -> None:
    # Works as root too. Fails if the cache lets the OSError of creating its folder escape
    # (NotADirectoryError below a regular file, FileExistsError where the folder is a file):
    # a traceback or an E902/BSG999 line instead of the findings, another exit status.
    root = make_project(tmp_path / "proj")
    blocker = tmp_path / "afile" if where == "below a file" else root / CACHE
    blocker.write_text("not a folder\n")
    args = ["--bsg-cache-dir", str(tmp_path / "afile" / "cache")] if where == "below a file" else []
    expected = cold(root, "app")
    run = flake8(root, *args, "app")
    assert run.stdout == expected.stdout
    assert run.returncode == expected.returncode == 1
    assert blocker.read_text() == "not a folder\n"


# ---- 6. corrupt entries -----------------------------------------------------------------------


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


CORRUPTIONS = [
    truncated,  # an interrupted write without the atomic rename
    lambda data: b"{}",
    lambda data: b"\x00\xff\xfe\x80garbage\x9c\x00" * 7,  # not UTF-8
    lambda data: b"",
    lambda data: b"null",
    lambda data: b"[1, 2, 3]",
]


def test_corrupt_entries_are_misses_and_are_rewritten(tmp_path: Path) -> None:
    # Fails if reading an entry raises on bad JSON, bytes that are not UTF-8 or a JSON value
    # that is no entry (a traceback, an E902 line), if such an entry is used as facts (BSG101
    # would move), if an entry found under another module's name is believed, or if a corrupt
    # entry is left in place instead of being rewritten on the miss.
    root = make_project(tmp_path / "proj", {"app/tasks.py": TASKS})
    cache = root / CACHE
    expected = cold(root, "app")
    assert ("app/views.py", 15, 12, "BSG101") in expected.findings()
    flake8(root, "app")
    good = {str(p): json.loads(p.read_bytes()) for p in entry_files(cache)}
    assert len(good) == 3  # sms, views, tasks

    def check() -> None:
        run = flake8(root, "app")
        assert run.stdout == expected.stdout
        assert run.returncode == expected.returncode
        # rewritten on the miss: valid entries again, as they were
        assert {str(p): json.loads(p.read_bytes()) for p in entry_files(cache)} == good

    # two rounds, each entry corrupt in another way each round: every way is seen once
    for round in range(2):
        for number, path in enumerate(entry_files(cache)):
            corrupt = CORRUPTIONS[(round * len(good) + number) % len(CORRUPTIONS)]
            path.write_bytes(corrupt(path.read_bytes()))
        check()

    # whole entries under each other's names (a copy gone wrong): their paths do not match
    files = entry_files(cache)
    contents = [p.read_bytes() for p in files]
    for path, data in zip(files, contents[1:] + contents[:1]):
        path.write_bytes(data)
    check()


# ---- 7. unsaved buffers -----------------------------------------------------------------------


def test_an_unsaved_buffer_never_enters_the_cache(tmp_path: Path) -> None:
    # Fails if the facts of the text flake8 hands over (an editor's buffer) are stored for the
    # file, e.g. under the hash of the file on disk: the next run of the project would take the
    # wrapper for handled (no BSG101 in views.py) although the file on disk is not.
    root = make_project(tmp_path / "proj")
    cache = root / CACHE
    expected = cold(root, "app")
    buffer = SMS_DISPATCH.format(code=21)
    stdin = ("--stdin-display-name", "app/sms.py", "-")

    # a cache written by a stdin run only: it holds what is on disk, never the buffer
    linted = flake8(root, *stdin, stdin=buffer)
    assert linted.findings() == [("app/sms.py", 10, 24, "BSG201")]  # the buffer was linted
    assert entry_of(cache, "app/sms.py")["sha256"] == sha256(SMS)
    assert sha256(buffer) not in {e["sha256"] for e in load_entries(cache)}
    assert flake8(root, "app").stdout == expected.stdout

    # a warm cache: the stdin run rewrites no entry and adds none
    entries = snapshot(cache)
    assert len(entries) == 2
    assert flake8(root, *stdin, stdin=buffer).stdout == linted.stdout
    assert snapshot(cache) == entries
    assert warm_equals_cold(root, "app").stdout == expected.stdout
    assert snapshot(cache) == entries


# ---- 8. where the cache goes ------------------------------------------------------------------


def test_cache_dir_moves_the_cache_and_no_cache_writes_none(tmp_path: Path) -> None:
    # Fails if --bsg-cache-dir is ignored (the cache lands in the project), if it is taken as
    # the entries' own folder without its .gitignore / CACHEDIR.TAG, or if --bsg-no-cache still
    # creates a folder (in the project or in the given --bsg-cache-dir).
    root = make_project(tmp_path / "proj")
    elsewhere = tmp_path / "elsewhere"
    before = all_files(tmp_path)
    expected = cold(root, "app")
    assert cold(root, "--bsg-cache-dir", str(elsewhere), "app").stdout == expected.stdout
    assert all_files(tmp_path) == before  # nothing at all was written

    for _ in range(2):  # written, then read
        run = flake8(root, "--bsg-cache-dir", str(elsewhere), "app")
        assert run.stdout == expected.stdout
    assert not (root / CACHE).exists()
    assert (elsewhere / ".gitignore").read_text().splitlines() == ["*"]
    assert (elsewhere / "CACHEDIR.TAG").read_text().startswith(CACHEDIR_SIGNATURE)
    assert len(entry_files(elsewhere)) == 2
    assert [p for p in all_files(tmp_path) if not p.startswith("elsewhere")] == before


# ---- 9. the same answer alone or together -----------------------------------------------------


def test_one_file_alone_gets_its_lines_of_the_whole_project_run(tmp_path: Path) -> None:
    # Fails if a file linted alone (or from stdin with --stdin-display-name) is analysed
    # without the rest of its project (views.py would get no BSG101/BSG102 for send_otp(),
    # tasks.py no BSG101), if its own facts are taken from a stale or partial index, or if the
    # cache written by runs over one file differs from that of a run over the project.
    root = make_project(tmp_path / "proj", {"app/tasks.py": TASKS, "app/api.py": API})
    together = cold(root, "app")
    assert len(together.lines("app/views.py")) == 3
    assert len(together.lines("app/tasks.py")) == 1

    def stdin_of(rel: str) -> Tuple[List[str], str]:
        return ["--stdin-display-name", rel, "-"], (root / rel).read_text()

    views_stdin, views_text = stdin_of("app/views.py")
    for run in (
        flake8(root, "app/views.py"),  # the first run: it writes the cache
        cold(root, "app/views.py"),
        flake8(root, *views_stdin, stdin=views_text),
        cold(root, *views_stdin, stdin=views_text),
    ):
        assert run.lines() == together.lines("app/views.py")
    tasks_stdin, tasks_text = stdin_of("app/tasks.py")
    for run in (flake8(root, "app/tasks.py"), flake8(root, *tasks_stdin, stdin=tasks_text)):
        assert run.lines() == together.lines("app/tasks.py")
    assert flake8(root, "app").stdout == together.stdout


# ---- options whose meaning depends on the current directory ------------------------------------


def test_test_file_globs_relative_to_the_current_directory_are_not_served_stale(
    tmp_path: Path,
) -> None:
    # Fails (as now) if an entry written with the current directory at the root is read with
    # the current directory at app/: jobs.py was a test file from the root (its call of resend
    # does not count, resend is an entry point: BSG101 at views.py:15) and is none from app/
    # (its call counts: BSG101 at jobs.py:5 only); the warm run reports both.
    root = make_project(tmp_path / "proj", {"app/jobs.py": JOBS})
    option = "--bsg-test-files=app/jobs.py"
    from_root = warm_equals_cold(root, option, "app")  # writes the cache
    assert ("app/views.py", 15, 12, "BSG101") in from_root.findings()
    from_app = cold(root / "app", option, ".")
    assert ("./jobs.py", 5, 5, "BSG101") in from_app.findings()
    assert ("./views.py", 15, 12, "BSG101") not in from_app.findings()
    warm = flake8(root / "app", option, ".")
    assert warm.stdout == from_app.stdout, f"warm run:\n{warm.text}\ncold run:\n{from_app.text}"

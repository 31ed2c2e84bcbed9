"""The on-disk facts cache (flake8_bsg/project/cache.py): entries keyed by relative path and
content hash, the 2 s rule for the size and modification time stand-in, buffers never stored,
corrupt entries and OS errors as misses, atomic writes shared by concurrent processes."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Set, Tuple

import pytest

from flake8_bsg.project import cache
from flake8_bsg.project.cache import FactsCache, cache_key, tree_hash

KEY = "test-key"
REL = "pkg/mod.py"
SECOND = 1_000_000_000
PAYLOAD: Dict[str, Any] = {"calls": [["send", 3, None]], "name": "Gateway.send ✓", "ok": True}

needs_permissions = pytest.mark.skipif(
    os.name == "nt" or getattr(os, "geteuid", lambda: 0)() == 0,
    reason="root (or Windows) ignores the permissions of folders",
)


def module(root: Path, text: bytes, age_ns: int, rel: str = REL) -> Tuple[str, bytes]:
    """Write ``text`` at ``root/rel`` with a modification time ``age_ns`` ago."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    set_mtime(path, time.time_ns() - age_ns)
    return str(path), text


def set_mtime(path: Path | str, mtime_ns: int) -> None:
    os.utime(path, ns=(mtime_ns, mtime_ns))


def mtime(path: Path | str) -> int:
    return os.stat(path).st_mtime_ns


def edit_keeping_mtime(path: str, text: bytes) -> None:
    """Change a file's bytes and put its modification time back, as an edit within the same tick
    of a coarse clock does."""
    before = mtime(path)
    Path(path).write_bytes(text)
    set_mtime(path, before)


def entry_files(store: FactsCache) -> List[Path]:
    assert store.folder is not None
    return sorted(Path(store.folder).glob("*.json"))


def all_files(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_put_then_get_returns_the_payload(tmp_path: Path) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    assert store.get(REL, path) is None
    store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) == PAYLOAD
    assert store.get(REL, path, content) == PAYLOAD
    # another process (another instance) reads the same entry; JSON turns tuples into lists
    assert FactsCache(str(tmp_path / "cache"), KEY).get(REL, path) == PAYLOAD
    store.put(REL, path, content, {"pair": (1, 2)})
    assert store.get(REL, path) == {"pair": [1, 2]}
    # another module of the same content has its own entry
    assert store.get("pkg/other.py", path, content) is None


@pytest.mark.parametrize("age_ns", [0, 10 * SECOND], ids=["young", "old"])
def test_a_changed_file_is_a_miss(tmp_path: Path, age_ns: int) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", age_ns)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, content, PAYLOAD)
    new = b"x = 12\n"
    Path(path).write_bytes(new)
    assert store.get(REL, path) is None
    assert store.get(REL, path, new) is None
    # the content passed decides, not the file
    assert store.get(REL, path, content) == PAYLOAD


def test_a_same_size_edit_of_a_young_file_is_not_hidden_by_its_mtime(tmp_path: Path) -> None:
    # written 0.5 s after the file: a same-size edit may keep the modification time
    path, content = module(tmp_path / "project", b"x = 1\n", SECOND // 2)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, content, PAYLOAD)
    edit_keeping_mtime(path, b"x = 2\n")
    assert store.get(REL, path) is None
    # back to the bytes of the entry: a hit again, by hash
    edit_keeping_mtime(path, content)
    assert store.get(REL, path) == PAYLOAD


def test_the_size_and_mtime_of_an_old_file_stand_in_for_its_hash(tmp_path: Path) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, content, PAYLOAD)
    # the trade-off the SPEC allows: an edit that keeps the size and the modification time of a
    # file that was 2 s old when the entry was written is not seen without the content...
    edit_keeping_mtime(path, b"x = 2\n")
    assert store.get(REL, path) == PAYLOAD
    # ...and is seen when the caller passes the bytes it analyses
    assert store.get(REL, path, b"x = 2\n") is None
    # another modification time: the file is read, and its hash decides
    set_mtime(path, mtime(path) + SECOND)
    assert store.get(REL, path) is None
    edit_keeping_mtime(path, content)
    assert store.get(REL, path) == PAYLOAD


def test_a_cache_restored_into_another_checkout_stays_valid(tmp_path: Path) -> None:
    path, content = module(tmp_path / "one" / "project", b"x = 1\n", 10 * SECOND)
    FactsCache(str(tmp_path / "one" / "cache"), KEY).put(REL, path, content, PAYLOAD)
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    moved = tmp_path / "two" / "project" / REL
    set_mtime(moved, time.time_ns())  # a fresh checkout: other modification times
    store = FactsCache(str(tmp_path / "two" / "cache"), KEY)
    assert store.get(REL, str(moved)) == PAYLOAD
    assert store.get(REL, str(moved), content) == PAYLOAD


@pytest.mark.parametrize("buffer", [b"x = 22\n", b"x = 2\n"], ids=["other-size", "same-size"])
def test_a_buffer_that_differs_from_the_file_is_never_stored(tmp_path: Path, buffer: bytes) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, buffer, {"from": "buffer"})
    assert not (tmp_path / "cache").exists() or entry_files(store) == []
    assert store.get(REL, path, buffer) is None
    assert store.get(REL, path) is None
    # nor does it replace the entry of the file's bytes
    store.put(REL, path, content, PAYLOAD)
    store.put(REL, path, buffer, {"from": "buffer"})
    assert store.get(REL, path) == PAYLOAD
    assert store.get(REL, path, buffer) is None


def _set(field: str, value: object) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        entry = json.loads(data)
        entry[field] = value
        return json.dumps(entry).encode()

    return change


def _drop(field: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        entry = json.loads(data)
        del entry[field]
        return json.dumps(entry).encode()

    return change


CORRUPTIONS: Dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "bad-json": lambda data: b"{not json" + data,
    "not-utf8": lambda data: b"\xff\xfe\x00" + data,
    "deeply-nested": lambda data: b"[" * 100_000 + b"]" * 100_000,
    "a-list": lambda data: json.dumps([json.loads(data)]).encode(),
    "no-payload": _drop("payload"),
    "no-sha256": _drop("sha256"),
    "sha256-not-str": _set("sha256", 1),
    "size-a-str": _set("size", "6"),
    "size-a-bool": _set("size", True),
    "mtime-a-float": _set("mtime_ns", 1.5),
    "stat_ok-a-str": _set("stat_ok", "yes"),
    "another-path": _set("path", "pkg/other.py"),
    "another-key": _set("key", "another key"),
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_corrupt_entry_is_a_miss(tmp_path: Path, corrupt: Callable[[bytes], bytes]) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, content, PAYLOAD)
    [entry] = entry_files(store)
    entry.write_bytes(corrupt(entry.read_bytes()))
    assert store.get(REL, path) is None
    assert store.get(REL, path, content) is None
    # the next put repairs it
    store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) == PAYLOAD


def test_the_entry_of_another_module_is_a_miss(tmp_path: Path) -> None:
    # as a collision of the hashes naming the entry files would give
    root = tmp_path / "project"
    path_a, content = module(root, b"x = 1\n", 10 * SECOND, "a.py")
    path_b, _ = module(root, b"x = 1\n", 10 * SECOND, "b.py")
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put("a.py", path_a, content, {"module": "a"})
    store.put("b.py", path_b, content, {"module": "b"})
    by_path = {json.loads(p.read_bytes())["path"]: p for p in entry_files(store)}
    shutil.copyfile(by_path["a.py"], by_path["b.py"])
    assert store.get("b.py", path_b) is None
    assert store.get("b.py", path_b, content) is None
    assert store.get("a.py", path_a) == {"module": "a"}


@needs_permissions
def test_a_read_only_cache_folder_gives_misses_and_no_error(tmp_path: Path) -> None:
    root = tmp_path / "project"
    path_a, content_a = module(root, b"a = 1\n", 10 * SECOND, "a.py")
    path_b, content_b = module(root, b"b = 1\n", 10 * SECOND, "b.py")
    directory = tmp_path / "cache"
    store = FactsCache(str(directory), KEY)
    store.put("a.py", path_a, content_a, {"module": "a"})
    assert store.folder is not None
    folders = [directory, Path(store.folder)]
    for folder in folders:
        folder.chmod(0o500)
    try:
        store.put("b.py", path_b, content_b, {"module": "b"})
        assert store.get("b.py", path_b) is None
        store.put("a.py", path_a, content_a, {"module": "a, again"})
        assert store.get("a.py", path_a) == {"module": "a"}
        # an unreadable entry is a miss
        [entry] = entry_files(store)
        entry.chmod(0o000)
        assert store.get("a.py", path_a) is None
        entry.chmod(0o600)
        # a cache folder that is missing and cannot be made
        missing = FactsCache(str(directory / "sub"), KEY)
        missing.put("a.py", path_a, content_a, {"module": "a"})
        assert missing.get("a.py", path_a) is None
        assert not (directory / "sub").exists()
    finally:
        for folder in folders:
            folder.chmod(0o700)


def test_os_errors_while_writing_are_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a full disk or a read-only file system does, even to root
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", fail)
        store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) is None
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # no temporary file
    # once the disk has room again, the same store writes
    store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) == PAYLOAD
    with monkeypatch.context() as patch:
        patch.setattr(tempfile, "mkstemp", fail)
        store.put(REL, path, content, {"other": 1})
    assert store.get(REL, path) == PAYLOAD


def test_os_errors_while_reading_are_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    store = FactsCache(str(tmp_path / "cache"), KEY)
    store.put(REL, path, content, PAYLOAD)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    # the module's own name shadows the built-in open for every file it reads
    monkeypatch.setattr(cache, "open", denied, raising=False)
    assert store.get(REL, path) is None
    assert store.get(REL, path, content) is None
    store.put(REL, path, content, {"other": 1})
    monkeypatch.undo()
    assert store.get(REL, path) == PAYLOAD
    # a module that has gone is a miss
    os.remove(path)
    assert store.get(REL, path) is None
    store.put(REL, path, content, {"other": 1})


@pytest.mark.parametrize("where", ["cache", "key-folder", "parent"])
def test_a_file_where_a_folder_should_be(tmp_path: Path, where: str) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    directory = tmp_path / "parent" / "cache"
    store = FactsCache(str(directory), KEY)
    assert store.folder is not None
    blocker = {"cache": directory, "key-folder": Path(store.folder), "parent": directory.parent}
    blocker[where].parent.mkdir(parents=True, exist_ok=True)
    blocker[where].write_bytes(b"not a folder")
    store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) is None
    assert store.get(REL, path, content) is None
    assert blocker[where].read_bytes() == b"not a folder"


def test_the_cache_folder_holds_a_gitignore_and_a_cachedir_tag(tmp_path: Path) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    directory = tmp_path / "cache"
    store = FactsCache(str(directory), KEY)
    store.get(REL, path)
    assert not directory.exists()  # reading makes nothing
    store.put(REL, path, content, PAYLOAD)
    assert (directory / ".gitignore").read_bytes() == b"*\n"
    tag = (directory / "CACHEDIR.TAG").read_bytes().decode("ascii").splitlines()
    assert tag[0] == "Signature: 8a477f597d28d172789f06886806bc55"
    assert len(tag) == 2 and tag[1].startswith("# ")
    # a .gitignore already there is left as it is
    other = tmp_path / "other"
    other.mkdir()
    (other / ".gitignore").write_text("mine\n")
    FactsCache(str(other), KEY).put(REL, path, content, PAYLOAD)
    assert (other / ".gitignore").read_text() == "mine\n"
    assert (other / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d17")


def test_caches_of_different_keys_are_separate(tmp_path: Path) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    directory = str(tmp_path / "cache")
    one, two = FactsCache(directory, "one"), FactsCache(directory, "two")
    one.put(REL, path, content, {"key": "one"})
    assert two.get(REL, path) is None
    assert two.get(REL, path, content) is None
    two.put(REL, path, content, {"key": "two"})
    assert one.get(REL, path) == {"key": "one"}
    assert two.get(REL, path) == {"key": "two"}
    assert one.folder is not None and two.folder is not None
    assert one.folder != two.folder
    assert os.path.dirname(one.folder) == os.path.dirname(two.folder) == directory


def test_a_disabled_cache_stores_nothing(tmp_path: Path) -> None:
    path, content = module(tmp_path / "project", b"x = 1\n", 10 * SECOND)
    before = all_files(tmp_path)
    store = FactsCache.disabled()
    assert not store.enabled and store.folder is None
    store.put(REL, path, content, PAYLOAD)
    assert store.get(REL, path) is None
    assert store.get(REL, path, content) is None
    assert all_files(tmp_path) == before
    assert FactsCache(str(tmp_path / "cache"), KEY).enabled


ROUNDS = 150
SIZE = 5000  # a payload of some 40 kB: several writes, were a write not atomic


def payload_of(writer: int, round_: int, rel: str) -> Dict[str, Any]:
    return {
        "writer": writer,
        "round": round_,
        "path": rel,
        "data": [writer * 10**6 + round_] * SIZE,
    }


def is_complete(payload: object, rel: str) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("path") == rel
        and payload == payload_of(payload["writer"], payload["round"], rel)
    )


def writer(directory: str, root: str, number: int) -> None:
    """Put the shared module's and the writer's own module's entries ROUNDS times; each own
    entry must read back as just written (no one else writes it)."""
    store = FactsCache(directory, KEY)
    own = f"own{number}.py"
    for round_ in range(ROUNDS):
        for rel in ("shared.py", own):
            path = os.path.join(root, rel)
            with open(path, "rb") as stream:
                content = stream.read()
            store.put(rel, path, content, payload_of(number, round_, rel))
        assert store.get(own, os.path.join(root, own)) == payload_of(number, round_, own)


def test_concurrent_writers_and_a_reader_share_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "project"
    # the shared module is old (size and mtime decide), the own ones young (hashes decide)
    module(root, b"shared = 1\n", 10 * SECOND, "shared.py")
    module(root, b"own = 0\n", 0, "own0.py")
    module(root, b"own = 1\n", 0, "own1.py")
    directory = str(tmp_path / "cache")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=writer, args=(directory, str(root), n)) for n in (0, 1)]
    for process in writers:
        process.start()
    store = FactsCache(directory, KEY)
    reads = hits = 0
    seen: Set[str] = set()
    try:
        while any(process.is_alive() for process in writers):
            for rel in ("shared.py", "own0.py", "own1.py"):
                got = store.get(rel, str(root / rel))
                reads += 1
                if got is not None:
                    hits += 1
                    seen.add(rel)
                    assert is_complete(got, rel), str(got)[:200]
                elif os.name != "nt":
                    # os.replace swaps whole files: once written, an entry is always there
                    # (on Windows, a file being replaced may refuse to open: a miss, allowed)
                    assert rel not in seen, f"{rel}: a miss after a hit"
    finally:
        for process in writers:
            process.join(timeout=120)
    assert [process.exitcode for process in writers] == [0, 0]
    assert hits > 0, f"no hit in {reads} reads"
    for rel in ("shared.py", "own0.py", "own1.py"):
        got = store.get(rel, str(root / rel))
        assert is_complete(got, rel)
        assert isinstance(got, dict) and got["round"] == ROUNDS - 1
    assert store.folder is not None
    assert sorted(os.listdir(store.folder)) == sorted(p.name for p in entry_files(store))
    assert len(entry_files(store)) == 3


def test_the_cache_key_changes_with_what_changes_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"])
    assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) == key
    assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=b"]) != key
    assert cache_key(1, ["--bsg-test-files=tests/*"]) != key
    assert cache_key(1, ["--bsg-test-files=tests/*,--bsg-clients=a"]) != key
    assert cache_key(2, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) != key
    with monkeypatch.context() as patch:
        patch.setattr(sys, "version", sys.version + " (another build)")
        assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) != key
    import importlib.metadata

    import libcst

    with monkeypatch.context() as patch:
        patch.setattr(libcst, "LIBCST_VERSION", "0.0.1")
        assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) != key
    with monkeypatch.context() as patch:  # a LibCST without the attribute: its metadata
        patch.delattr(libcst, "LIBCST_VERSION")
        patch.setattr(importlib.metadata, "version", lambda name: "0.0.1")
        assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) != key
    with monkeypatch.context() as patch:
        patch.setattr(cache, "_plugin_hash", "0" * 64)
        assert cache_key(1, ["--bsg-test-files=tests/*", "--bsg-clients=a"]) != key


def test_the_plugin_hash_covers_the_python_files_by_path_and_bytes(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_bytes(b"a = 1\n")
    (tmp_path / "sub" / "b.py").write_bytes(b"b = 1\n")
    first = tree_hash(str(tmp_path))
    assert tree_hash(str(tmp_path)) == first
    (tmp_path / "sub" / "b.py").write_bytes(b"b = 2\n")
    assert tree_hash(str(tmp_path)) != first
    (tmp_path / "sub" / "b.py").write_bytes(b"b = 1\n")
    assert tree_hash(str(tmp_path)) == first
    (tmp_path / "sub" / "b.py").rename(tmp_path / "sub" / "c.py")
    assert tree_hash(str(tmp_path)) != first
    (tmp_path / "sub" / "c.py").rename(tmp_path / "sub" / "b.py")
    # neither other files nor byte code count
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.py").write_bytes(b"")
    assert tree_hash(str(tmp_path)) == first


def test_the_plugin_hash_is_of_the_package_and_computed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folders: List[str] = []

    def hash_of(folder: str) -> str:
        folders.append(folder)
        return f"hash {len(folders)}"

    monkeypatch.setattr(cache, "_plugin_hash", None)
    monkeypatch.setattr(cache, "tree_hash", hash_of)
    assert cache.plugin_hash() == "hash 1"
    assert cache.plugin_hash() == "hash 1"
    assert folders == [os.path.dirname(os.path.dirname(os.path.abspath(cache.__file__)))]
    assert os.path.isfile(os.path.join(folders[0], "plugin.py"))


def test_importing_the_store_and_making_a_key_do_not_import_libcst() -> None:
    code = (
        "import sys\n"
        "from flake8_bsg.project.cache import cache_key\n"
        "cache_key(1, [])\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_digests_are_sha256_without_loading_openssl() -> None:
    """The cache's digests are SHA-256 (as ``hashlib`` gives them), computed without importing
    ``hashlib`` where CPython has its own module (OpenSSL costs a run 2.4 ms to load)."""
    import hashlib
    import subprocess
    import sys

    from flake8_bsg.project import cache

    for data in (b"", b"abc", bytes(range(256)) * 400):
        assert cache._sha256(data) == hashlib.sha256(data).hexdigest()
    code = (
        "import sys\n"
        "from flake8_bsg.project import cache\n"
        "cache.tree_hash(sys.argv[1])\n"
        "print('hashlib' in sys.modules)"
    )
    folder = str(Path(cache.__file__).parent)
    out = subprocess.run([sys.executable, "-c", code, folder], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr

"""An on-disk store of per-module analysis facts, shared by runs and by flake8's ``-j`` workers.

The store lives in one folder (by default ``<root>/.flake8-bsg-cache``), which holds a
``.gitignore`` of ``*`` and a ``CACHEDIR.TAG``, and one sub-folder ``v<hash16>`` per cache key:
the key names everything that changes facts (see :func:`cache_key`), so entries of another
plugin version, LibCST, Python or option set are never read; old sub-folders are left alone.

Each module has one JSON file in that sub-folder, named by a hash of its POSIX path relative to
the project root, holding::

    {"key": ..., "path": relpath, "sha256": ..., "size": ..., "mtime_ns": ...,
     "stat_ok": ..., "payload": ...}

Beside the entries, a named document (``{"key": ..., "value": ...}``, without a ``.json``
suffix) holds what applies to the whole project (:meth:`FactsCache.put_document`).

An entry matches a module when the SHA-256 of the bytes to analyse equals the recorded one. The
file's size and modification time stand in for the hash only when the entry says ``stat_ok``:
the file was at least :data:`STAT_MIN_AGE_NS` old when the entry was written, so a later edit
gives it another modification time even on a file system with coarse times. As entries name
paths relative to the root and content hashes, a cache restored into another checkout (a CI
cache step on another machine) stays valid: there the stat stand-in fails and the hash decides.

Writes are atomic (a temporary file in the same folder, then :func:`os.replace`), so concurrent
runs see an old entry, a new one or none, never half of one. The cache changes nothing but
speed: every OS error (read-only or missing folder, permission denied, disk full, a file where a
folder should be) and every corrupt entry is a miss, or a write that silently does nothing.

Importing this module is cheap: it imports neither LibCST nor :mod:`importlib.metadata`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any, Callable, Dict, Optional, Sequence

#: The cache folder's name under the project root when ``--bsg-cache-dir`` is not given.
CACHE_DIR_NAME = ".flake8-bsg-cache"
#: How old a file must be (by its modification time) when its entry is written for its size and
#: modification time to stand in for the hash of its content later: 2 s, the coarsest time
#: resolution of common file systems (FAT).
STAT_MIN_AGE_NS = 2_000_000_000

_GITIGNORE = "*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-bsg; see https://bford.info/cachedir/\n"
)
_ENTRY_FIELDS = ("key", "path", "sha256", "size", "mtime_ns", "stat_ok", "payload")

_plugin_hash: Optional[str] = None


def _sha256_constructor() -> Callable[..., Any]:
    """SHA-256 from CPython's own module when it has one: ``hashlib`` loads OpenSSL, which
    costs a flake8 run 2.4 ms at start (more than hashing everything the cache hashes)."""
    for name in ("_sha2", "_sha256"):  # (3.12 on; before)
        try:
            module = __import__(name)
        except ImportError:
            continue
        found: Optional[Callable[..., Any]] = getattr(module, "sha256", None)
        if found is not None:
            return found
    import hashlib

    return hashlib.sha256


#: ``hashlib.sha256``'s equal: the same digests.
sha256: Callable[..., Any] = _sha256_constructor()


def _sha256(data: bytes) -> str:
    digest: str = sha256(data).hexdigest()
    return digest


def tree_hash(folder: str) -> str:
    """The SHA-256 of every ``.py`` file under ``folder``: their POSIX paths relative to it and
    their bytes, in the order of those paths. Folders named ``__pycache__`` or starting with a
    dot are skipped; an unreadable file counts as such rather than failing."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        for name in filenames:
            if name.endswith(".py"):
                full = os.path.join(dirpath, name)
                files.append((os.path.relpath(full, folder).replace(os.sep, "/"), full))
    digest = sha256()
    for rel, full in sorted(files):
        try:
            with open(full, "rb") as stream:
                content = b"=" + sha256(stream.read()).digest()
        except OSError:
            content = b"!"
        digest.update(rel.encode("utf-8", "surrogatepass") + b"\0" + content)
    found: str = digest.hexdigest()
    return found


def plugin_hash() -> str:
    """:func:`tree_hash` of the installed ``flake8_bsg`` package, computed once per process."""
    global _plugin_hash
    if _plugin_hash is None:
        _plugin_hash = tree_hash(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return _plugin_hash


def cache_key(schema: int, options: Sequence[str]) -> str:
    """The key of a whole cache, for :class:`FactsCache`: a hash of the facts' ``schema`` number,
    :func:`plugin_hash`, the installed LibCST version, :data:`sys.version` and ``options``, the
    options that change facts as strings in a fixed order (the caller's canonical form)."""
    # LibCST's own constant when it is imported already (reading the package metadata costs a
    # few milliseconds; importing LibCST for it, much more)
    libcst = sys.modules.get("libcst")
    libcst_version: Optional[str] = getattr(libcst, "LIBCST_VERSION", None)
    if libcst_version is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            libcst_version = version("libcst")
        except PackageNotFoundError:
            pass
    parts = [schema, plugin_hash(), libcst_version, sys.version, list(options)]
    return _sha256(json.dumps(parts).encode("utf-8", "surrogatepass"))


def _write_atomically(folder: str, name: str, data: bytes) -> None:
    """Write ``data`` to ``folder/name`` through a temporary file replacing it; raises OSError."""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, os.path.join(folder, name))
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def stat_stands_in(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether a file read between these two stats was unchanged while it was read and is old
    enough (:data:`STAT_MIN_AGE_NS`) for its size and modification time to stand in for its
    content later."""
    return (
        after.st_size == before.st_size
        and after.st_mtime_ns == before.st_mtime_ns
        and time.time_ns() - after.st_mtime_ns >= STAT_MIN_AGE_NS
    )


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FactsCache:
    """Payloads (JSON-serialisable facts) of modules, by path relative to the project root and
    content, in the folder ``directory`` under the cache key ``key`` (see :func:`cache_key`).

    Nothing is created until the first :meth:`put`. No method raises on an OS error or a corrupt
    entry: reading misses and writing does nothing. Instances are cheap; each ``-j`` worker may
    have its own on the same folder.
    """

    def __init__(self, directory: Optional[str], key: str) -> None:
        """A store in ``directory`` for ``key``; ``directory=None`` is :meth:`disabled`."""
        self.directory = directory
        self.key = key
        self._folder: Optional[str] = None
        if directory is not None:
            subfolder = "v" + _sha256(key.encode("utf-8", "surrogatepass"))[:16]
            self._folder = os.path.join(directory, subfolder)
        self._prepared = False

    @classmethod
    def disabled(cls) -> FactsCache:
        """A store for ``--bsg-no-cache``: :meth:`get` always misses, :meth:`put` does nothing."""
        return cls(None, "")

    @property
    def enabled(self) -> bool:
        """Whether this store reads and writes a folder at all."""
        return self._folder is not None

    @property
    def folder(self) -> Optional[str]:
        """The sub-folder holding this key's entries (``None`` when disabled)."""
        return self._folder

    def _entry_name(self, relpath: str) -> str:
        return _sha256(relpath.encode("utf-8", "surrogatepass"))[:32] + ".json"

    def get(self, relpath: str, path: str, content: Optional[bytes] = None) -> Optional[object]:
        """The payload stored for the module ``relpath`` (its POSIX path relative to the project
        root) whose file is ``path``, JSON-deserialised (tuples come back as lists), or ``None``.

        With ``content``, the exact bytes to be analysed, the entry matches only when their hash
        is the recorded one; the file is not looked at. Without it, the file's size and
        modification time decide when the entry was written with the file at least 2 s old
        (``stat_ok``) and both are unchanged; otherwise the file is read and its hash decides.
        """
        if self._folder is None:
            return None
        try:
            return self._get(self._folder, relpath, path, content)
        except Exception:  # a cache never changes the outcome: anything unexpected is a miss
            return None

    def _get(
        self, folder: str, relpath: str, path: str, content: Optional[bytes]
    ) -> Optional[object]:
        entry = json.loads(_read(os.path.join(folder, self._entry_name(relpath))))
        if not (
            isinstance(entry, dict)
            and all(field in entry for field in _ENTRY_FIELDS)
            and entry["key"] == self.key
            and entry["path"] == relpath
            and isinstance(entry["sha256"], str)
            and _is_int(entry["size"])
            and _is_int(entry["mtime_ns"])
            and isinstance(entry["stat_ok"], bool)
        ):
            return None
        payload: object = entry["payload"]
        if content is not None:
            return payload if _sha256(content) == entry["sha256"] else None
        status = os.stat(path)
        if status.st_size != entry["size"]:
            return None
        if entry["stat_ok"] and status.st_mtime_ns == entry["mtime_ns"]:
            return payload
        return payload if _sha256(_read(path)) == entry["sha256"] else None

    def get_document(self, name: str) -> Optional[object]:
        """The JSON value stored under ``name`` (a file of this key's folder beside the
        entries, see :meth:`put_document`), or ``None``."""
        if self._folder is None:
            return None
        try:
            document = json.loads(_read(os.path.join(self._folder, name)))
        except Exception:  # a cache never changes the outcome: anything unexpected is a miss
            return None
        if isinstance(document, dict) and document.get("key") == self.key:
            return document.get("value")
        return None

    def put_document(self, name: str, value: object) -> None:
        """Store a JSON value under ``name`` for this key (replacing the last one, atomically);
        does nothing on any error."""
        if self._folder is None:
            return
        try:
            data = json.dumps({"key": self.key, "value": value}, separators=(",", ":"))
            self._prepare(self._folder)
            _write_atomically(self._folder, name, data.encode("utf-8", "surrogatepass"))
        except Exception:  # a cache never changes the outcome: anything unexpected is a no-op
            self._prepared = False

    def put(self, relpath: str, path: str, content: bytes, payload: object) -> None:
        """Store ``payload`` (JSON-serialisable) for the module ``relpath`` whose file ``path``
        holds ``content``, the exact bytes analysed. Nothing is stored when the file's bytes are
        not ``content`` (an unsaved editor buffer), nor when the payload is not serialisable.
        A payload of ``None`` reads back as a miss.
        Size and modification time are recorded as a stand-in for the hash (``stat_ok``) only
        when the file was unchanged while it was read and is at least 2 s old.
        """
        if self._folder is None:
            return
        try:
            self._put(self._folder, relpath, path, content, payload)
        except Exception:  # a cache never changes the outcome: anything unexpected is a no-op
            self._prepared = False  # the folder may have gone: make it again next time

    def _put(self, folder: str, relpath: str, path: str, content: bytes, payload: object) -> None:
        before = os.stat(path)
        if before.st_size != len(content):
            return
        if _read(path) != content:
            return
        after = os.stat(path)
        stat_ok = after.st_size == len(content) and stat_stands_in(before, after)
        entry: Dict[str, object] = {
            "key": self.key,
            "path": relpath,
            "sha256": _sha256(content),
            "size": len(content),
            "mtime_ns": after.st_mtime_ns,
            "stat_ok": stat_ok,
            "payload": payload,
        }
        data = json.dumps(entry, separators=(",", ":")).encode("ascii")
        self._prepare(folder)
        _write_atomically(folder, self._entry_name(relpath), data)

    def _prepare(self, folder: str) -> None:
        """Create the cache folder with its ``.gitignore`` and ``CACHEDIR.TAG``, and ``folder``."""
        if self._prepared or self.directory is None:
            return
        os.makedirs(self.directory, exist_ok=True)
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            if not os.path.exists(os.path.join(self.directory, name)):
                _write_atomically(self.directory, name, text.encode("ascii"))
        os.makedirs(folder, exist_ok=True)
        self._prepared = True

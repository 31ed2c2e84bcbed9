"""The project index: the facts of every module that can take part, read from disk (or the
cache), and linked with the linted file's own facts (from the text flake8 hands over).

One index per project root and options, kept for the life of the process (flake8 lints many
files of one project; the language server keeps it warm).
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from flake8_bsg.options import Config
from flake8_bsg.project.layout import Layout, Module
from flake8_bsg.project.paths import find_root, real_path
from flake8_bsg.project.quick import (
    _NAMES,
    _QUICK,
    _READ,
    _SCANS,
    imported_names,
    read_text,
    remember_scan,
)
from flake8_bsg.project.shape import SCHEMA, Json, shared

if TYPE_CHECKING:
    from flake8_bsg.project.cache import FactsCache
    from flake8_bsg.project.link import Linked


class ModuleContext:
    """What the analysis of one linted module asks of its project."""

    def __init__(self, index: ProjectIndex, module: Module) -> None:
        self.index = index
        self.module = module.name or module.rel
        self.rel = module.rel
        self.package = module.package if module.name else None
        #: The linted text (flake8's lines, an editor's buffer), when the caller has it.
        self.text: Optional[str] = None
        self._known: Optional[Tuple[str, Optional[Dict[str, Json]]]] = None

    def known_facts(self) -> Optional[Dict[str, Json]]:
        """The index's facts of this module when the linted text is the file's (they are then
        the same facts, without a second summary)."""
        if self.text is None:
            return None
        known = self._known
        if known is None or known[0] is not self.text:
            # asked before the parse (statement scope) and again by the analysis: the text's
            # digest is computed once
            known = self._known = (self.text, self.index.facts_of_text(self.module, self.text))
        return known[1]

    def linked(self, data: Dict[str, Json]) -> Linked:
        return self.index.linked_with(self.module, data)

    def imports_take_part(self, text: str) -> bool:
        """Whether ``text`` (a part of the module) imports a project module that takes part."""
        index = self.index
        return index.reaches(index.imported_modules(text, self.package or ""))

    def session_base(self, dotted: str) -> Optional[str]:
        """When ``dotted`` is an HTTP session another module holds: its base URL (``""``: none)."""
        return self.index.shared_link().session_base(dotted)


class ProjectIndex:
    """The facts of one project's modules that can take part: those passing the text check,
    and those whose text imports (transitively) one that does. Built at the first question
    that needs them; which modules take part is known without parsing any."""

    def __init__(self, layout: Layout, config: Config) -> None:
        self.layout = layout
        self.config = config
        self._passes: Dict[str, bool] = {}
        self._imports: Dict[str, List[Module]] = {}
        self._reaches: Set[str] = set()  # modules known to take part
        self._apart: Set[str] = set()  # modules known not to
        self._facts: Optional[Dict[str, Dict[str, Json]]] = None
        self._digests: Dict[str, str] = {}  # of the text each module's facts come from
        self._linked: Optional[Linked] = None
        self._cache: Optional[FactsCache] = None
        #: What the last runs' scans found, by module (see :meth:`_scan`), and this run's new
        #: findings, kept in the cache beside the facts.
        self._scanned: Optional[Dict[str, Json]] = None
        self._scanned_now: Dict[str, Json] = {}

    # ---- which modules take part --------------------------------------------------------
    def _scan(self, module: Module) -> None:
        """Read a module once for what deciding its part needs (whether it passes the text
        check, what it imports); its text is not kept (a project's texts are many megabytes).
        What a scan finds is kept in the cache under the file's size and modification time,
        when they can stand in for its content (the facts' rule): a warm run reads no module
        to know which take part."""
        from flake8_bsg.source import may_involve_bsg

        recording = self.cache.enabled
        if self._scanned is None:
            found = self.cache.get_document(_SCANNED) if recording else None
            self._scanned = found if isinstance(found, dict) else {}
        before: Optional[os.stat_result] = None
        if recording:
            try:
                before = os.stat(module.path)
            except OSError:
                pass
        stamp: Json = None if before is None else [before.st_size, before.st_mtime_ns]
        known = self._scanned.get(module.rel)
        digest: Optional[str]
        if (
            stamp is not None
            and isinstance(known, list)
            and len(known) == 5
            and known[:2] == [stamp, module.package]
            and isinstance(known[3], list)
            and isinstance(known[4], str)
        ):
            passes, names = known[2] is True, frozenset(str(n) for n in known[3])
            digest = known[4]
        else:
            read = read_text(module.path)
            text = "" if read is None else read[1]
            passes = read is not None and may_involve_bsg(text, self.config)
            names = frozenset() if read is None else imported_names(text, module.package)
            digest = None if read is None else text_digest(text)
            if read is not None and before is not None and _settled(module.path, before):
                listed: List[Json] = list(sorted(names))
                self._scanned_now[module.rel] = [stamp, module.package, passes, listed, digest]
        self._passes[module.path] = passes
        self._imports[module.path] = self._resolved(sorted(names))
        remember_scan(module.path, module.package, self.config, passes, names, digest)

    def imports(self, module: Module) -> List[Module]:
        if module.path not in self._imports:
            self._scan(module)
        return self._imports[module.path]

    def imported_modules(self, text: str, package: str) -> List[Module]:
        return self._resolved(sorted(imported_names(text, package)))

    def _resolved(self, names: List[str]) -> List[Module]:
        out: List[Module] = []
        for name in names:
            found = self.layout.resolve(name)
            if found is not None and found not in out:
                out.append(found)
        return out

    def passes(self, module: Module) -> bool:
        if module.path not in self._passes:
            self._scan(module)
        return self._passes[module.path]

    def reaches(self, start: List[Module]) -> bool:
        """Whether one of these modules, or one they import (transitively), passes the text
        check."""
        seen: Set[str] = set()
        todo = list(start)
        while todo:
            module = todo.pop()
            if module.path in seen or module.path in self._apart:
                continue
            seen.add(module.path)
            if module.path in self._reaches or self.passes(module):
                self._reaches.add(module.path)
                return True
            todo += self.imports(module)
        # nothing reachable from them takes part: neither do they
        self._apart |= seen
        return False

    # ---- facts ----------------------------------------------------------------------------
    @property
    def facts(self) -> Dict[str, Dict[str, Json]]:
        """The facts of every module that takes part, by module name (from the cache when it
        holds them)."""
        if self._facts is None:
            self._facts = self._build()
        return self._facts

    @property
    def cache(self) -> FactsCache:
        """The cache of this project's facts (made at first use)."""
        if self._cache is None:
            from flake8_bsg.project.cache import FactsCache, cache_key

            if self.config.no_cache:
                self._cache = FactsCache.disabled()
            else:
                folder = self.config.cache_dir or os.path.join(self.layout.root, CACHE_FOLDER)
                self._cache = FactsCache(folder, cache_key(SCHEMA, self.config.fact_options()))
        return self._cache

    def _build(self) -> Dict[str, Dict[str, Json]]:
        cache = self.cache
        out: Dict[str, Dict[str, Json]] = {}
        seen: Dict[object, Json] = {}
        for module in self.layout.modules.values():
            if not self.reaches([module]):
                continue
            ident = module.name or module.rel
            key = f"{module.rel}:{module.name}"  # the dotted name follows the layout
            # the cache's own test of the file (its size and modification time when they can
            # stand in for its content): a warm run does not read the module again
            stored = cache.get(key, module.path)
            if isinstance(stored, dict) and isinstance(stored.get("digest"), str):
                digest, facts = stored["digest"], stored.get("facts")
            else:
                facts = None
            if not isinstance(facts, dict):
                read = read_text(module.path)
                if read is None:
                    continue
                data, text = read
                digest = text_digest(text)
                facts = summarise(text, module, self.config)
                if facts is None:
                    continue  # a module LibCST cannot parse contributes no facts
                cache.put(key, module.path, data, {"digest": digest, "facts": facts})
            self._digests[ident] = digest
            facts = shared(facts, seen)
            assert isinstance(facts, dict)
            # whether it is a test file can depend on the current folder (a glob with `/`):
            # decided on every run, never taken from the cache
            facts["test"] = self.config.is_test_file(module.path)
            out[ident] = facts
        if self._scanned_now:
            # the project's modules as found now (a module gone or moved is dropped)
            before = self._scanned or {}
            kept = {m.rel: before.get(m.rel) for m in self.layout.modules.values()}
            kept.update(self._scanned_now)
            cache.put_document(_SCANNED, {rel: v for rel, v in kept.items() if v is not None})
            self._scanned_now = {}
        self._scanned = {}  # every module is scanned by now
        return out

    def facts_of_text(self, ident: str, text: str) -> Optional[Dict[str, Json]]:
        facts = self.facts.get(ident)
        if facts is None or self._digests.get(ident) != text_digest(text):
            return None
        return facts

    # ---- linking --------------------------------------------------------------------------
    def linked_with(self, ident: str, data: Dict[str, Json]) -> Linked:
        """The project linked with ``data`` as the facts of module ``ident``."""
        from flake8_bsg.project.link import Linked

        facts = self.facts
        if facts.get(ident) == data:
            return self.shared_link()
        modules = dict(facts)
        modules[ident] = data
        return Linked(modules, self.config, self.layout.by_name)

    def shared_link(self) -> Linked:
        """The project linked as its files are on disk, built once."""
        from flake8_bsg.project.link import Linked

        if self._linked is None:
            self._linked = Linked(self.facts, self.config, self.layout.by_name)
        return self._linked


def text_digest(text: str) -> str:
    """The SHA-256 of a module's text, its line ends made ``\\n`` (what the cache and the
    scans record)."""
    from flake8_bsg.project.cache import sha256

    digest: str = sha256(text.replace("\r\n", "\n").encode("utf-8", "surrogatepass")).hexdigest()
    return digest


#: The cache's folder under the project root (``--bsg-cache-dir`` moves it).
CACHE_FOLDER = ".flake8-bsg-cache"
#: The cache's document of what scans found: ``{rel: [[size, mtime_ns], package, passes,
#: imported names, text digest]}``.
_SCANNED = "scanned"


def _settled(path: str, before: os.stat_result) -> bool:
    """Whether a file read after ``before`` may be recorded under its stat (the cache's rule)."""
    from flake8_bsg.project.cache import stat_stands_in

    try:
        return stat_stands_in(before, os.stat(path))
    except OSError:
        return False


def summarise(text: str, module: Module, config: Config) -> Optional[Dict[str, Json]]:
    """The facts of a module read from disk, or ``None`` when LibCST cannot parse it."""
    from flake8_bsg.source import run_deep, strip_form_feeds

    def work() -> Optional[Dict[str, Json]]:
        import libcst as cst

        from flake8_bsg import facts as file_facts
        from flake8_bsg.flow.analysis import FileAnalysis
        from flake8_bsg.positions import Parsed

        source, _shifted = strip_form_feeds(text)
        try:
            parsed = Parsed.whole(source)
        except cst.ParserSyntaxError:
            return None
        facts = file_facts.collect(parsed.module, module.package if module.name else None)
        facts.parsed = parsed
        try:
            context = _Recorder(module, source)
            FileAnalysis(facts, config, config.is_test_file(module.path), context)
            return context.data
        finally:
            file_facts.dispose(facts)

    result = run_deep(work)
    if not gc.isenabled():
        # inside a file's analysis the cycle collector waits (source.run_deep); the index is
        # built there, and each module's analysis leaves cycles: collected module by module
        # (the youngest generation: what this module made), not all at the end
        gc.collect(0)
    if isinstance(result, BaseException):
        return None
    return result


class _Recorder(ModuleContext):
    """A context that only records a module's facts (linking against nothing)."""

    def __init__(self, module: Module, text: str) -> None:
        self.module = module.name or module.rel
        self.rel = module.rel
        self.text: Optional[str] = text
        self.data: Optional[Dict[str, Json]] = None

    def known_facts(self) -> Optional[Dict[str, Json]]:
        return None  # they are what is being recorded

    def session_base(self, dotted: str) -> Optional[str]:
        return None  # a module's facts depend on its own text only

    def linked(self, data: Dict[str, Json]) -> Linked:
        import json

        from flake8_bsg.project.link import Linked

        # a round trip through JSON: exactly what the cache would give back
        self.data = json.loads(json.dumps(data))
        return Linked({}, Config())


_INDEXES: Dict[Tuple[str, str], ProjectIndex] = {}


def context_for(filename: str, config: Config) -> Optional[ModuleContext]:
    """The project context of a linted file, or ``None`` for file-local analysis."""
    if config.no_project or not filename or filename in ("-", "stdin"):
        return None
    if config.project_root:
        root = os.path.realpath(config.project_root)
        explicit = True
    else:
        found = find_root(filename)
        if found is None:
            return None
        root, explicit = found, False
    key = (root, config.fact_options_key())
    index = _INDEXES.get(key)
    if index is None:
        layout = Layout(root, config.source_roots, config.exclude, explicit)
        if not layout.contains(filename):
            return None
        index = _INDEXES[key] = ProjectIndex(layout, config)
    layout = index.layout
    if not layout.contains(filename):
        return None
    module = layout.module_of(filename)
    if module is None:
        real = real_path(filename)
        rel = os.path.relpath(real, layout.root).replace(os.sep, "/")
        module = Module(real, rel, layout._dotted(real))
    return ModuleContext(index, module)


def prepare(paths: List[str], config: Config) -> None:
    """Build the indexes of the projects of ``paths`` now (flake8's main process, before its
    ``-j`` workers start: they inherit them, or read the cache the build wrote), so that the
    facts are built once per run, not once per worker. Never raises."""
    try:
        for path in paths:
            probe = os.path.join(path, "__init__.py") if os.path.isdir(path) else path
            context = context_for(probe, config)
            if context is not None:
                context.index.facts  # noqa: B018 - built for the workers
    except Exception:  # a project that cannot be read is read again by each worker
        return


def forget() -> None:
    """Drop the indexes (a long-lived process after files changed)."""
    from flake8_bsg.project.paths import forget_roots

    _INDEXES.clear()
    _QUICK.clear()
    _READ.clear()
    _NAMES.clear()
    _SCANS.clear()
    forget_roots()


def affected(paths: List[str], config: Config) -> List[str]:
    """The project modules whose diagnostics can depend on ``paths`` (``check --affected``):
    those that import them, transitively (what escapes into their calls), and those they
    import, transitively (whose functions' entry-point status their calls decide); sorted."""
    out: Set[str] = set()
    for path in paths:
        context = context_for(path, config)
        if context is None:
            continue
        index = context.index
        start = index.layout.module_of(path)
        if start is None:
            continue
        importers: Dict[str, List[Module]] = {}
        for module in index.layout.modules.values():
            for imported in index.imports(module):
                importers.setdefault(imported.path, []).append(module)
        for step in (lambda m: importers.get(m.path, []), index.imports):
            todo, seen = [start], {start.path}
            while todo:
                current = todo.pop()
                for other in step(current):
                    if other.path not in seen:
                        seen.add(other.path)
                        todo.append(other)
            out.update(path for path in seen if path != start.path)
    given = {os.path.realpath(p) for p in paths}
    return sorted(os.path.relpath(p) for p in out if p not in given)

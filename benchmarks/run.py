"""Benchmark flake8-bsg: every figure is a ratio of medians, measured in one run.

    python benchmarks/run.py [--runs 3] [--instructions]

(a) code without BSG: flake8's CPU time with the plugin / without it (a second virtual
    environment holding the same flake8), on a ≥30k-line standard-library corpus and on one
    small file (the editor's case);
(b) BSG-dense code, as SPEC 8(b) writes it: flake8's CPU time with the plugin minus without,
    less ``import libcst``, / ``libcst.parse_module`` of the same files in a process (less
    that import); beside it the plugin's own CPU time in one process / the parse there;
(c) growth: time on a 10× longer input / time on the short one (file length, ``elif`` chain,
    expression terms);
(d) cost follows the BSG code: the plugin's CPU time on ~3,000-line modules with one BSG
    function each / ``libcst.parse_module`` of the whole modules;
(f) no growth: peak memory from 50 to 500 analysed files, with the plugin / without it, on
    BSG code with complete handling (nothing reported) and on the dense corpus (where flake8
    itself holds every finding until it reports: the benchmark measures how much);
memory: peak RSS of flake8 with the plugin / without it, on the BSG-dense corpus.

With ``--instructions`` (and valgrind installed), (b) is also counted in instructions with
callgrind (fixed hash seed): the five processes of the whole-process figure, one run each; and
one warm pass of the plugin over the dense modules / one pass of ``libcst.parse_module``, each
the difference between a process running two passes and one running one. The counts do not
move with the machine's load, as CPU time on a shared machine does.

Nothing here gates CI; the README quotes the output.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, List, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402

BASELINE = HERE / ".baseline-venv"
WITH_PLUGIN = HERE / ".plugin-venv"


def environment(folder: Path, with_plugin: bool) -> Path:
    """A virtual environment with the same flake8, pyflakes and pycodestyle, with or without
    the plugin (built fresh from this checkout), so that the two differ only by it."""
    python = folder / "bin" / "python"
    if with_plugin and folder.exists():
        shutil.rmtree(folder)  # always the plugin as checked out now
    if not python.exists():
        from importlib.metadata import version

        pins = [
            f"{name}=={version(name)}" for name in ("flake8", "pyflakes", "pycodestyle", "mccabe")
        ]
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        extra = [str(HERE.parent)] if with_plugin else []
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *pins,
                *extra,
            ],
            check=True,
        )
    return python


def stdlib_corpus(target: Path, min_lines: int) -> int:
    """Copy top-level standard-library modules into ``target`` until ``min_lines`` lines."""
    from flake8_bsg.options import Config
    from flake8_bsg.source import may_involve_bsg

    lines = 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if may_involve_bsg(text, Config()):
            continue
        shutil.copy(path, target / path.name)
        lines += text.count("\n")
        if lines >= min_lines:
            break
    return lines


def flake8_cmd(python: Path | str, paths: Sequence[str]) -> List[str]:
    return [str(python), "-m", "flake8", "--isolated", "--exit-zero", "-q", *paths]


def cpu(cmd: Sequence[str], cwd: Path | None = None) -> float:
    """CPU time (user + system) of a command and its children (flake8's workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def alternating(a: Callable[[], float], b: Callable[[], float], runs: int) -> float:
    """median(a) / median(b), runs alternating so drift hits both."""
    times_a: List[float] = []
    times_b: List[float] = []
    for _ in range(runs):
        times_b.append(b())
        times_a.append(a())
    return statistics.median(times_a) / statistics.median(times_b)


def peak_rss(cmd: Sequence[str]) -> int:
    """Peak resident memory (KiB) of a command, measured from a fresh parent process."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def cpu_median(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


@contextmanager
def linting(sources: Sequence[str], cold: bool = False) -> Iterator[Callable[[], None]]:
    """An action that lints the sources, each a module of one project (a temporary folder):
    warm (the facts cache filled and the project's index loaded, as in every run after the
    first and for every file after the first), or ``cold`` (no cache, the index built anew:
    every module parsed once for the index and once for its own diagnostics)."""
    import ast

    from flake8_bsg.engine import check_source
    from flake8_bsg.options import build_config
    from flake8_bsg.project.index import forget

    # flake8 hands every plugin Python's parse of the file, whatever plugins it runs
    trees = [ast.parse(source) for source in sources]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("", encoding="utf-8")
        paths = []
        for index, source in enumerate(sources):
            path = root / f"module_{index}.py"
            path.write_text(source, encoding="utf-8")
            paths.append(str(path))
        config = build_config(no_cache=cold)

        def lint_all() -> None:
            if cold:
                forget()
            for path, source, tree in zip(paths, sources, trees):
                check_source(source, path, config, force=True, tree=tree)

        if not cold:
            lint_all()
        try:
            yield lint_all
        finally:
            forget()


def plugin_time(sources: Sequence[str], runs: int, cold: bool = False) -> float:
    """The plugin's CPU time on the sources (see :func:`linting`), median of ``runs``."""
    with linting(sources, cold) as lint_all:
        return cpu_median(lint_all, runs)


def against_parse(sources: Sequence[str], runs: int, cold: bool = False) -> Tuple[float, float]:
    """The plugin's CPU time on the sources / ``libcst.parse_module``'s, the two timed in
    alternation (``runs`` each, the garbage of one collected before the other starts, untimed):
    the ratio of the medians and the ratio of the minimums."""
    import libcst

    plugin: List[float] = []
    parse: List[float] = []

    def timed(action: Callable[[], object], into: List[float]) -> None:
        gc.collect()
        start = time.process_time()
        action()
        into.append(time.process_time() - start)

    with linting(sources, cold) as lint_all:
        for _ in range(runs):
            timed(lambda: [libcst.parse_module(s) for s in sources], parse)
            timed(lint_all, plugin)
    return (
        statistics.median(plugin) / statistics.median(parse),
        min(plugin) / min(parse),
    )


def _b_commands(base: Path, plugin: Path, folder: Path) -> dict[str, List[str]]:
    """The five processes of SPEC 8(b) on the modules in ``folder`` (run there)."""
    files = sorted(path.name for path in folder.glob("*.py"))
    lint = ["-m", "flake8", "--isolated", "--exit-zero", "-q", "-j1", *files]
    parse = "import sys, libcst\nfor f in sys.argv[1:]:\n    libcst.parse_module(open(f).read())"
    return {
        "with": [str(plugin), *lint],
        "without": [str(base), *lint],
        "parse": [str(plugin), "-c", parse, *files],
        "import": [str(plugin), "-c", "import libcst"],
        "nothing": [str(plugin), "-c", "pass"],
    }


def whole_process_instructions(base: Path, plugin: Path, folder: Path) -> str:
    """SPEC 8(b)'s ratio with each process counted in instructions by callgrind (one run each,
    warm): the same on any machine, whatever its load."""
    commands = _b_commands(base, plugin, folder)
    cpu(commands["with"], folder)  # fills the project's cache
    n = {name: instructions(cmd, folder) for name, cmd in commands.items()}
    importing = n["import"] - n["nothing"]
    plugin_count = n["with"] - n["without"] - importing
    parse_count = n["parse"] - n["import"]
    return (
        f"{plugin_count / parse_count:.3f} ({n['with'] / 1e6:,.0f} M - {n['without'] / 1e6:,.0f} M"
        f" - {importing / 1e6:,.0f} M) / ({n['parse'] / 1e6:,.0f} M - {n['import'] / 1e6:,.0f} M)"
    )


def whole_processes(base: Path, plugin: Path, folder: Path, runs: int) -> str:
    """SPEC 8(b) as it is written: flake8's CPU time with the plugin minus without (warm: the
    project's cache filled; ``-j1``), less the one-time ``import libcst``, over the CPU time of
    ``libcst.parse_module`` of the same files in a process (less that import); medians of
    ``runs`` rounds of the five commands in turn."""
    commands = _b_commands(base, plugin, folder)
    cpu(commands["with"], folder)  # fills the project's cache
    times: dict[str, List[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(cpu(cmd, folder))
    m = {name: statistics.median(values) for name, values in times.items()}
    importing = m["import"] - m["nothing"]
    ratio = (m["with"] - m["without"] - importing) / (m["parse"] - m["import"])
    return (
        f"{ratio:.2f} ({m['with']:.2f} s - {m['without']:.2f} s - {importing:.2f} s) / "
        f"({m['parse']:.2f} s - {m['import']:.2f} s)"
    )


def analysis_time(source: str, runs: int) -> float:
    """The walk and the rules on an already parsed module."""
    import libcst

    from flake8_bsg.engine import find_violations
    from flake8_bsg.options import Config

    module = libcst.parse_module(source)

    def analyse() -> None:
        gc.disable()  # as the plugin runs it
        try:
            find_violations(module, "dense.py", Config())
        finally:
            gc.enable()

    return cpu_median(analyse, runs)


def parse_time(sources: Sequence[str], runs: int) -> float:
    import libcst

    return cpu_median(lambda: [libcst.parse_module(s) for s in sources], runs)


def instructions(cmd: Sequence[str], cwd: Path | None = None) -> int:
    """The instructions a command executes, counted by callgrind (one run; hash seed fixed)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        raise RuntimeError("callgrind printed no count:\n" + proc.stderr[-2000:])
    return int(found.group(1))


def passes(what: str, folder: str, count: int) -> None:
    """Run ``count`` passes of ``what`` ("parse" or "plugin", warm) over the modules in
    ``folder``, after one pass that warms them (imports, caches, the project's index)."""
    sources = [path.read_text(encoding="utf-8") for path in sorted(Path(folder).glob("*.py"))]
    if what == "parse":
        import libcst

        for _ in range(count + 1):
            for source in sources:
                libcst.parse_module(source)
        return
    with linting(sources) as lint_all:
        for _ in range(count):
            lint_all()


def pass_instructions(what: str, folder: Path) -> int:
    """The instructions of one warm pass of ``what`` over the modules in ``folder``: a process
    running two passes minus one running one, so that start-up, imports and the warming pass
    cancel out."""

    def process(count: int) -> List[str]:
        code = (
            f"import sys; sys.path.insert(0, {str(HERE)!r}); import run; "
            "run.passes(sys.argv[1], sys.argv[2], int(sys.argv[3]))"
        )
        return [sys.executable, "-c", code, what, str(folder), str(count)]

    return instructions(process(2)) - instructions(process(1))


def memory_growth(
    root: Path, plugin: Path, base: Path, source: str, name: str
) -> Tuple[float, float]:
    """(f): peak memory growth from 50 to 500 analysed files of ``source``, with the plugin /
    without it (-j1, cold: no facts cache), two ways: 50 and then all 500 files of one
    500-module project (what outlives each file: nothing should), and a 50-module and a
    500-module project linted whole (the project's facts grow with the project; they are held
    once)."""
    folder = root / f"growth_{name}"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    for index in range(500):
        (folder / f"service_{index}.py").write_text(source, encoding="utf-8")
    small = root / f"growth_{name}_small"
    small.mkdir()
    (small / "pyproject.toml").write_text("", encoding="utf-8")
    for index in range(50):
        (small / f"service_{index}.py").write_text(source, encoding="utf-8")
    fifty = [str(folder / f"service_{index}.py") for index in range(50)]
    runs = {
        "files": (fifty, [str(folder)]),
        "project": ([str(small)], [str(folder)]),
    }
    out = []
    for few, many in runs.values():
        peaks = {}
        for name, python in (("plugin", plugin), ("base", base)):
            extra = ["--bsg-no-cache"] if name == "plugin" else []
            peaks[name, 50] = peak_rss(flake8_cmd(python, ["-j1", *extra, *few]))
            peaks[name, 500] = peak_rss(flake8_cmd(python, ["-j1", *extra, *many]))
        out.append(
            (peaks["plugin", 500] / peaks["plugin", 50]) / (peaks["base", 500] / peaks["base", 50])
        )
    return out[0], out[1]


HELD = """\
import sys
from flake8.main.application import Application

app = Application()
app.initialize(["-j1", "--bsg-no-cache", *sys.argv[1:]])
app.run_checks()
held, count, seen = 0, 0, set()
for _name, results, _statistics in app.file_checker_manager.results:
    for result in results:
        count += 1
        held += sys.getsizeof(result)
        for part in result:
            if id(part) not in seen and not (type(part) is int and -5 <= part <= 256):
                seen.add(id(part))
                held += sys.getsizeof(part)
print(count, held)
"""


def held_results(python: Path, paths: Sequence[str]) -> Tuple[int, int]:
    """How many findings flake8 holds until it reports, and their bytes (each a tuple of the
    code, line, column, message and the line's text), after a -j1 run over ``paths``."""
    out = subprocess.run(
        [str(python), "-c", HELD, *paths], capture_output=True, text=True, check=True
    )
    count, held = out.stdout.split()
    return int(count), int(held)


def start(title: str) -> Tuple[Path, Path]:
    """Print the run's heading (date, machine, Python) and return the two environments' Pythons:
    without the plugin, and with it (built fresh from this checkout)."""
    print(
        f"{title}, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    return environment(BASELINE, with_plugin=False), environment(WITH_PLUGIN, with_plugin=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each flake8 measurement (default 3)"
    )
    parser.add_argument(
        "--min-lines", type=int, default=30_000, help="size of the corpus without BSG"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count (b) in instructions with callgrind (needs valgrind)",
    )
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind")
    runs = args.runs

    base, plugin = start("flake8-bsg benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plain = root / "plain"
        plain.mkdir()
        lines = stdlib_corpus(plain, args.min_lines)
        ratio = alternating(
            lambda: cpu(flake8_cmd(plugin, [str(plain)])),
            lambda: cpu(flake8_cmd(base, [str(plain)])),
            runs,
        )
        print(
            f"(a) no BSG, {lines} stdlib lines: flake8 with plugin / without = {ratio:.3f}"
            "  (target <= 1.02)"
        )

        small = root / "small.py"
        small.write_text(
            "import os\n\n\ndef cwd() -> str:\n    return os.getcwd()\n", encoding="utf-8"
        )
        ratio = alternating(
            lambda: cpu(flake8_cmd(plugin, [str(small)])),
            lambda: cpu(flake8_cmd(base, [str(small)])),
            max(runs * 4, 10),
        )
        print(
            f"(a) one small file (start-up): with plugin / without = {ratio:.3f}  (target <= 1.03)"
        )

        dense_dir = root / "dense"
        dense_dir.mkdir()
        dense_sources = [corpus.dense(30) for _ in range(10)]
        for index, source in enumerate(dense_sources):
            (dense_dir / f"service_{index}.py").write_text(source, encoding="utf-8")
        (dense_dir / "pyproject.toml").write_text("", encoding="utf-8")  # one project
        dense_lines = sum(s.count("\n") for s in dense_sources)
        dense_runs = max(runs, 7)
        figure = whole_processes(base, plugin, dense_dir, dense_runs)
        print(
            f"(b) BSG-dense, {dense_lines} lines (10 modules of a project), whole flake8 "
            f"processes, warm, -j1: (with the plugin - without - `import libcst`) / "
            f"`libcst.parse_module` in a process = {figure}  (target <= 1.5)"
        )
        if args.instructions:
            figure = whole_process_instructions(base, plugin, dense_dir)
            print(f"    the same in instructions: {figure}")
        median, least = against_parse(dense_sources, dense_runs)
        print(
            f"    the plugin's own CPU time in one process / libcst.parse_module = {median:.2f} "
            f"(medians of {dense_runs} alternating runs; minimums: {least:.2f}): flake8's handling "
            "of the findings and the plugin's imports are the rest"
        )
        if args.instructions:
            plugin_count = pass_instructions("plugin", dense_dir)
            parse_count = pass_instructions("parse", dense_dir)
            print(
                f"    the plugin's own, in instructions: {plugin_count / parse_count:.3f} "
                f"({plugin_count / 1e6:,.1f} M / {parse_count / 1e6:,.1f} M a pass)"
            )
        median, least = against_parse(dense_sources, dense_runs, cold=True)
        print(
            "(b) the same, cold (no cache: the index parses every module too): "
            f"{median:.2f} (minimums: {least:.2f})"
        )

        plain_sources = [corpus.mostly_plain(74) for _ in range(8)]
        plain_lines = sum(s.count("\n") for s in plain_sources) // len(plain_sources)
        ratio = plugin_time(plain_sources, 5) / parse_time(plain_sources, 3)
        print(
            f"(d) 8 modules of ~{plain_lines} lines, one BSG function each: plugin CPU / "
            f"libcst.parse_module of the whole modules = {ratio:.2f}  (target <= 0.3)"
        )

        short, long_ = corpus.dense(40), corpus.dense(400)
        ratio = plugin_time([long_], 3) / plugin_time([short], 5)
        print(
            f"(c) file 10x longer ({short.count(chr(10))} -> {long_.count(chr(10))} lines): "
            f"time x{ratio:.1f}  (target <= 11)"
        )
        ratio = parse_time([long_], 3) / parse_time([short], 5)
        print(
            f"    of which libcst.parse_module alone: x{ratio:.1f}; the analysis after the parse: "
            f"x{analysis_time(long_, 3) / analysis_time(short, 5):.1f}"
        )
        ratio = plugin_time([corpus.elif_chain(300)], 5) / plugin_time([corpus.elif_chain(30)], 5)
        print(f"(c) elif chain 30 -> 300 branches: time x{ratio:.1f}  (target <= 11)")
        ratio = plugin_time([corpus.long_expression(300)], 5) / plugin_time(
            [corpus.long_expression(30)], 5
        )
        print(f"(c) expression 30 -> 300 terms: time x{ratio:.1f}  (target <= 11)")

        files, project = memory_growth(root, plugin, base, corpus.handled(10), "handled")
        print(
            f"(f) peak RSS growth from 50 to 500 analysed files of one project (BSG code with its "
            f"handling complete: nothing reported), with plugin / without = {files:.3f}  "
            "(target <= 1.05)"
        )
        print(
            f"(f) the same from a 50-module to a 500-module project (the project's facts are "
            f"held once, and grow with it): {project:.3f}"
        )
        files, project = memory_growth(root, plugin, base, corpus.dense(10), "dense")
        count, held = held_results(plugin, [str(root / "growth_dense")])
        print(
            f"(f) the same on the dense corpus (every file has findings): {files:.3f}; from a "
            f"50-module to a 500-module project: {project:.3f}; flake8 holds its {count} "
            f"findings until it reports them: {held / 2**20:.1f} MiB"
        )

        with_plugin = peak_rss(flake8_cmd(plugin, [str(dense_dir)]))
        without = peak_rss(flake8_cmd(base, [str(dense_dir)]))
        print(
            f"memory, BSG-dense corpus: peak RSS with plugin / without = "
            f"{with_plugin / without:.2f} ({with_plugin // 1024} / {without // 1024} MiB)"
            "  (target <= 1.5)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Soak: run the analysis, forced past the text check, over every .py file of the standard
library and of site-packages. Prints files, lines, seconds, crashes and diagnostics.

    python benchmarks/soak.py [--differential] [PATH ...]

A crash is an internal-error BSG000 (the plugin catches everything; this finds what it had to
catch). Files LibCST cannot parse are counted apart. On code that does not use BSG every
diagnostic is a false alarm, so the script lists them. The whole of every module is analysed
(no statement scope).

``--differential`` (SPEC 8(d)): with common functions of the standard library declared as
clients (``DECLARED_CLIENTS``: real code then has BSG calls, handlers and helpers everywhere),
every file's diagnostics with statement scope must equal those of the whole module; prints
each difference, and how many lines the scope left out.
"""

from __future__ import annotations

import ast
import sys
import sysconfig
import time
from pathlib import Path
from typing import Iterator, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_bsg.cli import read_source  # noqa: E402
from flake8_bsg.engine import check_findings  # noqa: E402
from flake8_bsg.options import Config, build_config  # noqa: E402
from flake8_bsg.scope import names_catalogue, scoped_units  # noqa: E402
from flake8_bsg.source import may_involve_bsg, split_lines  # noqa: E402

#: Functions and classes of the standard library declared as clients: common ones (BSG calls
#: and handlers everywhere), and rarer ones (a few statements of a module call them, and the
#: scope has to find what they reach).
DECLARED_CLIENTS = ",".join(
    [
        "os.path.join=sms",
        "os.getcwd=sms",
        "os.stat=viber",
        "json.loads=viber",
        "json.dumps=number_verifier",
        "subprocess.run=sms+viber",
        "re.compile=sms",
        "re.match=statistics",
        "threading.Thread=sms",
        "io.StringIO=all",
        "logging.getLogger=bsg_restapi.SMSAPI",
    ]
)
RARE_CLIENTS = ",".join(
    [
        "shutil.copyfile=sms",
        "os.makedirs=viber",
        "tempfile.mkdtemp=sms",
        "socket.create_connection=all",
        "urllib.request.urlopen=sms+viber",
        "time.monotonic=number_verifier",
        "warnings.warn=sms",
        "tokenize.generate_tokens=bsg_restapi.ViberAPI",
    ]
)


def python_files(roots: List[Path]) -> Iterator[Path]:
    seen = set()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            real = path.resolve()
            if real in seen or not real.is_file():
                continue
            seen.add(real)
            yield path


def differential(roots: List[Path], clients: str) -> int:
    """Statement scope against the whole module, file by file (file-local analysis)."""
    config = build_config(clients=clients, no_project=True)
    files = lines = dropped = findings = 0
    differing: List[str] = []
    start = time.perf_counter()
    for path in python_files(roots):
        try:
            source = read_source(str(path))
            tree = ast.parse(source)
        except (SyntaxError, ValueError, UnicodeDecodeError, LookupError, OSError):
            continue
        files += 1
        text_lines = split_lines(source)
        lines += len(text_lines)
        whole = check_findings(source, str(path), config, force=True, scope=False)
        if any(f.code == "BSG000" for f in whole):
            continue  # not parsed by LibCST as a whole: nothing to compare
        scoped = check_findings(source, str(path), config, force=True, tree=tree)
        findings += len(whole)
        if scoped != whole:
            differing.append(str(path))
            print(
                f"DIFFERENT {path}: scoped only {sorted(set(scoped) - set(whole))[:3]}, "
                f"whole only {sorted(set(whole) - set(scoped))[:3]}"
            )
        plan = scoped_units(
            tree, text_lines, lambda t: may_involve_bsg(t, config) or names_catalogue(t)
        )
        if plan is not None:
            units, chosen = plan
            dropped += sum(u.last - u.first + 1 for i, u in enumerate(units) if i not in chosen)
    print(
        f"differential: {files} files, {lines} lines, {time.perf_counter() - start:.0f} s; "
        f"{findings} diagnostics of the whole modules; statement scope left out {dropped} lines "
        f"({100 * dropped / max(lines, 1):.0f}%); files with a difference: {len(differing)}"
    )
    return 1 if differing else 0


def main(argv: List[str]) -> int:
    if argv[:1] == ["--differential"]:
        paths = sysconfig.get_paths()
        roots = [Path(p) for p in argv[1:]] or [Path(paths["stdlib"]), Path(paths["purelib"])]
        status = 0
        for clients in (DECLARED_CLIENTS, RARE_CLIENTS):
            status |= differential(roots, clients)
        return status
    paths = sysconfig.get_paths()
    roots = [Path(p) for p in argv] or [Path(paths["stdlib"]), Path(paths["purelib"])]
    config = Config()
    files = lines = crashes = unparsable = rejected = 0
    diagnostics: List[str] = []
    start = time.perf_counter()
    for path in python_files(roots):
        try:
            source = read_source(str(path))
            ast.parse(source)
        except (SyntaxError, ValueError, UnicodeDecodeError, LookupError, OSError):
            rejected += 1  # flake8 reports these itself (E902/E999); plugins never see them
            continue
        files += 1
        lines += source.count("\n")
        for finding in check_findings(source, str(path), config, force=True, scope=False):
            line, col, message = finding.line, finding.col, finding.message
            if message.startswith("BSG000 internal error"):
                crashes += 1
                print(f"CRASH {path}: {message}")
            elif message.startswith("BSG000"):
                unparsable += 1
                print(f"UNPARSABLE {path}: {message}")
            else:
                diagnostics.append(f"{path}:{line}:{col + 1}: {message}")
    seconds = time.perf_counter() - start
    for diagnostic in diagnostics:
        print(diagnostic)
    print(
        f"soak: {files} files, {lines} lines, {seconds:.0f} s; crashes {crashes}; "
        f"LibCST could not parse {unparsable}; diagnostics {len(diagnostics)}; "
        f"skipped {rejected} files Python itself rejects"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

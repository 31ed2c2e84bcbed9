"""Latency of the language server against a cold flake8 run, on one ~300-line BSG file.

    python benchmarks/lsp_latency.py [--runs 9]

(a) cold: ``python -m flake8 --select=BSG FILE`` in a new process, as an editor's flake8
    integration runs it on every check (python-lsp-server, ALE, the VS Code extension):
    wall time of the process, and its CPU time (``getrusage(RUSAGE_CHILDREN)`` deltas);
(b) warm: ``flake8-bsg server`` already running: wall time from sending ``didChange`` to
    receiving ``publishDiagnostics`` for that version, as the editor sees it (it includes the
    server's 50 ms debounce, printed apart too), and the server process's CPU time over the
    same span (``/proc/PID/stat``; Linux only).

Medians over ``--runs`` runs (at least 7). The ratio the target is about (at most 0.3) is wall
time / wall time: what the editor waits for either way; CPU / CPU is printed beside it. Nothing
here gates CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from flake8_bsg.server import DEBOUNCE_SECONDS  # noqa: E402

HEADER = """\
import logging

from bsg_restapi import APIError, SMSAPI, SMSMessage, ViberAPI

log = logging.getLogger(__name__)
sms = SMSAPI(config={"api_key": "k"})
viber = ViberAPI(config={"api_key": "k"})
"""

FUNCTION = '''

def send_{i}(phone: str, text: str) -> bool:
    """Send message {i}; False when the number cannot receive it."""
    try:
        sms.send(message=SMSMessage(body=text), recipients=[{{"msisdn": phone}}])
    except APIError as exc:
        if exc.code == 21:
            log.warning("invalid number %s", phone)
            return False
        elif exc.code in (8, 20):
            log.error("billing or sender problem: %s", exc)
            raise
        elif exc.code == 22:
            return False
        raise
    return True


def notify_{i}(phone: str) -> None:
    try:
        viber.send(messages=[{{"to": [{{"msisdn": phone}}], "text": "hello {i}"}}])
    except APIError as exc:
        if exc.code == 41:
            log.info("viber refused %s", phone)
        else:
            raise
'''


def bsg_file(functions: int = 11) -> str:
    """A BSG-dense module: ``functions`` pairs of dispatching functions (~30 lines each)."""
    return HEADER + "".join(FUNCTION.format(i=i) for i in range(functions))


def cold_flake8(path: Path, runs: int) -> Tuple[List[float], List[float], List[str]]:
    """Wall and CPU seconds of ``runs`` cold flake8 processes, and the lines of the last."""
    walls, cpus = [], []
    out: List[str] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "flake8", "--select=BSG", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out = proc.stdout.splitlines()
    return walls, cpus, out


def process_cpu(pid: int) -> Optional[float]:
    """CPU seconds (user + system) a process has used so far, where /proc has them."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def warm_server(path: Path, text: str, runs: int) -> Tuple[List[float], List[float], int]:
    """Wall and server CPU seconds from ``didChange`` to its ``publishDiagnostics``, for
    ``runs`` edits, and how many diagnostics the last publication had."""
    client = LanguageClient("lsp-latency", "1")
    waiting: Dict[int, asyncio.Future[int]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        future = waiting.get(params.version or 0)
        if future is not None and not future.done():
            future.set_result(len(params.diagnostics))

    await client.start_io(sys.executable, "-m", "flake8_bsg", "server", cwd=str(path.parent))
    try:
        await client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(), root_uri=path.parent.as_uri()
            )
        )
        client.initialized(lsp.InitializedParams())
        uri = path.as_uri()
        loop = asyncio.get_running_loop()
        waiting[1] = loop.create_future()
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
        )
        count = await asyncio.wait_for(waiting[1], 60)
        times: List[float] = []
        cpus: List[float] = []
        pid = client._server.pid if client._server is not None else 0
        for version in range(2, runs + 2):
            # a different buffer each time (a comment at the end): nothing can be reused
            changed = text + f"# edit {version}\n"
            waiting[version] = loop.create_future()
            start = time.perf_counter()
            cpu_before = process_cpu(pid)
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    lsp.VersionedTextDocumentIdentifier(version, uri),
                    [lsp.TextDocumentContentChangeWholeDocument(changed)],
                )
            )
            count = await asyncio.wait_for(waiting[version], 60)
            times.append(time.perf_counter() - start)
            cpu_after = process_cpu(pid)
            if cpu_before is not None and cpu_after is not None:
                cpus.append(cpu_after - cpu_before)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return times, cpus, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--functions", type=int, default=11)
    args = parser.parse_args()
    runs = max(args.runs, 7)
    text = bsg_file(args.functions)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".flake8").write_text("[flake8]\n")
        path = root / "dispatch.py"
        path.write_text(text)
        subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True)
        walls, cpus, printed = cold_flake8(path, runs)
        warm, warm_cpus, shown = asyncio.run(warm_server(path, text, runs))
    cold_wall, cold_cpu, warm_wall = (statistics.median(v) for v in (walls, cpus, warm))
    warm_cpu = statistics.median(warm_cpus) if warm_cpus else None
    lines = text.count("\n")
    print(f"python {platform.python_version()} on {platform.machine()}, {runs} runs, medians")
    print(f"file: {lines} lines; flake8 reports {len(printed)} BSG findings, the server {shown}")
    print(
        f"(a) cold flake8 process:  wall {cold_wall * 1000:7.1f} ms   cpu {cold_cpu * 1000:7.1f} ms"
    )
    shown_cpu = f"{warm_cpu * 1000:7.1f} ms" if warm_cpu is not None else "    n/a"
    print(
        f"(b) warm server edit:     wall {warm_wall * 1000:7.1f} ms   cpu {shown_cpu}   "
        f"(the wall time includes the {DEBOUNCE_SECONDS * 1000:.0f} ms debounce)"
    )
    ratio = warm_wall / cold_wall
    verdict = "met" if ratio <= 0.3 else "NOT met"
    print(f"ratio warm/cold (wall):   {ratio:.2f}  (target <= 0.30: {verdict})")
    if warm_cpu is not None:
        print(f"ratio warm/cold (cpu):    {warm_cpu / cold_cpu:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What every benchmark needs: a MongoDB, a simulated Jira in its own process, RSS, tables.

Every server is started here on loopback and stopped on exit. The simulator runs in a child
process (`python -m jira_sim`, the same SimulatorServer) rather than in a thread, so that
its request handling does not compete with the measured code for this process's GIL, and so
that this process's RSS is the sync engine's alone.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psutil
import requests

from testbed.bundle import ROOT
from testbed.mongo import EmbeddedMongo, external_mongo_uri
from testbed.ports import free_port
from testbed.waiting import terminate, wait_for


@contextlib.contextmanager
def mongo(work_dir: Path) -> Iterator[str]:
    """MONGO_URI when set, else an embedded MongoDB-wire server on a free loopback port."""
    uri = external_mongo_uri()
    if uri:
        yield uri
        return
    server = EmbeddedMongo(work_dir / "mongo-data").start()
    try:
        yield server.uri
    finally:
        server.stop()


def mongo_label() -> str:
    return "MONGO_URI (external)" if external_mongo_uri() else "embedded nx-27017 (loopback)"


class SimulatorProcess:
    """`python -m jira_sim --seed FILE` on a free loopback port, in a child process."""

    def __init__(self, seed: dict[str, Any], work_dir: Path, deployment: str = "cloud") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._seed_file = work_dir / f"seed-{self.port}.json"
        self._seed_file.write_text(json.dumps(seed))
        self._deployment = deployment
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> SimulatorProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "jira_sim", "--host", "127.0.0.1", "--port", str(self.port),
             "--seed", str(self._seed_file), "--deployment", self._deployment],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: requests.get(f"{self.url}/_sim/config", timeout=2).ok, timeout, 0.1, "the simulator")
        return self

    def stop(self) -> None:
        terminate(self._process, timeout=10)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.url}/_sim/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def rest_counts(self) -> dict[str, int]:
        """Requests per "METHOD /rest/... template" since the last reset (Jira API calls only)."""
        counts = self.admin("GET", "requests")["counts"]
        return {key: n for key, n in counts.items() if key.split(" ", 1)[1].startswith("/rest/")}

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def byte_compile() -> None:
    """Write the bytecode of the project's code, as the image's build does (Dockerfile): with
    PYTHONDONTWRITEBYTECODE set, a checkout has none, and every process start would compile
    what it imports, which a deployed bundle does not."""
    for package in ("app", "jira_sim", "testbed"):
        compileall.compile_dir(ROOT / package, quiet=1)


@contextlib.contextmanager
def work_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-") as path:
        yield Path(path)


# -- measurements ---------------------------------------------------------------------------

def process_tree(pid: int) -> list[psutil.Process]:
    """`pid` and all its descendants, `pid` first (none when it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss(pid: int) -> int:
    """Bytes of resident memory of `pid` and all its descendants (0 when it is gone)."""
    total = 0
    for process in process_tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


def tree_cpu(pid: int) -> float:
    """CPU-seconds (user + system) used so far by `pid`, its living descendants and the children
    it has reaped (0 when it is gone)."""
    total = 0.0
    for index, process in enumerate(process_tree(pid)):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
            if index == 0:
                total += times.children_user + times.children_system
    return total


def children_cpu() -> float:
    """CPU-seconds used so far by this process's children it has waited for (getrusage)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def tree_memory(pid: int) -> dict[str, int]:
    """Bytes of `pid` and all its descendants: RSS (counts the shared interpreter pages once per
    process), PSS (shared pages split among the processes sharing them: these add up to what the
    machine holds) and USS (private: what ending the processes gives back). Zeros when it is gone."""
    totals = {"rss": 0, "pss": 0, "uss": 0}
    for process in process_tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            full = process.memory_full_info()
            totals["rss"] += full.rss
            totals["pss"] += getattr(full, "pss", 0)
            totals["uss"] += full.uss
    return totals


def mb(size: float) -> float:
    return size / (1024 * 1024)


def machine_line() -> str:
    return (f"machine: {os.cpu_count()} CPU(s), {mb(psutil.virtual_memory().total) / 1024:.1f} GiB RAM, "
            f"Python {sys.version.split()[0]}, MongoDB: {mongo_label()}")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def user_issues_seed(count: int, **demo_kwargs: Any) -> dict[str, Any]:
    """The demo site (ABSUP/ABDEV) plus `count` User issues in To Do, created now."""
    from jira_sim.seed import demo_seed

    seed = demo_seed(**demo_kwargs)
    seed["issues"] = [{"project": "ABSUP", "summary": f"Support issue {i + 1}", "issuetype": "Bug"} for i in range(count)]
    return seed

"""Bundle start-up, memory, /health latency and kill -9 recovery: `python -m bench.bundle_startup`.

Runs the real bundle (`python entrypoint.py run` -> supervisord -> one worker per pair, health,
watchdog) as testbed.bundle.Bundle does, against a simulated Jira (child process, one
User/Dev project couple per pair, a few issues each) and MongoDB (MONGO_URI, else an embedded
server started here, so no `mongodb` program runs inside the bundle).

Figures, each printed next to its target:
- time from `run` (the Popen of entrypoint.py) until GET /health answers 200, for 1, 10 and 30
  pairs, next to the floor measured in the same run just before and just after the bundle (their
  mean): the time N worker processes need merely to start and import `app.sync.worker` side by
  side (N at once, as supervisord starts them); target for 30 pairs: within 1.5 x the floor. A
  worker counts once supervisord has it RUNNING (`startsecs` 1 s) and its own first beat says it
  finished a pass;
- memory per active worker = the worker process and its children, after its first pass, and of
  the whole bundle = supervisord and every process under it, as RSS, PSS and USS (private; psutil
  memory_full_info): RSS counts the shared interpreter pages once per process and overstates a
  bundle, PSS adds up to what the machine holds, USS is what ending a worker gives back (targets
  per active worker USS <= 30 MB, per standby USS <= 12 MB); a standby worker
  (`python -m app.sync.standby`, waiting for a lease that never comes) is measured on its own;
- /health latency p50/p99 over sequential keep-alive requests with 30 pairs (target p99 < 100 ms);
- recovery after `kill -9` of a worker: from the kill until its heartbeat document carries the
  new pid (target < 5 s). HEARTBEAT_INTERVAL=1 so the figure is measurable at that resolution
  (a new worker writes its first beat at start anyway); also, for information, until /health
  answers 200 again (target < 3 s: the new worker's first beat after its first pass).
Workers use syncIntervalSeconds=30, so the steady state is not dominated by back-to-back passes.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import NamedTuple

import psutil
import pymongo
import requests

from app.heartbeats import HeartbeatStore
from app.mongo import MongoClient
from bench.common import (
    SimulatorProcess,
    Stopwatch,
    byte_compile,
    children_cpu,
    machine_line,
    mb,
    mongo,
    percentile,
    print_table,
    tree_cpu,
    tree_memory,
    work_dir,
)
from jira_sim.seed import BOT, demo_seed
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

PAIR_COUNTS: tuple[int, ...] = (1, 10, 30)
ISSUES_PER_PROJECT = 5
HEALTH_REQUESTS = 300
KILL_TRIALS = 3
HEALTHY_TIMEOUT_S = 120
TOKEN_ENV = "JIRA_BENCH_TOKEN"
BUNDLE_ENV = {
    "HEARTBEAT_INTERVAL": "1",
    "HEARTBEAT_STALE_AFTER": "5",
    TOKEN_ENV: BOT.api_token,
    "LOG_LEVEL": "INFO",
}


def project_keys(index: int) -> tuple[str, str]:
    letters = chr(65 + index // 26) + chr(65 + index % 26)
    return f"U{letters}", f"D{letters}"


def pair_names(count: int) -> list[str]:
    return [f"sync-p{index:02d}" for index in range(count)]


def start_bundle(tmp: Path, mongo_uri: str, sim_url: str, count: int) -> Bundle:
    run_id = uuid.uuid4().hex[:8]
    bundle = Bundle(tmp, mongo_uri, f"bench{run_id}_control", env={**BUNDLE_ENV, "BUNDLE_ID": f"bench-{run_id}"})
    for index, name in enumerate(pair_names(count)):
        user_key, dev_key = project_keys(index)
        bundle.write_config(name, pair_config(name, sim_url, user_key, dev_key, TOKEN_ENV, syncIntervalSeconds=30))
    return bundle


class Start(NamedTuple):
    """A start timed: seconds (None: never healthy), the CPU-seconds it used, and those the
    servers it talked to (the simulator, the embedded MongoDB: this process's other children) used
    meanwhile."""

    seconds: float | None
    cpu: float
    servers_cpu: float = 0.0


def servers_cpu(bundle_pid: int | None = None) -> float:
    """CPU-seconds used so far by this process's children but the bundle: the simulator and the
    embedded MongoDB, which a production bundle does not share its machine with."""
    return sum(tree_cpu(child.pid) for child in psutil.Process().children() if child.pid != bundle_pid)


def heartbeats(bundle: Bundle, client: MongoClient) -> HeartbeatStore:
    return HeartbeatStore(client[bundle.env["MONGO_CONTROL_DB"]], bundle=bundle.bundle_id)


def time_to_healthy(bundle: Bundle, beats: HeartbeatStore, pairs: list[str]) -> Start:
    """/health is polled every 50 ms once every worker has beaten after a pass, which it needs to
    say 200: before that, the heartbeats are (one read), not /health (a read of every pair's
    database while they have not), so the probe does not load the start it times."""
    servers_before = servers_cpu()
    watch = Stopwatch()
    bundle.start()
    try:
        wait_for(lambda: {pair for pair, beat in beats.all().items() if beat.last_pass} >= set(pairs),
                 HEALTHY_TIMEOUT_S, 0.05, "every worker's beat after a pass")
        wait_for(lambda: bundle.health(timeout=2).status_code == 200, HEALTHY_TIMEOUT_S, 0.05, "/health 200")
    except AssertionError:
        return Start(None, 0.0)
    seconds = watch.elapsed
    pid = bundle.process.pid if bundle.process else None
    return Start(seconds, tree_cpu(pid) if pid else 0.0, servers_cpu(pid) - servers_before)


def start_floor(count: int) -> Start:
    """`count` interpreters started at once to import app.sync.worker and exit: what starting the
    workers costs before any of them does anything (seconds, CPU-seconds)."""
    cpu_before = children_cpu()
    watch = Stopwatch()
    processes = [subprocess.Popen([sys.executable, "-c", "import app.sync.worker"]) for _ in range(count)]
    for process in processes:
        process.wait()
    return Start(watch.elapsed, children_cpu() - cpu_before)


def memory(bundle: Bundle, names: list[str]) -> list[list[object]]:
    """Rows (what, RSS, PSS, USS in MB) of the bundle's processes."""
    if bundle.process is None:
        raise RuntimeError("the bundle was never started")
    workers = [tree_memory(bundle.pid(name)) for name in names]
    states = bundle.rpc().process_states()
    rows: list[list[object]] = []
    for label, kind in (("worker median", statistics.median), ("worker max", max)):
        rows.append([label, *(f"{mb(kind([w[field] for w in workers])):.1f}" for field in ("rss", "pss", "uss"))])
    for label, pid in (("health", states["health"].pid), ("watchdog", states["watchdog"].pid),
                       ("whole bundle", bundle.process.pid)):
        figures = tree_memory(pid)
        rows.append([label, *(f"{mb(figures[field]):.1f}" for field in ("rss", "pss", "uss"))])
    return rows


def standby_memory(root: Path) -> dict[str, int]:
    """A standby worker on its own (its lease never comes), once it polls."""
    config = root / "standby" / "sync-standby.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"name": "sync-standby"}), encoding="utf-8")
    env = {**os.environ, "RUNTIME_DIR": str(config.parent), "BUNDLE_ID": "bench-standby"}
    process = subprocess.Popen([sys.executable, "-m", "app.sync.standby", "--config", str(config)], env=env)
    try:
        time.sleep(2)  # imported and polling
        return tree_memory(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def health_latency(bundle: Bundle, requests_count: int) -> tuple[list[float], int]:
    session = requests.Session()
    url = f"http://127.0.0.1:{bundle.health_port}/health"
    for _ in range(10):  # warm-up: connection, gunicorn worker threads
        session.get(url, timeout=5)
    timings, not_ok = [], 0
    for _ in range(requests_count):
        watch = Stopwatch()
        response = session.get(url, timeout=5)
        timings.append(watch.elapsed * 1000)
        not_ok += response.status_code != 200
    session.close()
    return timings, not_ok


def kill_and_recover(bundle: Bundle, beats: HeartbeatStore, name: str) -> tuple[float, float | None]:
    """(seconds until the heartbeat shows a new pid, seconds until /health is 200 again)."""
    old_pid = bundle.pid(name)
    watch = Stopwatch()
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: (beat := beats.get(name)) is not None and beat.pid not in (None, old_pid), 30, 0.01,
             f"{name} new heartbeat")
    new_beat = watch.elapsed
    try:
        wait_for(lambda: bundle.health(timeout=2).status_code == 200, 60, 0.05, "/health 200 again")
    except AssertionError:
        return new_beat, None
    return new_beat, watch.elapsed


def main() -> None:
    global PAIR_COUNTS
    if sys.argv[1:]:  # e.g. `python -m bench.bundle_startup 10`: that many pairs only, on a busy machine
        PAIR_COUNTS = tuple(int(word) for word in sys.argv[1:])
    print(__doc__.splitlines()[0])
    byte_compile()  # as the image is (Dockerfile)
    print(machine_line())
    print(f"HEARTBEAT_INTERVAL=1 s (recovery measured at heartbeat-poll resolution 10 ms); "
          f"{ISSUES_PER_PROJECT} issues per project; syncIntervalSeconds=30\n")
    startup_rows: list[list[object]] = []
    memory_rows: list[list[object]] = []
    latency: tuple[list[float], int] | None = None
    recoveries: list[tuple[float, float | None]] = []
    with work_dir("bundle") as root, mongo(root) as mongo_uri:
        seed = demo_seed(pairs=[project_keys(i) for i in range(max(PAIR_COUNTS))], issues_per_project=ISSUES_PER_PROJECT)
        with SimulatorProcess(seed, root) as sim:
            for count in PAIR_COUNTS:
                floor_before = start_floor(count)
                bundle = start_bundle(root / f"bundle-{count}", mongo_uri, sim.url, count)
                client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=3000)
                try:
                    start = time_to_healthy(bundle, heartbeats(bundle, client), pair_names(count))
                    seconds = start.seconds
                    if seconds is None:
                        print(f"{count} pairs: not healthy within {HEALTHY_TIMEOUT_S} s; states {bundle.states()}")
                    else:
                        time.sleep(3)  # every worker has finished its first pass (a few issues)
                    if seconds is not None and count == max(PAIR_COUNTS):
                        memory_rows = memory(bundle, pair_names(count))
                        latency = health_latency(bundle, HEALTH_REQUESTS)
                        beats = heartbeats(bundle, client)
                        for victim in pair_names(count)[:KILL_TRIALS]:
                            recoveries.append(kill_and_recover(bundle, beats, victim))
                finally:
                    client.close()
                    bundle.stop()
                # Again once the bundle is gone: on a shared machine the floor moves from minute to
                # minute, and the mean of the two brackets the bundle's own start.
                floor_after = start_floor(count)
                floor = statistics.mean((floor_before.seconds or 0.0, floor_after.seconds or 0.0))
                floor_cpu = statistics.mean((floor_before.cpu, floor_after.cpu))
                startup_rows.append([
                    count, "not healthy" if seconds is None else f"{seconds:.1f} s",
                    f"{floor:.1f} s ({floor_before.seconds:.1f} before, {floor_after.seconds:.1f} after)",
                    "-" if seconds is None else f"{seconds / floor:.2f}", "<= 1.5" if count == max(PAIR_COUNTS) else "-",
                    f"{start.cpu:.1f} / {floor_cpu:.1f} = {start.cpu / floor_cpu:.2f}", f"{start.servers_cpu:.1f}",
                ])
        standby = standby_memory(root)
        memory_rows.append(["standby worker (alone)", *(f"{mb(standby[field]):.1f}" for field in ("rss", "pss", "uss"))])

    print(f"Time from `entrypoint.py run` to /health 200, next to the floor (N interpreters importing "
          f"app.sync.worker at once), load average {os.getloadavg()[0]:.2f}")
    print_table(["pairs", "measured", "floor", "ratio", "target", "CPU-s: bundle / floor", "CPU-s: servers"],
                startup_rows)
    print("(CPU-seconds until healthy: the bundle's processes, next to the floor's interpreters and to what the "
          "simulator and the embedded MongoDB used meanwhile; on a machine this small the time follows the CPU)")
    print(f"\nMemory (MB) with {max(PAIR_COUNTS)} pairs after the first pass; worker = its process tree; "
          "targets: active worker USS <= 30 MB, standby USS <= 12 MB")
    print_table(["process", "RSS", "PSS", "USS"], memory_rows)
    if latency:
        timings, not_ok = latency
        print(f"\n/health latency, {max(PAIR_COUNTS)} pairs, {len(timings)} sequential keep-alive requests "
              f"({not_ok} not 200)")
        print_table(["figure", "measured", "target"], [
            ["p50", f"{percentile(timings, 0.50):.1f} ms", "-"],
            ["p99", f"{percentile(timings, 0.99):.1f} ms", "< 100 ms"],
            ["max", f"{max(timings):.1f} ms", "-"],
        ])
    if recoveries:
        print(f"\nRecovery after kill -9 of one worker ({len(recoveries)} trials, {max(PAIR_COUNTS)} pairs running)")
        print_table(["trial", "kill -> heartbeat with new pid", "target", "kill -> /health 200 again", "target"], [
            [i + 1, f"{beat:.2f} s", "< 5 s", "timeout" if healthy is None else f"{healthy:.2f} s", "< 3 s"]
            for i, (beat, healthy) in enumerate(recoveries)
        ])


if __name__ == "__main__":
    main()

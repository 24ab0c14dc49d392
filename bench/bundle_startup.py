"""Bundle start-up, memory, /health latency and kill -9 recovery: `python -m bench.bundle_startup`.

Runs the real bundle (`python entrypoint.py run` -> supervisord -> one worker per pair, health,
watchdog) as testbed.bundle.Bundle does, against a simulated Jira (child process, one
User/Dev project couple per pair, a few issues each) and MongoDB (MONGO_URI, else an embedded
server started here, so no `mongodb` program runs inside the bundle).

Figures, each printed next to its target:
- time from `run` (the Popen of entrypoint.py) until GET /health answers 200, for 1, 10 and 30
  pairs (target: 30 pairs in < 20 s). A worker counts as RUNNING only after supervisord's
  `startsecs` (5 s), so about 5 s is the floor of this figure;
- RSS per worker = the worker process and its children (target < 60 MB), after its first pass,
  and of the whole bundle = supervisord and every process under it;
- /health latency p50/p99 over sequential keep-alive requests with 30 pairs (target p99 < 100 ms);
- recovery after `kill -9` of a worker: from the kill until its heartbeat document carries the
  new pid (target < 5 s). HEARTBEAT_INTERVAL=1 so the figure is measurable at that resolution
  (a new worker writes its first beat at start anyway); also, for information, until /health
  answers 200 again (bounded below by startsecs).
Workers use syncIntervalSeconds=30, so the steady state is not dominated by back-to-back passes.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
import uuid
from pathlib import Path

import pymongo
import requests

from app.heartbeats import HeartbeatStore
from app.mongo import MongoClient
from bench.common import (
    SimulatorProcess, Stopwatch, machine_line, mb, mongo, percentile, print_table, tree_rss, work_dir,
)
from jira_sim.seed import BOT, demo_seed
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

PAIR_COUNTS = (1, 10, 30)
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
    bundle = Bundle(tmp, mongo_uri, f"bench{uuid.uuid4().hex[:8]}_control", env=BUNDLE_ENV)
    for index, name in enumerate(pair_names(count)):
        user_key, dev_key = project_keys(index)
        bundle.write_config(name, pair_config(name, sim_url, user_key, dev_key, TOKEN_ENV, syncIntervalSeconds=30))
    return bundle


def time_to_healthy(bundle: Bundle) -> float | None:
    watch = Stopwatch()
    bundle.start()
    try:
        wait_for(lambda: bundle.health(timeout=2).status_code == 200, HEALTHY_TIMEOUT_S, 0.05, "/health 200")
    except AssertionError:
        return None
    return watch.elapsed


def memory(bundle: Bundle, names: list[str]) -> dict[str, float]:
    if bundle.process is None:
        raise RuntimeError("the bundle was never started")
    workers = [mb(tree_rss(bundle.pid(name))) for name in names]
    states = bundle.rpc().process_states()
    return {
        "worker_median": statistics.median(workers),
        "worker_max": max(workers),
        "workers_sum": sum(workers),
        "health": mb(tree_rss(states["health"].pid)),
        "watchdog": mb(tree_rss(states["watchdog"].pid)),
        "bundle": mb(tree_rss(bundle.process.pid)),
    }


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
    print(__doc__.splitlines()[0])
    print(machine_line())
    print(f"HEARTBEAT_INTERVAL=1 s (recovery measured at heartbeat-poll resolution 10 ms); "
          f"{ISSUES_PER_PROJECT} issues per project; syncIntervalSeconds=30\n")
    startup_rows, memory_rows = [], []
    latency: tuple[list[float], int] | None = None
    recoveries: list[tuple[float, float | None]] = []
    with work_dir("bundle") as root, mongo(root) as mongo_uri:
        seed = demo_seed(pairs=[project_keys(i) for i in range(max(PAIR_COUNTS))], issues_per_project=ISSUES_PER_PROJECT)
        with SimulatorProcess(seed, root) as sim:
            for count in PAIR_COUNTS:
                bundle = start_bundle(root / f"bundle-{count}", mongo_uri, sim.url, count)
                try:
                    seconds = time_to_healthy(bundle)
                    target = "< 20 s" if count == 30 else "-"
                    startup_rows.append([count, "not healthy" if seconds is None else f"{seconds:.1f} s", target])
                    if seconds is None:
                        print(f"{count} pairs: not healthy within {HEALTHY_TIMEOUT_S} s; states {bundle.states()}")
                        continue
                    time.sleep(3)  # every worker has finished its first pass (a few issues)
                    figures = memory(bundle, pair_names(count))
                    memory_rows.append([count, figures["worker_median"], figures["worker_max"], figures["workers_sum"],
                                        figures["health"], figures["watchdog"], figures["bundle"]])
                    if count == max(PAIR_COUNTS):
                        latency = health_latency(bundle, HEALTH_REQUESTS)
                        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=3000)
                        beats = HeartbeatStore(client[bundle.env["MONGO_CONTROL_DB"]], bundle=bundle.bundle_id)
                        for victim in pair_names(count)[:KILL_TRIALS]:
                            recoveries.append(kill_and_recover(bundle, beats, victim))
                        client.close()
                finally:
                    bundle.stop()

    print("Time from `entrypoint.py run` to /health 200")
    print_table(["pairs", "measured", "target"], startup_rows)
    print("\nResident memory (MB) after the first pass; worker = its process tree; target per worker < 60 MB")
    print_table(["pairs", "worker median", "worker max", "workers sum", "health", "watchdog", "whole bundle"],
                memory_rows)
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
        print_table(["trial", "kill -> heartbeat with new pid", "target", "kill -> /health 200 again"], [
            [i + 1, f"{beat:.2f} s", "< 5 s", "timeout" if healthy is None else f"{healthy:.2f} s"]
            for i, (beat, healthy) in enumerate(recoveries)
        ])


if __name__ == "__main__":
    main()

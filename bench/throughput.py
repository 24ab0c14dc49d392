"""Issues processed per second by one worker's engine: `python -m bench.throughput`.

The real engine runs in-process (testbed.sync.SyncHarness) against the simulator (child
process) with 0 ms and then 100 ms of latency per Jira request (POST /_sim/config
{"latency_ms": ...}, set only while the measured pass runs, not during the person's moves).
Per latency, on a fresh site and database with N User issues (N = 500 at 0 ms, 50 at 100 ms so
that run stays bounded), four timed passes:
- baseline: first pass, every issue first seen and stored (search only);
- creates: the person moved the N User issues to Will Do -> N Dev issues created (create,
  baseline GET, attachment list, link check, comment: about 5 requests each);
- transitions: the person moved the N Dev issues to In Progress -> N User issues transitioned
  (3 requests each);
- no change: a pass that only reads both projects (2N issues).
Rate = issues acted on (or read, for baseline / no change) / wall time of the pass. At 100 ms
the rate is bounded by requests-per-issue x latency, since a worker issues its requests one
after the other; the "latency floor" column is that bound.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pymongo

from app.mongo import MongoClient
from bench.common import SimulatorProcess, Stopwatch, machine_line, mongo, print_table, user_issues_seed, work_dir
from testbed.sync import SyncHarness

RUNS = ((0, 500), (100, 50))


def timed_pass(harness: SyncHarness, sim: SimulatorProcess, latency_ms: int) -> tuple[float, int, dict[str, Any]]:
    """(seconds, Jira requests, engine counts) of one pass under `latency_ms`."""
    sim.admin("POST", "config", {"latency_ms": latency_ms})
    sim.admin("POST", "requests/reset")
    watch = Stopwatch()
    summary = harness.engine.run_pass()
    seconds = watch.elapsed
    requests_made = sum(sim.rest_counts().values())
    sim.admin("POST", "config", {"latency_ms": 0})
    if summary.error:
        print(f"  pass reported: {summary.error}")
    return seconds, requests_made, summary.counts


def measure(latency_ms: int, count: int, root: Path, mongo_uri: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    with SimulatorProcess(user_issues_seed(count), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        database = client[f"bench_throughput_{latency_ms}"]
        client.drop_database(database.name)
        run_dir = root / f"pair-{latency_ms}"
        run_dir.mkdir()
        harness = SyncHarness(sim, database, run_dir)

        def row(phase: str, issues: int) -> None:
            seconds, requests_made, counts = timed_pass(harness, sim, latency_ms)
            floor = requests_made * latency_ms / 1000
            rows.append([f"{latency_ms} ms", phase, issues, requests_made, f"{seconds:.2f} s",
                         f"{issues / seconds:.1f}", f"{floor:.1f} s" if latency_ms else "-"])

        row("baseline (read)", count)
        user_keys = [i["key"] for i in harness.human.search('project = "ABSUP" ORDER BY key ASC', fields=["status"])]
        for key in user_keys:
            harness.move(key, "Will Do")
        row("creates", count)
        for issue in harness.dev_issues():
            harness.move(issue["key"], "In Progress")
        row("transitions", count)
        row("no change (read)", 2 * count)
        client.drop_database(database.name)
        client.close()
    return rows


def main() -> None:
    print(__doc__.splitlines()[0])
    print(machine_line())
    rows = []
    with work_dir("throughput") as root, mongo(root) as mongo_uri:
        for latency_ms, count in RUNS:
            rows.extend(measure(latency_ms, count, root, mongo_uri))
    print()
    print_table(["latency", "pass", "issues", "Jira requests", "pass time", "issues/s", "latency floor"], rows)
    by_phase: dict[str, dict[str, float]] = {}
    for latency, phase, _, _, _, rate, _ in rows:
        by_phase.setdefault(phase, {})[latency] = float(rate)
    print("\nSlow-down at 100 ms (rate at 0 ms / rate at 100 ms)")
    print_table(["pass", "ratio"], [[phase, f"{rates['0 ms'] / rates['100 ms']:.0f}x"]
                                    for phase, rates in by_phase.items() if math.prod(rates.values())])


if __name__ == "__main__":
    main()

"""Initial sync of 5,000 issues: wall time and peak RSS: `python -m bench.initial_sync [--profile N]`.

Workload (simulator in a child process, 0 ms latency, Jira Cloud paging of 100):
- ABSUP (User): 2,550 issues: 2,450 in To Do + 100 in Will Do;
- ABDEV (Dev): 2,450 issues in To Do;
all created within the last ~41 hours (the seed's generate knob spaces them a minute apart).
The pair's first pass (initialSyncEnabled) reads both projects to the last page (51 search
requests), stores every issue's status as its baseline, and for the 100 User issues already in
Will Do runs the creating rule (Dev issue with link, attachment check, comment): so 5,000
issues read and 100 Dev issues created.
The real engine runs in this process (testbed.sync.SyncHarness); MongoDB is MONGO_URI or
an embedded server. Peak RSS = this process's resource.getrusage maxrss (the engine, its client
and driver; the simulator's memory is not included), also sampled with psutil every 50 ms.
`--profile N` runs the pass under cProfile and prints the N most expensive functions (the time
then includes the profiler's overhead).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import threading
from typing import Any

import psutil
import pymongo

from app.mongo import MongoClient
from bench.common import SimulatorProcess, Stopwatch, machine_line, mb, mongo, print_table, work_dir
from jira_sim.seed import demo_seed
from testbed.sync import SyncHarness

PER_PROJECT = 2450
WILL_DO = 100
TARGET_S = 60


def seed() -> dict[str, Any]:
    base = demo_seed(issues_per_project=PER_PROJECT)
    base["issues"] = [{"project": "ABSUP", "summary": f"Accepted issue {i + 1}", "status": "Will Do"}
                      for i in range(WILL_DO)]
    return base


class RssSampler:
    """The peak of this process's RSS, sampled every `interval` seconds in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(interval)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.initial_sync")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile the pass, print top N")
    args = parser.parse_args()
    print(__doc__.splitlines()[0])
    print(machine_line())
    with work_dir("initial") as root, mongo(root) as mongo_uri, SimulatorProcess(seed(), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        database = client["bench_initial_sync"]
        client.drop_database(database.name)
        harness = SyncHarness(sim, database, root)
        sim.admin("POST", "requests/reset")
        rss_before = psutil.Process().memory_info().rss
        profiler = cProfile.Profile() if args.profile else None
        with RssSampler() as sampler:
            watch = Stopwatch()
            if profiler:
                profiler.enable()
            summary = harness.engine.run_pass()
            if profiler:
                profiler.disable()
            seconds = watch.elapsed
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        requests_made = sum(sim.rest_counts().values())
        created = harness.store.mapping_count()
        stored = database.issue_state.count_documents({})
        client.drop_database(database.name)
        client.close()

    counts = summary.counts
    print(f"workload: {2 * PER_PROJECT + WILL_DO} issues (ABSUP {PER_PROJECT} To Do + {WILL_DO} Will Do, "
          f"ABDEV {PER_PROJECT} To Do); pass ok={summary.ok}, processed={counts.get('processed')}, "
          f"Dev issues created={created}, issue states stored={stored}, Jira requests={requests_made}"
          f"{' (under cProfile)' if profiler else ''}\n")
    print_table(["figure", "measured", "target"], [
        ["wall time", f"{seconds:.1f} s", f"< {TARGET_S} s"],
        ["issues read per second", f"{counts.get('processed', 0) / seconds:.0f}", "-"],
        ["peak RSS (getrusage maxrss)", f"{mb(maxrss):.0f} MB", "-"],
        ["peak RSS (psutil, 50 ms samples)", f"{mb(sampler.peak):.0f} MB", "-"],
        ["RSS before the pass", f"{mb(rss_before):.0f} MB", "-"],
    ])
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
        print("\ncProfile, by own time:\n" + out.getvalue())


if __name__ == "__main__":
    main()

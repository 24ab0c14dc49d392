"""Several bundles on one MongoDB: `python -m bench.failover`.

Runs real bundles (testbed.bundle.Bundle: `entrypoint.py run` under supervisord), each
with its own runtime directory and health port, on one MongoDB and the same pair files, against
the simulator (child process), with the default lease of 30 s. Figures:
- Jira search requests per pair per minute with 1 bundle, then with 3 (ratio; target 1.0: a
  pair is polled by its holder only);
- the spread of active pairs over 3 bundles (target: none holds more than ceil(pairs/bundles)+1);
- the resident memory of a standby worker (target <= 20 MB);
- take-over time after kill -9 of every process of the bundle holding a pair: from the kill
  until a Dev move made at that moment has been followed by its User issue, i.e. until another
  bundle syncs the pair (median of 5; target < 45 s).
"""

from __future__ import annotations

import math
import statistics
import time
import uuid
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pymongo

from app.jira import BasicAuth, JiraClient
from app.leases.store import LeaseStore
from app.mongo import MongoClient
from bench.common import SimulatorProcess, Stopwatch, machine_line, mb, mongo, print_table, work_dir
from jira_sim.seed import BOT, HUMAN, demo_seed
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

PAIRS = 6
MEASURE_SECONDS = 60
TRIALS = 5
INTERVAL = 5
TOKEN_ENV = "JIRA_BENCH_TOKEN"


def project_keys(index: int) -> tuple[str, str]:
    return f"U{chr(65 + index)}", f"D{chr(65 + index)}"


def start_bundle(root: Path, mongo_uri: str, control: str, sim_url: str, name: str) -> Bundle:
    bundle = Bundle(root / name, mongo_uri, control, env={TOKEN_ENV: BOT.api_token, "BUNDLE_ID": name,
                                                          "HEARTBEAT_INTERVAL": "2", "HEARTBEAT_STALE_AFTER": "10"})
    for index in range(PAIRS):
        user, dev = project_keys(index)
        bundle.write_config(f"sync-{index}", pair_config(f"sync-{index}", sim_url, user, dev, TOKEN_ENV,
                                                         syncIntervalSeconds=INTERVAL))
    return bundle.start()


def searches_per_pair_minute(sim: SimulatorProcess) -> float:
    sim.admin("POST", "requests/reset")
    time.sleep(MEASURE_SECONDS)
    counts = sim.rest_counts()
    return sum(n for key, n in counts.items() if "search" in key) / PAIRS * 60 / MEASURE_SECONDS


def status(human: JiraClient, key: str) -> str:
    return str(human.get_issue(key, fields=["status"])["fields"]["status"]["name"])


def has_status(human: JiraClient, key: str, wanted: str) -> bool:
    return status(human, key) == wanted


def dev_issue_key(human: JiraClient, key: str) -> str | None:
    """The key of the Dev issue linked to `key` (inward), once there is one."""
    return next((str(link["inwardIssue"]["key"]) for link in human.issue_links(key) if "inwardIssue" in link), None)


def main() -> None:
    print(__doc__.splitlines()[0])
    print(machine_line())
    seed = demo_seed(pairs=[project_keys(i) for i in range(PAIRS)])
    rows: list[list[Any]] = []
    takeovers: list[float] = []
    with work_dir("failover") as root, mongo(root) as mongo_uri, SimulatorProcess(seed, root) as sim:
        control = f"bench{uuid.uuid4().hex[:6]}_control"
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        leases = LeaseStore(client[control])
        human = JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud")
        bundles = {"b1": start_bundle(root, mongo_uri, control, sim.url, "b1")}
        wait_for(lambda: len([lease for lease in leases.leases().values() if lease.owner]) == PAIRS, 60, what="held")
        one = searches_per_pair_minute(sim)
        for name in ("b2", "b3"):
            bundles[name] = start_bundle(root, mongo_uri, control, sim.url, name)

        def spread() -> Counter[str | None] | None:
            owners = Counter(lease.owner for lease in leases.leases().values())
            return owners if set(owners) == set(bundles) and None not in owners else None

        wait_for(spread, 120, interval=1, what="a spread over 3 bundles")
        time.sleep(2 * INTERVAL)
        three = searches_per_pair_minute(sim)
        owners = wait_for(spread, 10, interval=1, what="the spread")
        standby = [mb(p.memory_info().rss) for bundle in bundles.values() for p in bundle.processes()
                   if "app.sync.standby" in " ".join(p.cmdline())]
        rows += [["searches per pair per minute, 1 bundle", f"{one:.1f}", "-"],
                 ["the same, 3 bundles", f"{three:.1f}", "-"],
                 ["ratio 3 bundles / 1", f"{three / one:.2f}", "1.0"],
                 ["most pairs held by one of 3 bundles", max(owners.values()), f"<= {math.ceil(PAIRS / 3) + 1}"],
                 ["standby worker RSS, median / max", f"{statistics.median(standby):.1f} / {max(standby):.1f} MB",
                  "<= 20 MB"]]

        accepted = {}
        for index in range(PAIRS):
            user, _ = project_keys(index)
            key = human.create_issue({"project": {"key": user}, "issuetype": {"name": "Bug"}, "summary": "x"})["key"]
            human.transition_to(key, "Will Do")
            accepted[f"sync-{index}"] = key
        dev_of = {}
        for pair, key in accepted.items():
            dev_of[pair] = wait_for(partial(dev_issue_key, human, key), 60, what=f"{key}'s Dev issue")
        for trial in range(TRIALS):
            pair = f"sync-{trial % PAIRS}"
            lease = leases.lease(pair)
            if lease is None or lease.owner is None:
                raise AssertionError(f"{pair} has no holder to kill")
            watch = Stopwatch()
            bundles.pop(lease.owner).kill()
            human.transition_to(dev_of[pair], "In Progress")  # each trial takes a pair not moved yet
            wait_for(partial(has_status, human, accepted[pair], "In Progress"), 120, 0.2, "the move followed")
            takeovers.append(watch.elapsed)
            replacement = f"r{trial}"
            bundles[replacement] = start_bundle(root, mongo_uri, control, sim.url, replacement)
            wait_for(spread, 120, interval=1, what="a spread again")
        for bundle in bundles.values():
            bundle.stop()
        client.close()
    rows.append([f"take-over after kill -9 of the holder, median of {TRIALS}",
                 f"{statistics.median(takeovers):.1f} s (all: {', '.join(f'{s:.0f}' for s in takeovers)})", "< 45 s"])
    print_table(["figure", "measured", "target"], rows)


if __name__ == "__main__":
    main()

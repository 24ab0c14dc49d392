"""Comment latency at the demo's interval: `python -m bench.comment_latency [--comments N]`.

From the moment a person's comment is posted (its POST answered) until its copy is visible on the
partner issue (a GET of the partner's comments lists a comment carrying our marker for it), for
comments written at random moments on both sides of 20 paired issues while the real engine runs a
pass every `DEMO_SYNC_INTERVAL_SECONDS` (5 s, the demo's), as a worker's loop does (a pass starts
every interval). The engine runs in-process (testbed.sync.SyncHarness), the simulator in a child
process; the poller reads each partner with a pending comment every 100 ms. Expected: p50 about
half an interval plus a pass, p99 about one interval plus a pass.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from dataclasses import dataclass

import pymongo

from app.demo.settings import DEMO_SYNC_INTERVAL_SECONDS
from app.mongo import MongoClient
from app.sync.jira_answers import CommentView
from app.sync.marker import CopyMarker
from bench.common import SimulatorProcess, machine_line, mongo, percentile, print_table, user_issues_seed, work_dir
from testbed.sync import SyncHarness

PAIRED = 20
POLL_SECONDS = 0.1
COMMENTS = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}


@dataclass
class Pending:
    comment_id: str
    partner: str
    posted: float
    seen: float | None = None


def run_engine(harness: SyncHarness, stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        begun = time.monotonic()
        harness.engine.run_pass()
        stop.wait(max(0.0, begun + interval - time.monotonic()))


def copied_ids(harness: SyncHarness, key: str) -> set[str]:
    markers = (CommentView.parse(raw).marker for raw in harness.human.raw_comments(key))
    return {marker.comment_id for marker in markers if isinstance(marker, CopyMarker)}


def measure(count: int, interval: float) -> list[float]:
    with work_dir("comment-latency") as root, mongo(root) as mongo_uri, \
            SimulatorProcess(user_issues_seed(PAIRED), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        database = client["bench_comment_latency"]
        client.drop_database(database.name)
        harness = SyncHarness(sim, database, root, comments=COMMENTS, syncIntervalSeconds=interval)
        sim.admin("PATCH", "projects/ABSUP", {"projectType": "service_desk"})
        harness.engine.run_pass()
        user_keys = [issue["key"] for issue in harness.human.search('project = "ABSUP"', fields=["status"])]
        for key in user_keys:
            harness.move(key, "Will Do")
        for _ in range(3):
            harness.engine.run_pass()
        pairs = [(key, harness.dev_key(key) or "") for key in user_keys]
        stop = threading.Event()
        engine = threading.Thread(target=run_engine, args=(harness, stop, interval), daemon=True)
        engine.start()
        rng, pending = random.Random(19), []
        try:
            for index in range(count):
                user_key, dev_key = rng.choice(pairs)
                key, partner = (user_key, dev_key) if rng.random() < 0.5 else (dev_key, user_key)
                answer = harness.human.add_comment(key, f"comment {index}")
                pending.append(Pending(str(answer["id"]), partner, time.monotonic()))
                until = time.monotonic() + rng.uniform(0.2, 1.2)
                while time.monotonic() < until:
                    poll(harness, pending)
                    time.sleep(POLL_SECONDS)
            deadline = time.monotonic() + 4 * interval + 30
            while any(p.seen is None for p in pending) and time.monotonic() < deadline:
                poll(harness, pending)
                time.sleep(POLL_SECONDS)
        finally:
            stop.set()
            engine.join(timeout=60)
            client.drop_database(database.name)
            client.close()
    missing = [p.comment_id for p in pending if p.seen is None]
    if missing:
        raise SystemExit(f"{len(missing)} comment(s) never copied: {missing}")
    return [p.seen - p.posted for p in pending if p.seen is not None]


def poll(harness: SyncHarness, pending: list[Pending]) -> None:
    waiting = [p for p in pending if p.seen is None]
    for partner in {p.partner for p in waiting}:
        copied = copied_ids(harness, partner)
        now = time.monotonic()
        for item in waiting:
            if item.partner == partner and item.comment_id in copied:
                item.seen = now


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.comment_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=40)
    parser.add_argument("--interval", type=float, default=DEMO_SYNC_INTERVAL_SECONDS)
    args = parser.parse_args()
    print(__doc__.splitlines()[0])
    print(machine_line())
    latencies = measure(args.comments, args.interval)
    rows = [[len(latencies), f"{args.interval:.0f} s", f"{percentile(latencies, 0.5):.2f} s",
             f"{percentile(latencies, 0.99):.2f} s", f"{max(latencies):.2f} s"]]
    print_table(["comments", "sync interval", "p50", "p99", "max"], rows)


if __name__ == "__main__":
    main()

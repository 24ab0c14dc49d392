"""What the trace's records cost in MongoDB per 1,000 issues: `python -m bench.trace_records`.

Workload (simulator in a child process): ABSUP 1,000 issues, 100 of them in Will Do; ABDEV
empty. The real engine (testbed.sync.SyncHarness, named as a bundle, so every event carries its
bundle and pass as a worker's do) runs the first pass (1,000 User issues read, 100 Dev issues
created: 1,100 events), then each Dev issue moves to In Progress and a second pass follows them
(100 more events, each a transition). The figures are the BSON sizes of the stored documents
(bson.encode, as the server stores them), summed per collection, and the share of the fields
issue 21 added: `seenBy`, `bundle`, `pass` (and a failure's `attempts`, `givenUp`,
`nextAttemptAt`) on every event, `found_by` on every mapping. Events expire after 30 days
(EVENTS_TTL), so the events' figure is per event kept; a pair's events grow with its changes.
"""

from __future__ import annotations

from typing import Any

import bson
import pymongo

from app.mongo import MongoClient
from bench.common import SimulatorProcess, machine_line, mongo, print_table, work_dir
from jira_sim.seed import demo_seed
from testbed.sync import SyncHarness

ISSUES = 1000
WILL_DO = 100
EVENT_FIELDS = ("seenBy", "bundle", "pass", "attempts", "givenUp", "nextAttemptAt")
MAPPING_FIELDS = ("found_by",)
BUNDLE = "bundle-7f3a9c21"  # the length of a drawn bundle id


def seed() -> dict[str, Any]:
    base = demo_seed(issues_per_project=0)
    base["issues"] = [{"project": "ABSUP", "summary": f"Issue {i + 1}", "status": "Will Do" if i < WILL_DO else "To Do"}
                      for i in range(ISSUES)]
    return base


def sizes(documents: list[dict[str, Any]], added: tuple[str, ...]) -> tuple[int, int, int]:
    """(documents, bytes, bytes of the `added` fields)."""
    total = sum(len(bson.encode(doc)) for doc in documents)
    without = sum(len(bson.encode({k: v for k, v in doc.items() if k not in added})) for doc in documents)
    return len(documents), total, total - without


def main() -> None:
    print(__doc__.splitlines()[0])
    print(machine_line())
    with work_dir("trace-records") as root, mongo(root) as mongo_uri, SimulatorProcess(seed(), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        database = client["bench_trace_records"]
        client.drop_database(database.name)
        harness = SyncHarness(sim, database, root)
        harness.engine.bundle = BUNDLE
        first = harness.engine.run_pass()
        for issue in harness.dev_issues():
            harness.move(issue["key"], "In Progress")
        harness.engine.run_pass()
        rows = []
        for name, added in (("events", EVENT_FIELDS), ("mappings", MAPPING_FIELDS), ("issue_state", ()),
                            ("creations", ()), ("failures", ()), ("requests", ())):
            count, total, extra = sizes(list(database[name].find()), added)
            rows.append([name, count, total, f"{total * 1000 / ISSUES / 1024:.1f} KiB", extra,
                         f"{extra * 1000 / ISSUES / 1024:.1f} KiB"])
        client.drop_database(database.name)
        client.close()
    print(f"workload: {ISSUES} User issues ({WILL_DO} in Will Do), first pass processed={first.counts.get('processed')}, "
          f"then {WILL_DO} Dev issues moved and followed\n")
    print_table(["collection", "documents", "bytes", "per 1,000 issues", "bytes of issue 21's fields",
                 "their share per 1,000 issues"], rows)


if __name__ == "__main__":
    main()

"""Jira API calls against the minimum, on a 1,000-issue workload: `python -m bench.api_calls`.

The real engine runs in-process (testbed.sync.SyncHarness: real client, store, MongoDB)
against the simulator (child process). Calls are counted from the simulator's request log
(GET /_sim/requests), /rest/ paths only, reset after the person's moves so only the sync's
requests remain. Pair config: tests/data/sync-ab.json's rules (user-will-do creates the Dev
issue with attachments, link and comment; dev-in-progress moves the User issue).

Minimum per action (what a sync cannot do with less, on Jira Cloud):
- a pass with no change: 1 search request per project per page, 100 issues per page
  -> ceil(n/100) per project for n issues in the window (at least 1);
- create: POST create (link and marker property go with it) + GET the created issue's status
  (baseline) + attachments: GET list + per file (GET content + POST upload) + comment: POST;
- transition: GET partner status + GET transitions + POST transition;
- comment: POST;  link (when not already linked): GET issue links + POST link.

Workload (ABSUP = User project, ABDEV = Dev project, both on the simulator):
 0. 1,000 User issues in To Do (100 of them with one small attachment): initial pass, baseline only;
 1. the person moves all 1,000 User issues to Will Do -> pass: 1,000 creates;
 2. the person moves all 1,000 Dev issues to In Progress -> pass: 1,000 transitions of User issues;
 3. a pass with no change;
 4. the same pass an hour later, when the full scan is due (ids, statuses and `updated` of both
    projects, which finds nothing missed): its cost is printed per 1,000 issues scanned.
Every issue stays inside the 5-minute overlap window for the whole run, so every pass reads
all issues of both projects (the minimum's n = all issues of the project).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pymongo
import requests

from app.jira.transport import JiraTransport
from app.mongo import MongoClient
from app.sync.observe import SCAN_PAGE
from bench.common import SimulatorProcess, Stopwatch, machine_line, mongo, print_table, user_issues_seed, work_dir
from testbed.sync import SyncHarness

ISSUES = 1000
WITH_ATTACHMENT = 100
PAGE = 100
TARGET = 1.1


def pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE))


class CallSites:
    """Counts the bot client's requests by the app/sync function that made them (diagnosis only:
    it wraps the transport's `request` of this one client object, the code itself is unchanged)."""

    def __init__(self, transport: JiraTransport) -> None:
        self.counts: Counter[str] = Counter()
        original = transport.request

        def counted(method: str, path: str, *args: Any, **kwargs: Any) -> requests.Response:
            self.counts[f"{method} <- {_sync_caller()}"] += 1
            return original(method, path, *args, **kwargs)

        transport.request = counted  # type: ignore[method-assign]  # wraps this one object's method, for diagnosis


def _sync_caller() -> str:
    """The innermost app/sync function on the stack, prefixed by its caller when it is a
    private helper (`executor.link>_partner`)."""
    frame: FrameType | None = sys._getframe(2)
    names: list[str] = []
    while frame is not None and len(names) < 2:
        path = Path(frame.f_code.co_filename)
        if path.parent.name == "sync" and path.parent.parent.name == "app":
            names.append(f"{path.stem}.{frame.f_code.co_name}")
            if not frame.f_code.co_name.startswith("_"):
                break
        frame = frame.f_back
    if not names:
        return "?"
    return names[0] if len(names) == 1 else f"{names[1]}>{names[0].split('.', 1)[1]}"


@dataclass(frozen=True)
class PassRequests:
    """One pass's requests, by endpoint (`measured`) and by the app/sync function that made them."""

    measured: Counter[str]
    seconds: float
    counts: dict[str, Any]
    by_site: Counter[str]


@dataclass(frozen=True)
class Phase:
    name: str
    run: PassRequests
    minimum: int  # the fewest requests the phase can be done in


def run_phase(harness: SyncHarness, sim: SimulatorProcess, sites: CallSites) -> PassRequests:
    sim.admin("POST", "requests/reset")
    sites.counts.clear()
    watch = Stopwatch()
    summary = harness.engine.run_pass()
    elapsed = watch.elapsed
    if summary.error:
        print(f"  pass reported: {summary.error}", file=sys.stderr)
    return PassRequests(Counter(sim.rest_counts()), elapsed, summary.counts, Counter(sites.counts))


def main() -> None:
    print(__doc__.splitlines()[0])
    print(machine_line())
    rows: list[list[Any]] = []
    with work_dir("api") as root, mongo(root) as mongo_uri, SimulatorProcess(user_issues_seed(ISSUES), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        database = client["bench_api_calls"]
        client.drop_database(database.name)
        harness = SyncHarness(sim, database, root)
        user_keys = [issue["key"] for issue in harness.human.search('project = "ABSUP" ORDER BY key ASC', fields=["status"])]
        for key in user_keys[:WITH_ATTACHMENT]:
            harness.human.add_attachment(key, "trace.log", b"x" * 2048)
        sites = CallSites(harness.bot.transport)
        total = Stopwatch()

        phases = [Phase("0 initial pass (baseline)", run_phase(harness, sim, sites), pages(ISSUES) + pages(0))]

        for key in user_keys:
            harness.move(key, "Will Do")
        create_min = ISSUES * 4 + WITH_ATTACHMENT * 2  # create+baseline+attachment list+comment; per file 2
        phases.append(Phase("1 1,000 creates", run_phase(harness, sim, sites), pages(ISSUES) + pages(0) + create_min))

        dev_keys = [issue["key"] for issue in harness.dev_issues()]
        for key in dev_keys:
            harness.move(key, "In Progress")
        phases.append(Phase("2 1,000 transitions", run_phase(harness, sim, sites),
                            pages(ISSUES) + pages(len(dev_keys)) + ISSUES * 3))

        window = run_phase(harness, sim, sites)
        phases.append(Phase("3 no-change pass", window, pages(ISSUES) + pages(len(dev_keys))))
        window_calls = sum(window.measured.values())

        harness.clock.advance(seconds=harness.config.full_scan_seconds)
        scan = run_phase(harness, sim, sites)
        scan_calls = sum(scan.measured.values()) - window_calls
        scanned = ISSUES + len(dev_keys)
        # The scan asks SCAN_PAGE per page; Jira (and the simulator) answer at most 100 when fields
        # besides id/key are asked, so its minimum is one page of 100 per project per 100 issues.
        phases.append(Phase("4 no-change pass + full scan", scan, 2 * (pages(ISSUES) + pages(len(dev_keys)))))
        run_minutes = total.elapsed / 60
        client.drop_database(database.name)
        client.close()

    all_measured = all_minimum = 0
    for phase in phases:
        calls = sum(phase.run.measured.values())
        all_measured += calls
        all_minimum += phase.minimum
        rows.append([phase.name, calls, phase.minimum, f"{calls / phase.minimum:.3f}", f"<= {TARGET}",
                     f"{phase.run.seconds:.1f} s", phase.run.counts.get("processed", 0)])
    rows.append(["overall", all_measured, all_minimum, f"{all_measured / all_minimum:.3f}", f"<= {TARGET}", "", ""])
    print(f"workload: {ISSUES} User issues ({WITH_ATTACHMENT} with one attachment); run took {run_minutes:.1f} min "
          f"(inside the 5-min overlap window, so every pass reads every issue)\n")
    print_table(["phase", "measured calls", "minimum", "ratio", "target", "pass time", "issues processed"], rows)
    print(f"\nfull scan: {scan_calls} request(s) for {scanned} issues = {1000 * scan_calls / scanned:.1f} per 1,000 "
          f"issues (asked {SCAN_PAGE} per page; Jira may answer fewer when fields are asked), "
          f"{scan.counts.get('full_scan_missed', 0)} missed version(s) found")
    print("\nMeasured calls per endpoint")
    for phase in phases:
        print(f"  {phase.name}: " + ", ".join(f"{key} x{n}" for key, n in sorted(phase.run.measured.items())))
    print("\nThe same requests by the app/sync function that made them (module.function[>helper])")
    for phase in phases:
        print(f"  {phase.name}: " + ", ".join(f"{key} x{n}" for key, n in sorted(phase.run.by_site.items())))


if __name__ == "__main__":
    main()

"""Jira API calls against the minimum, on a 1,000-issue workload: `python -m bench.api_calls`.

The real engine runs in-process (testbed.sync.SyncHarness: real client, store, MongoDB)
against the simulator (child process). Calls are counted from the simulator's request log
(GET /_sim/requests), /rest/ paths only, reset after the person's moves so only the sync's
requests remain. Pair config: tests/data/sync-ab.json's rules (user-will-do creates the Dev
issue with attachments, link and comment; dev-in-progress moves the User issue).

Minimum per action (what a sync cannot do with less, on Jira Cloud), each with the Atlassian page
that says why nothing cheaper exists (printed by the script as MINIMUM below):
- a pass with no change: 1 search request per project per page, 100 issues per page
  -> ceil(n/100) per project for n issues in the window (at least 1);
- create: POST create (link and marker property go with it) + GET the created issue's status
  (baseline: the create's answer is id, key and self only) + per file of the User issue (listed
  by the search: no read of its own) GET content + POST upload + comment: POST;
- transition: GET partner with `expand=transitions` (its status and the transitions on offer in
  one answer) + POST transition;
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

Comment traffic (issue 19; `python -m bench.api_calls comments` runs this part alone), on its own
pair of 100 paired issues with the comments block (User project a service project): the minimum
of a pass in which k paired issues changed is its searches + k comment lists (one GET each) + one
write per copy, edit or delete; an idle pass makes its searches only.
 C1. a person comments on 50 User issues -> 50 lists + 50 copies (POST);
 C2. the next pass: the 50 Dev issues the copies moved are read once each (the sync cannot tell
     its own copy from a person's comment written in the same instant without reading);
 C3. an idle pass: searches only;
 C4. developers comment on 50 Dev issues -> 50 lists + 50 internal copies; C5: as C2;
 C6. 10 User comments are edited (an edit need not move `updated`) and the full scan is due:
     the scan's searches + one list per paired issue with live copies + 10 PUT.

Field traffic (issue 20; `python -m bench.api_calls fields` runs this part alone, the full run
prints it too), on its own pair of 100 paired issues with summary, labels and priority synced both
ways: the minimum of a pass in which k paired issues show a field other than its baseline is its
searches + ceil(k/100) bulkfetch reading their partners (the search's copy may lag and a partner
need not be in the search's window at all, so the partner is read from the issue itself, and a
value is never overwritten unseen) + one PUT per issue written + (only for an issue whose two
sides both changed one field) one changelog page per side while the change is not found; an idle
pass makes its searches only. (Data Center has no bulkfetch: one GET per partner there.)
 F1. a person edits the summary of 50 User issues -> 1 bulkfetch + 50 PUT;
 F2. the next pass: the 50 Dev issues the writes moved are recognised by their baselines: searches;
 F3. an idle pass: searches only;
 F4. 10 summaries edited on both sides -> 1 bulkfetch (20 partners) + 10 PUT + 20 changelog reads.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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
TARGET = 1.05
CLOUD = "https://developer.atlassian.com/cloud/jira/platform/rest/v3"

# (action, its minimum in requests, the Atlassian page that says why nothing cheaper exists)
MINIMUM = (
    ("read changes", "ceil(n/100) per project", f"{CLOUD}/api-group-issue-search/#api-rest-api-3-search-jql-post "
     "(maxResults is capped at 100 when fields other than id/key are asked)"),
    ("create", "1 POST + 1 GET", f"{CLOUD}/api-group-issues/#api-rest-api-3-issue-post (properties and "
     "update.issuelinks go with the create; the answer is id, key and self, so the new issue's status is one GET)"),
    ("copy a file", "1 GET + 1 POST", f"{CLOUD}/api-group-issue-attachments/#api-rest-api-3-attachment-content-id-get "
     "and #api-rest-api-3-issue-issueidorkey-attachments-post (no copy between issues; the list is the search's "
     "`attachment` field)"),
    ("transition", "1 GET + 1 POST", f"{CLOUD}/api-group-issues/#api-rest-api-3-issue-issueidorkey-get (expand="
     "transitions: status and transitions in one answer) and #api-rest-api-3-issue-issueidorkey-transitions-post "
     "(a move names a transition id, which depends on the issue's current status)"),
    ("comment", "1 POST", f"{CLOUD}/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post"),
    ("comments of a changed issue", "1 GET", f"{CLOUD}/api-group-issue-comments/"
     "#api-rest-api-3-issue-issueidorkey-comment-get (expand=properties brings the sync's marks)"),
    ("partners of changed issues (fields)", "1 POST per 100", f"{CLOUD}/api-group-issues/"
     "#api-rest-api-3-issue-bulkfetch-post (up to 100 issues by id, only the fields asked, read from the issues, "
     "not the eventually consistent search index)"),
    ("write a field", "1 PUT per issue", f"{CLOUD}/api-group-issues/#api-rest-api-3-issue-issueidorkey-put "
     "(every field of one issue in one request; labels as update add/remove)"),
    ("a field changed on both sides", "1 GET per side", f"{CLOUD}/api-group-issues/"
     "#api-rest-api-3-issue-issueidorkey-changelog-get (the field's latest change time; paged oldest first, "
     "so an issue with more than 100 histories takes its first page, then pages from the last back)"),
)


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


COMMENTED = 50
EDITED = 10
PAIRED = 100
COMMENTS = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}


def comment_calls(measured: Counter[str]) -> int:
    return sum(n for key, n in measured.items() if "/comment" in key)


def pair_every_user_issue(harness: SyncHarness) -> tuple[list[str], list[str]]:
    """Accept every User issue and let the sync create their Dev issues; (User keys, Dev keys)."""
    harness.engine.run_pass()
    user_keys = [issue["key"] for issue in harness.human.search('project = "ABSUP" ORDER BY key ASC', fields=["status"])]
    for key in user_keys:
        harness.move(key, "Will Do")
    for _ in range(3):  # the creations, then the passes that read what they changed
        harness.engine.run_pass()
    return user_keys, [harness.dev_key(key) or "" for key in user_keys]


@contextmanager
def paired_workload(root: Path, mongo_uri: str, database_name: str,
                    **config: Any) -> Iterator[tuple[SimulatorProcess, SyncHarness]]:
    """A simulator of PAIRED User issues and a harness over a fresh database `database_name`
    (dropped again after), the pair configured with `config` (comments=..., fields=...)."""
    with SimulatorProcess(user_issues_seed(PAIRED), root) as sim:
        client: MongoClient = pymongo.MongoClient(mongo_uri, tz_aware=True)
        client.drop_database(database_name)
        try:
            yield sim, SyncHarness(sim, client[database_name], root, **config)
        finally:
            client.drop_database(database_name)
            client.close()


def comment_phases(root: Path, mongo_uri: str) -> list[Phase]:
    """The comment workload above, on its own simulator and database."""
    with paired_workload(root, mongo_uri, "bench_api_comment_calls", comments=COMMENTS) as (sim, harness):
        sim.admin("PATCH", "projects/ABSUP", {"projectType": "service_desk"})
        sites = CallSites(harness.bot.transport)
        user_keys, dev_keys = pair_every_user_issue(harness)
        searches = pages(PAIRED) + pages(PAIRED)
        phases: list[Phase] = []
        said = [harness.human.add_comment(key, f"customer says {i}") for i, key in enumerate(user_keys[:COMMENTED])]
        phases.append(Phase("C1 50 User comments", run_phase(harness, sim, sites), searches + 2 * COMMENTED))
        phases.append(Phase("C2 pass after the copies", run_phase(harness, sim, sites), searches + COMMENTED))
        phases.append(Phase("C3 idle pass", run_phase(harness, sim, sites), searches))
        for i, key in enumerate(dev_keys[:COMMENTED]):
            harness.human.add_comment(key, f"developer says {i}")
        phases.append(Phase("C4 50 Dev comments", run_phase(harness, sim, sites), searches + 2 * COMMENTED))
        phases.append(Phase("C5 pass after the copies", run_phase(harness, sim, sites), searches + COMMENTED))
        for i, comment in enumerate(said[:EDITED]):
            body = {"type": "doc", "version": 1,
                    "content": [{"type": "paragraph", "content": [{"type": "text", "text": f"customer means {i}"}]}]}
            harness.human.update_comment(user_keys[i], str(comment["id"]), body)
        harness.clock.advance(seconds=harness.config.full_scan_seconds)
        phases.append(Phase("C6 10 edits + full scan", run_phase(harness, sim, sites),
                            2 * searches + 2 * COMMENTED + EDITED))
    return phases


FIELDS = {"summary": "both", "labels": "both", "priority": "both"}
FIELD_EDITS = 50
CONFLICTS = 10


def field_phases(root: Path, mongo_uri: str) -> list[Phase]:
    """The field workload above, on its own simulator and database."""
    with paired_workload(root, mongo_uri, "bench_api_field_calls", fields=FIELDS) as (sim, harness):
        user_keys, dev_keys = pair_every_user_issue(harness)
        searches = pages(PAIRED) + pages(PAIRED)
        phases: list[Phase] = []
        for i, key in enumerate(user_keys[:FIELD_EDITS]):
            harness.human.edit_issue(key, {"summary": f"customer corrected {i}"})
        phases.append(Phase("F1 50 User summaries", run_phase(harness, sim, sites := CallSites(harness.bot.transport)),
                            searches + pages(FIELD_EDITS) + FIELD_EDITS))
        phases.append(Phase("F2 pass after the writes", run_phase(harness, sim, sites), searches))
        phases.append(Phase("F3 idle pass", run_phase(harness, sim, sites), searches))
        for i in range(CONFLICTS):
            harness.human.edit_issue(user_keys[i], {"summary": f"support says {i}"})
            sim.admin("POST", "clock/advance", {"seconds": 1})
            harness.human.edit_issue(dev_keys[i], {"summary": f"development says {i}"})
        phases.append(Phase("F4 10 conflicts", run_phase(harness, sim, sites),
                            searches + pages(2 * CONFLICTS) + 3 * CONFLICTS))
    return phases


def print_field_phases(phases: list[Phase]) -> None:
    rows = []
    for phase in phases:
        calls = sum(phase.run.measured.values())
        done = sum(n for key, n in phase.run.counts.items() if key.startswith("fields.updated"))
        rows.append([phase.name, calls, phase.minimum, f"{calls / phase.minimum:.3f}", done,
                     f"{phase.run.seconds:.2f} s"])
    print(f"\nField traffic: {PAIRED} paired issues, fields block {FIELDS}\n")
    print_table(["phase", "measured calls", "minimum", "ratio", "field writes", "pass time"], rows)
    for phase in phases:
        print(f"  {phase.name}: " + ", ".join(f"{key} x{n}" for key, n in sorted(phase.run.measured.items())))


def print_comment_phases(phases: list[Phase]) -> None:
    rows = []
    for phase in phases:
        calls = sum(phase.run.measured.values())
        counts = phase.run.counts
        done = sum(n for key, n in counts.items() if key.startswith("comments."))
        rows.append([phase.name, calls, phase.minimum, f"{calls / phase.minimum:.3f}", comment_calls(phase.run.measured),
                     done, f"{phase.run.seconds:.2f} s"])
    print(f"\nComment traffic: {PAIRED} paired issues, comments block {COMMENTS}\n")
    print_table(["phase", "measured calls", "minimum", "ratio", "of which comment calls", "comment steps",
                 "pass time"], rows)
    for phase in phases:
        print(f"  {phase.name}: " + ", ".join(f"{key} x{n}" for key, n in sorted(phase.run.measured.items())))


def main() -> None:
    if sys.argv[1:] == ["fields"]:
        print(__doc__.splitlines()[0] + " (field traffic only)")
        print(machine_line())
        with work_dir("api-fields") as root, mongo(root) as mongo_uri:
            print_field_phases(field_phases(root, mongo_uri))
        return
    if sys.argv[1:] == ["comments"]:
        print(__doc__.splitlines()[0] + " (comment traffic only)")
        print(machine_line())
        with work_dir("api-comments") as root, mongo(root) as mongo_uri:
            print_comment_phases(comment_phases(root, mongo_uri))
        return
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
        create_min = ISSUES * 3 + WITH_ATTACHMENT * 2  # create+baseline+comment; per file 2
        phases.append(Phase("1 1,000 creates", run_phase(harness, sim, sites), pages(ISSUES) + pages(0) + create_min))

        dev_keys = [issue["key"] for issue in harness.dev_issues()]
        for key in dev_keys:
            harness.move(key, "In Progress")
        phases.append(Phase("2 1,000 transitions", run_phase(harness, sim, sites),
                            pages(ISSUES) + pages(len(dev_keys)) + ISSUES * 2))

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
        comment_run = comment_phases(root, mongo_uri)
        field_run = field_phases(root, mongo_uri)

    all_measured = all_minimum = 0
    for phase in phases:
        calls = sum(phase.run.measured.values())
        all_measured += calls
        all_minimum += phase.minimum
        rows.append([phase.name, calls, phase.minimum, f"{calls / phase.minimum:.3f}", f"<= {TARGET}",
                     f"{phase.run.seconds:.1f} s", phase.run.counts.get("processed", 0)])
    rows.append(["overall", all_measured, all_minimum, f"{all_measured / all_minimum:.3f}", f"<= {TARGET}", "", ""])
    print("minimum per action:")
    print_table(["action", "requests", "why nothing cheaper exists"], [list(row) for row in MINIMUM])
    print()
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
    print_comment_phases(comment_run)
    print_field_phases(field_run)


if __name__ == "__main__":
    main()

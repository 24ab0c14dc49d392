"""The fault soak (slow): the real bundle under Jira faults for several minutes while a scripted
person works the pairs, talks on them and edits their fields on both sides (comment and field sync
on, User projects service projects), then calm; once calm, both issues of every pair hold the same
value of every field synced both ways. Every owed change ends applied or visibly pending, with no duplicate Dev issue, no comment
posted twice and no echo; every comment a person wrote on a paired issue has exactly one copy
(none twice, none lost, none of a copy), no copy on a User issue is public, and a deleted
comment's copy is gone once a full scan ran.

    scripts/test -m slow tests/engine/test_fault_soak.py        # SOAK_SECONDS=180 by default

Faults cycle every FAULT_PHASE_SECONDS through a 429 storm, a 5xx burst, connections dropped
before Jira handles a request and dropped after it did the work (the answer lost), and calm.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

import pytest
import requests

from app.demo.actor import DemoActor
from app.jira import BasicAuth, JiraClient
from app.sync.field_values import field_value
from app.sync.jira_answers import CommentView
from app.sync.marker import CommentMarker, CopyMarker
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
FAULT_PHASE_SECONDS = 15
CALM = {"rate_limit": {"capacity": 0, "next_n": 0},
        "faults": {"error_rate": 0.0, "drop_rate": 0.0, "drop_after_processing": False, "seed": 0}}
PHASES = (
    ("429 storm", {"rate_limit": {"capacity": 4, "refill_per_second": 2.0, "retry_after_seconds": 1}}),
    ("5xx burst", {"faults": {"error_rate": 0.3, "error_status": 503, "seed": 11}}),
    ("drops before processing", {"faults": {"drop_rate": 0.1, "drop_after_processing": False, "seed": 12}}),
    ("drops after processing", {"faults": {"drop_rate": 0.1, "drop_after_processing": True, "seed": 13}}),
    ("calm", {}),
)
PAIRS = (("sync-ab", "ABSUP", "ABDEV"), ("sync-cd", "CDSUP", "CDDEV"))
COMMENTS = {"toDev": "all", "toUser": "internal", "followEdits": True, "restricted": "skip"}
FIELDS = {"summary": "both", "priority": "both", "labels": "both", "duedate": "toUser"}
FULL_SCAN_SECONDS = 60  # the shortest allowed: a delete that does not move `updated` is found by it

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SOAK_SECONDS + 900)]


def configure(sim: SimulatorServer, knobs: dict) -> None:
    requests.post(f"{sim.url}/_sim/config", json=knobs, timeout=5).raise_for_status()


def test_under_jira_faults_nothing_is_lost_duplicated_or_echoed(tmp_path, mongo_uri, mongo_client, db_prefix):
    sim = SimulatorServer(demo_seed(pairs=[(user, dev) for _, user, dev in PAIRS], service_desk=True)).start()
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_AB_TOKEN": BOT.api_token})
    for name, user, dev in PAIRS:
        bundle.write_config(name, pair_config(name, sim.url, user, dev, "JIRA_AB_TOKEN", comments=COMMENTS, fields=FIELDS,
                                              fullScanIntervalSeconds=FULL_SCAN_SECONDS))
    human = JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud", max_retries=1, backoff_cap=1)
    actor = DemoActor(human, [(user, dev) for _, user, dev in PAIRS], random.Random(2026), every=0.5)
    moves: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    bundle.start()
    try:
        bundle.wait_healthy(timeout=60)

        def act() -> None:
            while not stop.is_set():
                move = actor.run_once()
                if move is not None:
                    moves[f"{move.side} -> {move.target}" + (f" ({move.comment})" if move.comment else "")] += 1
                stop.wait(actor.every)

        stop = threading.Event()
        worker = threading.Thread(target=act, daemon=True)
        worker.start()
        started = time.monotonic()
        while time.monotonic() - started < SOAK_SECONDS:
            for name, knobs in PHASES:
                configure(sim, {**CALM, **knobs} if knobs else CALM)
                faults[name] += 1
                time.sleep(FAULT_PHASE_SECONDS)
        configure(sim, CALM)
        stop.set()
        worker.join(timeout=30)

        def settled():
            owed = [issue for view in actor.observe() for issue in view.issues if issue.waiting]
            pending = {f["issueKey"] for w in bundle.health().json().get("workers", []) for f in w.get("failures") or []}
            return [issue for issue in owed if issue.user_key not in pending and issue.dev_key not in pending] == []

        wait_for(settled, 240, interval=1, what="every owed change applied or visibly pending")
        calm_from = time.monotonic()
        wait_for(lambda: comments_settled(human, bundle, calm_from), 240, interval=2,
                 what="every comment copied once and every deleted one's copy gone (after a full scan)")
        wait_for(lambda: fields_settled(human, bundle), 240, interval=2,
                 what="both issues of every pair holding the same value of every field synced both ways")
        statuses = Counter(entry["status"] for entry in requests.get(f"{sim.url}/_sim/requests", timeout=10).json()["requests"])
        report = check_invariants(human, moves)
        print(f"\nsoak {SOAK_SECONDS:.0f} s, fault phases {dict(faults)}; the person's moves {dict(moves)}; "
              f"Jira answers {dict(statuses)}; {report}")
    finally:
        bundle.stop()
        sim.stop()


def fields_settled(human: JiraClient, bundle: Bundle) -> bool:
    """Every pair of issues (not visibly pending) holds the same value of each `both` field."""
    pending = pending_keys(bundle)
    both = [name for name, direction in FIELDS.items() if direction == "both"]
    for _, user, dev in PAIRS:
        for issue in human.search(f"project = {user}", ["issuelinks", *both]):
            partners = [link for link in issue["fields"].get("issuelinks") or []
                        if (link.get("inwardIssue") or link.get("outwardIssue") or {}).get("key", "").startswith(dev)]
            if not partners or issue["key"] in pending:
                continue
            dev_key = (partners[0].get("inwardIssue") or partners[0].get("outwardIssue"))["key"]
            if dev_key in pending:
                continue
            theirs = human.get_issue(dev_key, fields=both)["fields"]
            if any(not field_value(name, issue["fields"].get(name)).same(field_value(name, theirs.get(name)))
                   for name in both):
                return False
    return True


def pending_keys(bundle: Bundle) -> set[str]:
    return {f["issueKey"] for w in bundle.health().json().get("workers", []) for f in w.get("failures") or []}


def comments_settled(human: JiraClient, bundle: Bundle, calm_from: float) -> bool:
    """True once every unrestricted comment a person wrote on a paired issue has exactly one copy on
    its partner (or its issue is visibly pending) and no copy of a deleted comment is left; a
    full scan must have run since the calm began (deletes need not move `updated`)."""
    if time.monotonic() - calm_from < FULL_SCAN_SECONDS + 10:
        return False
    pending = pending_keys(bundle)
    for _, user, dev in PAIRS:
        partner_of = {}
        for issue in human.search(f'project = "{dev}"', fields=["issuelinks"]):
            for link in issue["fields"].get("issuelinks") or []:
                other = link.get("inwardIssue") or link.get("outwardIssue") or {}
                if str(other.get("key", "")).startswith(f"{user}-"):
                    partner_of[issue["key"]], partner_of[other["key"]] = other["key"], issue["key"]
        views = {key: [CommentView.parse(raw) for raw in human.raw_comments(key)] for key in partner_of}
        for key, comments in views.items():
            partner = partner_of[key]
            if {key, partner} & pending:
                continue
            originals = {c.id for c in comments if c.marker is None and c.visibility is None}
            copied = {c.marker.comment_id for c in views[partner] if isinstance(c.marker, CopyMarker)
                      and c.marker.issue_id == issue_id(human, key)}
            if originals != copied:
                return False
    return True


_ids: dict[str, str] = {}


def issue_id(human: JiraClient, key: str) -> str:
    if key not in _ids:
        _ids[key] = str(human.get_issue(key, fields=["status"])["id"])
    return _ids[key]


def check_invariants(human: JiraClient, moves: Counter[str]) -> str:
    """0 duplicates, no comment twice, no echo; returns the figures for the report."""
    owners: Counter[str] = Counter()
    for _, _, dev in PAIRS:
        for issue in human.search(f'project = "{dev}" ORDER BY key ASC', fields=["summary"], properties=["jira-sync"]):
            marker = (issue.get("properties") or {}).get("jira-sync") or {}
            owners[marker.get("userIssueId")] += 1
    duplicates = {owner: n for owner, n in owners.items() if owner and n > 1}
    assert not duplicates, f"Dev issues created twice: {duplicates}"

    changes: Counter[tuple[str, str]] = Counter()
    copies: Counter[CopyMarker] = Counter()
    people: set[str] = set()
    public_copies: list[str] = []
    reopened_comments = 0
    for _, user, dev in PAIRS:
        for project in (user, dev):
            for issue in human.search(f'project = "{project}" ORDER BY key ASC', fields=["summary"]):
                for comment in human.comments(issue["key"], expand_properties=True):
                    view = CommentView.parse(comment)
                    if isinstance(view.marker, CommentMarker):
                        changes[(issue["key"], view.marker.change_id)] += 1
                    elif isinstance(view.marker, CopyMarker):
                        copies[view.marker] += 1
                        if project == user and view.jsd_public is not False:
                            public_copies.append(f"{issue['key']}/{view.id}")
                    elif view.id is not None:
                        people.add(view.id)
                    reopened_comments += "was reopened" in comment["body"]
    twice = {key: n for key, n in changes.items() if n > 1}
    assert not twice, f"comments posted twice for one change: {twice}"
    copied_twice = {marker.comment_id: n for marker, n in copies.items() if n > 1}
    assert not copied_twice, f"comments copied twice: {copied_twice}"
    echoes = [marker.comment_id for marker in copies if marker.comment_id not in people]
    assert not echoes, f"copies of comments no person wrote (of copies or notices, or of deleted ones): {echoes}"
    assert not public_copies, f"Dev comments made public on a service project: {public_copies}"
    assert reopened_comments <= moves["dev -> Reopened"], "a reopened comment no person's move explains: an echo"
    return (f"{sum(owners.values())} Dev issues for {len(owners)} User issues, {sum(changes.values())} sync comments, "
            f"0 duplicates, 0 comments twice, {reopened_comments} reopened comments for "
            f"{moves['dev -> Reopened']} Dev reopens; {len(people)} people's comments, {sum(copies.values())} copies: "
            f"0 copied twice, 0 echoes, 0 lost, 0 public on a User issue")

"""The fault soak (slow): the real bundle under Jira faults for several minutes while a scripted
person works the pairs, then calm. Every owed change ends applied or visibly pending, with no
duplicate Dev issue, no comment posted twice and no echo.

    scripts/test -m slow tests/test_fault_soak.py        # SOAK_SECONDS=180 by default

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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SOAK_SECONDS + 900)]


def configure(sim: SimulatorServer, knobs: dict) -> None:
    requests.post(f"{sim.url}/_sim/config", json=knobs, timeout=5).raise_for_status()


def test_under_jira_faults_nothing_is_lost_duplicated_or_echoed(tmp_path, mongo_uri, mongo_client, db_prefix):
    sim = SimulatorServer(demo_seed(pairs=[(user, dev) for _, user, dev in PAIRS])).start()
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_AB_TOKEN": BOT.api_token})
    for name, user, dev in PAIRS:
        bundle.write_config(name, pair_config(name, sim.url, user, dev, "JIRA_AB_TOKEN"))
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
                    moves[f"{move.side} -> {move.target}"] += 1
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
        statuses = Counter(entry["status"] for entry in requests.get(f"{sim.url}/_sim/requests", timeout=10).json()["requests"])
        report = check_invariants(human, moves)
        print(f"\nsoak {SOAK_SECONDS:.0f} s, fault phases {dict(faults)}; the person's moves {dict(moves)}; "
              f"Jira answers {dict(statuses)}; {report}")
    finally:
        bundle.stop()
        sim.stop()


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
    reopened_comments = 0
    for _, user, dev in PAIRS:
        for project in (user, dev):
            for issue in human.search(f'project = "{project}" ORDER BY key ASC', fields=["summary"]):
                for comment in human.comments(issue["key"], expand_properties=True):
                    for prop in comment.get("properties") or []:
                        if prop.get("key") == "jira-sync":
                            changes[(issue["key"], prop["value"]["changeId"])] += 1
                    reopened_comments += "was reopened" in comment["body"]
    twice = {key: n for key, n in changes.items() if n > 1}
    assert not twice, f"comments posted twice for one change: {twice}"
    assert reopened_comments <= moves["dev -> Reopened"], "a reopened comment no person's move explains: an echo"
    return (f"{sum(owners.values())} Dev issues for {len(owners)} User issues, {sum(changes.values())} sync comments, "
            f"0 duplicates, 0 comments twice, {reopened_comments} reopened comments for "
            f"{moves['dev -> Reopened']} Dev reopens")

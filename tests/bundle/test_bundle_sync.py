"""WORKFLOW.md end to end through the real bundle: supervisord -> worker -> MongoDB -> simulator,
including kill -9 of the worker at arbitrary points of its work."""

from __future__ import annotations

import os
import signal

import pytest
import requests

from app.config.bounds import SYNC_INTERVAL
from app.jira import JiraClient
from jira_sim.seed import BOT
from testbed.bundle import Bundle, pair_config
from testbed.waiting import wait_for

PASS_TIMEOUT = 30  # seconds for a change to travel: interval 5 s (the lower bound), plus start-up and a retry


@pytest.fixture
def bundle(tmp_path, mongo_uri, db_prefix, sim):
    running = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_AB_TOKEN": BOT.api_token})
    running.write_config("sync-ab", pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN"))
    running.start()
    running.wait_healthy(timeout=60)
    yield running
    running.stop()


@pytest.fixture
def pair_db(bundle, mongo_client):
    return mongo_client[bundle.env["MONGO_DATABASE_PREFIX"] + "sync-ab"]


def status_of(human: JiraClient, key: str) -> str:
    return human.get_issue(key, fields=["status"])["fields"]["status"]["name"]


def becomes(human: JiraClient, key: str, status: str) -> None:
    wait_for(lambda: status_of(human, key) == status, PASS_TIMEOUT, what=f"{key} to become {status}")


def dev_key_of(pair_db, human: JiraClient, user_key: str) -> str:
    user_id = human.get_issue(user_key, fields=["status"])["id"]
    mapping = wait_for(lambda: pair_db.mappings.find_one({"_id": user_id}), PASS_TIMEOUT, what=f"a Dev issue for {user_key}")
    return mapping["dev_key"]


def processed(pair_db, key: str, status: str) -> None:
    """Wait until the worker has seen `key` in `status` (its audit event)."""
    wait_for(lambda: pair_db.events.find_one({"issueKey": key, "to": status}), PASS_TIMEOUT, what=f"{key} {status} processed")


def comment_bodies(human: JiraClient, key: str) -> list[str]:
    return [comment["body"] for comment in human.comments(key)]


def test_the_whole_workflow_runs_through_the_bundle(bundle, human, pair_db, sim):
    user = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": "Printer on fire"})["key"]
    human.add_attachment(user, "smoke.log", b"smoke\n")
    human.transition_to(user, "Will Do")

    dev = dev_key_of(pair_db, human, user)
    wait_for(lambda: comment_bodies(human, user) == [f"Dev issue created: {dev}"], PASS_TIMEOUT, what="the creation comment")
    assert [a["filename"] for a in human.attachments(dev)] == ["smoke.log"]
    assert [link["outwardIssue"]["key"] for link in human.issue_links(dev)] == [user]

    human.transition_to(dev, "In Progress")
    becomes(human, user, "In Progress")

    human.transition_to(dev, "Done")
    processed(pair_db, dev, "Done")
    assert status_of(human, user) == "In Progress", "Done is intermediate: nothing happens"

    human.transition_to(dev, "Closed")
    becomes(human, user, "Resolved")
    assert human.get_issue(user, fields=["resolution"])["fields"]["resolution"]["name"] == "Done"
    wait_for(lambda: comment_bodies(human, user)[-1] == f"Fixed in {dev}", PASS_TIMEOUT, what="the fix comment")

    human.transition_to(user, "Reopened")
    becomes(human, dev, "Reopened")

    human.transition_to(dev, "In Progress")
    becomes(human, user, "In Progress")
    human.transition_to(dev, "Done")
    human.transition_to(dev, "Closed")
    becomes(human, user, "Resolved")
    human.transition_to(dev, "Reopened")
    becomes(human, user, "Reopened")
    wait_for(lambda: comment_bodies(human, user)[-1] == f"{dev} was reopened and needs more work", PASS_TIMEOUT,
             what="the reopen comment")

    cancelled = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Task"}, "summary": "Not needed"})["key"]
    human.transition_to(cancelled, "Will Do")
    cancelled_dev = dev_key_of(pair_db, human, cancelled)
    human.transition_to(cancelled_dev, "Cancelled")
    becomes(human, cancelled, "Cancelled")

    comments_before = {key: comment_bodies(human, key) for key in (user, cancelled)}
    let_passes_run(sim, 3)  # the worker sees its own last writes once, and does nothing about them
    pair_db.events.delete_many({})
    let_passes_run(sim, 3)
    writes = [r for r in requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["requests"]
              if r["method"] != "GET" and "/search" not in r["path"]]
    assert writes == [], "no echo: a quiet pair writes nothing"
    assert pair_db.events.count_documents({}) == 0, "and has nothing new to process"
    assert {key: comment_bodies(human, key) for key in (user, cancelled)} == comments_before
    assert len(list(human.search('project = "ABDEV"', fields=["status"]))) == 2


def let_passes_run(sim, passes: int) -> None:
    requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    wait_for(lambda: _passes_since_reset(sim) >= passes, (SYNC_INTERVAL.low + 5) * passes, what=f"{passes} passes")


def _passes_since_reset(sim) -> int:
    counts = requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["counts"]
    return counts.get("POST /rest/api/3/search/jql", 0) // 2


@pytest.mark.parametrize("kill_after_creates", [3, 8, 14])
def test_kill_9_at_any_point_of_a_busy_pass_neither_duplicates_nor_loses(bundle, human, pair_db, sim, kill_after_creates):
    issues = 20
    requests.post(f"{sim.url}/_sim/config", json={"latency_ms": 40}, timeout=5).raise_for_status()
    keys = [human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": f"issue {n}"})["key"]
            for n in range(issues)]
    requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    for key in keys:
        human.transition_to(key, "Will Do")

    def creates_sent() -> int:
        return requests.get(f"{sim.url}/_sim/requests", timeout=5).json()["counts"].get("POST /rest/api/3/issue", 0)

    wait_for(lambda: creates_sent() >= kill_after_creates, 60, interval=0.02, what=f"{kill_after_creates} creates")
    victim = bundle.pid("sync-ab")
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: bundle.pid("sync-ab") not in (0, victim), 20, what="supervisord to restart the worker")
    requests.post(f"{sim.url}/_sim/config", json={"latency_ms": 0}, timeout=5)

    wait_for(lambda: pair_db.mappings.count_documents({}) == issues, 60, what="every User issue mapped")
    wait_for(lambda: all(len(comment_bodies(human, key)) == 1 for key in keys), 30, what="every creation comment")
    dev_issues = list(human.search('project = "ABDEV"', fields=["summary"]))
    assert len(dev_issues) == issues, "exactly one Dev issue per User issue"
    assert sorted(issue["fields"]["summary"] for issue in dev_issues) == sorted(f"issue {n}" for n in range(issues))
    for key in keys:
        [comment] = comment_bodies(human, key)
        assert comment.startswith("Dev issue created: ABDEV-")
        assert len(human.issue_links(key)) == 1
    assert pair_db.failures.count_documents({}) == 0

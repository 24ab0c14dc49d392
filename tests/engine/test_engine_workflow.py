"""WORKFLOW.md through the real engine, client, MongoDB and simulator (in one process)."""

from __future__ import annotations

import pytest

from testbed.sync import SyncHarness


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    harness.sync()  # first pass: the (empty) baseline
    return harness


def accepted(pair: SyncHarness, **fields) -> tuple[str, str]:
    """A User issue moved to Will Do and synced: (user key, dev key)."""
    user_key = pair.new_user_issue(**fields)
    pair.move(user_key, "Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)
    assert dev_key, "no Dev issue was created"
    return user_key, dev_key


def test_will_do_creates_the_dev_issue_with_link_comment_and_attachments(pair):
    user_key = pair.new_user_issue(summary="Printer on fire", description="It smokes.", priority={"name": "High"})
    pair.human.add_attachment(user_key, "smoke.log", b"smoke detected\n")
    pair.move(user_key, "Will Do")

    pair.sync()

    dev_key = pair.dev_key(user_key)
    dev = pair.human.get_issue(dev_key, fields=["summary", "description", "issuetype", "priority", "status", "issuelinks"])
    fields = dev["fields"]
    assert fields["summary"] == "Printer on fire"
    assert fields["issuetype"]["name"] == "Bug"
    assert fields["priority"]["name"] == "High"
    assert fields["status"]["name"] == "To Do"
    assert "It smokes." in fields["description"] and f"/browse/{user_key}" in fields["description"]
    assert [link.get("outwardIssue", link.get("inwardIssue"))["key"] for link in fields["issuelinks"]] == [user_key]
    assert pair.human.get_property(dev_key, "jira-sync")["userIssueKey"] == user_key
    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}"]
    [copied] = pair.human.attachments(dev_key)
    assert copied["filename"] == "smoke.log"
    assert pair.human.download_attachment(copied) == b"smoke detected\n"


@pytest.mark.parametrize(
    "dev_moves, user_status, comment",
    [
        (["In Progress"], "In Progress", None),
        (["In Progress", "Done"], "In Progress", None),  # Done is intermediate: nothing
        (["In Progress", "Done", "Closed"], "Resolved", "Fixed in {dev}"),
        (["Cancelled"], "Cancelled", None),
    ],
    ids=["in-progress", "done-is-skipped", "closed-resolves", "cancelled"],
)
def test_dev_moves_drive_the_user_issue(pair, dev_moves, user_status, comment):
    user_key, dev_key = accepted(pair)
    for status in dev_moves:
        pair.move(dev_key, status)
        pair.sync()
    assert pair.status(user_key) == user_status
    expected = [f"Dev issue created: {dev_key}"] + ([comment.format(dev=dev_key)] if comment else [])
    assert pair.comments(user_key) == expected


def test_closed_sets_a_resolution_on_the_user_issue(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    fields = pair.human.get_issue(user_key, fields=["status", "resolution"])["fields"]
    assert fields["status"]["name"] == "Resolved"
    assert fields["resolution"] and fields["resolution"]["name"]


def test_dev_reopened_reopens_the_user_issue_with_a_comment(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    pair.move(dev_key, "Reopened")
    pair.sync()
    assert pair.status(user_key) == "Reopened"
    assert pair.comments(user_key)[-1] == f"{dev_key} was reopened and needs more work"


def test_user_reopened_reopens_the_dev_issue_without_echo(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    assert pair.status(user_key) == "Resolved"
    comments_before = pair.comments(user_key)

    pair.move(user_key, "Reopened")
    pair.sync()
    assert pair.status(dev_key) == "Reopened"

    pair.reset_requests()
    pair.sync()  # the Dev issue's Reopened was made by the sync: it must not come back
    assert pair.bot_writes() == []
    assert pair.comments(user_key) == comments_before


def test_a_pass_with_no_change_writes_nothing_and_searches_once_per_project(pair):
    accepted(pair)
    pair.sync()
    pair.reset_requests()
    pair.sync()
    counts = pair.admin("GET", "requests")["counts"]
    assert pair.bot_writes() == []
    assert sum(n for route, n in counts.items() if "/search" in route) == 2
    assert sum(counts.values()) == 2


def test_a_transition_reads_its_partner_once_then_moves_it(pair):
    user_key, dev_key = accepted(pair)
    pair.move(dev_key, "In Progress")
    pair.reset_requests()
    pair.sync()
    counts = pair.admin("GET", "requests")["counts"]
    assert {route: n for route, n in counts.items() if "/search" not in route} == {
        "GET /rest/api/3/issue/{key}": 1, "POST /rest/api/3/issue/{key}/transitions": 1}
    assert pair.status(user_key) == "In Progress"


def test_a_creation_copies_the_attachments_the_search_listed_without_reading_the_issue_again(pair):
    user_key = pair.new_user_issue()
    pair.human.add_attachment(user_key, "smoke.log", b"smoke detected\n")
    user_id = pair.human.get_issue(user_key, fields=["status"])["id"]
    pair.move(user_key, "Will Do")
    pair.reset_requests()
    pair.sync()
    paths = [r["path"] for r in pair.admin("GET", "requests")["requests"] if r["method"] == "GET"]  # the sync's alone
    [copied] = pair.human.attachments(pair.dev_key(user_key))
    assert pair.human.download_attachment(copied) == b"smoke detected\n"
    assert f"/rest/api/3/issue/{user_id}" not in paths and f"/rest/api/3/issue/{user_key}" not in paths


def test_initial_sync_creates_dev_issues_for_user_issues_already_in_will_do(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path)
    waiting = pair.new_user_issue(summary="accepted before the sync existed", status="Will Do")
    untouched = pair.new_user_issue(summary="still to do")
    pair.sync()
    assert pair.dev_key(waiting)
    assert pair.dev_key(untouched) is None
    assert len(pair.dev_issues()) == 1


def test_initial_sync_disabled_only_records_the_baseline(jira_sim, mongo_client, db_prefix, tmp_path):
    pair = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, initialSyncEnabled=False)
    waiting = pair.new_user_issue(status="Will Do")
    pair.sync()
    assert pair.dev_key(waiting) is None
    assert pair.store.sync_state().initial_sync_done is True


def test_every_processed_issue_leaves_an_event(pair):
    user_key, dev_key = accepted(pair)
    events = list(pair.store.db.events.find({"issueKey": user_key}))
    created = [e for e in events if e["to"] == "Will Do"]
    assert created and created[-1]["ruleId"] == "user-will-do"
    assert created[-1]["targetKey"] == dev_key
    assert "create" in created[-1]["action"]
    assert created[-1]["mappingExists"] is False


def test_the_same_workflow_on_data_center(jira_sim_dc, mongo_client, db_prefix, tmp_path):
    pair = SyncHarness(jira_sim_dc, mongo_client[f"{db_prefix}-ab"], tmp_path, deployment="datacenter")
    pair.sync()
    user_key, dev_key = accepted(pair, description="Plain text on v2.")
    assert "Plain text on v2." in pair.human.get_issue(dev_key, fields=["description"])["fields"]["description"]
    pair.move(dev_key, "In Progress", "Done", "Closed")
    pair.sync()
    assert pair.status(user_key) == "Resolved"
    assert pair.comments(user_key) == [f"Dev issue created: {dev_key}", f"Fixed in {dev_key}"]
    pair.reset_requests()
    pair.sync()
    assert pair.bot_writes() == []

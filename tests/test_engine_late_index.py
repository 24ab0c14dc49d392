"""Changes that reach Jira's search index later than the window's overlap are still synced,
exactly once: the periodic full scan finds them (Atlassian: search is eventually consistent,
"seconds to minutes", longer after bulk edits)."""

from __future__ import annotations

import pytest

from testbed.sync import SyncHarness

FULL_SCAN_SECONDS = 60


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    harness = SyncHarness(jira_sim, mongo_client[f"{db_prefix}-ab"], tmp_path, fullScanIntervalSeconds=FULL_SCAN_SECONDS)
    harness.sync()
    return harness


def pass_time(pair: SyncHarness, seconds: float) -> None:
    """Both clocks move on: Jira's (its index lag and `updated` values) and the sync's."""
    pair.sim.site.clock.advance(seconds)
    pair.clock.advance(seconds=seconds)


def test_a_change_indexed_fifteen_minutes_late_is_synced_exactly_once(pair):
    user_key = pair.new_user_issue(status="Will Do")
    pair.sync()
    dev_key = pair.dev_key(user_key)

    pair.admin("POST", "config", index_lag_seconds=15 * 60)
    pair.move(dev_key, "In Progress")  # searchable only in 15 minutes, with its `updated` of now
    pair.admin("POST", "config", index_lag_seconds=0)

    pass_time(pair, 10 * 60)
    other = pair.human.create_issue({"project": {"key": "ABDEV"}, "issuetype": {"name": "Bug"}, "summary": "Other"})
    pair.human.edit_issue(other["key"], {"summary": "edited"})  # moves the Dev project's watermark on
    pair.sync()
    assert pair.status(user_key) == "Will Do", "not searchable yet"

    pass_time(pair, 6 * 60)  # indexed now, but older than the window's overlap
    summary = pair.sync()

    assert summary.counts.get("full_scan_missed") == 1
    assert pair.status(user_key) == "In Progress"
    pair.reset_requests()
    pass_time(pair, FULL_SCAN_SECONDS)
    again = pair.sync()
    assert pair.bot_writes() == [] and again.counts.get("full_scan_missed", 0) == 0, "synced once, not twice"


def test_a_full_scan_costs_one_search_per_project_when_nothing_was_missed(pair):
    pair.new_user_issue()
    pair.sync()
    pass_time(pair, FULL_SCAN_SECONDS)
    pair.reset_requests()
    summary = pair.sync()
    searches = [r for r in pair.admin("GET", "requests")["requests"] if r["path"].endswith("/search/jql")]
    assert summary.counts["full_scan_missed"] == 0
    assert len(searches) == 4, "two windows and two scans"

"""A worker that cannot prove its lease sends no Jira write, and a write never outlives the lease."""

from __future__ import annotations

import pytest

from app.jira import BasicAuth, JiraClient
from app.leases.guard import LeaseGuard, LeaseLost
from jira_sim.seed import BOT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_closes_a_skew_before_the_lease_would_expire():
    clock = Clock()
    guard = LeaseGuard(lease_seconds=30, skew=5, monotonic=clock)
    with pytest.raises(LeaseLost):
        guard.write_window()  # never proven
    guard.proven()
    assert guard.write_window() == pytest.approx(24)
    clock.now += 23.5
    with pytest.raises(LeaseLost):
        guard.write_window()  # 1.5 s left: too little for a write to finish in
    clock.now += 2
    assert guard.lost and guard.remaining() == 0
    guard.proven()
    assert not guard.lost
    guard.lose("a newer holder")
    with pytest.raises(LeaseLost, match="a newer holder"):
        guard.write_window()


def test_without_proof_reads_go_on_and_no_write_reaches_jira(jira_sim):
    guard = LeaseGuard(lease_seconds=30, skew=5)
    client = JiraClient(jira_sim.url, BasicAuth(*BOT.basic_auth), deployment="cloud", write_guard=guard.write_window)
    client.search('project = "ABSUP"', fields=["status"])  # reads pass: the guard is about writes
    assert client.myself()["emailAddress"] == BOT.email
    before = jira_sim.site.request_log.snapshot()["total"]
    with pytest.raises(LeaseLost):
        client.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": "never"})
    assert jira_sim.site.request_log.snapshot()["total"] == before and not jira_sim.site.issues
    guard.proven()
    assert client.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": "now"})["key"]

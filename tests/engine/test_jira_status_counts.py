"""JiraClient.status_counts: every answer counted by HTTP status, retried ones included, against
the simulator's rate limit and drop knobs (what /metrics shows as jira_sync_jira_requests_total)."""

from __future__ import annotations

import pytest
import requests

from app.jira import BasicAuth, JiraClient, JiraNotFound, JiraRateLimited, JiraUnavailable
from jira_sim.seed import BOT


def configure(server, **knobs) -> None:
    requests.post(f"{server.url}/_sim/config", json=knobs, timeout=5).raise_for_status()


@pytest.fixture
def jira(jira_sim) -> JiraClient:
    return JiraClient(jira_sim.url, BasicAuth(*BOT.basic_auth),
                      sleep=lambda _seconds: None, jitter=lambda: 0.0, max_retries=3)


def test_retried_429s_are_counted_beside_the_200_that_followed(jira, jira_sim):
    configure(jira_sim, rate_limit={"next_n": 2, "retry_after_seconds": 1})

    jira.myself()

    assert jira.status_counts == {"429": 2, "200": 1}
    assert sum(jira.status_counts.values()) == jira.request_count


def test_a_request_that_runs_out_of_retries_counts_every_429(jira, jira_sim):
    configure(jira_sim, rate_limit={"next_n": 10, "retry_after_seconds": 1})

    with pytest.raises(JiraRateLimited):
        jira.myself()

    assert jira.status_counts == {"429": 4}


def test_error_answers_and_dropped_connections_have_their_own_keys(jira, jira_sim):
    configure(jira_sim, faults={"next_drops": 1})
    with pytest.raises(JiraUnavailable):
        jira.add_comment("ABSUP-404", "never sent twice")  # a POST is not retried after a drop
    jira.myself()

    with pytest.raises(JiraNotFound):
        jira.get_issue("ABSUP-404")

    assert jira.status_counts == {"dropped": 1, "200": 1, "404": 1}

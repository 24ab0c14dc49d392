"""Rate limits, 5xx bursts and dropped connections from the simulator: what is retried, how
long the client asks to sleep, and that nothing secret reaches logs or errors."""

from __future__ import annotations

import base64
import logging

import pytest
import requests

from app.jira import (
    BasicAuth,
    BearerAuth,
    JiraClient,
    JiraRateLimited,
    JiraServerError,
    JiraUnavailable,
)
from jira_sim.seed import BOT

BOT_EMAIL, BOT_TOKEN, BOT_PAT = BOT.email, BOT.api_token, BOT.pat
DEV_PROJECT = "ABDEV"


class RecordingSleep:
    """Stands in for time.sleep: records what the client asked for and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request):
    server = request.getfixturevalue("jira_sim" if request.param == "cloud" else "jira_sim_dc")
    server.deployment_name = request.param
    return server


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def jira(sim, sleep) -> JiraClient:
    auth = BasicAuth(BOT_EMAIL, BOT_TOKEN) if sim.deployment_name == "cloud" else BearerAuth(BOT_PAT)
    return JiraClient(sim.url, auth, deployment=sim.deployment_name, sleep=sleep, jitter=lambda: 0.0, max_retries=5)


def configure(server, **knobs) -> None:
    requests.post(f"{server.url}/_sim/config", json=knobs, timeout=5).raise_for_status()
    requests.post(f"{server.url}/_sim/requests/reset", timeout=5).raise_for_status()


def logged(server, method: str, template_suffix: str) -> list:
    """Statuses of the logged requests whose method matches and whose route ends with the suffix."""
    entries = requests.get(f"{server.url}/_sim/requests", timeout=5).json()["requests"]
    return [e["status"] for e in entries if e["method"] == method and e["template"].endswith(template_suffix)]


def new_issue(jira: JiraClient, summary: str = "x") -> dict:
    return jira.create_issue({"project": {"key": DEV_PROJECT}, "issuetype": {"name": "Bug"}, "summary": summary})


def test_a_429_storm_is_waited_out_as_retry_after_asks(jira, sim, sleep):
    key = new_issue(jira)["key"]
    configure(sim, rate_limit={"next_n": 3, "retry_after_seconds": 2})
    assert jira.get_issue(key, fields=["summary"])["key"] == key
    assert logged(sim, "GET", "/issue/{key}") == [429, 429, 429, 200]
    assert sleep.asked == [2.0, 2.0, 2.0]
    assert jira.retry_count == 3 and jira.retry_waits == [2.0, 2.0, 2.0]


def test_a_create_rate_limited_is_retried_because_jira_did_not_process_it(jira, sim, sleep):
    configure(sim, rate_limit={"next_n": 2, "retry_after_seconds": 1})
    created = new_issue(jira, "once")
    assert logged(sim, "POST", "/issue") == [429, 429, 201]
    assert [i["key"] for i in jira.search(f"project = {DEV_PROJECT}", ["summary"])] == [created["key"]]


def test_a_bucket_rate_limit_is_survived_across_many_requests(jira, sim, sleep):
    keys = [new_issue(jira, f"n{n}")["key"] for n in range(3)]
    configure(sim, rate_limit={"capacity": 2, "refill_per_second": 1000, "retry_after_seconds": 1})
    for _ in range(4):
        for key in keys:
            jira.get_issue(key, fields=["summary"])
    assert all(seconds == 1.0 for seconds in sleep.asked)


def test_a_wait_longer_than_the_cap_gives_up_at_once_with_the_advice(sim, sleep):
    auth = BasicAuth(BOT_EMAIL, BOT_TOKEN) if sim.deployment_name == "cloud" else BearerAuth(BOT_PAT)
    jira = JiraClient(sim.url, auth, deployment=sim.deployment_name, sleep=sleep, jitter=lambda: 0.0, backoff_cap=10)
    configure(sim, rate_limit={"next_n": 5, "retry_after_seconds": 120})
    with pytest.raises(JiraRateLimited) as limited:
        jira.myself()
    assert limited.value.retry_after == 120.0 and sleep.asked == []
    assert logged(sim, "GET", "/myself") == [429]


def test_rate_limited_after_the_retries_run_out(jira, sim, sleep):
    configure(sim, rate_limit={"next_n": 50, "retry_after_seconds": 1})
    with pytest.raises(JiraRateLimited) as limited:
        jira.myself()
    assert limited.value.status == 429 and limited.value.retry_after == 1.0
    assert len(logged(sim, "GET", "/myself")) == 6 and jira.retry_count == 5


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_burst_on_reads_is_retried_with_exponential_backoff(jira, sim, sleep, status):
    key = new_issue(jira)["key"]
    configure(sim, faults={"next_errors": 3, "error_status": status})
    assert jira.get_issue(key, fields=["summary"])["key"] == key
    assert logged(sim, "GET", "/issue/{key}") == [status, status, status, 200]
    # A 503 carries Retry-After (honoured); other 5xx back off exponentially (jitter pinned low).
    assert sleep.asked == ([1.0, 1.0, 1.0] if status == 503 else [0.5, 1.0, 2.0])


def test_search_posts_are_read_only_and_so_retried(jira, sim, sleep):
    keys = [new_issue(jira, f"s{n}")["key"] for n in range(5)]
    configure(sim, faults={"next_errors": 2, "error_status": 500, "path_contains": "/search"})
    found = [i["key"] for i in jira.search(f"project = {DEV_PROJECT} ORDER BY key ASC", ["summary"], page_size=2)]
    assert found == keys and jira.retry_count == 2


def test_a_create_that_hits_a_500_is_not_retried(jira, sim, sleep):
    configure(sim, faults={"next_errors": 1, "error_status": 500})
    with pytest.raises(JiraServerError) as failed:
        new_issue(jira, "maybe created")
    assert failed.value.status == 500 and failed.value.method == "POST"
    assert logged(sim, "POST", "/issue") == [500]
    assert sleep.asked == [] and jira.retry_count == 0


@pytest.mark.parametrize("status", [500, 503])
def test_comments_links_and_attachments_are_not_retried_on_5xx(jira, sim, sleep, status):
    a, b = new_issue(jira, "a")["key"], new_issue(jira, "b")["key"]
    configure(sim, faults={"next_errors": 3, "error_status": status})
    with pytest.raises(JiraServerError):
        jira.add_comment(a, "hello")
    with pytest.raises(JiraServerError):
        jira.create_issue_link("Relates", a, b)
    with pytest.raises(JiraServerError):
        jira.add_attachment(a, "f.txt", b"data")
    assert logged(sim, "POST", "/comment") == [status]
    assert logged(sim, "POST", "/issueLink") == [status]
    assert logged(sim, "POST", "/attachments") == [status]
    assert jira.retry_count == 0


def test_dropped_connections_are_retried_for_reads_only(jira, sim, sleep):
    key = new_issue(jira)["key"]
    configure(sim, faults={"next_drops": 2})
    assert jira.get_issue(key, fields=["summary"])["key"] == key
    assert logged(sim, "GET", "/issue/{key}") == ["dropped", "dropped", 200]
    configure(sim, faults={"next_drops": 1})
    with pytest.raises(JiraUnavailable) as unavailable:
        jira.add_comment(key, "may or may not have landed")
    assert unavailable.value.status is None and unavailable.value.method == "POST"
    assert logged(sim, "POST", "/comment") == ["dropped"]
    assert jira.retry_count == 2


def test_a_slow_answer_times_out_and_is_retried_then_reported(sim, sleep):
    auth = BasicAuth(BOT_EMAIL, BOT_TOKEN) if sim.deployment_name == "cloud" else BearerAuth(BOT_PAT)
    jira = JiraClient(sim.url, auth, deployment=sim.deployment_name, sleep=sleep, timeout=(2, 0.2), max_retries=1)
    configure(sim, latency_ms=600)
    with pytest.raises(JiraUnavailable) as unavailable:
        jira.myself()
    assert unavailable.value.reason == "ReadTimeout" and jira.request_count == 2 and len(sleep.asked) == 1


def test_retries_are_logged_at_warning_without_secrets_or_jql(jira, sim, sleep, caplog):
    new_issue(jira)
    configure(sim, rate_limit={"next_n": 1}, faults={"next_errors": 1, "error_status": 503, "path_contains": "/search"})
    jql = f'project = {DEV_PROJECT} AND status in ("To Do", "Reopened") ORDER BY key ASC'
    with caplog.at_level(logging.DEBUG):
        assert len(list(jira.search(jql, ["summary"]))) == 1
        jira.myself()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "app.jira"]
    assert len(warnings) == 2
    assert any("HTTP 503" in r.getMessage() and "/search" in r.getMessage() for r in warnings)
    basic = base64.b64encode(f"{BOT_EMAIL}:{BOT_TOKEN}".encode()).decode()
    for text in [r.getMessage() for r in caplog.records] + [caplog.text]:
        for secret in (BOT_TOKEN, BOT_PAT, basic, "Reopened", "Authorization"):
            assert secret not in text

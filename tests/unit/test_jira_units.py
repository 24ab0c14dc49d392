"""Pure parts of the Jira client: JQL dates, retry decisions, transition choice, errors, auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import requests
from pydantic import SecretStr

from app.jira import (
    BasicAuth,
    BearerAuth,
    JiraClient,
    JiraError,
    JiraNotFound,
    SearchPaginationError,
    Site,
    TransitionUnavailable,
    deployment_of,
    jql_datetime,
    jql_string,
)
from app.jira.retry import RetryableStatus, RetryPolicy, is_retryable, server_wait_hint
from app.jira.search import search_cloud, search_datacenter
from app.jira.transitions import Transition, choose_transition, transition_payload

NOW = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (datetime(2026, 11, 28, 16, 59, 59, tzinfo=UTC), "Asia/Ho_Chi_Minh", "2026/11/28 23:59"),
        (datetime(2026, 11, 28, 17, 0, 0, tzinfo=UTC), "Asia/Ho_Chi_Minh", "2026/11/29 00:00"),
        (datetime(2026, 11, 28, 7, 30, 45, tzinfo=UTC), "America/Los_Angeles", "2026/11/27 23:30"),
        (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), "America/Los_Angeles", "2026/07/01 00:30"),  # DST
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7))), "UTC", "2026/01/01 20:04"),
    ],
)
def test_jql_datetime_writes_minutes_in_the_users_zone(moment, zone, expected):
    assert jql_datetime(moment, zone) == expected


def test_jql_datetime_refuses_naive_datetimes_and_quotes_strings():
    with pytest.raises(ValueError):
        jql_datetime(datetime(2026, 1, 1), "UTC")
    assert jql_string('In "Progress" \\ x') == '"In \\"Progress\\" \\\\ x"'


def _response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "Sat, 28 Nov 2026 09:00:30 GMT"}, 30.0),
        # Minute precision, as Jira Cloud writes it: the reset falls within that minute, so its end.
        ({"X-RateLimit-Reset": "2026-11-28T09:02Z"}, 180.0),
        ({"X-RateLimit-Reset": "2026-11-28T09:00Z"}, 60.0),
        ({"X-RateLimit-Reset": "2026-11-28T09:00:05Z"}, 5.0),
        ({"Retry-After": "3", "X-RateLimit-Reset": "2026-11-28T09:02Z"}, 3.0),
        ({"X-RateLimit-Reset": "2026-11-28T08:59Z"}, None),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_server_wait_hint_reads_retry_after_then_rate_limit_reset(headers, expected):
    assert server_wait_hint(_response(429, headers).headers, NOW) == expected


@pytest.mark.parametrize(
    ("failure", "idempotent", "expected"),
    [
        (RetryableStatus(_response(429)), False, True),
        (RetryableStatus(_response(503)), True, True),
        (RetryableStatus(_response(503)), False, False),
        (RetryableStatus(_response(500)), True, True),
        (RetryableStatus(_response(500)), False, False),
        (requests.exceptions.ConnectTimeout(), False, True),
        (requests.exceptions.ConnectionError(), False, False),
        (requests.exceptions.ConnectionError(), True, True),
        (requests.exceptions.ReadTimeout(), False, False),
        (requests.exceptions.ReadTimeout(), True, True),
        (ValueError(), True, False),
    ],
)
def test_only_unprocessed_or_idempotent_requests_are_retried(failure, idempotent, expected):
    assert is_retryable(failure, idempotent) is expected


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap():
    lowest = RetryPolicy(backoff_base=1.0, backoff_cap=10.0, jitter=lambda: 0.0)
    highest = RetryPolicy(backoff_base=1.0, backoff_cap=10.0, jitter=lambda: 1.0)
    assert [lowest.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    assert [highest.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_a_retry_hint_is_honoured_with_at_most_ten_percent_jitter():
    policy = RetryPolicy(jitter=lambda: 1.0, clock=lambda: NOW)
    assert policy.wait_for(RetryableStatus(_response(429, {"Retry-After": "4"})), 1) == pytest.approx(4.4)
    assert policy.wait_for(RetryableStatus(_response(503, {"Retry-After": "4"})), 1) == pytest.approx(4.4)
    # A 500's Retry-After is not a rate-limit promise: plain backoff applies.
    assert policy.wait_for(RetryableStatus(_response(500, {"Retry-After": "4"})), 1) == 1.0


TRANSITIONS = [
    Transition("11", "Start work", "In Progress", "indeterminate"),
    Transition("21", "Resolve", "Resolved", "done", frozenset({"resolution"})),
    Transition("31", "Cancelled", "Won't do", "done", frozenset()),
    Transition("41", "Close", "Closed", "done", None),
]


def test_a_transition_is_chosen_by_target_status_before_transition_name():
    assert choose_transition(TRANSITIONS, "  in progress ").id == "11"
    assert choose_transition(TRANSITIONS, "RESOLVED").id == "21"
    assert choose_transition(TRANSITIONS, "cancelled").id == "31"  # only a transition has that name
    assert choose_transition(TRANSITIONS + [Transition("51", "won't do", "Done", "done")], "Won't do").id == "31"
    assert choose_transition(TRANSITIONS, "Reopened") is None


def test_resolution_is_sent_only_into_done_statuses_whose_screen_takes_it():
    start, resolve, wont, close = TRANSITIONS
    assert transition_payload(start, "Fixed") == {"transition": {"id": "11"}}
    assert transition_payload(resolve, "Fixed") == {"transition": {"id": "21"}, "fields": {"resolution": {"name": "Fixed"}}}
    assert transition_payload(resolve, None) == {"transition": {"id": "21"}}
    assert transition_payload(wont, "Fixed") == {"transition": {"id": "31"}}
    assert transition_payload(close, "Done")["fields"] == {"resolution": {"name": "Done"}}


def test_errors_carry_jira_messages_and_name_no_query_or_header():
    error = JiraNotFound(404, "GET", "/rest/api/3/issue/X-1", ["Issue does not exist"], {"key": "bad"})
    assert (error.status, error.error_messages, error.errors) == (404, ["Issue does not exist"], {"key": "bad"})
    assert str(error) == "GET /rest/api/3/issue/X-1 -> HTTP 404: Issue does not exist; key: bad"
    unavailable = TransitionUnavailable("AB-1", "Done", ["In Progress", "Cancelled"])
    assert (unavailable.key, unavailable.wanted, unavailable.available) == ("AB-1", "Done", ["In Progress", "Cancelled"])
    assert "In Progress, Cancelled" in str(unavailable)


def test_auth_and_client_reprs_hide_the_token():
    secret = "tok-3f9a-very-secret"
    basic, bearer = BasicAuth("bot@example.test", SecretStr(secret)), BearerAuth(secret)
    client = JiraClient("https://x.atlassian.net", basic)
    for shown in (repr(basic), str(basic), repr(bearer), str(bearer), repr(client), str(client), str(vars(client))):
        assert secret not in shown
    prepared = basic(requests.Request("GET", "https://x.test").prepare())
    assert prepared.headers["Authorization"].startswith("Basic ")


def test_from_config_builds_auth_and_takes_the_deployment_from_the_config_or_the_site():
    cloud = JiraClient.from_config(SimpleNamespace(base_url="https://jira.acme.test", email="bot@acme.test",
                                                   api_token=SecretStr("t"), auth_type="basic", deployment=None),
                                   site=Site("cloud", "https://acme.atlassian.net"))
    dc = JiraClient.from_config(SimpleNamespace(base_url="https://jira.acme.test", email=None,
                                                api_token=SecretStr("t"), auth_type="pat", deployment=None),
                                site=Site("datacenter", "https://jira.acme.test"))
    forced = JiraClient.from_config(SimpleNamespace(base_url="https://jira.acme.test", email="e", api_token="t",
                                                    auth_type="basic", deployment="cloud"),
                                    site=Site("datacenter", "https://jira.acme.test"))
    assert (cloud.deployment, type(cloud.transport.auth), cloud.site_url) == ("cloud", BasicAuth, "https://acme.atlassian.net")
    assert (dc.deployment, type(dc.transport.auth)) == ("datacenter", BearerAuth)
    assert forced.deployment == "cloud"
    with pytest.raises(ValueError, match="discover the site"):
        JiraClient.from_config(SimpleNamespace(base_url="https://acme.atlassian.net", email="e", api_token="t",
                                               auth_type="basic", deployment=None))


@pytest.mark.parametrize(("deployment_type", "expected"),
                         [("Cloud", "cloud"), ("Server", "datacenter"), ("DataCenter", "datacenter")])
def test_the_server_names_its_deployment(deployment_type, expected):
    assert deployment_of({"deploymentType": deployment_type}) == expected


def test_an_answer_naming_no_deployment_is_refused():
    with pytest.raises(ValueError, match="names no Jira deployment"):
        deployment_of({"baseUrl": "https://proxy.example"})


class _PagesTransport:
    """Stands in for Jira's search endpoint by replaying canned page bodies."""

    def __init__(self, pages: list[dict]) -> None:
        self.pages = list(pages)
        self.bodies: list[dict] = []

    def request_json(self, method, path, **kwargs):
        self.bodies.append(kwargs["json"])
        return self.pages.pop(0)


def test_cloud_search_refuses_to_follow_a_repeated_token():
    transport = _PagesTransport([
        {"issues": [{"id": "1"}], "nextPageToken": "a"},
        {"issues": [{"id": "2"}], "nextPageToken": "b"},
        {"issues": [{"id": "3"}], "nextPageToken": "a"},
    ])
    pages = search_cloud(transport, "project = A", ["status"], 1)
    assert [p[0]["id"] for p in (next(pages), next(pages), next(pages))] == ["1", "2", "3"]
    with pytest.raises(SearchPaginationError):
        next(pages)
    assert [b.get("nextPageToken") for b in transport.bodies] == [None, "a", "b"]


def test_cloud_search_ends_where_the_token_ends_and_datacenter_on_total():
    # isLast alone does not end it: the page that carries no nextPageToken does.
    cloud = _PagesTransport([{"issues": [{"id": "1"}], "nextPageToken": "x", "isLast": True},
                             {"issues": [{"id": "2"}], "isLast": True}])
    assert list(search_cloud(cloud, "q", ["summary"], 5)) == [[{"id": "1"}], [{"id": "2"}]]
    dc = _PagesTransport([
        {"issues": [{"id": "1"}, {"id": "2"}], "startAt": 0, "total": 3},
        {"issues": [{"id": "3"}], "startAt": 2, "total": 3},
    ])
    assert [len(p) for p in search_datacenter(dc, "q", ["summary"], 2)] == [2, 1]
    assert [b["startAt"] for b in dc.bodies] == [0, 2]


@pytest.mark.parametrize("page", [
    {"errorMessages": ["The search is temporarily unavailable."]},
    {"total": 0},
    {"issues": "none"},
    ["not", "a", "page"],
])
def test_a_search_answer_that_is_not_a_page_is_an_error_not_no_issues(page):
    for pages in (search_cloud(_PagesTransport([page]), "q", ["status"], 5),
                  search_datacenter(_PagesTransport([page]), "q", ["status"], 5)):
        with pytest.raises(JiraError):
            next(pages)


def test_cloud_search_asks_to_reconcile_at_most_the_last_fifty_ids():
    transport = _PagesTransport([{"issues": []}])
    list(search_cloud(transport, "q", ["status"], 5, reconcile=[str(n) for n in range(60)]))
    assert transport.bodies[0]["reconcileIssues"] == list(range(10, 60))

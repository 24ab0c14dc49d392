"""Simulator over HTTP: enhanced search and Data Center search, JQL, time zones, index lag."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT, demo_seed
from jira_sim.server import SimulatorServer
from tests.support.jira_fixtures import api_base, api_session, create_issue


@pytest.fixture
def big_sim():
    server = SimulatorServer(demo_seed(issues_per_project=25), deployment="cloud").start()
    yield server
    server.stop()


def _search(server, jql, **params):
    response = api_session().get(f"{server.url}/rest/api/3/search/jql", params={"jql": jql, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _keys(page):
    return [issue["key"] for issue in page["issues"]]


def test_enhanced_search_pages_with_tokens_until_last(big_sim):
    jql = "project = ABSUP ORDER BY updated ASC"
    pages, token = [], None
    while True:
        params = {"fields": "summary,updated", "maxResults": 10, **({"nextPageToken": token} if token else {})}
        page = _search(big_sim, jql, **params)
        pages.append(page)
        token = page.get("nextPageToken")
        if token is None:
            break
    assert [len(p["issues"]) for p in pages] == [10, 10, 5]
    assert [p["isLast"] for p in pages] == [False, False, True]
    keys = [k for p in pages for k in _keys(p)]
    assert keys == [f"ABSUP-{n}" for n in range(1, 26)]


def test_post_search_matches_get(big_sim):
    body = {"jql": "project = ABDEV ORDER BY key DESC", "fields": ["summary"], "maxResults": 3}
    posted = api_session().post(f"{big_sim.url}/rest/api/3/search/jql", json=body).json()
    assert _keys(posted) == ["ABDEV-25", "ABDEV-24", "ABDEV-23"]
    assert set(posted["issues"][0]["fields"]) == {"summary"}


def test_default_fields_are_ids_only_and_page_size_is_capped():
    server = SimulatorServer(demo_seed(issues_per_project=130)).start()
    try:
        ids_only = _search(server, "project = ABSUP", maxResults=500)
        assert len(ids_only["issues"]) == 130 and set(ids_only["issues"][0]) == {"id"}
        with_fields = _search(server, "project = ABSUP", maxResults=500, fields="summary")
        assert len(with_fields["issues"]) == 100 and "nextPageToken" in with_fields
    finally:
        server.stop()


def test_foreign_page_token_is_400(big_sim):
    token = _search(big_sim, "project = ABSUP", maxResults=5)["nextPageToken"]
    response = api_session().get(f"{big_sim.url}/rest/api/3/search/jql",
                                 params={"jql": "project = ABDEV", "nextPageToken": token})
    assert response.status_code == 400 and response.json()["errorMessages"]


@pytest.mark.parametrize("version", ["2", "3"])
def test_removed_search_is_gone_on_cloud(jira_sim, version):
    response = api_session().get(f"{jira_sim.url}/rest/api/{version}/search", params={"jql": "project = ABSUP"})
    assert response.status_code == 410
    assert "search/jql" in response.json()["errorMessages"][0]


def test_datacenter_search_pages_with_start_at_and_total():
    server = SimulatorServer(demo_seed(issues_per_project=25), deployment="datacenter").start()
    try:
        session, seen = api_session(), []
        for start in (0, 10, 20):
            page = session.get(f"{server.url}/rest/api/2/search", params={
                "jql": "project = ABDEV ORDER BY key ASC", "startAt": start, "maxResults": 10}).json()
            assert (page["startAt"], page["maxResults"], page["total"]) == (start, 10, 25)
            assert "summary" in page["issues"][0]["fields"]  # *navigable by default
            seen += _keys(page)
        assert seen == [f"ABDEV-{n}" for n in range(1, 26)]
        assert session.get(f"{server.url}/rest/api/2/search/jql", params={"jql": "project = ABDEV"}).status_code == 404
    finally:
        server.stop()


def _transition_to(server, key, name):
    session, base = api_session(), api_base(server)
    transitions = session.get(f"{base}/issue/{key}/transitions").json()["transitions"]
    chosen = next(t for t in transitions if t["to"]["name"] == name)
    assert session.post(f"{base}/issue/{key}/transitions", json={"transition": {"id": chosen["id"]}}).status_code == 204


def test_jql_subset_clauses(jira_sim):
    session = api_session()
    a = create_issue(jira_sim, session)["key"]
    b = create_issue(jira_sim, session)["key"]
    c = create_issue(jira_sim, session, project="ABDEV")["key"]
    _transition_to(jira_sim, b, "Will Do")
    cases = {
        "project = ABSUP ORDER BY key ASC": [a, b],
        "project in (ABSUP, ABDEV) ORDER BY key ASC": [c, a, b],
        'status = "Will Do"': [b],
        "status in ('To Do', 'Will Do') AND project = ABSUP ORDER BY key DESC": [b, a],
        f"key in ({a}, {c}) ORDER BY key ASC": [c, a],
        "project = ABSUP AND status != 'Will Do'": [a],
        'project = ABDEV AND updated >= -5m': [c],
        'project = ABDEV AND created >= "2020/01/01" ORDER BY created ASC': [c],
        'project = ABDEV AND updated < "2020-01-01 00:00"': [],
        "project = ABSUP ORDER BY updated DESC, key ASC": [b, a],
    }
    for jql, expected in cases.items():
        assert _keys(_search(jira_sim, jql, fields="summary")) == expected, jql


@pytest.mark.parametrize("jql", [
    "project = ABSUP OR project = ABDEV",
    "assignee = currentUser()",
    "project = ABSUP AND summary ~ printer",
    "project = NOPE",
    'status = "Nonexistent"',
    "key in (ABSUP-999)",
    'updated >= "28/11/2026"',
    "project = ABSUP ORDER BY priority",
    "(project = ABSUP)",
    "project = ABSUP AND NOT status = Done",
    "ORDER BY updated ASC",
    "project = ",
])
def test_jql_outside_the_subset_is_400_in_jira_shape(jira_sim, jql):
    response = api_session().get(f"{jira_sim.url}/rest/api/3/search/jql", params={"jql": jql})
    assert response.status_code == 400
    body = response.json()
    assert body["errorMessages"] and body["errors"] == {}


def _place(server, key, updated_utc):
    response = requests.patch(f"{server.url}/_sim/issues/{key}", json={"updated": updated_utc})
    assert response.status_code == 200


@pytest.mark.parametrize(("zone", "query_time", "boundary_utc", "offset"), [
    ("Asia/Ho_Chi_Minh", "2026/11/28 16:20", "2026-11-28T09:20", "+0700"),
    ("America/Los_Angeles", "2026-11-28 16:20", "2026-11-29T00:20", "-0800"),
])
def test_updated_is_read_in_callers_zone_at_minute_precision(jira_sim, zone, query_time, boundary_utc, offset):
    requests.patch(f"{jira_sim.url}/_sim/users/{BOT.account_id}", json={"timeZone": zone})
    session = api_session()
    before, at, after = (create_issue(jira_sim, session)["key"] for _ in range(3))
    _place(jira_sim, before, "2026-11-28T00:00:00.000+0000")
    _place(jira_sim, before, boundary_utc[:-2] + f"{int(boundary_utc[-2:]) - 1:02d}:59.999+0000")
    _place(jira_sim, at, boundary_utc + ":00.000+0000")
    _place(jira_sim, after, boundary_utc + ":59.999+0000")
    found = _search(jira_sim, f'project = ABSUP AND updated >= "{query_time}" ORDER BY updated ASC', fields="updated")
    assert _keys(found) == [at, after]
    assert found["issues"][0]["fields"]["updated"] == f"{query_time.replace('/', '-').replace(' ', 'T')}:00.000{offset}"
    earlier = _search(jira_sim, f'project = ABSUP AND updated < "{query_time}"', fields="updated")
    assert _keys(earlier) == [before]


def test_index_lag_hides_writes_from_search_until_indexed(jira_sim):
    requests.post(f"{jira_sim.url}/_sim/config", json={"index_lag_seconds": 30})
    session = api_session()
    key = create_issue(jira_sim, session, summary="fresh")["key"]
    assert _search(jira_sim, "project = ABSUP")["issues"] == []
    assert session.get(f"{api_base(jira_sim)}/issue/{key}").status_code == 200
    assert requests.get(f"{jira_sim.url}/_sim/index").json()["pending"] == 1

    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 31})
    assert _keys(_search(jira_sim, "project = ABSUP", fields="summary")) == [key]

    session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "edited"}})
    stale = _search(jira_sim, "project = ABSUP", fields="summary")
    assert stale["issues"][0]["fields"]["summary"] == "fresh"
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 31})
    assert _search(jira_sim, "project = ABSUP", fields="summary")["issues"][0]["fields"]["summary"] == "edited"


def test_search_hides_projects_the_caller_cannot_see(jira_sim):
    create_issue(jira_sim, api_session(), project="ABDEV")
    requests.patch(f"{jira_sim.url}/_sim/users/{BOT.account_id}", json={"projects": ["ABSUP"]})
    response = api_session().get(f"{jira_sim.url}/rest/api/3/search/jql", params={"jql": "project = ABDEV"})
    assert response.status_code == 400
    assert response.json()["errorMessages"] == ["The value 'ABDEV' does not exist for the field 'project'."]


def test_search_can_return_issue_properties(jira_sim):
    session = api_session()
    session.post(f"{api_base(jira_sim)}/issue", json={
        "fields": {"project": {"key": "ABDEV"}, "summary": "s", "issuetype": {"name": "Bug"}},
        "properties": [{"key": "jira-sync", "value": {"userIssueId": "1"}}]})
    page = _search(jira_sim, "project = ABDEV", fields="summary", properties="jira-sync")
    assert page["issues"][0]["properties"] == {"jira-sync": {"userIssueId": "1"}}


def test_bad_paging_parameters_are_400(jira_sim_dc):
    response = api_session().get(f"{jira_sim_dc.url}/rest/api/2/search", params={"jql": "", "startAt": "x"})
    assert response.status_code == 400 and response.json()["errorMessages"]

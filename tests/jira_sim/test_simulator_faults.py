"""Simulator over HTTP: authentication, permissions, rate limits, injected faults, request log."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, create_issue


def _configure(server, **knobs):
    response = requests.post(f"{server.url}/_sim/config", json=knobs)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("credentials", [None, (BOT.email, "wrong"), ("nobody@example.test", "x")])
def test_bad_credentials_are_401(any_sim, credentials):
    response = api_session(auth=credentials).get(f"{api_base(any_sim)}/myself")
    assert response.status_code == 401
    assert response.json()["errorMessages"] and response.json()["errors"] == {}
    assert BOT.api_token not in response.text


def test_bearer_pat_authenticates_on_data_center_and_bad_pat_does_not(jira_sim_dc):
    assert api_session(bearer=BOT.pat).get(f"{api_base(jira_sim_dc)}/myself").json()["emailAddress"] == BOT.email
    assert api_session(bearer="sim-pat-nope").get(f"{api_base(jira_sim_dc)}/myself").status_code == 401


def test_cloud_knows_no_personal_access_tokens_and_no_login_by_account_id(jira_sim):
    assert api_session(bearer=BOT.pat).get(f"{api_base(jira_sim)}/myself").status_code == 401
    assert api_session(auth=(BOT.account_id, BOT.api_token)).get(f"{api_base(jira_sim)}/myself").status_code == 401


def test_rotated_token_takes_effect(jira_sim):
    requests.patch(f"{jira_sim.url}/_sim/users/{BOT.account_id}", json={"apiToken": "rotated"})
    assert api_session().get(f"{api_base(jira_sim)}/myself").status_code == 401
    assert api_session((BOT.email, "rotated")).get(f"{api_base(jira_sim)}/myself").status_code == 200


def test_hidden_project_and_its_issues_are_404_as_if_they_did_not_exist(jira_sim):
    key = create_issue(jira_sim, api_session(), project="ABDEV")["key"]
    requests.patch(f"{jira_sim.url}/_sim/users/{BOT.account_id}", json={"projects": ["ABSUP"]})
    session = api_session()
    project = session.get(f"{api_base(jira_sim)}/project/ABDEV")
    assert project.status_code == 404 and project.json()["errorMessages"] == ["No project could be found with key 'ABDEV'."]
    hidden = session.get(f"{api_base(jira_sim)}/issue/{key}")
    assert hidden.status_code == 404
    assert hidden.json()["errorMessages"] == ["Issue does not exist or you do not have permission to see it."]
    assert session.get(f"{api_base(jira_sim)}/issue/{key}/comment").status_code == 404
    assert session.get(f"{api_base(jira_sim)}/project/ABSUP").status_code == 200


def test_rate_limit_next_n_answers_429_with_headers(jira_sim):
    _configure(jira_sim, rate_limit={"next_n": 2, "retry_after_seconds": 3})
    session = api_session()
    first, second, third = (session.get(f"{api_base(jira_sim)}/myself") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "3"
    assert first.headers["RateLimit-Reason"] == "jira-burst-based"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert first.headers["X-RateLimit-Reset"].endswith("Z")
    assert first.json()["errorMessages"]


def test_token_bucket_limits_bursts(jira_sim):
    _configure(jira_sim, rate_limit={"capacity": 3, "refill_per_second": 0.001})
    session = api_session()
    statuses = [session.get(f"{api_base(jira_sim)}/myself").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 2000})
    assert session.get(f"{api_base(jira_sim)}/myself").status_code == 200


def test_next_errors_answer_5xx_then_recover(jira_sim):
    _configure(jira_sim, faults={"next_errors": 2, "error_status": 502})
    session = api_session()
    statuses = [session.get(f"{api_base(jira_sim)}/myself").status_code for _ in range(3)]
    assert statuses == [502, 502, 200]


def test_dropped_connection_gives_no_response(jira_sim):
    _configure(jira_sim, faults={"next_drops": 1})
    with pytest.raises(requests.ConnectionError):
        api_session().get(f"{api_base(jira_sim)}/myself")
    assert api_session().get(f"{api_base(jira_sim)}/myself").status_code == 200
    log = requests.get(f"{jira_sim.url}/_sim/requests").json()
    assert [r["status"] for r in log["requests"]] == ["dropped", 200]


def test_fault_rate_is_reproducible_with_a_seed(jira_sim):
    def run():
        _configure(jira_sim, faults={"error_rate": 0.5, "seed": 7})
        return [api_session().get(f"{api_base(jira_sim)}/myself").status_code for _ in range(12)]

    first, second = run(), run()
    assert first == second and {200, 503} == set(first)


def test_request_log_counts_per_method_and_template(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    requests.post(f"{jira_sim.url}/_sim/requests/reset")
    key = create_issue(jira_sim, session)["key"]
    for _ in range(3):
        session.get(f"{base}/issue/{key}")
    session.get(f"{base}/issue/{key}/transitions")
    counts = requests.get(f"{jira_sim.url}/_sim/requests").json()["counts"]
    assert counts == {"POST /rest/api/3/issue": 1, "GET /rest/api/3/issue/{key}": 3,
                      "GET /rest/api/3/issue/{key}/transitions": 1}
    assert jira_sim.site.request_log.count("GET") == 4


def test_unknown_knob_is_rejected(jira_sim):
    assert requests.post(f"{jira_sim.url}/_sim/config", json={"latencyy": 1}).status_code == 400



def test_a_proxy_fault_answers_200_with_an_error_body_and_changes_nothing(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    _configure(jira_sim, faults={"next_ok_errors": 1, "path_contains": "/issue/"})
    session = api_session()
    faulted = session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "changed"}})
    assert faulted.status_code == 200 and faulted.json()["errorMessages"] and "issues" not in faulted.json()
    assert jira_sim.site.issue(key).summary == "Printer on fire"
    assert session.get(f"{api_base(jira_sim)}/issue/{key}").json()["key"] == key


@pytest.mark.parametrize(("path", "lacking"), [("search/jql", {"isLast": True}), ("search", {"startAt": 0, "maxResults": 50,
                                                                                             "total": 0})])
def test_a_proxy_fault_answers_a_search_page_without_issues(request, path, lacking):
    server = request.getfixturevalue("jira_sim" if path == "search/jql" else "jira_sim_dc")
    create_issue(server, api_session())
    _configure(server, faults={"next_pages_without_issues": 1, "path_contains": "/search"})
    session = api_session()
    url = f"{api_base(server)}/{path}"
    faulted = session.post(url, json={"jql": "project = ABSUP", "fields": ["summary"]})
    assert (faulted.status_code, faulted.json()) == (200, lacking)
    assert len(session.post(url, json={"jql": "project = ABSUP", "fields": ["summary"]}).json()["issues"]) == 1

"""`POST /issue/bulkfetch` as the Platform OpenAPI describes it (getIssues, BulkFetchIssueRequestBean,
BulkIssueResults): up to 100 ids or keys, the fields asked, issues in ascending id order, unknown
ones left out of both lists, read from the issues themselves (not the lagging search index);
Cloud only."""

from __future__ import annotations

import requests

from tests.support.jira_fixtures import api_base, api_session, create_issue

from .test_simulator_index import configure, search


def bulk(server, **body) -> requests.Response:
    return api_session().post(f"{api_base(server)}/issue/bulkfetch", json=body)


def test_issues_by_id_or_key_with_the_fields_asked_in_ascending_id_order(jira_sim):
    session = api_session()
    first, second = (create_issue(jira_sim, session, summary=s) for s in ("One", "Two"))
    answer = bulk(jira_sim, issueIdsOrKeys=[second["key"], first["id"], second["id"], "ABSUP-999", "99999"],
                  fields=["summary", "labels"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [issue["key"] for issue in body["issues"]] == [first["key"], second["key"]], "each once, by id"
    assert body["issueErrors"] == [], "unknown issues are in neither list"
    assert body["issues"][0]["fields"] == {"summary": "One", "labels": []}
    default = bulk(jira_sim, issueIdsOrKeys=[first["key"]]).json()["issues"][0]["fields"]
    assert "status" in default and "summary" in default, "*navigable by default"


def test_more_than_100_or_none_is_400(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    assert bulk(jira_sim, issueIdsOrKeys=[key] * 100, fields=["summary"]).status_code == 200
    too_many = bulk(jira_sim, issueIdsOrKeys=[key] * 101, fields=["summary"])
    assert too_many.status_code == 400 and too_many.json()["errorMessages"]
    assert bulk(jira_sim, issueIdsOrKeys=[]).status_code == 400
    assert bulk(jira_sim, fields=["summary"]).status_code == 400
    assert bulk(jira_sim, issueIdsOrKeys=[key], fields="summary").status_code == 400, "fields is a list"
    assert bulk(jira_sim, issueIdsOrKeys=[key], jql="x").status_code == 400, "no additional properties"
    assert bulk(jira_sim, issueIdsOrKeys=[key], properties=list("abcdef")).status_code == 400, "at most 5 properties"


def test_it_reads_the_issue_not_the_lagging_index(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    configure(jira_sim, index_lag_seconds=3600)
    assert session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "Fresh"}}).status_code == 204
    assert [i["fields"]["summary"] for i in search(jira_sim, f"key = {key}")] == ["Printer on fire"]
    assert bulk(jira_sim, issueIdsOrKeys=[key], fields=["summary"]).json()["issues"][0]["fields"]["summary"] == "Fresh"


def test_a_hidden_issue_is_left_out(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    anonymous = requests.post(f"{api_base(jira_sim)}/issue/bulkfetch", json={"issueIdsOrKeys": [key]})
    assert anonymous.status_code == 200 and anonymous.json()["issues"] == []


def test_data_center_has_no_bulkfetch(any_sim):
    key = create_issue(any_sim, api_session())["key"]
    expected = 200 if any_sim.site.deployment == "cloud" else 404
    assert bulk(any_sim, issueIdsOrKeys=[key], fields=["summary"]).status_code == expected

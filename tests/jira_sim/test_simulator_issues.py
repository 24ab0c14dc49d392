"""Simulator over HTTP: issues, fields filtering, transitions, comments, properties (both deployments)."""

from __future__ import annotations

import re

from jira_sim.seed import BOT, HUMAN
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")


def test_create_then_get_returns_jira_issue_shape(any_sim):
    session = api_session()
    created = create_issue(any_sim, session, description=body_text(any_sim, "It burns"))
    assert created["id"].isdigit() and created["key"] == "ABSUP-1"
    assert created["self"].endswith(f"/issue/{created['id']}")

    issue = session.get(f"{api_base(any_sim)}/issue/{created['key']}").json()
    fields = issue["fields"]
    assert issue["id"] == created["id"] and issue["key"] == "ABSUP-1"
    assert fields["summary"] == "Printer on fire"
    assert fields["description"] == body_text(any_sim, "It burns")
    assert fields["status"]["name"] == "To Do"
    assert fields["status"]["statusCategory"]["key"] == "new"
    assert fields["issuetype"]["name"] == "Bug" and fields["priority"]["name"] == "Medium"
    assert fields["project"]["key"] == "ABSUP"
    assert JIRA_TIME.match(fields["created"]) and JIRA_TIME.match(fields["updated"])
    assert fields["resolution"] is None and fields["resolutiondate"] is None
    assert fields["attachment"] == [] and fields["issuelinks"] == []
    assert fields["comment"]["comments"] == []


def test_fields_parameter_filters_fields(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    base = api_base(jira_sim)
    assert set(session.get(f"{base}/issue/{key}", params={"fields": "summary,status"}).json()["fields"]) == {"summary", "status"}
    navigable = session.get(f"{base}/issue/{key}", params={"fields": "*navigable"}).json()["fields"]
    assert "summary" in navigable and "comment" not in navigable
    everything = session.get(f"{base}/issue/{key}", params={"fields": "*all,-comment"}).json()["fields"]
    assert "attachment" in everything and "comment" not in everything


def test_v3_description_must_be_adf_and_v2_takes_strings(jira_sim):
    session = api_session()
    fields = {"project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}, "description": "plain"}
    rejected = session.post(f"{jira_sim.url}/rest/api/3/issue", json={"fields": fields})
    assert rejected.status_code == 400 and "description" in rejected.json()["errors"]
    accepted = session.post(f"{jira_sim.url}/rest/api/2/issue", json={"fields": fields})
    assert accepted.status_code == 201
    key = accepted.json()["key"]
    v3 = session.get(f"{jira_sim.url}/rest/api/3/issue/{key}").json()["fields"]["description"]
    assert v3["type"] == "doc"
    assert session.get(f"{jira_sim.url}/rest/api/2/issue/{key}").json()["fields"]["description"] == "plain"


def test_create_validation_errors_name_the_fields(any_sim):
    response = api_session().post(f"{api_base(any_sim)}/issue", json={"fields": {"project": {"key": "NOPE"}}})
    assert response.status_code == 400
    body = response.json()
    assert body["errorMessages"] == [] and {"project", "summary", "issuetype"} <= set(body["errors"])


def test_edit_updates_fields_and_rejects_status(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    base = api_base(any_sim)
    edited = session.put(f"{base}/issue/{key}", json={"fields": {"summary": "Renamed", "priority": {"name": "High"}},
                                                      "update": {"labels": [{"add": "sync"}]}})
    assert edited.status_code == 204
    fields = session.get(f"{base}/issue/{key}").json()["fields"]
    assert (fields["summary"], fields["priority"]["name"], fields["labels"]) == ("Renamed", "High", ["sync"])
    refused = session.put(f"{base}/issue/{key}", json={"fields": {"status": {"name": "Done"}}})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_unknown_issue_is_404_in_jira_shape(any_sim):
    response = api_session().get(f"{api_base(any_sim)}/issue/ABSUP-999")
    assert response.status_code == 404
    assert response.json() == {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                               "errors": {}}


def test_delete_issue_then_404(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    assert session.delete(f"{api_base(any_sim)}/issue/{key}").status_code == 204
    assert session.get(f"{api_base(any_sim)}/issue/{key}").status_code == 404


def _transitions(session, base, key):
    return {t["name"]: t for t in session.get(f"{base}/issue/{key}/transitions").json()["transitions"]}


def test_transitions_have_own_names_and_set_then_clear_resolution(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session, project="ABDEV")["key"]
    available = _transitions(session, base, key)
    assert available["Start progress"]["to"]["name"] == "In Progress"
    assert available["Start progress"]["to"]["statusCategory"]["key"] == "indeterminate"
    assert "Close" not in available

    for name in ("Start progress", "Mark done"):
        transition_id = _transitions(session, base, key)[name]["id"]
        assert session.post(f"{base}/issue/{key}/transitions", json={"transition": {"id": transition_id}}).status_code == 204
    done = session.get(f"{base}/issue/{key}").json()["fields"]
    assert done["status"]["name"] == "Done" and done["resolution"]["name"] == "Done"
    assert JIRA_TIME.match(done["resolutiondate"])

    reopen = _transitions(session, base, key)["Reopen"]["id"]
    session.post(f"{base}/issue/{key}/transitions", json={"transition": {"id": reopen}})
    reopened = session.get(f"{base}/issue/{key}").json()["fields"]
    assert reopened["status"]["name"] == "Reopened" and reopened["resolution"] is None
    assert reopened["resolutiondate"] is None


def test_expand_transitions_on_get_issue_lists_what_the_transitions_resource_lists(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session, project="ABDEV")["key"]
    plain = session.get(f"{base}/issue/{key}", params={"fields": "status"}).json()
    assert "transitions" not in plain
    issue = session.get(f"{base}/issue/{key}", params={"fields": "status", "expand": "transitions"}).json()
    assert set(issue["fields"]) == {"status"}
    listed = session.get(f"{base}/issue/{key}/transitions").json()["transitions"]
    assert issue["transitions"] == listed and listed
    with_fields = session.get(f"{base}/issue/{key}", params={"expand": "transitions,transitions.fields"}).json()
    assert with_fields["transitions"] == session.get(f"{base}/issue/{key}/transitions",
                                                     params={"expand": "transitions.fields"}).json()["transitions"]


def test_transition_with_chosen_resolution(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    cancel = _transitions(session, base, key)["Cancel request"]["id"]
    response = session.post(f"{base}/issue/{key}/transitions",
                            json={"transition": {"id": cancel}, "fields": {"resolution": {"name": "Won't Do"}}})
    assert response.status_code == 204
    assert session.get(f"{base}/issue/{key}").json()["fields"]["resolution"]["name"] == "Won't Do"


def test_unavailable_transition_is_400(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session, project="ABDEV")["key"]
    close_id = "31"  # "Close" exists in the workflow but only from Done
    response = session.post(f"{base}/issue/{key}/transitions", json={"transition": {"id": close_id}})
    assert response.status_code == 400
    assert response.json() == {"errorMessages": ["Transition id '31' is not valid for this issue."], "errors": {}}
    assert session.get(f"{base}/issue/{key}").json()["fields"]["status"]["name"] == "To Do"


def test_comments_v3_adf_v2_string(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    v3, v2 = f"{jira_sim.url}/rest/api/3", f"{jira_sim.url}/rest/api/2"
    plain = session.post(f"{v3}/issue/{key}/comment", json={"body": "plain text"})
    assert plain.status_code == 400 and plain.json()["errors"]
    added = session.post(f"{v3}/issue/{key}/comment", json={"body": body_text(jira_sim, "Fixed in ABDEV-1")})
    assert added.status_code == 201 and added.json()["author"]["accountId"] == BOT.account_id
    assert session.post(f"{v2}/issue/{key}/comment", json={"body": "line one\nline two"}).status_code == 201
    listed = session.get(f"{v2}/issue/{key}/comment").json()
    assert listed["total"] == 2
    assert [c["body"] for c in listed["comments"]] == ["Fixed in ABDEV-1", "line one\nline two"]
    assert session.get(f"{v3}/issue/{key}/comment").json()["comments"][1]["body"]["type"] == "doc"


def test_datacenter_comment_takes_string(jira_sim_dc):
    session = api_session()
    key = create_issue(jira_sim_dc, session)["key"]
    response = session.post(f"{api_base(jira_sim_dc)}/issue/{key}/comment", json={"body": "hello"})
    assert response.status_code == 201 and response.json()["body"] == "hello"


def test_issue_properties_at_create_and_by_key(any_sim):
    session = api_session()
    base = api_base(any_sim)
    created = session.post(f"{base}/issue", json={
        "fields": {"project": {"key": "ABDEV"}, "summary": "s", "issuetype": {"name": "Bug"}},
        "properties": [{"key": "jira-sync", "value": {"userIssueId": "10001"}}]}).json()
    url = f"{base}/issue/{created['key']}/properties/jira-sync"
    assert session.get(url).json() == {"key": "jira-sync", "value": {"userIssueId": "10001"}}
    assert session.put(url, json={"userIssueId": "2"}).status_code == 200
    assert session.put(f"{base}/issue/{created['key']}/properties/other", json=[1]).status_code == 201
    keys = [k["key"] for k in session.get(f"{base}/issue/{created['key']}/properties").json()["keys"]]
    assert keys == ["jira-sync", "other"]
    assert session.delete(url).status_code == 204
    missing = session.get(url)
    assert missing.status_code == 404 and missing.json()["errorMessages"]


def test_old_key_resolves_after_move_and_id_is_stable(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    created = create_issue(jira_sim, session)
    moved = session.post(f"{jira_sim.url}/_sim/issues/{created['key']}/move", json={"project": "ABDEV"}).json()
    assert moved["id"] == created["id"] and moved["key"] == "ABDEV-1"
    by_old_key = session.get(f"{base}/issue/{created['key']}").json()
    assert by_old_key["id"] == created["id"] and by_old_key["key"] == "ABDEV-1"


def test_non_json_body_is_415(jira_sim):
    response = api_session().post(f"{api_base(jira_sim)}/issue", data="fields=1",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


def test_single_comment_get_edit_delete(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    comment = session.post(f"{base}/issue/{key}/comment", json={"body": body_text(any_sim, "first")}).json()
    url = f"{base}/issue/{key}/comment/{comment['id']}"
    assert session.get(url).json()["body"] == body_text(any_sim, "first")
    assert session.put(url, json={"body": body_text(any_sim, "second")}).json()["body"] == body_text(any_sim, "second")
    assert session.delete(url).status_code == 204
    assert session.get(url).status_code == 404


def test_user_lookup(any_sim):
    session = api_session()
    param = "accountId" if any_sim.site.deployment == "cloud" else "username"
    user = session.get(f"{api_base(any_sim)}/user", params={param: HUMAN.account_id}).json()
    assert user["emailAddress"] == HUMAN.email and user["displayName"] == HUMAN.display_name
    assert session.get(f"{api_base(any_sim)}/user", params={param: "ghost"}).status_code == 404


def test_rejected_create_consumes_no_key(jira_sim):
    session = api_session()
    bad = session.post(f"{api_base(jira_sim)}/issue", json={"fields": {
        "project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}, "description": "not adf"}})
    assert bad.status_code == 400
    assert create_issue(jira_sim, session)["key"] == "ABSUP-1"

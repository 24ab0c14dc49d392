"""Simulator over HTTP: links at create, comment properties, drops after processing, who called."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue


def _links(server, session, key: str) -> list[dict]:
    response = session.get(f"{api_base(server)}/issue/{key}", params={"fields": "issuelinks"})
    return response.json()["fields"]["issuelinks"]


def _create(server, session, update: dict) -> requests.Response:
    fields = {"project": {"key": "ABSUP"}, "summary": "Linked at birth", "issuetype": {"name": "Bug"}}
    return session.post(f"{api_base(server)}/issue", json={"fields": fields, "update": update})


def _issue_count(server) -> int:
    with server.site.lock:
        return len(server.site.issues)


# --- links at create ------------------------------------------------------------------------

def test_create_with_links_shows_them_like_issue_link_does(any_sim):
    session = api_session()
    dev_key = create_issue(any_sim, session, project="ABDEV")["key"]
    blocker_key = create_issue(any_sim, session, project="ABDEV", summary="Blocker")["key"]
    response = _create(any_sim, session, {"issuelinks": [
        {"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": dev_key}}},
        {"add": {"type": {"id": "10000"}, "inwardIssue": {"key": blocker_key}}},
    ]})
    assert response.status_code == 201, response.text
    new_key = response.json()["key"]

    new_links = _links(any_sim, session, new_key)
    assert [(link["type"]["name"], link.get("outwardIssue", {}).get("key"), link.get("inwardIssue", {}).get("key"))
            for link in new_links] == [("Relates", dev_key, None), ("Blocks", None, blocker_key)]
    assert _links(any_sim, session, dev_key)[0]["inwardIssue"]["key"] == new_key
    assert _links(any_sim, session, blocker_key)[0]["outwardIssue"]["key"] == new_key


def test_link_at_create_matches_a_link_made_afterwards(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    dev_key = create_issue(jira_sim, session, project="ABDEV")["key"]
    at_create = _create(jira_sim, session, {"issuelinks": [
        {"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": dev_key}}}]}).json()["key"]
    afterwards = create_issue(jira_sim, session)["key"]
    session.post(f"{base}/issueLink", json={
        "type": {"name": "Relates"}, "inwardIssue": {"key": afterwards}, "outwardIssue": {"key": dev_key}})

    def shape(link):
        return {k: v for k, v in link.items() if k not in ("id", "self")}

    assert shape(_links(jira_sim, session, at_create)[0]) == shape(_links(jira_sim, session, afterwards)[0])


@pytest.mark.parametrize("link", [
    {"type": {"name": "Relates"}, "outwardIssue": {"key": "ABDEV-77"}},
    {"type": {"name": "Haunts"}, "outwardIssue": {"key": "ABDEV-1"}},
    {"type": {"id": "99999"}, "inwardIssue": {"key": "ABDEV-1"}},
    {"type": {"name": "Relates"}},
])
def test_bad_link_at_create_is_400_and_creates_nothing(any_sim, link):
    session = api_session()
    create_issue(any_sim, session, project="ABDEV")
    before = _issue_count(any_sim)
    response = _create(any_sim, session, {"issuelinks": [
        {"add": {"type": {"name": "Relates"}, "outwardIssue": {"key": "ABDEV-1"}}}, {"add": link}]})
    assert response.status_code == 400
    assert response.json()["errorMessages"] == [] and response.json()["errors"]["issuelinks"]
    assert _issue_count(any_sim) == before and any_sim.site.links == {}
    assert session.get(f"{api_base(any_sim)}/issue/ABSUP-1").status_code == 404


@pytest.mark.parametrize("update, field", [
    ({"issuelinks": [{"set": [{"type": {"name": "Relates"}, "outwardIssue": {"key": "ABDEV-1"}}]}]}, "issuelinks"),
    ({"issuelinks": [{"remove": {"id": "1"}}]}, "issuelinks"),
    ({"labels": [{"add": "x"}]}, "labels"),
    ({"comment": [{"add": {"body": "hi"}}]}, "comment"),
])
def test_unsupported_update_at_create_is_400_not_ignored(jira_sim, update, field):
    session = api_session()
    create_issue(jira_sim, session, project="ABDEV")
    before = _issue_count(jira_sim)
    response = _create(jira_sim, session, update)
    assert response.status_code == 400
    assert response.json()["errors"][field]
    assert _issue_count(jira_sim) == before


# --- comment properties ---------------------------------------------------------------------

def test_comment_properties_show_only_when_expanded(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    marker = {"key": "jira-sync", "value": {"origin": "ABDEV-1", "rule": 3}}
    added = session.post(f"{base}/issue/{key}/comment", json={"body": body_text(any_sim, "Synced"),
                                                               "properties": [marker]})
    assert added.status_code == 201 and "properties" not in added.json()
    comment_id = added.json()["id"]
    session.post(f"{base}/issue/{key}/comment", json={"body": body_text(any_sim, "Plain")})

    listed = session.get(f"{base}/issue/{key}/comment", params={"expand": "properties"}).json()["comments"]
    assert [c["properties"] for c in listed] == [[marker], []]
    single = session.get(f"{base}/issue/{key}/comment/{comment_id}", params={"expand": "properties"}).json()
    assert single["properties"] == [marker]

    assert all("properties" not in c for c in session.get(f"{base}/issue/{key}/comment").json()["comments"])
    assert "properties" not in session.get(f"{base}/issue/{key}/comment/{comment_id}").json()
    issue_comments = session.get(f"{base}/issue/{key}", params={"fields": "comment"}).json()["fields"]["comment"]
    assert "properties" not in issue_comments["comments"][0]


def test_malformed_comment_properties_are_400_and_add_nothing(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    response = session.post(f"{base}/issue/{key}/comment", json={"body": body_text(jira_sim, "x"),
                                                                  "properties": {"jira-sync": 1}})
    assert response.status_code == 400 and response.json()["errorMessages"]
    assert session.get(f"{base}/issue/{key}/comment").json()["total"] == 0


# --- drop after processing ------------------------------------------------------------------

def _configure(server, **knobs) -> dict:
    response = requests.post(f"{server.url}/_sim/config", json=knobs)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("after_processing, created", [(True, True), (False, False)])
def test_dropped_create_exists_only_when_dropped_after_processing(any_sim, after_processing, created):
    assert _configure(any_sim)["faults"]["drop_after_processing"] is False
    _configure(any_sim, faults={"next_drops": 1, "path_contains": "/issue", "drop_after_processing": after_processing})
    session = api_session()
    fields = {"project": {"key": "ABSUP"}, "summary": "Lost answer", "issuetype": {"name": "Bug"}}
    with pytest.raises(requests.ConnectionError):
        session.post(f"{api_base(any_sim)}/issue", json={"fields": fields})
    found = session.get(f"{api_base(any_sim)}/issue/ABSUP-1")
    assert found.status_code == (200 if created else 404)
    if created:
        assert found.json()["fields"]["summary"] == "Lost answer"
    log = requests.get(f"{any_sim.url}/_sim/requests").json()["requests"]
    assert [(r["method"], r["status"]) for r in log] == [("POST", "dropped"), ("GET", found.status_code)]


def test_drop_rate_also_drops_after_processing(jira_sim):
    _configure(jira_sim, faults={"drop_rate": 1.0, "path_contains": "/comment", "drop_after_processing": True})
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    with pytest.raises(requests.ConnectionError):
        session.post(f"{api_base(jira_sim)}/issue/{key}/comment", json={"body": body_text(jira_sim, "Twice?")})
    assert len(jira_sim.site.issue(key).comments) == 1


# --- who called -----------------------------------------------------------------------------

def test_request_log_records_the_caller(any_sim):
    api_session().get(f"{api_base(any_sim)}/myself")
    api_session().get(f"{api_base(any_sim)}/myself")
    api_session(auth=None).get(f"{api_base(any_sim)}/myself")
    api_session(auth=None).get(f"{api_base(any_sim)}/serverInfo")
    snapshot = requests.get(f"{any_sim.url}/_sim/requests").json()
    me = requests.Session()
    me.auth = BOT.basic_auth
    myself = me.get(f"{api_base(any_sim)}/myself").json()
    bot = myself.get("accountId") or myself["name"]
    assert [(r["status"], r["user"]) for r in snapshot["requests"]] == [
        (200, bot), (200, bot), (401, None), (200, None)]
    assert snapshot["total"] == 4 and snapshot["counts"] == {
        f"GET /rest/api/{'3' if any_sim.site.deployment == 'cloud' else '2'}/myself": 3,
        f"GET /rest/api/{'3' if any_sim.site.deployment == 'cloud' else '2'}/serverInfo": 1}


def test_early_drop_logs_no_user_and_late_drop_logs_the_caller(jira_sim):
    session = api_session()
    _configure(jira_sim, faults={"next_drops": 1})
    with pytest.raises(requests.ConnectionError):
        session.get(f"{api_base(jira_sim)}/myself")
    _configure(jira_sim, faults={"next_drops": 1, "drop_after_processing": True})
    with pytest.raises(requests.ConnectionError):
        session.get(f"{api_base(jira_sim)}/myself")
    log = requests.get(f"{jira_sim.url}/_sim/requests").json()["requests"]
    assert [(r["status"], r["user"]) for r in log] == [("dropped", None), ("dropped", BOT.account_id)]

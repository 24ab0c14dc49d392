"""Changelogs as Atlassian documents them (docs/JIRA-BEHAVIOUR.md): one history per field edit,
transition or assignment, none for comments; the paged changelog oldest first (Cloud), and
`expand=changelog` most recent first."""

from __future__ import annotations

import requests

from jira_sim.seed import BOT, demo_seed
from jira_sim.server import SimulatorServer
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue


def _changelog(server, session, key: str, **params) -> dict:
    answer = session.get(f"{api_base(server)}/issue/{key}/changelog", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_edit_writes_one_history_with_an_item_per_field(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    assert _changelog(jira_sim, session, key)["values"] == []  # creating writes none
    session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "Renamed", "priority": {"name": "High"}},
                                                          "update": {"labels": [{"add": "sync"}]}})
    (history,) = _changelog(jira_sim, session, key)["values"]
    assert history["author"]["accountId"] == BOT.account_id and history["created"] and history["id"]
    items = {i["fieldId"]: i for i in history["items"]}
    assert items["summary"] == {"field": "summary", "fieldtype": "jira", "fieldId": "summary", "from": None,
                                "fromString": "Printer on fire", "to": None, "toString": "Renamed"}
    assert (items["priority"]["from"], items["priority"]["fromString"], items["priority"]["to"],
            items["priority"]["toString"]) == ("3", "Medium", "2", "High")
    assert (items["labels"]["fromString"], items["labels"]["toString"]) == (None, "sync")


def test_comments_and_unchanged_values_write_no_history(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    session.post(f"{api_base(jira_sim)}/issue/{key}/comment", json={"body": body_text(jira_sim, "hello")})
    jira_sim.site.clock.advance(5)
    before = session.get(f"{api_base(jira_sim)}/issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "Printer on fire"}})
    assert _changelog(jira_sim, session, key)["total"] == 0
    after = session.get(f"{api_base(jira_sim)}/issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    assert after != before  # the worse case: a no-op edit still looks like a change


def test_transitions_and_assignments_are_in_the_changelog(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    session.post(f"{api_base(jira_sim)}/issue/{key}/transitions", json={"transition": {"id": "31"}})  # not available
    session.post(f"{api_base(jira_sim)}/issue/{key}/transitions", json={"transition": {"id": "21"}})
    session.put(f"{api_base(jira_sim)}/issue/{key}/assignee", json={"accountId": BOT.account_id})
    histories = _changelog(jira_sim, session, key)["values"]
    assert [[i["field"] for i in h["items"]] for h in histories] == [["status"], ["assignee"]]
    status = histories[0]["items"][0]
    assert (status["fromString"], status["toString"]) == ("To Do", "In Progress")
    assert histories[1]["items"][0]["to"] == BOT.account_id


def test_components_versions_and_custom_fields_write_jira_shaped_items():
    seed = demo_seed()
    seed["customFields"] = [{"id": "customfield_10060", "name": "Severity", "kind": "select", "options": ["Minor", "Major"],
                             "projects": ["ABDEV"]}]
    seed["projects"][1].update({"components": ["API", "UI"], "versions": ["1.0"]})
    with SimulatorServer(seed) as server:
        session = api_session()
        key = create_issue(server, session, project="ABDEV", components=[{"name": "API"}])["key"]
        session.put(f"{api_base(server)}/issue/{key}", json={"fields": {
            "components": [{"name": "UI"}], "fixVersions": [{"name": "1.0"}], "customfield_10060": {"value": "Major"},
            "duedate": "2026-12-31"}})
        (history,) = _changelog(server, session, key)["values"]
        items = [(i["field"], i["fieldtype"], i["fieldId"], i["fromString"], i["toString"]) for i in history["items"]]
        assert ("Component", "jira", "components", "API", None) in items
        assert ("Component", "jira", "components", None, "UI") in items
        assert ("Fix Version", "jira", "fixVersions", None, "1.0") in items
        assert ("Severity", "custom", "customfield_10060", None, "Major") in items
        assert ("duedate", "jira", "duedate", None, "2026-12-31 00:00:00.0") in items
        severity = next(i for i in history["items"] if i["fieldId"] == "customfield_10060")
        assert severity["to"] == next(o["id"] for o in requests.get(f"{server.url}/_sim/fields").json()[0]["options"]
                                      if o["value"] == "Major")


def test_the_changelog_pages_oldest_first(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    for n in range(5):
        jira_sim.site.clock.advance(1)
        session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": f"v{n}"}})
    first = _changelog(jira_sim, session, key, maxResults=2)
    assert (first["startAt"], first["maxResults"], first["total"], first["isLast"]) == (0, 2, 5, False)
    assert [h["items"][0]["toString"] for h in first["values"]] == ["v0", "v1"] and "nextPage" in first
    last = _changelog(jira_sim, session, key, startAt=4, maxResults=2)
    assert last["isLast"] is True and [h["items"][0]["toString"] for h in last["values"]] == ["v4"]
    assert set(first) == {"self", "nextPage", "maxResults", "startAt", "total", "isLast", "values"}


def test_expand_changelog_gives_the_most_recent_first(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    for n in range(3):
        any_sim.site.clock.advance(1)
        session.put(f"{api_base(any_sim)}/issue/{key}", json={"fields": {"summary": f"v{n}"}})
    changelog = session.get(f"{api_base(any_sim)}/issue/{key}", params={"expand": "changelog"}).json()["changelog"]
    assert (changelog["startAt"], changelog["total"]) == (0, 3)
    assert [h["items"][0]["toString"] for h in changelog["histories"]] == ["v2", "v1", "v0"]
    assert "changelog" not in session.get(f"{api_base(any_sim)}/issue/{key}").json()


def test_data_center_has_no_changelog_resource(jira_sim_dc):
    session = api_session()
    key = create_issue(jira_sim_dc, session)["key"]
    assert session.get(f"{api_base(jira_sim_dc)}/issue/{key}/changelog").status_code == 404

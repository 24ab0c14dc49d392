"""Details the OpenAPI description specifies: field schemas, one transition by id, comment order, project
search, the assignee resource."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue


def test_fields_carry_their_schema_type_and_system_name(any_sim):
    fields = {f["id"]: f for f in api_session().get(f"{api_base(any_sim)}/field").json()}
    assert fields["summary"]["schema"] == {"type": "string", "system": "summary"}
    assert fields["status"]["schema"] == {"type": "status", "system": "status"}
    assert fields["updated"]["schema"] == {"type": "datetime", "system": "updated"}
    assert fields["labels"]["schema"] == {"type": "array", "items": "string", "system": "labels"}
    assert fields["assignee"]["schema"] == {"type": "user", "system": "assignee"}
    assert fields["comment"]["schema"] == {"type": "comments-page", "system": "comment"}
    assert all(f["schema"]["type"] and f["schema"]["system"] == f["id"] for f in fields.values() if "schema" in f)
    assert fields["issuekey"]["clauseNames"] == ["id", "issue", "issuekey", "key"] and "schema" not in fields["issuekey"]


def test_transition_id_narrows_the_list_to_that_transition(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    url = f"{api_base(any_sim)}/issue/{key}/transitions"
    everything = session.get(url).json()["transitions"]
    assert len(everything) > 1
    (only,) = session.get(url, params={"transitionId": "21"}).json()["transitions"]
    assert only == next(t for t in everything if t["id"] == "21")
    assert session.get(url, params={"transitionId": "41"}).json()["transitions"] == []  # not available from To Do
    assert session.get(url, params={"transitionId": "999"}).json()["transitions"] == []


@pytest.mark.parametrize(("order", "expected"), [(None, ["one", "two", "three"]), ("created", ["one", "two", "three"]),
                                                 ("+created", ["one", "two", "three"]), ("-created", ["three", "two", "one"])])
def test_comments_list_in_the_order_asked(any_sim, order, expected):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    for text in ("one", "two", "three"):
        session.post(f"{base}/issue/{key}/comment", json={"body": body_text(any_sim, text)})
        requests.post(f"{any_sim.url}/_sim/clock/advance", json={"seconds": 1})
    params = {"orderBy": order} if order else {}
    listed = session.get(f"{base}/issue/{key}/comment", params=params).json()["comments"]
    assert [_text(c["body"]) for c in listed] == expected


def test_ordering_comments_by_anything_but_created_is_400(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    answer = session.get(f"{api_base(any_sim)}/issue/{key}/comment", params={"orderBy": "updated"})
    assert answer.status_code == 400 and answer.json()["errorMessages"]


def test_cloud_pages_projects_through_project_search(jira_sim):
    session = api_session()
    url = f"{api_base(jira_sim)}/project/search"
    first = session.get(url, params={"maxResults": 1}).json()
    assert (first["total"], first["isLast"], len(first["values"])) == (2, False, 1)
    second = session.get(first["nextPage"]).json()
    assert second["isLast"] is True and "nextPage" not in second
    assert {first["values"][0]["key"], second["values"][0]["key"]} == {"ABSUP", "ABDEV"}
    assert [p["key"] for p in session.get(url, params={"keys": "ABDEV"}).json()["values"]] == ["ABDEV"]
    assert [p["key"] for p in session.get(url, params={"query": "support"}).json()["values"]] == ["ABSUP"]


def test_data_center_has_no_project_search(jira_sim_dc):
    answer = api_session().get(f"{api_base(jira_sim_dc)}/project/search")
    assert answer.status_code == 404 and answer.json()["errorMessages"] == ["No project could be found with key 'search'."]


def test_assigning_through_the_assignee_resource(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    url = f"{api_base(any_sim)}/issue/{key}/assignee"
    identity = "accountId" if any_sim.site.deployment == "cloud" else "name"
    assert session.put(url, json={identity: BOT.account_id}).status_code == 204
    assert any_sim.site.issue(key).assignee == BOT.account_id
    assert session.put(url, json={identity: "-1"}).status_code == 204 and any_sim.site.issue(key).assignee is None
    assert session.put(url, json={identity: "nobody"}).status_code == 400
    assert session.put(url, json={"accountId": BOT.account_id, "name": BOT.account_id}).status_code == 400


def _text(body) -> str:
    return body if isinstance(body, str) else body["content"][0]["content"][0]["text"]


# The member names Atlassian's OpenAPI description allows (schemas Comment, Visibility, PageBeanChangelog,
# Changelog and ChangeDetails; the last three allow no others).
COMMENT_MEMBERS = {"self", "id", "author", "body", "renderedBody", "updateAuthor", "created", "updated", "visibility",
                   "jsdPublic", "jsdAuthorCanSeeRequest", "properties"}
CHANGELOG_PAGE_MEMBERS = {"self", "nextPage", "maxResults", "startAt", "total", "isLast", "values"}
HISTORY_MEMBERS = {"id", "author", "created", "items", "historyMetadata"}
ITEM_MEMBERS = {"field", "fieldtype", "fieldId", "from", "fromString", "to", "toString"}


def test_comments_carry_only_the_members_the_schema_names(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    created = session.post(f"{api_base(any_sim)}/issue/{key}/comment", params={"expand": "properties"}, json={
        "body": body_text(any_sim, "x"), "visibility": {"type": "group", "value": "jira-administrators"},
        "properties": [{"key": "k", "value": 1}]}).json()
    assert set(created) <= COMMENT_MEMBERS and set(created["visibility"]) <= {"type", "value", "identifier"}
    assert created["properties"] == [{"key": "k", "value": 1}]


def test_changelog_pages_carry_only_the_members_the_schema_names(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": "y", "labels": ["l"]}})
    page = session.get(f"{api_base(jira_sim)}/issue/{key}/changelog").json()
    assert set(page) <= CHANGELOG_PAGE_MEMBERS and page["values"]
    assert all(set(h) <= HISTORY_MEMBERS and all(set(i) == ITEM_MEMBERS for i in h["items"]) for h in page["values"])
    expanded = session.get(f"{api_base(jira_sim)}/issue/{key}", params={"expand": "changelog"}).json()["changelog"]
    assert set(expanded) == {"startAt", "maxResults", "total", "histories"}  # PageOfChangelogs


# Cloud: PageOfCreateMetaIssueTypes and PageOfCreateMetaIssueTypeWithField (Platform OpenAPI,
# getCreateIssueMetaIssueTypes / getCreateIssueMetaIssueTypeId); Data Center 9: a page with
# `values` and `isLast`. Each field: FieldCreateMetadata (fieldId, key, name, operations and
# required always there).
CREATEMETA_TYPES_MEMBERS = {"createMetaIssueType", "issueTypes", "maxResults", "startAt", "total"}
CREATEMETA_FIELDS_MEMBERS = {"fields", "results", "maxResults", "startAt", "total"}
DC_CREATEMETA_MEMBERS = {"isLast", "maxResults", "startAt", "total", "values"}
FIELD_CREATE_MEMBERS = {"allowedValues", "autoCompleteUrl", "configuration", "defaultValue", "fieldId",
                        "hasDefaultValue", "key", "name", "operations", "required", "schema"}


def test_create_metadata_pages_carry_the_members_the_schema_names_and_page(any_sim):
    session = api_session()
    base = f"{api_base(any_sim)}/issue/createmeta/ABDEV/issuetypes"
    cloud = any_sim.site.deployment == "cloud"
    types = session.get(base).json()
    assert set(types) <= (CREATEMETA_TYPES_MEMBERS if cloud else DC_CREATEMETA_MEMBERS)
    bug = next(t["id"] for t in types["issueTypes" if cloud else "values"] if t["name"] == "Bug")
    whole = session.get(f"{base}/{bug}").json()
    assert set(whole) <= (CREATEMETA_FIELDS_MEMBERS if cloud else DC_CREATEMETA_MEMBERS)
    listed = whole["fields" if cloud else "values"]
    assert all(set(f) <= FIELD_CREATE_MEMBERS and {"fieldId", "key", "name", "operations", "required"} <= set(f)
               for f in listed)
    second = session.get(f"{base}/{bug}", params={"startAt": 2, "maxResults": 2}).json()
    assert (second["startAt"], second["maxResults"], second["total"]) == (2, 2, len(listed))
    assert second["fields" if cloud else "values"] == listed[2:4]
    if not cloud:
        assert second["isLast"] is False and whole["isLast"] is True

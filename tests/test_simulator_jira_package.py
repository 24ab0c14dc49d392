"""Fidelity checked by code nobody here wrote: the PyPI ``jira`` package drives the simulator."""

from __future__ import annotations

import io

import pytest
import requests
from jira import JIRA
from jira.exceptions import JIRAError

from jira_sim.seed import BOT


@pytest.fixture
def client(any_sim):
    jira = JIRA(server=any_sim.url, basic_auth=BOT.basic_auth, max_retries=0)
    yield jira
    jira.close()


def test_create_search_transition_comment_attach(client, any_sim):
    issue = client.create_issue(fields={"project": {"key": "ABSUP"}, "summary": "From the jira package",
                                        "description": "Hello\nworld", "issuetype": {"name": "Bug"}})
    assert issue.key == "ABSUP-1" and issue.fields.status.name == "To Do"
    assert issue.fields.description == "Hello\nworld"

    found = client.search_issues("project = ABSUP ORDER BY key ASC", fields="summary,status")
    assert [i.key for i in found] == ["ABSUP-1"] and found[0].fields.summary == "From the jira package"

    names = {t["name"]: t["to"]["name"] for t in client.transitions(issue)}
    assert names["Start work"] == "In Progress"
    client.transition_issue(issue, "Start work")
    assert client.issue(issue.key).fields.status.name == "In Progress"

    client.add_comment(issue, "Looking into it")
    assert [c.body for c in client.comments(issue)] == ["Looking into it"]

    attachment = client.add_attachment(issue=issue.key, attachment=io.BytesIO(b"trace"), filename="trace.txt")
    assert attachment.filename == "trace.txt" and attachment.size == 5
    assert client.attachment(attachment.id).get() == b"trace"

    client.create_issue_link("Relates", issue.key, client.create_issue(
        project="ABDEV", summary="Dev side", issuetype={"name": "Bug"}).key)
    assert client.issue(issue.key).fields.issuelinks[0].outwardIssue.key == "ABDEV-1"


def test_search_call_depends_on_deployment(client, any_sim):
    requests.post(f"{any_sim.url}/_sim/requests/reset")
    client.search_issues("project = ABDEV", maxResults=False)
    counts = requests.get(f"{any_sim.url}/_sim/requests").json()["counts"]
    expected = "GET /rest/api/2/search/jql" if any_sim.site.deployment == "cloud" else "GET /rest/api/2/search"
    assert counts.get(expected) == 1


def test_unavailable_transition_and_unknown_issue_raise(client):
    issue = client.create_issue(project="ABDEV", summary="s", issuetype={"name": "Bug"})
    with pytest.raises(JIRAError) as bad_transition:
        client.transition_issue(issue, "31")
    assert bad_transition.value.status_code == 400
    with pytest.raises(JIRAError) as missing:
        client.issue("ABDEV-404")
    assert missing.value.status_code == 404


def test_myself_and_server_info(client, any_sim):
    identity = "accountId" if any_sim.site.deployment == "cloud" else "name"
    assert client.myself()[identity] == BOT.account_id
    assert client.server_info()["deploymentType"] == ("Cloud" if any_sim.site.deployment == "cloud" else "Server")


def test_bad_credentials_rejected(jira_sim):
    with pytest.raises(JIRAError) as error:
        JIRA(server=jira_sim.url, basic_auth=(BOT.email, "nope"), max_retries=0,
             validate=True).myself()
    assert error.value.status_code == 401


def _service_project_with_fields(server) -> None:
    requests.patch(f"{server.url}/_sim/projects/ABSUP", json={"projectType": "service_desk", "components": ["API"]})
    requests.post(f"{server.url}/_sim/fields", json={"id": "customfield_10070", "name": "Severity", "kind": "select",
                                                      "options": ["Minor", "Major"], "projects": ["ABSUP"]})


def test_internal_and_restricted_comments_through_the_package(client, any_sim):
    _service_project_with_fields(any_sim)
    issue = client.create_issue(project="ABSUP", summary="s", issuetype={"name": "Bug"})
    internal = client.add_comment(issue, "agents only", is_internal=True)  # the package's sd.public.comment
    restricted = client.add_comment(issue, "developers only", visibility={"type": "role", "value": "Service Desk Team"})
    assert restricted.visibility.value == "Service Desk Team"
    if any_sim.site.deployment == "cloud":
        assert (internal.jsdPublic, restricted.jsdPublic) == (False, True)
    read = client.comment(issue.key, internal.id, expand="properties")
    assert read.raw["properties"] == [{"key": "sd.public.comment", "value": {"internal": True}}]


def test_editing_fields_metadata_and_changelog_through_the_package(client, any_sim):
    _service_project_with_fields(any_sim)
    issue = client.create_issue(project="ABSUP", summary="s", issuetype={"name": "Bug"})
    assert {"summary", "components", "customfield_10070"} <= set(client.editmeta(issue.key)["fields"])
    issue.update(fields={"summary": "Edited", "components": [{"name": "API"}], "customfield_10070": {"value": "Major"}},
                 update={"labels": [{"add": "sync"}]}, notify=False)
    fresh = client.issue(issue.key, expand="changelog")
    assert (fresh.fields.summary, fresh.fields.labels, fresh.fields.customfield_10070.value) == ("Edited", ["sync"], "Major")
    (history,) = fresh.changelog.histories
    assert {item.field for item in history.items} == {"summary", "labels", "Component", "Severity"}
    with pytest.raises(JIRAError) as refused:
        issue.update(fields={"customfield_10070": {"value": "Blocker"}})
    assert refused.value.status_code == 400 and "customfield_10070" in refused.value.response.json()["errors"]


def test_create_metadata_through_the_package(client, any_sim):
    _service_project_with_fields(any_sim)
    if any_sim.site.deployment == "datacenter":  # the package uses the per-project resource there
        fields = {f.fieldId for f in client.project_issue_fields("ABSUP", "10004")}
    else:
        meta = client.createmeta(projectKeys="ABSUP", issuetypeNames="Bug", expand="projects.issuetypes.fields")
        fields = set(meta["projects"][0]["issuetypes"][0]["fields"])
    assert {"project", "issuetype", "summary", "customfield_10070"} <= fields

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

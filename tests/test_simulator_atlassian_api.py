"""Fidelity checked by a second client nobody here wrote: PyPI ``atlassian-python-api`` drives the simulator."""

from __future__ import annotations

import pytest
import requests
from atlassian import Jira, JiraCloud, ServiceDesk
from requests import HTTPError

from jira_sim.seed import BOT


@pytest.fixture
def client(any_sim):
    """The library's classic client as each deployment's users call it: email + API token on Cloud, a PAT on DC."""
    if any_sim.site.deployment == "cloud":
        jira = Jira(url=any_sim.url, username=BOT.email, password=BOT.api_token, cloud=True)
    else:
        jira = Jira(url=any_sim.url, token=BOT.pat)
    yield jira
    jira.close()


def test_create_search_transition_comment_attach(client, any_sim, tmp_path):
    created = client.issue_create(fields={"project": {"key": "ABSUP"}, "summary": "From atlassian-python-api",
                                          "issuetype": {"name": "Task"}, "description": "Hello\nworld"})
    key = created["key"]
    assert key == "ABSUP-1" and client.issue(key)["fields"]["description"] == "Hello\nworld"

    found = client.jql("project = ABSUP ORDER BY key ASC", fields="summary,status")
    assert [(i["key"], i["fields"]["summary"]) for i in found["issues"]] == [(key, "From atlassian-python-api")]

    assert {t["name"]: t["to"] for t in client.get_issue_transitions(key)}["Start work"] == "In Progress"
    client.set_issue_status(key, "In Progress")
    assert client.get_issue_status(key) == "In Progress"

    client.issue_add_comment(key, "Looking into it")
    assert [c["body"] for c in client.issue_get_comments(key)["comments"]] == ["Looking into it"]

    trace = tmp_path / "trace.txt"
    trace.write_bytes(b"stack trace")
    (attachment,) = client.add_attachment(key, str(trace))
    assert (attachment["filename"], attachment["size"]) == ("trace.txt", 11)
    assert client.get_attachment_content(attachment["id"]) == b"stack trace"
    if any_sim.site.deployment == "cloud":  # the bytes came from the media host, without the credentials
        (fetch,) = requests.get(f"{any_sim.url}/_sim/media").json()["requests"]
        assert fetch["status"] == 200 and "authorization" not in fetch["headers"]


def test_myself_server_info_and_refused_credentials(client, any_sim):
    identity = "accountId" if any_sim.site.deployment == "cloud" else "name"
    assert client.myself()[identity] == BOT.account_id
    assert client.get_server_info()["deploymentType"] == ("Cloud" if any_sim.site.deployment == "cloud" else "Server")
    intruder = Jira(url=any_sim.url, username=BOT.email, password="wrong", cloud=any_sim.site.deployment == "cloud")
    with pytest.raises(HTTPError) as refused:
        intruder.myself()
    assert refused.value.response.status_code == 401


def test_projects_and_assigning_the_library_s_way(client):
    # Cloud lists projects through the paginated /project/search, Data Center through /project.
    assert sorted(p["key"] for p in client.projects()) == ["ABDEV", "ABSUP"]
    key = client.issue_create(fields={"project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}})["key"]
    client.assign_issue(key, BOT.account_id)
    assert client.issue(key, fields="assignee")["fields"]["assignee"]["displayName"] == BOT.display_name
    client.assign_issue(key, None)
    assert client.issue(key, fields="assignee")["fields"]["assignee"] is None


def test_an_unknown_issue_and_an_unavailable_transition_raise(client):
    with pytest.raises(HTTPError) as missing:
        client.issue("ABSUP-404")
    assert missing.value.response.status_code == 404
    key = client.issue_create(fields={"project": {"key": "ABDEV"}, "summary": "s", "issuetype": {"name": "Bug"}})["key"]
    with pytest.raises(HTTPError) as unavailable:
        client.set_issue_status_by_transition_id(key, 31)
    assert unavailable.value.response.status_code == 400


def test_the_v3_cloud_client_creates_with_adf_and_pages_the_enhanced_search(jira_sim):
    cloud = JiraCloud(url=jira_sim.url, username=BOT.email, password=BOT.api_token)
    document = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "ADF"}]}]}
    keys = [cloud.post(cloud.endpoint("issue"), data={"fields": {
        "project": {"key": "ABDEV"}, "summary": f"v3 {n}", "issuetype": {"name": "Bug"}, "description": document}})["key"]
        for n in range(3)]
    listed = cloud.enhanced_jql_get_list_of_tickets("project = ABDEV ORDER BY key ASC", fields="summary,description", limit=None)
    assert [i["key"] for i in listed] == keys and listed[0]["fields"]["description"] == document
    page = cloud.enhanced_jql("project = ABDEV ORDER BY key ASC", fields="summary", limit=2)
    assert [i["key"] for i in page["issues"]] == keys[:2] and page["isLast"] is False and page["nextPageToken"]
    cloud.close()


def _credentials(any_sim) -> dict:
    if any_sim.site.deployment == "cloud":
        return {"username": BOT.email, "password": BOT.api_token, "cloud": True}
    return {"token": BOT.pat}


def test_request_comments_through_the_service_desk_client(client, any_sim):
    requests.patch(f"{any_sim.url}/_sim/projects/ABSUP", json={"projectType": "service_desk"})
    key = client.issue_create(fields={"project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}})["key"]
    desk = ServiceDesk(url=any_sim.url, **_credentials(any_sim))
    internal = desk.create_request_comment(key, "agents only", public=False)
    public = desk.create_request_comment(key, "hello customer")
    assert (internal["public"], public["public"]) == (False, True)
    assert [c["body"] for c in desk.get_request_comments(key, public=False)] == ["agents only"]
    assert desk.get_request_comment_by_id(key, internal["id"])["public"] is False
    platform = client.issue_get_comments(key)["comments"]
    if any_sim.site.deployment == "cloud":
        assert [c["jsdPublic"] for c in platform] == [False, True]
    desk.close()


def test_fields_and_changelog_through_the_library(client, any_sim):
    key = client.issue_create(fields={"project": {"key": "ABDEV"}, "summary": "s", "issuetype": {"name": "Bug"}})["key"]
    assert client.issue_editmeta(key)["fields"]["summary"]["required"] is True
    client.update_issue_field(key, {"summary": "Edited", "duedate": "2026-12-24"}, notify_users=False)
    client.edit_issue(key, {"labels": [{"add": "sync"}]})  # the library sends these as `update` operations
    assert client.issue(key, fields="summary,duedate,labels")["fields"] == {"summary": "Edited", "duedate": "2026-12-24",
                                                                           "labels": ["sync"]}
    changelog = client.get_issue_changelog(key)
    histories = changelog["values"] if any_sim.site.deployment == "cloud" else changelog["histories"]
    assert sorted({i["field"] for h in histories for i in h["items"]}) == ["duedate", "labels", "summary"]
    with pytest.raises(HTTPError) as refused:
        client.update_issue_field(key, {"environment": "prod"})
    assert refused.value.response.status_code == 400

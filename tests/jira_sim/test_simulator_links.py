"""Simulator over HTTP: issue links, link types, remote links, attachments, meta endpoints."""

from __future__ import annotations

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, create_issue


def test_issue_link_shows_on_both_issues(any_sim):
    session = api_session()
    base = api_base(any_sim)
    user_key = create_issue(any_sim, session)["key"]
    dev_key = create_issue(any_sim, session, project="ABDEV")["key"]
    types = session.get(f"{base}/issueLinkType").json()["issueLinkTypes"]
    assert {"name": "Relates", "inward": "relates to", "outward": "relates to"}.items() <= next(
        t for t in types if t["name"] == "Relates").items()
    response = session.post(f"{base}/issueLink", json={
        "type": {"name": "Relates"}, "inwardIssue": {"key": user_key}, "outwardIssue": {"key": dev_key}})
    assert response.status_code == 201

    user_links = session.get(f"{base}/issue/{user_key}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"]
    dev_links = session.get(f"{base}/issue/{dev_key}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"]
    assert user_links[0]["outwardIssue"]["key"] == dev_key and user_links[0]["type"]["name"] == "Relates"
    assert dev_links[0]["inwardIssue"]["key"] == user_key
    assert dev_links[0]["inwardIssue"]["fields"]["status"]["name"] == "To Do"
    assert session.get(f"{base}/issueLink/{user_links[0]['id']}").json()["outwardIssue"]["key"] == dev_key


def test_issue_link_to_unknown_issue_or_type_fails(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    unknown_issue = session.post(f"{base}/issueLink", json={
        "type": {"name": "Relates"}, "inwardIssue": {"key": key}, "outwardIssue": {"key": "ABDEV-77"}})
    assert unknown_issue.status_code == 404
    unknown_type = session.post(f"{base}/issueLink", json={
        "type": {"name": "Haunts"}, "inwardIssue": {"key": key}, "outwardIssue": {"key": key}})
    assert unknown_type.status_code == 404 and unknown_type.json()["errorMessages"]


def test_remote_link_upserts_by_global_id(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    link = {"globalId": "jira-sync:ABDEV-1", "object": {"url": "https://x.test/1", "title": "ABDEV-1"}}
    first = session.post(f"{base}/issue/{key}/remotelink", json=link)
    assert first.status_code == 201
    again = session.post(f"{base}/issue/{key}/remotelink", json={**link, "object": {"url": "https://x.test/2", "title": "T"}})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    links = session.get(f"{base}/issue/{key}/remotelink").json()
    assert len(links) == 1 and links[0]["object"]["url"] == "https://x.test/2"
    single = session.get(f"{base}/issue/{key}/remotelink", params={"globalId": "jira-sync:ABDEV-1"}).json()
    assert single["globalId"] == "jira-sync:ABDEV-1"
    assert session.delete(f"{base}/issue/{key}/remotelink/{first.json()['id']}").status_code == 204
    assert session.get(f"{base}/issue/{key}/remotelink").json() == []


def test_attachment_upload_requires_xsrf_header(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    response = session.post(f"{api_base(any_sim)}/issue/{key}/attachments", files={"file": ("a.txt", b"x")})
    assert response.status_code == 403
    assert response.json() == {"errorMessages": ["XSRF check failed"], "errors": {}}


def test_attachment_upload_list_and_download(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    uploaded = session.post(f"{base}/issue/{key}/attachments", headers={"X-Atlassian-Token": "no-check"},
                            files={"file": ("log.txt", b"line 1\nline 2\n", "text/plain")})
    assert uploaded.status_code == 200
    (attachment,) = uploaded.json()
    assert attachment["filename"] == "log.txt" and attachment["size"] == 14 and attachment["mimeType"] == "text/plain"
    listed = session.get(f"{base}/issue/{key}", params={"fields": "attachment"}).json()["fields"]["attachment"]
    assert [a["id"] for a in listed] == [attachment["id"]]
    content = session.get(listed[0]["content"])
    assert content.status_code == 200 and content.content == b"line 1\nline 2\n"
    # Data Center refuses anonymous callers; Cloud lets them in as someone who may see no issue.
    anonymous = api_session(auth=None).get(listed[0]["content"], allow_redirects=False)
    assert anonymous.status_code == (404 if any_sim.site.deployment == "cloud" else 401)


def test_myself_server_info_and_projects(any_sim):
    session = api_session()
    base = api_base(any_sim)
    me = session.get(f"{base}/myself").json()
    assert (me["emailAddress"], me["timeZone"]) == (BOT.email, "UTC")
    if any_sim.site.deployment == "cloud":
        assert me["accountId"] == BOT.account_id
    else:  # Data Center has no accountId: users are known by name and key
        assert "accountId" not in me and (me["name"], me["key"]) == (BOT.account_id, BOT.account_id)
    info = api_session(auth=None).get(f"{base}/serverInfo").json()
    assert info["deploymentType"] == ("Cloud" if any_sim.site.deployment == "cloud" else "Server")
    project = session.get(f"{base}/project/ABDEV").json()
    assert project["key"] == "ABDEV" and project["id"].isdigit()
    assert {t["name"] for t in project["issueTypes"]} >= {"Bug"}
    statuses = session.get(f"{base}/project/ABDEV/statuses").json()
    by_name = {s["name"]: s["statusCategory"]["key"] for s in statuses[0]["statuses"]}
    assert by_name == {"To Do": "new", "In Progress": "indeterminate", "Done": "done", "Closed": "done",
                       "Reopened": "new", "Cancelled": "done"}
    missing = session.get(f"{base}/project/NOPE")
    assert missing.status_code == 404 and missing.json()["errorMessages"]


def test_catalogues_answer(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    assert any(f["id"] == "summary" for f in session.get(f"{base}/field").json())
    assert {p["name"] for p in session.get(f"{base}/priority").json()} >= {"High", "Medium"}
    assert "Done" in {r["name"] for r in session.get(f"{base}/resolution").json()}
    assert "Bug" in {t["name"] for t in session.get(f"{base}/issuetype").json()}


def test_datacenter_has_no_v3(jira_sim_dc):
    assert api_session().get(f"{jira_sim_dc.url}/rest/api/3/myself").status_code == 404


def test_attachment_metadata_and_delete(any_sim):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    (attachment,) = session.post(f"{base}/issue/{key}/attachments", headers={"X-Atlassian-Token": "no-check"},
                                 files={"file": ("shot.png", b"\x89PNG")}).json()
    meta = session.get(f"{base}/attachment/{attachment['id']}").json()
    assert (meta["filename"], meta["mimeType"]) == ("shot.png", "image/png")
    assert session.delete(f"{base}/attachment/{attachment['id']}").status_code == 204
    assert session.get(f"{base}/attachment/{attachment['id']}").status_code == 404
    assert session.get(f"{base}/issue/{key}", params={"fields": "attachment"}).json()["fields"]["attachment"] == []


def test_issue_link_delete(any_sim):
    session = api_session()
    base = api_base(any_sim)
    a, b = create_issue(any_sim, session)["key"], create_issue(any_sim, session)["key"]
    session.post(f"{base}/issueLink", json={"type": {"name": "Blocks"}, "inwardIssue": {"key": a},
                                            "outwardIssue": {"key": b}})
    (link,) = session.get(f"{base}/issue/{a}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"]
    assert session.delete(f"{base}/issueLink/{link['id']}").status_code == 204
    assert session.get(f"{base}/issue/{b}", params={"fields": "issuelinks"}).json()["fields"]["issuelinks"] == []


def test_project_and_status_lists(any_sim):
    session = api_session()
    base = api_base(any_sim)
    assert [p["key"] for p in session.get(f"{base}/project").json()] == ["ABSUP", "ABDEV"]
    names = {s["name"] for s in session.get(f"{base}/status").json()}
    assert {"Will Do", "Resolved", "Done", "Cancelled"} <= names

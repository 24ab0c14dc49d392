"""JiraClient against the simulated Jira site over HTTP, on Cloud (v3/ADF) and Data Center (v2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests

from app.jira import (
    BasicAuth,
    BearerAuth,
    JiraAuthError,
    JiraBadRequest,
    JiraClient,
    JiraNotFound,
    TransitionUnavailable,
    jql_datetime,
)
from jira_sim.seed import BOT

BOT_EMAIL, BOT_TOKEN, BOT_PAT = BOT.email, BOT.api_token, BOT.pat
USER_PROJECT, DEV_PROJECT = "ABSUP", "ABDEV"


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request):
    """The running simulator for each deployment."""
    server = request.getfixturevalue("jira_sim" if request.param == "cloud" else "jira_sim_dc")
    server.deployment_name = request.param
    return server


def client_for(server, **overrides) -> JiraClient:
    deployment = server.deployment_name
    auth = BasicAuth(BOT_EMAIL, BOT_TOKEN) if deployment == "cloud" else BearerAuth(BOT_PAT)
    return JiraClient(server.url, auth, deployment=deployment, sleep=lambda s: None, **overrides)


@pytest.fixture
def jira(sim) -> JiraClient:
    return client_for(sim)


def sim_requests(server) -> dict:
    return requests.get(f"{server.url}/_sim/requests", timeout=5).json()


def new_issue(jira: JiraClient, summary: str = "Printer on fire", project: str = DEV_PROJECT, **fields) -> dict:
    return jira.create_issue({"project": {"key": project}, "issuetype": {"name": "Bug"}, "summary": summary, **fields})


def test_myself_server_info_project_and_statuses(jira):
    me = jira.myself()
    assert me["emailAddress"] == BOT_EMAIL and me["timeZone"] == "UTC"
    assert jira.server_info()["baseUrl"]
    assert jira.project(DEV_PROJECT)["key"] == DEV_PROJECT
    categories = {s["name"]: s["statusCategory"]["key"] for t in jira.project_statuses(DEV_PROJECT) for s in t["statuses"]}
    assert categories == {"To Do": "new", "In Progress": "indeterminate", "Done": "done", "Closed": "done",
                          "Reopened": "new", "Cancelled": "done"}


def test_create_get_edit_delete_with_plain_text_descriptions(jira, sim):
    description = "First line\nsecond line with https://support.example.test/AB-1\n\nNext paragraph"
    created = new_issue(jira, description=description, labels=["sync"])
    assert set(created) >= {"id", "key", "self"} and created["key"].startswith(f"{DEV_PROJECT}-")
    issue = jira.get_issue(created["key"], fields=["summary", "description", "status"])
    assert issue["id"] == created["id"]
    assert set(issue["fields"]) == {"summary", "description", "status"}
    assert issue["fields"]["description"] == description
    jira.edit_issue(created["key"], {"summary": "Printer still on fire", "description": "Now plain"})
    edited = jira.get_issue(created["id"], fields=["summary", "description"])
    assert edited["fields"] == {"summary": "Printer still on fire", "description": "Now plain"}
    jira.delete_issue(created["key"])
    with pytest.raises(JiraNotFound) as missing:
        jira.get_issue(created["key"])
    assert missing.value.error_messages == ["Issue does not exist or you do not have permission to see it."]


def test_the_wire_format_follows_the_deployment(jira, sim):
    created = new_issue(jira, description="see https://x.test")
    raw = requests.get(f"{sim.url}{jira.api}/issue/{created['key']}", params={"fields": "description"},
                       auth=jira.transport.auth, timeout=5).json()["fields"]["description"]
    if sim.deployment_name == "cloud":
        assert raw["type"] == "doc" and raw["content"][0]["content"][1]["marks"][0]["attrs"]["href"] == "https://x.test"
    else:
        assert raw == "see https://x.test"


def test_search_pages_through_every_issue_with_only_the_asked_fields(jira, sim):
    keys = [new_issue(jira, f"issue {n}")["key"] for n in range(7)]
    requests.post(f"{sim.url}/_sim/requests/reset", timeout=5)
    found = list(jira.search(f"project = {DEV_PROJECT} ORDER BY key ASC", ["summary", "status", "updated"], page_size=3))
    assert [i["key"] for i in found] == keys
    assert all(set(i["fields"]) == {"summary", "status", "updated"} for i in found)
    path = "/rest/api/3/search/jql" if sim.deployment_name == "cloud" else "/rest/api/2/search"
    rest_counts = {k: n for k, n in sim_requests(sim)["counts"].items() if " /rest/" in k}
    assert rest_counts == {f"POST {path}": 3}


def test_search_with_no_match_yields_nothing(jira):
    assert list(jira.search(f"project = {USER_PROJECT}", ["summary"])) == []


def test_transitions_list_targets_and_categories_and_move_by_status_name(jira):
    key = new_issue(jira)["key"]
    offered = {(t.name, t.to_status, t.to_category) for t in jira.transitions(key)}
    assert offered == {("Start progress", "In Progress", "indeterminate"), ("Cancel", "Cancelled", "done")}
    used = jira.transition_to(key, "  in progress ")
    assert (used.name, used.to_status) == ("Start progress", "In Progress")
    jira.transition_to(key, "Done", resolution="Fixed")
    fields = jira.get_issue(key, fields=["status", "resolution"])["fields"]
    assert (fields["status"]["name"], fields["resolution"]["name"]) == ("Done", "Fixed")
    jira.transition_to(key, "Reopen")  # by transition name: the target status is "Reopened"
    fields = jira.get_issue(key, fields=["status", "resolution"])["fields"]
    assert (fields["status"]["name"], fields["resolution"]) == ("Reopened", None)


def test_an_unreachable_status_raises_transition_unavailable(jira):
    key = new_issue(jira)["key"]
    with pytest.raises(TransitionUnavailable) as refused:
        jira.transition_to(key, "Closed")
    assert (refused.value.key, refused.value.wanted) == (key, "Closed")
    assert sorted(refused.value.available) == ["Cancelled", "In Progress"]
    assert jira.get_issue(key, fields=["status"])["fields"]["status"]["name"] == "To Do"


def test_comments_go_in_and_come_out_as_plain_text(jira):
    key = new_issue(jira)["key"]
    assert jira.comments(key) == []
    added = jira.add_comment(key, "Fixed in ABDEV-1\nsee https://dev.example.test/ABDEV-1")
    assert added["body"] == "Fixed in ABDEV-1\nsee https://dev.example.test/ABDEV-1"
    jira.add_comment(key, "second")
    assert [c["body"] for c in jira.comments(key)] == [added["body"], "second"]


def test_issue_links_and_remote_links(jira):
    a, b = new_issue(jira, "a")["key"], new_issue(jira, "b")["key"]
    jira.create_issue_link("Relates", a, b)
    linked = jira.issue_links(a)
    assert len(linked) == 1 and linked[0]["type"]["name"] == "Relates"
    assert (linked[0].get("outwardIssue") or linked[0].get("inwardIssue"))["key"] == b
    first = jira.put_remote_link(a, "jira-sync:AB-1", "https://s.test/AB-1", "AB-1")
    again = jira.put_remote_link(a, "jira-sync:AB-1", "https://s.test/AB-1", "AB-1 (renamed)")
    assert first["id"] == again["id"]
    links = jira.remote_links(a)
    assert [(link["globalId"], link["object"]["title"]) for link in links] == [("jira-sync:AB-1", "AB-1 (renamed)")]


def test_issue_properties_at_create_and_by_put(jira):
    created = jira.create_issue(
        {"project": {"key": DEV_PROJECT}, "issuetype": {"name": "Bug"}, "summary": "with marker"},
        properties={"jira-sync": {"source": "ABSUP-7"}},
    )
    assert jira.get_property(created["key"], "jira-sync") == {"source": "ABSUP-7"}
    assert jira.get_property(created["key"], "absent") is None
    jira.set_property(created["key"], "counter", 3)
    assert jira.get_property(created["key"], "counter") == 3
    with pytest.raises(JiraNotFound):
        jira.get_property(f"{DEV_PROJECT}-9999", "jira-sync")


def test_attachments_upload_list_and_download(jira, sim):
    key = new_issue(jira)["key"]
    payload = bytes(range(256)) * 10
    uploaded = jira.add_attachment(key, "dump.bin", payload)
    assert [a["filename"] for a in uploaded] == ["dump.bin"]
    listed = jira.attachments(key)
    assert [(a["filename"], a["size"]) for a in listed] == [("dump.bin", len(payload))]
    assert jira.download_attachment(listed[0]) == payload


def test_bad_jql_unknown_issue_and_bad_credentials_are_typed_errors(jira, sim):
    with pytest.raises(JiraBadRequest) as bad:
        list(jira.search("project = = broken", ["summary"]))
    assert bad.value.status == 400 and (bad.value.error_messages or bad.value.errors)
    with pytest.raises(JiraNotFound):
        jira.transitions(f"{DEV_PROJECT}-424242")
    intruder = JiraClient(sim.url, BasicAuth(BOT_EMAIL, "wrong-token") if sim.deployment_name == "cloud"
                          else BearerAuth("wrong-pat"), deployment=sim.deployment_name, sleep=lambda s: None)
    with pytest.raises(JiraAuthError) as denied:
        intruder.myself()
    assert denied.value.status == 401 and "wrong-" not in str(denied.value) + repr(denied.value)
    assert intruder.request_count == 1 and intruder.retry_count == 0


def _set_updated(server, key: str, moment: datetime) -> None:
    site = server.site
    with site.lock:
        site.save(replace(site.issue(key), updated=moment), touch=False)


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "America/Los_Angeles"])
def test_updated_since_is_read_in_the_users_time_zone_at_minute_precision(jira, sim, zone):
    requests.patch(f"{sim.url}/_sim/users/{BOT.account_id}", json={"timeZone": zone}, timeout=5).raise_for_status()
    assert jira.myself()["timeZone"] == zone
    boundary = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # a midnight in Ho Chi Minh City
    offsets = {"before": -1, "at": 0, "late_in_minute": 59, "next_minute": 60}
    keys = {}
    for label, seconds in offsets.items():
        keys[label] = new_issue(jira, label)["key"]
        _set_updated(sim, keys[label], boundary + timedelta(seconds=seconds))

    def since(moment: datetime) -> set[str]:
        jql = f'project = {DEV_PROJECT} AND updated >= "{jql_datetime(moment, zone)}" ORDER BY updated ASC'
        return {i["key"] for i in jira.search(jql, ["updated"])}

    assert since(boundary) == {keys["at"], keys["late_in_minute"], keys["next_minute"]}
    assert since(boundary + timedelta(seconds=30)) == {keys["at"], keys["late_in_minute"], keys["next_minute"]}
    assert since(boundary + timedelta(minutes=1)) == {keys["next_minute"]}
    assert since(boundary - timedelta(seconds=1)) == set(keys.values())


def test_search_sees_a_write_only_after_the_index_lag(jira, sim):
    requests.post(f"{sim.url}/_sim/config", json={"index_lag_seconds": 30}, timeout=5).raise_for_status()
    key = new_issue(jira, "fresh")["key"]
    jql = f"project = {DEV_PROJECT} ORDER BY key ASC"
    assert [i["key"] for i in jira.search(jql, ["summary"])] == []
    assert jira.get_issue(key, fields=["summary"])["key"] == key  # reads by key are immediate
    sim.site.clock.advance(31)
    assert [i["key"] for i in jira.search(jql, ["summary"])] == [key]


def test_from_config_with_the_pair_config_model_talks_to_the_site(sim):
    from app.config.models import JiraConfig

    raw = {"baseUrl": sim.url, "apiToken": BOT_TOKEN if sim.deployment_name == "cloud" else BOT_PAT,
           "authType": "basic" if sim.deployment_name == "cloud" else "pat", "deployment": sim.deployment_name}
    if sim.deployment_name == "cloud":
        raw["email"] = BOT_EMAIL
    client = JiraClient.from_config(JiraConfig.model_validate(raw), sleep=lambda s: None)
    assert client.deployment == sim.deployment_name
    assert client.myself()["emailAddress"] == BOT_EMAIL
    assert raw["apiToken"] not in repr(client)


def test_bulk_fetch_reads_100_issues_a_request(jira_sim):
    jira_sim.deployment_name = "cloud"
    jira = client_for(jira_sim)
    ids = [new_issue(jira, f"Issue {n}")["id"] for n in range(150)]
    requests.post(f"{jira_sim.url}/_sim/requests/reset", timeout=5)
    found = jira.bulk_fetch([*ids, ids[0], "99999"], ["summary"])
    assert sorted(found) == sorted(ids), "each once; an unknown id is absent"
    assert found[ids[149]]["fields"] == {"summary": "Issue 149"}
    assert sim_requests(jira_sim)["counts"] == {"POST /rest/api/3/issue/bulkfetch": 2}


def test_the_changelog_comes_newest_page_first(sim):
    jira = client_for(sim)
    key = new_issue(jira)["key"]
    for n in range(230):
        jira.edit_issue(key, {"summary": f"Edit {n}"})
    pages = [[history["items"][0]["toString"] for history in page] for page in jira.changelog_newest_first(key)]
    if sim.site.deployment == "cloud":
        assert [len(page) for page in pages] == [100, 30, 100], "the last page, back to the second, then the first"
        assert (pages[0][-1], pages[1][0], pages[2][0]) == ("Edit 229", "Edit 100", "Edit 0")
    else:
        assert len(pages) == 1 and pages[0][0] == "Edit 229", "one expanded GET, the most recent first"

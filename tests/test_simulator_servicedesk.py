"""Service projects and who sees a comment, as Atlassian documents them (docs/JIRA-BEHAVIOUR.md):
jsdPublic and the sd.public.comment property, visibility restrictions, the Service Management API's
request comments, and which comment writes move the issue's `updated`."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import HUMAN
from tests.support.jira_fixtures import HUMAN_AUTH, api_base, api_session, body_text, create_issue

INTERNAL = [{"key": "sd.public.comment", "value": {"internal": True}}]


def _service_project(server, key: str = "ABSUP", **extra) -> dict:
    answer = requests.patch(f"{server.url}/_sim/projects/{key}", json={"projectType": "service_desk", **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _comment(server, session, key: str, text: str, **extra) -> requests.Response:
    return session.post(f"{api_base(server)}/issue/{key}/comment", params={"expand": "properties"},
                        json={"body": body_text(server, text), **extra})


def test_the_project_type_is_what_the_project_was_made(jira_sim):
    session = api_session()
    _service_project(jira_sim)
    assert session.get(f"{api_base(jira_sim)}/project/ABSUP").json()["projectTypeKey"] == "service_desk"
    assert session.get(f"{api_base(jira_sim)}/project/ABDEV").json()["projectTypeKey"] == "software"
    issue = session.get(f"{api_base(jira_sim)}/issue/{create_issue(jira_sim, session)['key']}").json()
    assert issue["fields"]["project"]["projectTypeKey"] == "service_desk"


def test_a_platform_comment_on_a_service_project_is_public_unless_the_property_says_internal(jira_sim):
    session = api_session()
    _service_project(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    public = _comment(jira_sim, session, key, "visible to the customer").json()
    internal = _comment(jira_sim, session, key, "agents only", properties=INTERNAL).json()
    assert public["jsdPublic"] is True and internal["jsdPublic"] is False
    assert internal["properties"] == INTERNAL
    not_quite = [{"key": "sd.public.comment", "value": {"internal": "true"}}]
    assert _comment(jira_sim, session, key, "a string is not true", properties=not_quite).json()["jsdPublic"] is True
    listed = session.get(f"{api_base(jira_sim)}/issue/{key}/comment").json()["comments"]
    assert [c["jsdPublic"] for c in listed] == [True, False, True]


def test_outside_a_service_project_every_comment_is_public(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session, project="ABDEV")["key"]
    assert _comment(jira_sim, session, key, "note", properties=INTERNAL).json()["jsdPublic"] is True


def test_data_center_comments_have_no_jsd_public(jira_sim_dc):
    session = api_session()
    _service_project(jira_sim_dc)
    key = create_issue(jira_sim_dc, session)["key"]
    comment = _comment(jira_sim_dc, session, key, "internal", properties=INTERNAL).json()
    assert "jsdPublic" not in comment and comment["properties"] == INTERNAL


def test_a_customer_cannot_make_an_internal_comment(jira_sim):
    session = api_session(HUMAN_AUTH)
    _service_project(jira_sim, customers=[HUMAN.account_id])
    key = create_issue(jira_sim, session)["key"]
    comment = _comment(jira_sim, session, key, "meant internal", properties=INTERNAL).json()
    assert comment["jsdPublic"] is True and comment["properties"] == INTERNAL  # kept, and public all the same


@pytest.mark.parametrize(("visibility", "returned"), [
    ({"type": "role", "value": "Developers"}, {"type": "role", "value": "Developers", "identifier": "Developers"}),
    ({"type": "group", "value": "jira-administrators"},
     {"type": "group", "value": "jira-administrators", "identifier": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a01"}),
    ({"type": "group", "identifier": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a02"},
     {"type": "group", "value": "jira-software-users", "identifier": "5f1c9a52-0b0e-4c49-9c0b-6c5e2f0d1a02"}),
])
def test_visibility_is_kept_and_returned_with_its_identifier(jira_sim, visibility, returned):
    session = api_session()
    key = create_issue(jira_sim, session, project="ABDEV")["key"]
    created = _comment(jira_sim, session, key, "restricted", visibility=visibility).json()
    assert created["visibility"] == returned and created["jsdPublic"] is True  # a restriction is not "internal"
    read = session.get(f"{api_base(jira_sim)}/issue/{key}/comment/{created['id']}").json()
    assert read["visibility"] == returned


def test_data_center_returns_visibility_without_identifier(jira_sim_dc):
    session = api_session()
    key = create_issue(jira_sim_dc, session, project="ABDEV")["key"]
    created = _comment(jira_sim_dc, session, key, "r", visibility={"type": "role", "value": "Developers"}).json()
    assert created["visibility"] == {"type": "role", "value": "Developers"}


@pytest.mark.parametrize("visibility", [{"type": "team", "value": "x"}, {"type": "role", "value": "Nobody"},
                                        {"type": "group", "value": "no-such-group"}, "role"])
def test_a_bad_visibility_is_400_naming_comment_level(jira_sim, visibility):
    session = api_session()
    key = create_issue(jira_sim, session, project="ABDEV")["key"]
    answer = _comment(jira_sim, session, key, "r", visibility=visibility)
    assert answer.status_code == 400 and "commentLevel" in answer.json()["errors"]
    assert session.get(f"{api_base(jira_sim)}/issue/{key}/comment").json()["total"] == 0


def test_editing_a_comment_keeps_or_replaces_its_visibility_and_properties(jira_sim):
    session = api_session()
    _service_project(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    created = _comment(jira_sim, session, key, "first", properties=INTERNAL,
                       visibility={"type": "role", "value": "Service Desk Team"}).json()
    url = f"{api_base(jira_sim)}/issue/{key}/comment/{created['id']}"
    kept = session.put(url, params={"expand": "properties"}, json={"body": body_text(jira_sim, "second")}).json()
    assert kept["visibility"]["value"] == "Service Desk Team" and kept["jsdPublic"] is False
    assert kept["properties"] == INTERNAL
    lifted = session.put(url, json={"body": body_text(jira_sim, "third"), "visibility": None,
                                    "properties": [{"key": "sd.public.comment", "value": {"internal": False}}]}).json()
    assert "visibility" not in lifted and lifted["jsdPublic"] is True


def test_the_service_management_api_makes_internal_comments_the_platform_api_sees(any_sim):
    session = api_session()
    _service_project(any_sim)
    key = create_issue(any_sim, session)["key"]
    url = f"{any_sim.url}/rest/servicedeskapi/request/{key}/comment"
    internal = session.post(url, json={"body": "agents only", "public": False})
    assert internal.status_code == 201
    dto = internal.json()
    assert (dto["public"], dto["body"]) == (False, "agents only")
    assert set(dto) == {"_expands", "id", "body", "public", "author", "created", "_links"}
    assert set(dto["created"]) == {"iso8601", "jira", "friendly", "epochMillis"}
    public = session.post(url, json={"body": "hello customer"}).json()  # no `public`: public
    assert public["public"] is True
    platform = session.get(f"{api_base(any_sim)}/issue/{key}/comment", params={"expand": "properties"}).json()
    by_id = {c["id"]: c for c in platform["comments"]}
    assert by_id[dto["id"]]["properties"] == INTERNAL and by_id[public["id"]]["properties"] == []
    if any_sim.site.deployment == "cloud":
        assert (by_id[dto["id"]]["jsdPublic"], by_id[public["id"]]["jsdPublic"]) == (False, True)
    assert session.get(f"{url}/{dto['id']}").json()["public"] is False


def test_the_service_management_api_pages_and_filters_comments(jira_sim):
    session = api_session()
    _service_project(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    url = f"{jira_sim.url}/rest/servicedeskapi/request/{key}/comment"
    for n in range(5):
        session.post(url, json={"body": f"c{n}", "public": n % 2 == 0})
    first = session.get(url, params={"limit": 2}).json()
    assert (first["size"], first["start"], first["limit"], first["isLastPage"]) == (2, 0, 2, False)
    assert [v["body"] for v in first["values"]] == ["c0", "c1"] and "next" in first["_links"]
    last = session.get(url, params={"start": 4, "limit": 2}).json()
    assert last["isLastPage"] is True and [v["body"] for v in last["values"]] == ["c4"]
    only_internal = session.get(url, params={"public": "false"}).json()["values"]
    assert [v["body"] for v in only_internal] == ["c1", "c3"]


def test_a_customer_posting_internal_gets_a_public_comment_and_sees_only_public_ones(jira_sim):
    _service_project(jira_sim, customers=[HUMAN.account_id])
    agent, customer = api_session(), api_session(HUMAN_AUTH)
    key = create_issue(jira_sim, agent)["key"]
    url = f"{jira_sim.url}/rest/servicedeskapi/request/{key}/comment"
    hidden = agent.post(url, json={"body": "agents only", "public": False}).json()
    asked_internal = customer.post(url, json={"body": "from the customer", "public": False}).json()
    assert asked_internal["public"] is True
    assert [v["body"] for v in customer.get(url).json()["values"]] == ["from the customer"]
    assert customer.get(f"{url}/{hidden['id']}").status_code == 404


def test_the_service_management_api_knows_only_customer_requests(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session, project="ABDEV")["key"]
    answer = session.post(f"{jira_sim.url}/rest/servicedeskapi/request/{key}/comment", json={"body": "x"})
    assert answer.status_code == 404 and set(answer.json()) == {"errorMessage", "i18nErrorMessage"}
    _service_project(jira_sim)
    key = create_issue(jira_sim, session)["key"]
    bad = session.post(f"{jira_sim.url}/rest/servicedeskapi/request/{key}/comment", json={"body": "x", "public": "no"})
    assert bad.status_code == 400 and bad.json()["errorMessage"]


def _updated(server, session, key: str) -> str:
    return session.get(f"{api_base(server)}/issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]


def test_adding_a_comment_moves_updated_editing_and_deleting_do_not(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    steps = []
    for action in ("add", "edit", "delete"):
        requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 5})
        before = _updated(jira_sim, session, key)
        if action == "add":
            comment_id = _comment(jira_sim, session, key, "one").json()["id"]
        elif action == "edit":
            session.put(f"{api_base(jira_sim)}/issue/{key}/comment/{comment_id}", json={"body": body_text(jira_sim, "two")})
        else:
            assert session.delete(f"{api_base(jira_sim)}/issue/{key}/comment/{comment_id}").status_code == 204
        steps.append(_updated(jira_sim, session, key) != before)
    assert steps == [True, False, False]


def test_the_comment_touch_knob_lets_a_test_choose(jira_sim):
    session = api_session()
    assert requests.get(f"{jira_sim.url}/_sim/comments/touch").json() == {"add": True, "edit": False, "delete": False}
    assert requests.post(f"{jira_sim.url}/_sim/comments/touch", json={"add": False, "delete": True}).status_code == 200
    key = create_issue(jira_sim, session)["key"]
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 5})
    before = _updated(jira_sim, session, key)
    comment_id = _comment(jira_sim, session, key, "one").json()["id"]
    assert _updated(jira_sim, session, key) == before
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 5})
    session.delete(f"{api_base(jira_sim)}/issue/{key}/comment/{comment_id}")
    assert _updated(jira_sim, session, key) != before
    assert requests.post(f"{jira_sim.url}/_sim/comments/touch", json={"add": "yes"}).status_code == 400


def test_comment_pages_default_to_50_and_hold_at_most_100(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    for n in range(120):
        jira_sim.site.clock.advance(0.001)
        _comment(jira_sim, session, key, f"c{n}")
    url = f"{api_base(jira_sim)}/issue/{key}/comment"
    default = session.get(url).json()
    assert (default["maxResults"], default["total"], len(default["comments"])) == (50, 120, 50)
    capped = session.get(url, params={"maxResults": 1000, "startAt": 10}).json()
    assert (capped["maxResults"], capped["startAt"], len(capped["comments"])) == (100, 10, 100)


def test_bad_setup_is_refused_naming_the_key(jira_sim):
    answer = requests.patch(f"{jira_sim.url}/_sim/projects/ABSUP", json={"projectType": "helpdesk"})
    assert answer.status_code == 400 and "projectType" in answer.json()["errorMessages"][0]
    answer = requests.patch(f"{jira_sim.url}/_sim/projects/ABSUP", json={"customers": ["nobody"]})
    assert answer.status_code == 400 and "customers" in answer.json()["errorMessages"][0]

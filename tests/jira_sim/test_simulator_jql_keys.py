"""JQL by issue key and id (`key`, `issuekey`, `issue`, `id`): unknown or hidden issues answer Jira's 400."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, create_issue


def search(server, jql: str) -> requests.Response:
    path = "search/jql" if server.site.deployment == "cloud" else "search"
    return api_session().post(f"{api_base(server)}/{path}", json={"jql": jql, "fields": ["summary"]})


def keys(answer: requests.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [issue["key"] for issue in answer.json()["issues"]]


@pytest.mark.parametrize(("clause", "name"), [("key in (ABSUP-1, ABSUP-99)", "key"), ("issuekey = ABSUP-99", "issuekey"),
                                             ("issue in (ABSUP-99)", "issue"), ("id = 99999", "id")])
def test_an_issue_that_does_not_exist_is_400_naming_the_field_as_written(any_sim, clause, name):
    create_issue(any_sim, api_session())
    answer = search(any_sim, clause)
    missing = clause.split("=")[-1].strip() if "=" in clause else "ABSUP-99"
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] == [f"An issue with key '{missing}' does not exist for field '{name}'."]


def test_keys_and_ids_find_the_same_issues(any_sim):
    session = api_session()
    first, second = create_issue(any_sim, session), create_issue(any_sim, session)
    assert keys(search(any_sim, f"key in ({first['key']}, {second['key']}) ORDER BY key ASC")) == [first["key"], second["key"]]
    assert keys(search(any_sim, f"id in ({first['id']}, {second['id']}) ORDER BY id DESC")) == [second["key"], first["key"]]
    assert keys(search(any_sim, f"issuekey = {first['id']}")) == [first["key"]]
    assert keys(search(any_sim, f"project = ABSUP AND id != {first['id']}")) == [second["key"]]


def test_an_issue_the_caller_may_not_see_does_not_exist_for_jql(any_sim):
    hidden = create_issue(any_sim, api_session(), project="ABDEV")["key"]
    requests.patch(f"{any_sim.url}/_sim/users/{BOT.account_id}", json={"projects": ["ABSUP"]})
    answer = search(any_sim, f"key = {hidden}")
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] == [f"An issue with key '{hidden}' does not exist for field 'key'."]


def test_a_malformed_key_is_invalid_rather_than_missing(any_sim):
    answer = search(any_sim, "key = 'not a key'")
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] == ["The issue key 'not a key' for field 'key' is invalid."]

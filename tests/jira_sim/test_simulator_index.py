"""Late indexing: lags of any length on the simulator's clock, held changes, Cloud's reconcileIssues."""

from __future__ import annotations

from datetime import timedelta

import requests

from jira_sim.formats import parse_jira
from tests.support.jira_fixtures import api_base, api_session, create_issue


def configure(server, **knobs) -> None:
    assert requests.post(f"{server.url}/_sim/config", json=knobs).status_code == 200


def advance(server, seconds: float) -> None:
    assert requests.post(f"{server.url}/_sim/clock/advance", json={"seconds": seconds}).status_code == 200


def hold(server, key: str, seconds: float, current: bool = False) -> dict:
    answer = requests.post(f"{server.url}/_sim/index/hold", json={"key": key, "seconds": seconds, "current": current})
    assert answer.status_code == 200, answer.text
    return answer.json()


def search(server, jql: str = "project = ABSUP", **extra) -> list[dict]:
    answer = api_session().post(f"{api_base(server)}/search/jql", json={"jql": jql, "fields": ["summary", "updated"], **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()["issues"]


def edit(server, key: str, summary: str) -> None:
    assert api_session().put(f"{api_base(server)}/issue/{key}", json={"fields": {"summary": summary}}).status_code == 204


def test_a_lag_of_days_ends_on_the_simulators_clock(jira_sim):
    configure(jira_sim, index_lag_seconds=3 * 24 * 3600)
    key = create_issue(jira_sim, api_session())["key"]
    assert search(jira_sim) == []
    assert api_session().get(f"{api_base(jira_sim)}/issue/{key}").status_code == 200
    advance(jira_sim, 3 * 24 * 3600 - 1)
    assert search(jira_sim) == []
    advance(jira_sim, 1)
    assert [i["key"] for i in search(jira_sim)] == [key]


def test_a_held_change_is_searched_late_with_the_updated_it_was_made_at(jira_sim):
    key = create_issue(jira_sim, api_session(), summary="before")["key"]
    hold(jira_sim, key, 120)
    edit(jira_sim, key, "after")
    edited_at = api_session().get(f"{api_base(jira_sim)}/issue/{key}").json()["fields"]["updated"]
    assert [i["fields"]["summary"] for i in search(jira_sim)] == ["before"]
    held = requests.get(f"{jira_sim.url}/_sim/index").json()["held"]
    assert list(held) == [key]
    advance(jira_sim, 120)
    (found,) = search(jira_sim)
    assert (found["fields"]["summary"], found["fields"]["updated"]) == ("after", edited_at)
    # It surfaces after the moment a poller of recent changes has already passed.
    assert search(jira_sim, "project = ABSUP AND updated >= -1m") == []
    assert requests.get(f"{jira_sim.url}/_sim/index").json() == {"pending": 0, "held": {}}


def test_holding_the_current_version_falls_back_to_the_one_before(jira_sim):
    key = create_issue(jira_sim, api_session(), summary="first")["key"]
    edit(jira_sim, key, "second")
    assert [i["fields"]["summary"] for i in search(jira_sim)] == ["second"]
    hold(jira_sim, key, 30, current=True)
    assert [i["fields"]["summary"] for i in search(jira_sim)] == ["first"]
    advance(jira_sim, 30)
    assert [i["fields"]["summary"] for i in search(jira_sim)] == ["second"]


def test_holding_a_new_issue_keeps_it_out_of_search_until_the_hold_ends(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    now = parse_jira(requests.get(f"{jira_sim.url}/_sim/clock").json()["now"])
    until = parse_jira(hold(jira_sim, key, 45, current=True)["until"])
    assert timedelta(seconds=45) <= until - now < timedelta(seconds=46)
    assert search(jira_sim) == []
    advance(jira_sim, 45)
    assert [i["key"] for i in search(jira_sim)] == [key]


def test_hold_knob_refuses_bad_input(jira_sim):
    assert requests.post(f"{jira_sim.url}/_sim/index/hold", json={"key": "ABSUP-99", "seconds": 5}).status_code == 404
    key = create_issue(jira_sim, api_session())["key"]
    for seconds in (0, -1, "5", True, None):
        assert requests.post(f"{jira_sim.url}/_sim/index/hold", json={"key": key, "seconds": seconds}).status_code == 400
    assert requests.post(f"{jira_sim.url}/_sim/index/hold", json={"key": key, "seconds": 5, "current": "yes"}).status_code == 400


def test_reconcile_issues_match_their_current_version(jira_sim):
    configure(jira_sim, index_lag_seconds=600)
    created = create_issue(jira_sim, api_session(), summary="fresh")
    assert search(jira_sim) == []
    (found,) = search(jira_sim, reconcileIssues=[int(created["id"])])
    assert found["fields"]["summary"] == "fresh"
    by_get = api_session().get(f"{api_base(jira_sim)}/search/jql", params={
        "jql": "project = ABSUP", "fields": "summary", "reconcileIssues": created["id"]}).json()["issues"]
    assert [i["key"] for i in by_get] == [created["key"]]
    create_issue(jira_sim, api_session(), summary="other")
    only_the_reconciled = search(jira_sim, reconcileIssues=[int(created["id"])])
    assert [i["key"] for i in only_the_reconciled] == [created["key"]]


def test_reconcile_reflects_an_edit_out_of_the_query(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    issue_id = int(jira_sim.site.issue(key).id)
    configure(jira_sim, index_lag_seconds=600)
    assert api_session().post(f"{api_base(jira_sim)}/issue/{key}/transitions",
                              json={"transition": {"id": "11"}}).status_code == 204
    assert [i["key"] for i in search(jira_sim, "project = ABSUP AND status = 'To Do'")] == [key]
    assert search(jira_sim, "project = ABSUP AND status = 'To Do'", reconcileIssues=[issue_id]) == []


def test_more_than_fifty_or_non_numeric_reconcile_issues_are_400(jira_sim):
    url = f"{api_base(jira_sim)}/search/jql"

    def post(reconcile) -> requests.Response:
        return api_session().post(url, json={"jql": "project = ABSUP", "reconcileIssues": reconcile})

    too_many = post(list(range(51)))
    assert too_many.status_code == 400 and too_many.json()["errorMessages"]
    by_get = api_session().get(url, params={"jql": "project = ABSUP", "reconcileIssues": ",".join(map(str, range(51)))})
    assert by_get.status_code == 400
    assert post(["ABSUP-1"]).status_code == 400
    assert post(list(range(50))).status_code == 200

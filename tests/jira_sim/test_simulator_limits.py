"""Rate limits and size limits as Jira Cloud documents them: reset header, per-issue writes, attachment size."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from jira_sim.formats import parse_jira
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue


def configure(server, **knobs) -> dict:
    answer = requests.post(f"{server.url}/_sim/config", json=knobs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def clock(server):
    return parse_jira(requests.get(f"{server.url}/_sim/clock").json()["now"])


def test_rate_limit_reset_is_the_request_time_plus_retry_after_at_minute_precision(jira_sim):
    configure(jira_sim, rate_limit={"next_n": 1, "retry_after_seconds": 90})
    before = clock(jira_sim)
    limited = api_session().get(f"{api_base(jira_sim)}/myself")
    assert limited.status_code == 429
    reset = limited.headers["X-RateLimit-Reset"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", reset), reset
    expected = (before + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%MZ")
    assert reset in (expected, (before + timedelta(seconds=91)).strftime("%Y-%m-%dT%H:%MZ"))


def test_per_issue_write_limit_answers_429_for_that_issue_only(jira_sim):
    session = api_session()
    base = api_base(jira_sim)
    busy, calm = create_issue(jira_sim, session)["key"], create_issue(jira_sim, session)["key"]
    configure(jira_sim, per_issue_writes={"limit": 2, "window_seconds": 10})
    first = session.put(f"{base}/issue/{busy}", json={"fields": {"summary": "one"}})
    second = session.post(f"{base}/issue/{busy}/comment", json={"body": body_text(jira_sim, "two")})
    third = session.put(f"{base}/issue/{busy}", json={"fields": {"summary": "three"}})
    assert (first.status_code, second.status_code, third.status_code) == (204, 201, 429)
    assert third.headers["RateLimit-Reason"] == "jira-per-issue-on-write"
    assert 1 <= int(third.headers["Retry-After"]) <= 10
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", third.headers["X-RateLimit-Reset"])
    assert jira_sim.site.issue(busy).summary == "one"
    assert session.get(f"{base}/issue/{busy}").status_code == 200
    assert session.put(f"{base}/issue/{calm}", json={"fields": {"summary": "fine"}}).status_code == 204
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 10})
    assert session.put(f"{base}/issue/{busy}", json={"fields": {"summary": "later"}}).status_code == 204


def test_per_issue_write_limit_is_off_by_default(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    statuses = {session.put(f"{api_base(jira_sim)}/issue/{key}", json={"fields": {"summary": f"n{n}"}}).status_code
                for n in range(30)}
    assert statuses == {204}


def test_an_attachment_over_the_size_limit_is_413_and_nothing_is_attached(any_sim):
    session = api_session()
    key = create_issue(any_sim, session)["key"]
    configure(any_sim, attachments={"max_bytes": 4})
    url = f"{api_base(any_sim)}/issue/{key}/attachments"
    headers = {"X-Atlassian-Token": "no-check"}
    too_big = session.post(url, headers=headers, files=[("file", ("a.txt", b"1234")), ("file", ("b.txt", b"12345"))])
    assert too_big.status_code == 413
    assert too_big.json() == {"errorMessages": ["The field file exceeds its maximum permitted size of 4 bytes."],
                              "errors": {}}
    assert any_sim.site.issue(key).attachments == ()
    assert session.post(url, headers=headers, files={"file": ("a.txt", b"1234")}).status_code == 200


def test_unknown_knobs_inside_a_group_are_refused(jira_sim):
    answer = requests.post(f"{jira_sim.url}/_sim/config", json={"per_issue_writes": {"limitt": 1}})
    assert answer.status_code == 400 and "limitt" in answer.text

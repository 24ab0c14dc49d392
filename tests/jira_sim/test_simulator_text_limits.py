"""Descriptions and comments over Jira's 32,767-character limit are refused with its 400."""

from __future__ import annotations

import pytest

from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue

TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."


def adf(text: str) -> dict:
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def test_a_v2_description_of_exactly_the_limit_is_accepted_one_more_is_refused(jira_sim_dc):
    session = api_session()
    create_issue(jira_sim_dc, session, description="x" * 32767)
    refused = session.post(f"{api_base(jira_sim_dc)}/issue", json={"fields": {
        "project": {"key": "ABSUP"}, "summary": "long", "issuetype": {"name": "Bug"}, "description": "x" * 32768}})
    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [], "errors": {"description": TOO_LONG}}
    assert [i.summary for i in jira_sim_dc.site.issues.values()] == ["Printer on fire"]


def test_characters_count_as_java_counts_them(jira_sim_dc):
    emoji = "\N{GRINNING FACE}" * 16384  # 16,384 code points, 32,768 UTF-16 units
    refused = api_session().post(f"{api_base(jira_sim_dc)}/issue", json={"fields": {
        "project": {"key": "ABSUP"}, "summary": "emoji", "issuetype": {"name": "Bug"}, "description": emoji}})
    assert refused.status_code == 400 and refused.json()["errors"] == {"description": TOO_LONG}


def test_a_v3_document_counts_as_sent(jira_sim):
    session = api_session()
    create_issue(jira_sim, session, description=adf("x" * 32000))
    refused = session.post(f"{api_base(jira_sim)}/issue", json={"fields": {
        "project": {"key": "ABSUP"}, "summary": "long", "issuetype": {"name": "Bug"}, "description": adf("x" * 32767)}})
    assert refused.status_code == 400 and refused.json()["errors"] == {"description": TOO_LONG}


def test_editing_a_description_over_the_limit_is_refused_and_changes_nothing(any_sim):
    session = api_session()
    key = create_issue(any_sim, session, description=body_text(any_sim, "short"))["key"]
    refused = session.put(f"{api_base(any_sim)}/issue/{key}", json={"fields": {"description": body_text(any_sim, "y" * 40000)}})
    assert refused.status_code == 400 and refused.json()["errors"] == {"description": TOO_LONG}
    assert session.get(f"{api_base(any_sim)}/issue/{key}").json()["fields"]["description"] == body_text(any_sim, "short")


@pytest.mark.parametrize("operation", ["add", "edit"])
def test_a_comment_over_the_limit_is_refused(any_sim, operation):
    session = api_session()
    base = api_base(any_sim)
    key = create_issue(any_sim, session)["key"]
    url = f"{base}/issue/{key}/comment"
    if operation == "edit":
        url += "/" + session.post(url, json={"body": body_text(any_sim, "fine")}).json()["id"]
    send = session.put if operation == "edit" else session.post
    refused = send(url, json={"body": body_text(any_sim, "z" * 32768)})
    assert refused.status_code == 400 and refused.json()["errors"] == {"comment": TOO_LONG}

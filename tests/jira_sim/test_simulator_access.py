"""Who the simulator lets in: revoked credentials, wrong credentials, anonymous callers, per deployment."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue

SERAPH = "X-Seraph-LoginReason"
NOT_AUTHENTICATED = ["You are not authenticated. Authentication required to perform this operation."]


def revoke(server, *credentials: str, action: str = "revoke") -> dict:
    body = {"credentials": list(credentials)} if credentials else None
    answer = requests.post(f"{server.url}/_sim/users/{BOT.account_id}/{action}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_revoking_and_restoring_the_api_token(jira_sim):
    base = api_base(jira_sim)
    assert revoke(jira_sim, "apiToken") == {"accountId": BOT.account_id, "revoked": ["apiToken"]}
    assert api_session().get(f"{base}/myself").status_code == 401
    assert revoke(jira_sim, action="restore")["revoked"] == []
    me = api_session().get(f"{base}/myself")
    assert me.status_code == 200 and me.headers[SERAPH] == "OK"


def test_a_revoked_pat_no_longer_authenticates_on_data_center_but_basic_still_does(jira_sim_dc):
    base = api_base(jira_sim_dc)
    revoke(jira_sim_dc, "pat")
    assert api_session(bearer=BOT.pat).get(f"{base}/myself").status_code == 401
    assert api_session().get(f"{base}/myself").status_code == 200


def test_a_revoked_cloud_caller_is_anonymous(jira_sim):
    base = api_base(jira_sim)
    key = create_issue(jira_sim, api_session())["key"]
    revoke(jira_sim)
    session = api_session()

    issue = session.get(f"{base}/issue/{key}")
    assert issue.status_code == 404
    assert issue.json()["errorMessages"] == ["Issue does not exist or you do not have permission to see it."]
    found = session.post(f"{base}/search/jql", json={"jql": "project = ABSUP", "fields": ["summary"]})
    assert found.status_code == 400
    assert found.json()["errorMessages"] == ["The value 'ABSUP' does not exist for the field 'project'."]
    assert session.get(f"{base}/project").json() == []
    writes = [session.put(f"{base}/issue/{key}", json={"fields": {"summary": "x"}}),
              session.post(f"{base}/issue/{key}/comment", json={"body": body_text(jira_sim, "x")}),
              session.post(f"{base}/issue", json={"fields": {"project": {"key": "ABSUP"}, "summary": "x"}}),
              session.delete(f"{base}/issue/{key}")]
    assert [w.status_code for w in writes] == [401, 401, 401, 401]
    assert all(w.json()["errorMessages"] == NOT_AUTHENTICATED for w in writes)
    me = session.get(f"{base}/myself")
    assert me.status_code == 401
    for answer in (issue, found, *writes, me):
        assert answer.headers[SERAPH] == "AUTHENTICATED_FAILED"
    assert jira_sim.site.issue(key).summary == "Printer on fire"


@pytest.mark.parametrize("credentials", [(BOT.email, "wrong"), ("nobody@example.test", "x"), (BOT.account_id, BOT.api_token)])
def test_wrong_credentials_on_cloud_are_the_same_anonymous_caller(jira_sim, credentials):
    key = create_issue(jira_sim, api_session())["key"]
    answer = api_session(auth=credentials).get(f"{api_base(jira_sim)}/issue/{key}")
    assert (answer.status_code, answer.headers[SERAPH]) == (404, "AUTHENTICATED_FAILED")


def test_no_credentials_on_cloud_is_anonymous_without_a_failed_login(jira_sim):
    key = create_issue(jira_sim, api_session())["key"]
    answer = api_session(auth=None).get(f"{api_base(jira_sim)}/issue/{key}")
    assert answer.status_code == 404 and SERAPH not in answer.headers


def test_data_center_answers_401_to_a_revoked_caller_everywhere(jira_sim_dc):
    base = api_base(jira_sim_dc)
    key = create_issue(jira_sim_dc, api_session())["key"]
    revoke(jira_sim_dc)
    session = api_session()
    answers = [session.get(f"{base}/issue/{key}"), session.post(f"{base}/search", json={"jql": "project = ABSUP"}),
               session.put(f"{base}/issue/{key}", json={"fields": {"summary": "x"}}), session.get(f"{base}/myself")]
    assert {(a.status_code, a.headers[SERAPH]) for a in answers} == {(401, "AUTHENTICATED_FAILED")}
    assert all(a.json()["errorMessages"] == NOT_AUTHENTICATED for a in answers)


def test_server_info_answers_anonymous_callers_but_not_wrong_credentials(any_sim):
    url = f"{api_base(any_sim)}/serverInfo"
    assert api_session(auth=None).get(url).status_code == 200
    wrong = api_session(auth=(BOT.email, "wrong")).get(url)
    assert (wrong.status_code, wrong.headers[SERAPH]) == (401, "AUTHENTICATED_FAILED")


def test_revoke_knob_refuses_unknown_credentials_and_users(jira_sim):
    assert requests.post(f"{jira_sim.url}/_sim/users/{BOT.account_id}/revoke", json={"credentials": ["password"]}).status_code == 400
    assert requests.post(f"{jira_sim.url}/_sim/users/nobody/revoke").status_code == 404

"""Cloud serves attachment bytes from a separate media host by a signed, expiring redirect; Data Center directly.
A comment's ADF keeps the media nodes it was sent with (Platform OpenAPI: `Comment.body` is the comment
in Atlassian Document Format)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from jira_sim.seed import BOT, HUMAN
from tests.support.jira_fixtures import HUMAN_AUTH, api_base, api_session, create_issue


def upload(server, session, content: bytes = b"core dump") -> dict:
    key = create_issue(server, session)["key"]
    answer = session.post(f"{api_base(server)}/issue/{key}/attachments", headers={"X-Atlassian-Token": "no-check"},
                          files={"file": ("dump.bin", content)})
    assert answer.status_code == 200, answer.text
    return answer.json()[0]


def media_log(server) -> list[dict]:
    return requests.get(f"{server.url}/_sim/media").json()["requests"]


def test_cloud_content_redirects_with_303_to_the_media_host(jira_sim):
    session = api_session()
    attachment = upload(jira_sim, session)
    answer = session.get(attachment["content"], allow_redirects=False)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == jira_sim.media_url != jira_sim.url
    assert location.path == f"/file/{attachment['id']}/binary"


def test_following_the_redirect_never_hands_the_media_host_the_authorization(jira_sim):
    session = api_session()
    attachment = upload(jira_sim, session)
    followed = session.get(attachment["content"])
    assert followed.status_code == 200 and followed.content == b"core dump"
    assert [r.status_code for r in followed.history] == [303]
    (fetch,) = media_log(jira_sim)
    assert fetch["status"] == 200 and "user-agent" in fetch["headers"]
    assert "authorization" not in fetch["headers"]  # requests drops it on a redirect to another host:port


def test_the_media_host_records_an_authorization_it_is_sent(jira_sim):
    session = api_session()
    location = session.get(upload(jira_sim, session)["content"], allow_redirects=False).headers["Location"]
    assert requests.get(location, auth=BOT.basic_auth).status_code == 200
    assert "authorization" in media_log(jira_sim)[-1]["headers"]


def test_media_urls_expire_on_the_simulators_clock_and_cannot_be_forged(jira_sim):
    session = api_session()
    attachment = upload(jira_sim, session)
    requests.post(f"{jira_sim.url}/_sim/config", json={"attachments": {"media_url_seconds": 60}})
    location = session.get(attachment["content"], allow_redirects=False).headers["Location"]
    forged = location.replace(f"/file/{attachment['id']}/", "/file/999999/")
    assert requests.get(forged).status_code == 403
    assert requests.get(location).status_code == 200
    requests.post(f"{jira_sim.url}/_sim/clock/advance", json={"seconds": 61})
    expired = requests.get(location)
    assert expired.status_code == 403 and expired.json()["error"]


def test_redirect_false_serves_the_bytes_from_the_site(jira_sim):
    session = api_session()
    attachment = upload(jira_sim, session)
    direct = session.get(attachment["content"], params={"redirect": "false"}, allow_redirects=False)
    assert direct.status_code == 200 and direct.content == b"core dump"
    assert media_log(jira_sim) == []


def test_media_fetches_are_in_the_request_log(jira_sim):
    session = api_session()
    session.get(upload(jira_sim, session)["content"])
    counts = requests.get(f"{jira_sim.url}/_sim/requests").json()["counts"]
    assert counts["GET /rest/api/3/attachment/content/{attachment_id}"] == 1
    assert counts["GET /file/{attachmentId}/binary"] == 1


def test_data_center_serves_attachment_bytes_directly(jira_sim_dc):
    session = api_session()
    attachment = upload(jira_sim_dc, session)
    direct = session.get(attachment["content"], allow_redirects=False)
    assert direct.status_code == 200 and direct.content == b"core dump"
    assert jira_sim_dc.media_url == ""
    by_id = session.get(f"{api_base(jira_sim_dc)}/attachment/content/{attachment['id']}", allow_redirects=False)
    assert by_id.status_code == 200


def test_the_download_operation_of_an_attachment_opens_it_for_a_person(jira_sim):
    """`GET /rest/api/3/attachment/content/{id}` (OpenAPI *getAttachmentContent*: 303 with the
    download URL in `Location`) from the site's `baseUrl`: what a link to an attachment opens."""
    attachment = upload(jira_sim, api_session())
    base_url = api_session(HUMAN_AUTH).get(f"{api_base(jira_sim)}/serverInfo").json()["baseUrl"]
    person = api_session(HUMAN_AUTH)
    url = f"{base_url}/rest/api/3/attachment/content/{attachment['id']}"
    assert person.get(url, allow_redirects=False).status_code == 303
    opened = person.get(url)
    assert opened.status_code == 200 and opened.content == b"core dump"
    assert attachment["author"]["accountId"] == BOT.account_id != HUMAN.account_id


def test_a_comments_media_nodes_come_back_as_they_were_sent(jira_sim):
    session = api_session()
    key = create_issue(jira_sim, session)["key"]
    media = {"id": "4478e39c-cf9b-41d1-ba92-68589487cd75", "type": "file", "collection": "", "alt": "moon.jpeg",
             "width": 225, "height": 225}
    body = {"type": "doc", "version": 1, "content": [
        {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [{"type": "media", "attrs": media}]},
        {"type": "mediaGroup", "content": [{"type": "media", "attrs": {**media, "alt": "log.txt"}}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "see "},
                                          {"type": "mediaInline", "attrs": {**media, "alt": "a.pdf"}}]},
    ]}
    posted = session.post(f"{api_base(jira_sim)}/issue/{key}/comment", json={"body": body})
    assert posted.status_code == 201 and posted.json()["body"] == body
    [listed] = session.get(f"{api_base(jira_sim)}/issue/{key}/comment", params={"expand": "properties"}).json()["comments"]
    assert listed["body"] == body

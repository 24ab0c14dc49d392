"""A Cloud comment that embeds a file of its issue (issue 19): the file is copied to the partner
once, through the attachment copy, and the copy links to that copy, never to the original's
media; a file the sync cannot identify is linked to the original comment. Through the real
engine, the simulator over HTTP and a real MongoDB."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from app.sync.comment_body import comment_url
from jira_sim.seed import HUMAN
from testbed.sync import SyncHarness
from tests.engine.test_engine_comments import accepted, copies, full_scan, make_pair
from tests.support.faults import Crash, CrashingOnCallStore

PNG = b"\x89PNG\r\n\x1a\n fake screenshot"
MEDIA_ID = "4478e39c-cf9b-41d1-ba92-68589487cd75"  # a Media Services id: never a REST attachment id
MEDIA_NODES = {"media", "mediaSingle", "mediaGroup", "mediaInline"}


@pytest.fixture
def pair(jira_sim, mongo_client, db_prefix, tmp_path) -> SyncHarness:
    return make_pair(jira_sim, mongo_client, db_prefix, tmp_path)


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def text(words: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": words}]}


def image(alt: str | None, media_id: str = MEDIA_ID) -> dict[str, Any]:
    """A pasted image as Jira's editor embeds it: a mediaSingle around a media node."""
    attrs: dict[str, Any] = {"id": media_id, "type": "file", "collection": "", "width": 640, "height": 480}
    if alt is not None:
        attrs["alt"] = alt
    return {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [{"type": "media", "attrs": attrs}]}


def nodes(node: Any) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    return [node, *(found for child in node.get("content") or [] for found in nodes(child))]


def links(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, href) of each linked text of the body, the attribution line's apart."""
    return [(n["text"], mark["attrs"]["href"]) for n in nodes({"content": body["content"][1:]})
            for mark in n.get("marks") or [] if mark["type"] == "link"]


def uploads_to(pair: SyncHarness, issue_key: str) -> int:
    issue_id = pair.human.get_issue(issue_key, fields=["status"])["id"]
    log = pair.admin("GET", "requests")["requests"]
    return sum(1 for r in log if r["method"] == "POST" and r["path"].rstrip("/").endswith("/attachments")
               and (f"/issue/{issue_key}/" in r["path"] or f"/issue/{issue_id}/" in r["path"]))


def test_the_copy_links_the_partners_copy_of_an_embedded_image_uploaded_once(pair):
    user_key, dev_key = accepted(pair)
    pair.human.add_attachment(user_key, "screen-2026.png", PNG)
    comment_id = str(pair.human.post_comment(user_key, doc(text("it looks like this:"), image("screen-2026.png")),
                                             {})["id"])
    pair.sync()

    [dev_file] = pair.human.attachments(dev_key)
    assert dev_file["filename"] == "screen-2026.png"
    [(copy, _)] = copies(pair, dev_key)
    assert MEDIA_ID not in json.dumps(copy.body), "the copy names none of the original's media"
    assert not [n for n in nodes(copy.body) if n["type"] in MEDIA_NODES]
    href = f"{pair.bot.site_url}/rest/api/3/attachment/content/{dev_file['id']}"
    assert links(copy.body) == [("📎 screen-2026.png", href)]
    assert copy.body["content"][1] == text("it looks like this:")
    opened = requests.get(href, auth=HUMAN.basic_auth, timeout=5)  # what a signed-in person's click gets
    assert opened.status_code == 200 and opened.content == PNG

    edited = doc(text("it looks like this, since Monday:"), image("screen-2026.png"))
    pair.human.update_comment(user_key, comment_id, edited)
    full_scan(pair)  # an edit need not move `updated`: the full scan finds it
    [(after, words)] = copies(pair, dev_key)
    assert after.id == copy.id and "since Monday" in words
    assert links(after.body) == [("📎 screen-2026.png", href)]
    assert [a["id"] for a in pair.human.attachments(dev_key)] == [dev_file["id"]]
    assert uploads_to(pair, dev_key) == 1, "the file went to Dev once, not again with the edit"

    zoom = pair.human.add_attachment(user_key, "zoom.png", PNG + b"!")[0]
    pair.human.update_comment(user_key, comment_id, doc(text("closer:"), image("screen-2026.png"),
                                                        image("zoom.png", "5a1b3c4d-0000-4000-8000-00000000000a")))
    full_scan(pair)
    [screen, zoomed] = pair.human.attachments(dev_key)
    assert (screen["id"], zoomed["filename"], zoomed["size"]) == (dev_file["id"], "zoom.png", zoom["size"])
    [(after, _)] = copies(pair, dev_key)
    zoom_href = f"{pair.bot.site_url}/rest/api/3/attachment/content/{zoomed['id']}"
    assert links(after.body) == [("📎 screen-2026.png", href), ("📎 zoom.png", zoom_href)]
    assert uploads_to(pair, dev_key) == 2, "a file the edit embeds follows it, once"


def test_a_file_the_sync_cannot_identify_is_linked_to_the_original_comment(pair):
    user_key, dev_key = accepted(pair)
    pair.human.add_attachment(user_key, "trace.log", b"boom")
    inline = {"type": "paragraph", "content": [
        {"type": "text", "text": "the log "},
        {"type": "mediaInline", "attrs": {"id": "9d0c2a1e-0000-4000-8000-000000000001", "type": "file",
                                          "collection": ""}},  # no alt: nothing says which file it is
    ]}
    body = doc(inline, image("gone.png", "9d0c2a1e-0000-4000-8000-000000000002"))  # no attachment of that name
    comment_id = str(pair.human.post_comment(user_key, body, {})["id"])
    pair.sync()

    assert [a["filename"] for a in pair.human.attachments(dev_key)] == ["trace.log"]
    [(copy, _)] = copies(pair, dev_key)
    assert "9d0c2a1e" not in json.dumps(copy.body)
    original = comment_url(pair.bot.site_url, user_key, comment_id)
    assert links(copy.body) == [(f"📎 a file (on {user_key})", original), (f"📎 gone.png (on {user_key})", original)]
    assert copy.body["content"][1]["content"][0] == {"type": "text", "text": "the log "}


@pytest.mark.parametrize(("call", "nth"), [
    ("record_attachment", 1),  # the file was uploaded, its record never written
    ("save_comment_copy", 2),  # the copy was posted, its record never written
])
def test_a_crash_leaves_one_file_and_one_copy_linking_it(pair, call, nth):
    user_key, dev_key = accepted(pair)
    pair.human.add_attachment(user_key, "screen.png", PNG)
    pair.human.post_comment(user_key, doc(image("screen.png")), {})
    crashing = pair.new_engine(CrashingOnCallStore(pair.store.db, call, nth, Crash(), fence=1))
    with pytest.raises(Crash):
        crashing.run_pass()

    pair.sync()  # a restarted worker
    full_scan(pair)
    [dev_file] = pair.human.attachments(dev_key)
    [(copy, _)] = copies(pair, dev_key)
    assert links(copy.body) == [("📎 screen.png", f"{pair.bot.site_url}/rest/api/3/attachment/content/{dev_file['id']}")]
    assert uploads_to(pair, dev_key) == 1

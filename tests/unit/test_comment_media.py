"""What a Cloud copy carries where its original embeds a file (app.sync.comment_media, pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from app.sync.comment_body import copy_body
from app.sync.comment_media import NO_FILES, FileLinks, PartnerFiles, refer_to_copies
from app.sync.jira_answers import CommentView

SITE = "https://acme.atlassian.net"
ORIGINAL = f"{SITE}/browse/SUP-1?focusedCommentId=77"
LINKS = FileLinks(SITE, "SUP-1", ORIGINAL)
LISTED = [{"id": "100", "filename": "screen.png"}, {"id": "101", "filename": "huge.zip"},
          {"id": "102", "filename": "twice.txt"}, {"id": "103", "filename": "twice.txt"},
          {"id": "104", "filename": "from-dev.log"}]
FILES = PartnerFiles.of(LISTED, {"100": "900", "101": None, "102": "902", "103": "903", "104": "804"})


def media(alt: str | None = None, kind: str = "file", node: str = "media", media_id: str = "m-1") -> dict[str, Any]:
    attrs: dict[str, Any] = {"id": media_id, "type": kind, "collection": ""}
    if alt is not None:
        attrs["alt"] = alt
    return {"type": node, "attrs": attrs, "marks": [{"type": "border", "attrs": {"size": 2, "color": "#091e4224"}}]}


def external(url: str = "https://example.com/cat.gif") -> dict[str, Any]:
    return {"type": "media", "attrs": {"type": "external", "url": url}}


def link(text: str, href: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "marks": [{"type": "link", "attrs": {"href": href}}]}


def to_copy(name: str) -> dict[str, Any]:
    return link(f"📎 {name}", f"{SITE}/rest/api/3/attachment/content/{FILES.copy_of(name)}")


def to_original(name: str = "a file") -> dict[str, Any]:
    return link(f"📎 {name} (on SUP-1)", ORIGINAL)


def paragraph(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


@pytest.mark.parametrize(("alt", "copy_id"), [
    ("screen.png", "900"),   # one attachment of that name, copied
    ("from-dev.log", "804"),  # itself a copy of the partner's file: the partner's own file
    ("huge.zip", None),      # never copied (refused by Jira, or there before an adoption)
    ("twice.txt", None),     # two attachments of that name: which one is not known
    ("other.png", None),     # no attachment of that name
    ("", None),
    (None, None),
])
def test_a_file_is_known_by_its_alt_when_exactly_one_attachment_has_that_name(alt, copy_id) -> None:
    assert FILES.copy_of(alt) == copy_id


def test_a_media_single_becomes_a_paragraph_linking_the_partners_copy() -> None:
    single = {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media("screen.png")]}
    assert refer_to_copies([single], FILES, LINKS) == [paragraph(to_copy("screen.png"))]
    assert to_copy("screen.png")["marks"][0]["attrs"]["href"] == f"{SITE}/rest/api/3/attachment/content/900"


def test_a_caption_follows_its_files_link() -> None:
    caption = {"type": "caption", "content": [{"type": "text", "text": "the jam"}]}
    single = {"type": "mediaSingle", "content": [media("screen.png"), caption]}
    assert refer_to_copies([single], FILES, LINKS) == [
        paragraph(to_copy("screen.png"), {"type": "text", "text": " "}, {"type": "text", "text": "the jam"})]


def test_a_media_group_becomes_a_paragraph_per_file_and_keeps_external_media_in_place() -> None:
    group = {"type": "mediaGroup", "content": [media("screen.png"), external(), media("huge.zip"), media()]}
    assert refer_to_copies([group], FILES, LINKS) == [
        paragraph(to_copy("screen.png")),
        {"type": "mediaGroup", "content": [external()]},
        paragraph(to_original("huge.zip")),
        paragraph(to_original()),
    ]


def test_inline_media_becomes_linked_text_in_its_paragraph_wherever_it_is_nested() -> None:
    nested = {"type": "bulletList", "content": [{"type": "listItem", "content": [
        paragraph({"type": "text", "text": "log: "}, media("twice.txt", node="mediaInline"))]}]}
    assert refer_to_copies([nested], FILES, LINKS) == [{"type": "bulletList", "content": [{"type": "listItem", "content": [
        paragraph({"type": "text", "text": "log: "}, to_original("twice.txt"))]}]}]


def test_what_names_no_file_of_the_issue_is_left_as_it_is() -> None:
    kept = [paragraph({"type": "text", "text": "hi"}), {"type": "mediaSingle", "content": [external()]},
            {"type": "rule"}, {"type": "mediaGroup", "content": [external("https://example.com/a.png")]}]
    assert refer_to_copies(kept, FILES, LINKS) == kept


def test_link_media_of_media_services_is_a_file_too() -> None:
    group = {"type": "mediaGroup", "content": [media("screen.png", kind="link")]}
    assert refer_to_copies([group], FILES, LINKS) == [paragraph(to_copy("screen.png"))]


def test_a_cloud_copy_names_none_of_the_originals_media_and_keeps_the_rest() -> None:
    body = {"type": "doc", "version": 1, "content": [
        paragraph({"type": "text", "text": "see"}),
        {"type": "mediaSingle", "content": [media("screen.png", media_id="6f1e-secret-media")]},
    ]}
    original = CommentView.parse({"id": "77", "body": body, "created": "2026-12-01T10:00:00.000+0000",
                                  "author": {"displayName": "Ann"}})
    assert original.created == datetime(2026, 12, 1, 10, tzinfo=UTC)
    copy = copy_body(original, "SUP-1", SITE, "cloud", FILES)
    assert "6f1e-secret-media" not in json.dumps(copy)
    assert copy["content"][1:] == [paragraph({"type": "text", "text": "see"}), paragraph(to_copy("screen.png"))]
    without = copy_body(original, "SUP-1", SITE, "cloud")  # nothing known: the original comment
    assert without["content"][2] == paragraph(to_original("screen.png"))
    assert copy_body(original, "SUP-1", SITE, "cloud", NO_FILES) == without


def test_data_center_copies_keep_the_wiki_markup_that_finds_files_by_name() -> None:
    original = CommentView.parse({"id": "77", "body": "look: !screen.png!", "created": "2026-12-01T10:00:00.000+0000",
                                  "author": {"displayName": "Ann"}})
    assert copy_body(original, "SUP-1", SITE, "datacenter", FILES).endswith("\n\nlook: !screen.png!")

"""Plain text <-> ADF: the shapes Jira Cloud accepts for descriptions and comments."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.jira.adf import adf_to_text, text_to_adf


def test_paragraphs_hard_breaks_and_links_become_adf_nodes():
    doc = text_to_adf("Hello\nsee https://example.test/a?b=1.\n\nSecond")
    assert doc["type"] == "doc" and doc["version"] == 1
    first, second = doc["content"]
    assert [n["type"] for n in first["content"]] == ["text", "hardBreak", "text", "text", "text"]
    link = first["content"][3]
    assert link["text"] == "https://example.test/a?b=1"
    assert link["marks"] == [{"type": "link", "attrs": {"href": "https://example.test/a?b=1"}}]
    assert first["content"][4]["text"] == "."
    assert second == {"type": "paragraph", "content": [{"type": "text", "text": "Second"}]}


def test_blank_text_is_an_empty_document_and_no_empty_text_nodes_are_made():
    assert text_to_adf("") == {"type": "doc", "version": 1, "content": []}
    assert text_to_adf(None)["content"] == []
    doc = text_to_adf("a\n\n\n  \n\nb\r\nc")
    assert adf_to_text(doc) == "a\n\nb\nc"
    for paragraph in doc["content"]:
        assert all(node.get("text", "x") for node in paragraph["content"])


def test_reading_richer_adf_keeps_the_words():
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Title"}]},
            {
                "type": "paragraph",
                "content": [
                    {"type": "mention", "attrs": {"id": "abc", "text": "@Ann"}},
                    {"type": "text", "text": " read "},
                    {"type": "text", "text": "the docs", "marks": [{"type": "link", "attrs": {"href": "https://d.test"}}]},
                    {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
                ],
            },
            {
                "type": "bulletList",
                "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "one"}]}]},
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "two"}]}]},
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "x = 1\ny = 2"}]},
            {"type": "paragraph", "content": [{"type": "inlineCard", "attrs": {"url": "https://card.test"}}]},
        ],
    }
    assert adf_to_text(doc) == (
        "Title\n\n@Ann read the docs (https://d.test)😄\n\n- one\n- two\n\nx = 1\ny = 2\n\nhttps://card.test"
    )


def test_strings_and_none_pass_through_adf_to_text():
    assert adf_to_text("plain *wiki* body") == "plain *wiki* body"
    assert adf_to_text(None) == ""


_word = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8)
_url = st.builds(lambda host, path: f"https://{host}.test/{path}", st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                 st.from_regex(r"[a-z0-9]{0,6}", fullmatch=True))
_line = st.lists(st.one_of(_word, _url), min_size=1, max_size=6).map(" ".join)
_paragraph = st.lists(_line, min_size=1, max_size=3).map("\n".join)
_canonical_text = st.lists(_paragraph, min_size=0, max_size=4).map("\n\n".join)


@given(_canonical_text)
def test_canonical_text_survives_a_round_trip(text):
    assert adf_to_text(text_to_adf(text)) == text


@given(_canonical_text)
def test_every_url_in_the_text_becomes_a_link_mark(text):
    hrefs = [
        mark["attrs"]["href"]
        for paragraph in text_to_adf(text)["content"]
        for node in paragraph["content"]
        for mark in node.get("marks", [])
    ]
    assert all(href in text for href in hrefs)
    assert len(hrefs) == text.count("https://")

"""Comment templates, browse URLs and the description link line."""

from __future__ import annotations

import pytest

from app.sync.actions import AddComment, CommentContext
from app.sync.templates import (
    JIRA_TEXT_LIMIT,
    browse_url,
    description_has_link,
    dev_description,
    fit_text,
    render_template,
)

VALUES = {"sourceKey": "DEV-1", "targetKey": "SUP-1", "sourceStatus": "Closed", "targetStatus": "Resolved",
          "sourceUrl": "https://j/browse/DEV-1", "targetUrl": "https://j/browse/SUP-1"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Fixed in ${sourceKey}", "Fixed in DEV-1"),
        ("${sourceKey}/${sourceKey}", "DEV-1/DEV-1"),
        ("${sourceKey} ${sourceStatus} ${sourceUrl} ${targetKey} ${targetStatus} ${targetUrl}",
         "DEV-1 Closed https://j/browse/DEV-1 SUP-1 Resolved https://j/browse/SUP-1"),
        ("${unknown} stays, ${sourcekey} is case-sensitive", "${unknown} stays, ${sourcekey} is case-sensitive"),
        ("broken ${sourceKey and $sourceKey and ${} and ${ targetKey }",
         "broken ${sourceKey and $sourceKey and ${} and ${ targetKey }"),
        ("$${sourceKey}", "$DEV-1"),
        ("", ""),
    ],
)
def test_render_template(template, expected):
    assert render_template(template, VALUES) == expected


def test_values_are_not_expanded_twice():
    assert render_template("${sourceKey}", {"sourceKey": "${targetKey}", "targetKey": "X"}) == "${targetKey}"


def test_comment_context_renders_unknown_values_as_empty_and_takes_late_target():
    comment = AddComment("user", "Dev issue ${targetKey} (${targetUrl}) for ${sourceKey}",
                         CommentContext(source_key="SUP-1", source_status="Will Do"))
    assert comment.text() == "Dev issue  () for SUP-1"
    assert comment.text(target_key="DEV-3", target_url="https://j/browse/DEV-3") == (
        "Dev issue DEV-3 (https://j/browse/DEV-3) for SUP-1")


@pytest.mark.parametrize("base", ["https://j.example", "https://j.example/"])
def test_browse_url(base):
    assert browse_url(base, "SUP-1") == "https://j.example/browse/SUP-1"


def test_dev_description_appends_the_link_line_once():
    url = "https://j/browse/SUP-1"
    first = dev_description("  Steps to reproduce\n", url)
    assert first == f"Steps to reproduce\n\nUser issue: {url}"
    assert dev_description(first, url) == first
    assert description_has_link(first, url)


@pytest.mark.parametrize("empty", [None, "", "  \n"])
def test_dev_description_of_an_empty_text_is_the_link_line(empty):
    assert dev_description(empty, "https://j/browse/SUP-1") == "User issue: https://j/browse/SUP-1"
    assert not description_has_link(empty, "https://j/browse/SUP-1")


def test_a_description_over_jiras_limit_is_cut_with_a_note_and_keeps_its_link_line():
    url = "https://team.atlassian.net/browse/ABSUP-7"
    whole = dev_description("x" * 40_000, url)
    text = fit_text(whole, url)
    assert len(text) == JIRA_TEXT_LIMIT
    assert text.endswith(f"User issue: {url}")
    assert "cut by jira-sync to fit Jira's limit of 32,767 characters" in text
    assert fit_text("short", url) == "short"
    doubled = fit_text(whole, url, measure=lambda s: 2 * len(s))  # however Jira counts, it fits
    assert 2 * len(doubled) <= JIRA_TEXT_LIMIT and doubled.endswith(f"User issue: {url}")

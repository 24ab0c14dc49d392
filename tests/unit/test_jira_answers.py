"""Jira's answers read once: an issue's fields, its links either way, a comment's marker."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.sync.jira_answers import CommentView, IssueView, linked_issue
from app.sync.marker import KEY, CommentMarker, IssueMarker
from app.sync.model import IssueRef

RAW = {
    "id": 10002, "key": "ABDEV-3",
    "fields": {
        "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        "updated": "2026-11-28T16:20:31.123+0700", "created": "2026-11-28T16:00:00.000+0700",
        "summary": "Printer", "issuetype": {"name": "Bug"}, "priority": None,
        "issuelinks": [{"type": {"name": "Relates"}, "inwardIssue": {"id": "10001", "key": "ABSUP-7"}},
                       {"type": {"name": "Blocks"}, "outwardIssue": {"id": "10009", "key": "ABDEV-9"}},
                       {"type": {"name": "Relates"}}],
        "attachment": [{"id": 55, "filename": "trace.log", "size": 4}, {"filename": "no id"}],
    },
    "properties": {KEY: {"pair": "sync-ab", "userIssueId": "10001", "userIssueKey": "ABSUP-7"}},
}


def test_an_issue_is_read_once_with_what_was_asked_for():
    view = IssueView.parse(RAW)
    assert (view.id, view.key, view.project, view.current_status(), view.status_category) == (
        "10002", "ABDEV-3", "ABDEV", "In Progress", "indeterminate")
    assert view.updated == datetime(2026, 11, 28, 16, 20, 31, 123000, tzinfo=timezone(timedelta(hours=7)))
    assert (view.priority, view.issue_type, view.summary) == (None, "Bug", "Printer")
    assert view.links == (IssueRef("10001", "ABSUP-7"), IssueRef("10009", "ABDEV-9"))
    assert view.links_to("10001") and not view.links_to("10002")
    assert [(a.id, a.filename, a.size) for a in view.attachments] == [("55", "trace.log", 4)]
    assert view.marker == IssueMarker("10001", "ABSUP-7", "sync-ab")


def test_an_issue_read_for_a_few_fields_leaves_the_others_empty():
    view = IssueView.parse({"id": "1", "key": "ABSUP-1", "fields": {"issuelinks": []}})
    assert (view.status, view.updated, view.links, view.marker) == (None, None, (), None)
    with pytest.raises(ValueError, match="ABSUP-1"):
        view.current_status()


@pytest.mark.parametrize("link, expected", [
    ({"inwardIssue": {"id": 1, "key": "A-1"}}, IssueRef("1", "A-1")),
    ({"outwardIssue": {"id": "2", "key": "B-2"}}, IssueRef("2", "B-2")),
    ({"outwardIssue": {"key": "B-2"}}, None),
    ({}, None),
])
def test_one_rule_for_the_other_end_of_a_link(link, expected):
    assert linked_issue(link) == expected


def test_a_comment_carries_our_marker_when_its_properties_were_expanded():
    marked = {"id": "7", "properties": [{"key": KEY, "value": {"changeId": "c1"}}]}
    assert CommentView.parse(marked) == CommentView("7", CommentMarker("c1"))
    assert CommentView.parse({"id": "8"}).marker is None


@pytest.mark.parametrize(("raw", "internal"), [
    ({"id": "1", "jsdPublic": False}, True),  # Cloud says so
    ({"id": "1", "jsdPublic": True, "properties": [{"key": "sd.public.comment", "value": {"internal": True}}]},
     False),  # Cloud's word wins over the property (a customer's comment is public whatever it says)
    ({"id": "1", "properties": [{"key": "sd.public.comment", "value": {"internal": True}}]}, True),  # Data Center
    ({"id": "1", "properties": [{"key": "sd.public.comment", "value": {"internal": "true"}}]}, False),
    ({"id": "1"}, False),
])
def test_a_comment_is_internal_by_jsdPublic_else_by_its_property(raw, internal):
    assert CommentView.parse(raw).internal is internal


def test_a_comment_reads_its_author_times_body_and_restriction():
    view = CommentView.parse({"id": "7", "author": {"displayName": "Hannah Human"}, "body": {"type": "doc"},
                              "created": "2026-12-07T17:20:31.123+0100", "updated": "2026-12-07T17:21:00.000+0100",
                              "visibility": {"type": "role", "value": "Developers", "identifier": "Developers"}})
    assert (view.author, view.body, view.visibility.describe()) == ("Hannah Human", {"type": "doc"}, "role 'Developers'")
    assert view.created == datetime(2026, 12, 7, 16, 20, 31, 123000, tzinfo=UTC)
    assert view.visibility.request() == {"type": "role", "value": "Developers", "identifier": "Developers"}

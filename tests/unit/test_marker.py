"""Our marker on Jira: its shapes as written, read back, and what is not ours."""

import pytest

from app.sync.marker import KEY, CommentMarker, IssueMarker, comment_marker, issue_marker


def test_the_issue_marker_is_written_as_it_always_was_and_reads_back():
    marker = IssueMarker("10001", "ABSUP-7", "sync-ab")
    assert marker.properties() == {KEY: {"pair": "sync-ab", "userIssueId": "10001", "userIssueKey": "ABSUP-7"}}
    assert issue_marker(marker.properties()) == marker and marker.names("10001") and not marker.names("10002")


def test_the_comment_marker_is_written_as_it_always_was_and_reads_back():
    marker = CommentMarker("10001@2026-12-01T09:00:00+00:00")
    assert marker.properties() == {KEY: {"changeId": "10001@2026-12-01T09:00:00+00:00"}}
    expanded = [{"key": "other", "value": {}}, {"key": KEY, "value": marker.properties()[KEY]}]
    assert comment_marker(expanded) == marker


@pytest.mark.parametrize("value", [
    None, "10001", {}, {"userIssueId": None}, {"changeId": "x"},  # absent, not a document, another shape
    {"userIssueId": "10001", "v": 2}, {"userIssueId": "10001", "v": "2"},  # a newer or unknown version
])
def test_what_is_not_an_issue_marker_of_ours_reads_as_none(value):
    assert IssueMarker.read(value) is None


def test_a_comment_marker_is_not_an_issue_marker_nor_the_reverse():
    assert issue_marker({KEY: {"changeId": "x"}}) is None
    assert comment_marker([{"key": KEY, "value": {"userIssueId": "1"}}]) is None
    assert comment_marker(None) is None and issue_marker(None) is None


def test_a_copy_marker_names_the_original_and_is_told_from_a_notice():
    from app.sync.marker import CopyMarker

    copy = CopyMarker("https://team.atlassian.net", "10001", "20002")
    assert copy.properties() == {KEY: {"copyOf": {"site": "https://team.atlassian.net", "issueId": "10001",
                                                  "commentId": "20002"}}}
    assert comment_marker([{"key": KEY, "value": copy.properties()[KEY]}]) == copy
    assert comment_marker([{"key": KEY, "value": CommentMarker("c1").properties()[KEY]}]) == CommentMarker("c1")
    assert issue_marker(copy.properties()) is None


@pytest.mark.parametrize("value", [
    {"copyOf": {"site": "s", "issueId": "1"}},  # no comment id
    {"copyOf": {"site": "s", "issueId": 1, "commentId": "2"}},  # not text
    {"copyOf": "s/1/2"},
    {"copyOf": {"site": "s", "issueId": "1", "commentId": "2"}, "v": 99},  # a newer version: not ours to read
])
def test_what_is_not_a_copy_marker_reads_as_none(value):
    assert comment_marker([{"key": KEY, "value": value}]) is None

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

"""What each recorded fact reads as in a trace (app.trace.lines): one table, each row a stored
event or failure and the lines a person reads for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.sync.failures import FailedChange, FailureKind, failed_again, refused
from app.trace.lines import LineKind, TraceLine, event_lines, failure_line, ordered, pairing_line, touching_leases

AT = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
PASS = datetime(2026, 12, 7, 16, 59, 58, tzinfo=UTC)
BASE = {"at": AT, "bundle": "b1", "pass": PASS, "issueKey": "ABSUP-1", "issueId": "10001", "projectType": "user"}


def processed(**fields):
    return {**BASE, "event": "issue.processed", "from": "To Do", "to": "Will Do", "ruleId": None, "action": "none",
            "result": "nothing to do", "reason": None, "targetKey": None, "mappingExists": False, "seenBy": "search",
            **fields}


EVENTS = [
    pytest.param(processed(ruleId="user-will-do", action="create,comment", result="done", targetKey="ABDEV-1"),
                 [(LineKind.OBSERVED, "[user] To Do → Will Do (by search, pass of 2026-12-07 16:59:58Z)"),
                  (LineKind.DECIDED, "rule 'user-will-do' matched"),
                  (LineKind.ACTED, "create,comment: done (partner ABDEV-1)")], id="created"),
    pytest.param(processed(**{"from": None}, reason="no rule; intermediate status skipped", seenBy="full scan"),
                 [(LineKind.OBSERVED, "[user] (first sighting) → Will Do (by full scan, pass of 2026-12-07 16:59:58Z)"),
                  (LineKind.DECIDED, "no rule applied: no rule; intermediate status skipped"),
                  (LineKind.SKIPPED, "nothing written to Jira (nothing to do)")], id="no rule"),
    pytest.param(processed(ruleId="dev-in-progress", result="failed", error="Jira said 400: no transition",
                           attempts=2, givenUp=False, nextAttemptAt=AT + timedelta(minutes=1)),
                 [(LineKind.OBSERVED, None), (LineKind.DECIDED, "rule 'dev-in-progress' matched"),
                  (LineKind.FAILED, "failed: Jira said 400: no transition; attempt 2; next retry at 2026-12-07 17:01:00Z")],
                 id="failed, retried"),
    pytest.param(processed(ruleId="dev-in-progress", result="failed", error="boom", attempts=8, givenUp=True,
                           nextAttemptAt=AT + timedelta(hours=1), seenBy="retry"),
                 [(LineKind.OBSERVED, "[user] To Do → Will Do (by retry, pass of 2026-12-07 16:59:58Z)"),
                  (LineKind.DECIDED, None),
                  (LineKind.FAILED, "failed: boom; attempt 8, given up (tried again once at 2026-12-07 18:00:00Z)")],
                 id="given up"),
    pytest.param({**BASE, "event": "issue.adopted", "targetKey": "ABDEV-9", "via": "link line"},
                 [(LineKind.PAIRING, "adopted ABDEV-9 as its partner (found by link line)")], id="adopted"),
    pytest.param({**BASE, "event": "creation.carried_out", "action": "link", "result": "done", "targetKey": "ABDEV-2"},
                 [(LineKind.ACTED, "creation carried on: link: done (Dev issue ABDEV-2)")], id="creation"),
    pytest.param({"event": "lease.taken", "at": AT, "bundle": "b2", "fence": 4, "previousHolder": "b1"},
                 [(LineKind.LEASE, "lease handed over: bundle b1 → b2 (fence 4)")], id="hand-over"),
    pytest.param({"event": "lease.taken", "at": AT, "bundle": "b1", "fence": 1, "previousHolder": None},
                 [(LineKind.LEASE, "bundle b1 took up the pair (fence 1)")], id="first holder"),
    pytest.param({**BASE, "event": "request.served", "request": "resync", "outcome": "ABSUP-1 (Will Do) re-read"},
                 [(LineKind.REQUEST, "operator's resync: ABSUP-1 (Will Do) re-read")], id="request"),
    pytest.param({**BASE, "event": "comment.copied", "targetKey": "ABDEV-1"},
                 [(LineKind.ACTED, "comment copied on ABDEV-1")], id="comment copied"),
    pytest.param({**BASE, "event": "comment.skipped", "reason": "internal comment"},
                 [(LineKind.SKIPPED, "comment not copied: internal comment")], id="comment skipped"),
    pytest.param({**BASE, "event": "comment.failed", "reason": "403 from ABDEV-3"},
                 [(LineKind.FAILED, "comment sync failed: 403 from ABDEV-3")], id="comment failed"),
    pytest.param({**BASE, "event": "field.written", "field": "priority", "targetKey": "ABDEV-1", "empty": ""},
                 [(LineKind.EVENT, "field.written: field=priority, targetKey=ABDEV-1")], id="unknown type, generic"),
    pytest.param({**BASE, "event": "attachment.copied", "error": "too large"},
                 [(LineKind.FAILED, "attachment.copied: error=too large")], id="unknown type with an error"),
]


@pytest.mark.parametrize(("event", "expected"), EVENTS)
def test_each_event_reads_as_its_lines(event, expected):
    lines = event_lines(event)
    assert [line.kind for line in lines] == [kind for kind, _ in expected]
    for line, (_, text) in zip(lines, expected, strict=True):
        if text is not None:
            assert line.text == text
        assert line.at == AT and line.bundle == event.get("bundle")


CHANGE = FailedChange("10002", "ABDEV-2", "dev", "To Do", "In Progress")


@pytest.mark.parametrize(("failure", "now", "text"), [
    (failed_again(None, "c1", FailureKind.CHANGE, CHANGE, "Jira said 400", AT), AT,
     "pending failure of To Do → In Progress: Jira said 400; 1 attempt; next retry at 2026-12-07 17:00:30Z"),
    (failed_again(None, "c1", FailureKind.CHANGE, CHANGE, "Jira said 400", AT), AT + timedelta(minutes=5),
     "pending failure of To Do → In Progress: Jira said 400; 1 attempt; retry due at the next pass"),
    (failed_again(None, "c1", FailureKind.CHANGE, CHANGE, "x", AT, max_attempts=1), AT,
     "pending failure of To Do → In Progress: x; 1 attempt; given up, tried again once an hour "
     "(next at 2026-12-07 18:00:00Z); `jira-sync retry` tries now"),
    (refused("r1", CHANGE, "too large", AT), AT,
     "pending failure of To Do → In Progress: too large; 1 attempt; never retried (Jira refused the content)"),
])
def test_a_stored_failure_says_jiras_words_and_the_next_retry(failure, now, text):
    line = failure_line(failure, now)
    assert (line.kind, line.issue_key, line.text) == (LineKind.FAILED, "ABDEV-2", text)


@pytest.mark.parametrize(("partner", "found_by", "created", "text"), [
    ("ABDEV-1", "created", True, "partner ABDEV-1, pairing created"),
    ("ABDEV-1", "adopted (link line)", False, "partner ABDEV-1, pairing adopted (link line)"),
    ("ABDEV-1", "imported", False, "partner ABDEV-1, pairing imported"),
    ("ABDEV-1", None, True, "partner ABDEV-1, pairing created"),
    ("ABDEV-1", None, False, "partner ABDEV-1, pairing found before the sync recorded how (created, adopted or imported)"),
    (None, None, False, "no partner yet (no mapping stored)"),
])
def test_the_pairing_says_how_the_partner_was_found(partner, found_by, created, text):
    assert pairing_line("ABSUP-1", partner, found_by, created).text == text


def test_only_lease_events_after_the_issue_was_first_seen_touch_it():
    issue = [{"at": AT}, {"at": AT + timedelta(minutes=5)}]
    before, during, after = ({"event": "lease.taken", "at": AT + timedelta(minutes=m)} for m in (-1, 2, 9))
    assert touching_leases(issue, [before, during, after]) == [during, after]
    assert touching_leases([], [before]) == []


def test_lines_are_oldest_first_with_the_timeless_ones_on_top():
    late, early = TraceLine(AT, LineKind.ACTED, "A-1", "late"), TraceLine(AT - timedelta(1), LineKind.ACTED, "A-1", "early")
    note = TraceLine(None, LineKind.PAIRING, "A-1", "pairing")
    assert ordered([late, note, early]) == [note, early, late]


@pytest.mark.parametrize(("event", "kind", "text"), [
    ({"event": "field.updated", "field": "summary", "targetKey": "ABDEV-1", "value": "New"}, LineKind.ACTED,
     "field summary copied to ABDEV-1: 'New'"),
    ({"event": "field.conflict", "field": "priority", "targetKey": "ABSUP-1", "value": "High", "lostValue": "Low",
      "userChangedAt": "2026-12-07T10:00:00+00:00", "devChangedAt": "2026-12-07T10:05:00+00:00"}, LineKind.ACTED,
     "field priority changed on both sides: the later change ('High') went to ABSUP-1, 'Low' lost (User side "
     "changed 2026-12-07T10:00:00+00:00, Dev side 2026-12-07T10:05:00+00:00)"),
    ({"event": "field.failed", "field": "fixVersions", "reason": "ABDEV-1 refused fixVersions: Version name '9.9' is "
      "not valid"}, LineKind.FAILED, "field fixVersions not written: ABDEV-1 refused fixVersions: Version name '9.9' "
      "is not valid"),
])
def test_field_events_have_their_sentences_in_the_trace_and_the_activity(event, kind, text):
    [line] = event_lines({**event, "at": datetime(2026, 12, 7, tzinfo=UTC), "issueKey": "ABSUP-1"})
    assert (line.kind, line.text) == (kind, text)

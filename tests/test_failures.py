"""When a failed change is tried again (app.sync.failures, pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.sync.failures import failure_document

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
CHANGE = {"issue_id": "1", "issue_key": "ABSUP-1"}


@pytest.mark.parametrize(("attempts_before", "due_in", "next_in"), [
    pytest.param(0, None, 30, id="first failure: 30 s"),
    pytest.param(3, None, 240, id="fourth failure: 240 s"),
    pytest.param(3, 90, 90, id="its own moment comes first: then"),
    pytest.param(3, 600, 240, id="its own moment comes later: the backoff step"),
    pytest.param(3, -5, 240, id="its own moment passed: the backoff step"),
    pytest.param(7, 90, 90, id="given up, still tried at its own moment"),
])
def test_the_next_attempt_is_the_backoff_step_or_the_failures_own_moment_whichever_comes_first(
        attempts_before, due_in, next_in):
    previous = {"attempts": attempts_before, "first_failed_at": NOW} if attempts_before else None
    due_by = None if due_in is None else NOW + timedelta(seconds=due_in)

    document = failure_document(previous, CHANGE, "CreateDevIssue failed: ...", NOW, due_by=due_by)

    assert document["next_attempt_at"] == NOW + timedelta(seconds=next_in)

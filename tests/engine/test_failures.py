"""The failure document's owner: one value, its stored form, older documents and retry timing."""

from datetime import UTC, datetime, timedelta

import pytest

from app.sync.failures import (
    MAX_ATTEMPTS,
    RETRY_CAP,
    FailedChange,
    Failure,
    FailureKind,
    creation_change,
    failed_again,
    refused,
)
from app.sync.store import PairStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHANGE = FailedChange("10001", "ABSUP-7", "user", "To Do", "Will Do", NOW - timedelta(minutes=1), True, "accept")


def test_a_failure_reads_back_equal_from_its_document():
    failure = failed_again(None, "10001@x", FailureKind.CHANGE, CHANGE, "Jira said 500", NOW)
    assert Failure.from_document({"_id": failure.id, **failure.to_document()}) == failure
    refusal = refused("refused:9", FailedChange("2", "ABDEV-2", "dev", None, None), "too large", NOW)
    assert "next_attempt_at" not in refusal.to_document(), "a refusal is never due"
    assert Failure.from_document({"_id": refusal.id, **refusal.to_document()}) == refusal


def test_the_stored_fields_keep_the_names_older_documents_have():
    document = failed_again(None, "c", FailureKind.CREATION, CHANGE, "boom", NOW).to_document()
    assert {"kind", "issue_id", "issue_key", "side", "from_status", "to_status", "updated", "had_mapping", "rule_id",
            "attempts", "first_failed_at", "last_failed_at", "last_error", "given_up", "next_attempt_at"} == set(document)
    assert document["kind"] == "creation" and document["next_attempt_at"] == "2026-12-01T09:00:30.000000Z"


def test_an_older_document_reads_with_defaults():
    old = Failure.from_document({"_id": "c1", "issue_key": "ABSUP-9", "last_error": "boom", "given_up": 1,
                                 "resolved_at": None})
    assert old.kind is FailureKind.CHANGE and old.change.issue_key == "ABSUP-9" and old.given_up is True
    assert old.attempts == 0 and old.next_attempt_at is None and not old.due(NOW)


def test_attempts_back_off_and_are_given_up_after_max_attempts():
    failure = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        failure = failed_again(failure, "c", FailureKind.CHANGE, CHANGE, f"#{attempt}", NOW + timedelta(hours=attempt))
    assert failure is not None and failure.attempts == MAX_ATTEMPTS and failure.given_up
    assert failure.first_failed_at == NOW + timedelta(hours=1)
    assert failure.next_attempt_at == NOW + timedelta(hours=MAX_ATTEMPTS) + RETRY_CAP


def test_a_creations_failure_keeps_the_change_that_asked_for_it():
    first = failed_again(None, "creation:1", FailureKind.CREATION, CHANGE, "boom", NOW)
    again = creation_change(first, "10001", "ABSUP-7", "Will Do", NOW + timedelta(hours=1), had_mapping=False)
    assert (again.from_status, again.rule_id, again.updated) == ("To Do", "accept", CHANGE.updated)
    fresh = creation_change(None, "10001", "ABSUP-7", "Will Do", NOW, had_mapping=False)
    assert (fresh.from_status, fresh.updated, fresh.side) == (None, NOW, "user")


def test_the_store_keeps_and_finds_due_failures(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    failure = failed_again(None, "c1", FailureKind.CHANGE, CHANGE, "boom", NOW)
    store.record_failure(failure)
    store.record_failure(refused("refused:9", CHANGE, "too large", NOW))
    assert store.failure("c1") == failure
    assert store.due_failures(NOW) == [] and store.due_failures(NOW + timedelta(seconds=30)) == [failure]
    assert store.failure_count() == 2 and [f.id for f in store.pending_failures()] == ["c1", "refused:9"]


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
    previous = (Failure("c", FailureKind.CREATION, CHANGE, attempts_before, NOW, NOW, "boom", False, None)
                if attempts_before else None)
    due_by = None if due_in is None else NOW + timedelta(seconds=due_in)

    failure = failed_again(previous, "c", FailureKind.CREATION, CHANGE, "CreateDevIssue failed: ...", NOW, due_by=due_by)

    assert failure.next_attempt_at == NOW + timedelta(seconds=next_in)

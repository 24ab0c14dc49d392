"""The worker's side of the metrics: the pure accumulator, and the loop carrying it in the heartbeat
(through the real HeartbeatStore into MongoDB and back, where /metrics reads it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.heartbeats import HeartbeatStore, HeartbeatThread
from app.sync.loop import SyncLoop
from app.sync.metrics import PASS_DURATION_BUCKETS, WorkerMetrics
from app.sync.model import PassSummary

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def summary(duration: float, ok: bool = True, **counts: int) -> PassSummary:
    return PassSummary(started_at=NOW, duration_s=duration, ok=ok, counts=counts)


def test_a_fresh_accumulator_reports_zeros_and_empty_buckets():
    document = WorkerMetrics(buckets=(1.0, 5.0)).as_document()

    assert document == {
        "passes_total": 0, "passes_failed": 0, "actions": {},
        "items": {"processed": 0, "changes": 0, "failed": 0, "retried": 0},
        "pass_duration": {"le": [1.0, 5.0], "counts": [0, 0], "sum": 0.0, "count": 0},
        "jira_requests": {},
    }


def test_passes_are_summed_by_outcome_action_kind_and_item():
    metrics = WorkerMetrics()
    metrics.record_pass(summary(0.4, processed=10, changes=2, **{"actions.create": 1, "actions.transition": 1},
                                failures_pending=0))
    metrics.record_pass(summary(0.6, ok=False, processed=3, changes=1, failed=1, retried=2,
                                **{"actions.transition": 2, "actions.comment": 1}, failures_pending=1))

    document = metrics.as_document()

    assert (document["passes_total"], document["passes_failed"]) == (2, 1)
    assert document["actions"] == {"create": 1, "transition": 3, "comment": 1}
    assert document["items"] == {"processed": 13, "changes": 3, "failed": 1, "retried": 2}


def test_comment_counts_are_summed_per_event_and_direction():
    metrics = WorkerMetrics()
    metrics.record_pass(summary(0.2, **{"comments.copied.user_to_dev": 2, "comments.skipped.dev_to_user": 1}))
    metrics.record_pass(summary(0.2, **{"comments.copied.user_to_dev": 1, "comments.deleted.dev_to_user": 1}))

    assert metrics.as_document()["comments"] == {"copied.user_to_dev": 3, "skipped.dev_to_user": 1,
                                                 "deleted.dev_to_user": 1}


def test_field_counts_are_summed_per_event_and_direction():
    metrics = WorkerMetrics()
    metrics.record_pass(summary(0.2, **{"fields.updated.user_to_dev": 2, "fields.conflicts.dev_to_user": 1}))
    metrics.record_pass(summary(0.2, **{"fields.updated.user_to_dev": 1, "fields.updated.dev_to_user": 1}))

    assert metrics.as_document()["fields"] == {"updated.user_to_dev": 3, "conflicts.dev_to_user": 1, "updated.dev_to_user": 1}


@pytest.mark.parametrize(("durations", "expected_cumulative"), [
    ([0.5], [0, 1, 1, 1]),             # a value on a bound falls into that bucket (`le`)
    ([0.1, 0.9, 3.0], [1, 1, 2, 3]),
    ([12.0, 0.0], [1, 1, 1, 1]),        # above the last bound: only +Inf (the count) holds it
])
def test_the_duration_histogram_is_cumulative_per_bound(durations, expected_cumulative):
    metrics = WorkerMetrics(buckets=(5.0, 0.5, 1.0, 0.1))  # any order in, sorted out
    for duration in durations:
        metrics.record_pass(summary(duration))

    histogram = metrics.as_document()["pass_duration"]

    assert histogram["le"] == [0.1, 0.5, 1.0, 5.0]
    assert histogram["counts"] == expected_cumulative
    assert (histogram["count"], histogram["sum"]) == (len(durations), round(sum(durations), 3))


def test_default_buckets_reach_from_quick_passes_to_an_initial_sync():
    assert PASS_DURATION_BUCKETS[0] <= 0.1 and PASS_DURATION_BUCKETS[-1] >= 1800
    assert list(PASS_DURATION_BUCKETS) == sorted(PASS_DURATION_BUCKETS)


def test_jira_requests_are_read_from_the_wired_counter_at_each_report():
    answers = {"200": 3}
    metrics = WorkerMetrics(request_counts=lambda: answers)
    assert metrics.as_document()["jira_requests"] == {"200": 3}

    answers.update({"200": 9, "429": 2})

    assert metrics.as_document()["jira_requests"] == {"200": 9, "429": 2}


def test_the_document_is_a_copy_that_later_passes_do_not_change():
    metrics = WorkerMetrics()
    before = metrics.as_document()

    metrics.record_pass(summary(1.0, **{"actions.link": 1}))

    assert before["passes_total"] == 0 and before["actions"] == {}


def test_run_once_puts_the_metrics_into_the_heartbeat_stored_in_mongodb(mongo_client, db_prefix):
    store = HeartbeatStore(mongo_client[f"{db_prefix}_control"])
    heartbeat = HeartbeatThread(store, "sync-ab", interval=60)
    passes = iter([summary(0.2, processed=4, changes=1, **{"actions.create": 1}, failures_pending=0),
                   summary(0.3, ok=False, processed=1, changes=1, failed=1, failures_pending=1)])
    loop = SyncLoop(lambda _should_stop: next(passes), heartbeat, interval=60,
                    metrics=WorkerMetrics(request_counts=lambda: {"200": 5, "429": 1}))

    loop.run_once()
    loop.run_once()

    stored = store.get("sync-ab").metrics.to_document()
    assert (stored["passes_total"], stored["passes_failed"]) == (2, 1)
    assert stored["actions"] == {"create": 1}
    assert stored["items"]["failed"] == 1
    assert stored["jira_requests"] == {"200": 5, "429": 1}
    assert stored["pass_duration"]["count"] == 2
    assert stored == loop.metrics.as_document()  # keys and numbers survive MongoDB unchanged

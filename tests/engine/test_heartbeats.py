"""Heartbeats: the value and its document, the store against the real MongoDB fixture, the thread."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.health.sources import health_mongo_client
from app.heartbeats import (
    Heartbeat,
    HeartbeatDocumentError,
    HeartbeatStore,
    HeartbeatThread,
    LastPass,
    WorkerState,
    WorkerTotals,
)
from app.sync.loop import last_pass_of
from app.sync.model import PassSummary
from testbed.ports import free_port

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
FULL = Heartbeat(
    pair="sync-ab", beat_at=T0, state=WorkerState.SLEEPING, pid=123, host="box", started_at=T0 - timedelta(hours=1),
    last_pass=LastPass(started_at=T0 - timedelta(seconds=5), finished_at=T0 - timedelta(seconds=4), duration_s=1.5,
                       ok=False, error="JiraServerError: 502", counts={"processed": 4}),
    last_error="JiraServerError: 502", failures_pending=2,
    metrics=WorkerTotals(passes_total=3, actions={"create": 1}),
)
# A document as the worker stored it before Heartbeat existed (app/sync/beat.py, app/heartbeats.py).
STORED_BEFORE = {
    "_id": "sync-ab", "pid": 123, "host": "box", "state": "sleeping", "started_at": "2025-03-01T11:00:00.000000Z",
    "last_pass": {"started_at": "2025-03-01T11:59:55.000000Z", "finished_at": "2025-03-01T11:59:56.000000Z",
                  "duration_s": 1.5, "ok": False, "error": "JiraServerError: 502", "counts": {"processed": 4}},
    "last_error": "JiraServerError: 502", "failures_pending": 2,
    "metrics": {"passes_total": 3, "actions": {"create": 1}}, "beat_at": "2025-03-01T12:00:00.000000Z",
}
# What a worker writes of it now: every field, the config warnings added since (none here).
# Every total is written, also those the document of before lacked.
WRITTEN_NOW = {**STORED_BEFORE, "warnings": [], "pair": "sync-ab", "bundle": None, "metrics": {
    "passes_total": 3, "passes_failed": 0, "actions": {"create": 1}, "items": {},
    "pass_duration": {"le": [], "counts": [], "sum": 0.0, "count": 0}, "jira_requests": {}}}


@pytest.fixture
def control(mongo_client, db_prefix):
    return mongo_client[f"{db_prefix}_control"]


@pytest.fixture
def store(control):
    return HeartbeatStore(control)


def test_a_document_stored_before_keeps_reading_and_writes_back_the_same_fields():
    assert Heartbeat.from_document(STORED_BEFORE) == FULL
    assert FULL.to_document() == WRITTEN_NOW
    assert Heartbeat.from_document(FULL.to_document()) == FULL


def test_warnings_are_written_and_read_back_and_a_later_beat_clears_them(store):
    warned = Heartbeat("sync-ab", T0, warnings=("rules[0].sourceStatus: 'Wil Do' is not a status of project ABSUP",))
    store.write(warned)
    assert store.get("sync-ab") == warned
    store.write(Heartbeat("sync-ab", T0))
    assert store.get("sync-ab").warnings == ()


def test_fields_a_reader_does_not_know_are_ignored():
    assert Heartbeat.from_document({**STORED_BEFORE, "lease_until": "later"}) == FULL


def test_two_bundles_beat_for_one_pair_without_overwriting_each_other(mongo_client, db_prefix):
    control = mongo_client[f"{db_prefix}_control"]
    east, west = HeartbeatStore(control, bundle="east"), HeartbeatStore(control, bundle="west")
    east.write(Heartbeat("sync-ab", T0, pid=1, bundle="east"))
    west.write(Heartbeat("sync-ab", T0, pid=2, bundle="west"))
    assert (east.get("sync-ab").pid, west.get("sync-ab").pid) == (1, 2)
    assert sorted(beat.bundle for beat in east.everywhere()) == ["east", "west"]
    assert HeartbeatStore(control).all() == {}, "none written outside a bundle"


@pytest.mark.parametrize(("document", "message"), [
    ({"beat_at": "2025-03-01T12:00:00.000000Z"}, "heartbeat None: field '_id'"),
    ({"_id": "sync-ab", "pid": 1}, "heartbeat 'sync-ab': field 'beat_at': an instant is required, got None"),
    ({"_id": "sync-ab", "beat_at": "yesterday"}, "field 'beat_at': an instant is required, got 'yesterday'"),
    ({"_id": "sync-ab", "beat_at": T0, "state": "dozing"}, "field 'state': 'dozing' is not one of starting,"),
])
def test_a_document_that_is_no_heartbeat_is_refused_naming_pair_and_field(document, message):
    with pytest.raises(HeartbeatDocumentError, match=re.escape(message)):
        Heartbeat.from_document(document)


def test_write_stores_the_document_keyed_by_pair_and_get_reads_it_back(store, control):
    store.write(FULL)

    assert control.heartbeats.find_one({"_id": "sync-ab"}) == WRITTEN_NOW
    assert store.get("sync-ab") == FULL


def test_a_write_keeps_fields_a_newer_writer_added(store, control):
    control.heartbeats.insert_one({**STORED_BEFORE, "lease_until": "later"})

    store.write(Heartbeat("sync-ab", T0 + timedelta(seconds=10), WorkerState.SYNCING))

    assert control.heartbeats.find_one({"_id": "sync-ab"})["lease_until"] == "later"
    assert store.get("sync-ab") == Heartbeat("sync-ab", T0 + timedelta(seconds=10), WorkerState.SYNCING)


def test_all_returns_every_pair_and_remove_forgets_one(store):
    store.write(Heartbeat("sync-ab", T0, pid=1))
    store.write(Heartbeat("sync-xy", T0, pid=2))
    assert {name: beat.pid for name, beat in store.all().items()} == {"sync-ab": 1, "sync-xy": 2}

    store.remove("sync-ab")
    store.remove("never-beat")

    assert set(store.all()) == {"sync-xy"}
    assert store.get("sync-ab") is None


@pytest.mark.parametrize(
    ("beat_at", "stale_after", "expected_age", "expected_stale"),
    [
        (T0, 30, 0.0, False),
        (T0 - timedelta(seconds=30), 30, 30.0, False),
        (T0 - timedelta(seconds=30.5), 30, 30.5, True),
        (T0 - timedelta(minutes=5), 30, 300.0, True),
        (T0 + timedelta(seconds=2), 30, -2.0, False),
        (T0.replace(tzinfo=None) - timedelta(seconds=40), 30, 40.0, True),
        (T0.astimezone(timezone(timedelta(hours=2))) - timedelta(seconds=5), 30, 5.0, False),
    ],
    ids=["now", "exactly-at-limit", "just-past", "long-gone", "clock-skew", "naive-is-utc", "other-offset"],
)
def test_age_and_staleness(beat_at, stale_after, expected_age, expected_stale):
    beat = Heartbeat("sync-ab", beat_at)

    assert beat.age(T0) == pytest.approx(expected_age)
    assert beat.is_stale(T0, stale_after) is expected_stale


def test_last_pass_keeps_what_a_pass_summary_says():
    summary = PassSummary(started_at=T0, finished_at=T0 + timedelta(seconds=2), duration_s=2.0, ok=False,
                          error="boom", counts={"processed": 3})

    assert last_pass_of(summary) == LastPass(T0, T0 + timedelta(seconds=2), 2.0, False, "boom", {"processed": 3})


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def test_the_thread_writes_each_typed_update_at_once_stamped_by_its_clock(store):
    clock = Clock()
    thread = HeartbeatThread(store, "sync-ab", interval=60, clock=clock).start()
    first = store.get("sync-ab")
    assert (first.state, first.started_at, first.last_pass, first.metrics) == (WorkerState.STARTING, T0 + timedelta(
        seconds=1), None, None)

    thread.enter(WorkerState.RUNNING)
    assert store.get("sync-ab").state is WorkerState.RUNNING
    thread.record_pass(LastPass(ok=False, error="boom"), WorkerState.SLEEPING, WorkerTotals(passes_total=1),
                        failures_pending=3)
    thread.record_pass(LastPass(ok=True), WorkerState.SLEEPING, WorkerTotals(passes_total=2))  # pending not counted this time
    thread.stop()

    last = store.get("sync-ab")
    assert last == thread.current and last.beat_at == clock.now
    assert (last.state, last.last_error, last.failures_pending, last.metrics) == (
        WorkerState.STOPPED, None, 3, WorkerTotals(passes_total=2))


def test_a_worker_that_gives_up_says_why_in_its_last_beat(store):
    thread = HeartbeatThread(store, "sync-ab", interval=60).start()

    thread.fail("Jira check failed: 401")

    beat = store.get("sync-ab")
    assert (beat.state, beat.last_error) == (WorkerState.FAILED, "Jira check failed: 401")


def test_a_failed_write_is_logged_once_per_outage_and_never_raised(caplog):
    unreachable = HeartbeatStore(health_mongo_client(f"mongodb://127.0.0.1:{free_port()}/", budget=0.2)["c"])
    thread = HeartbeatThread(unreachable, "sync-ab", interval=60)

    with caplog.at_level(logging.WARNING, logger="app.heartbeats.thread"):
        assert thread.beat_now() is False
        thread.enter(WorkerState.RUNNING)

    assert caplog.text.count("heartbeat write failed, will retry") == 1
    assert thread.current.state is WorkerState.RUNNING

"""HeartbeatStore against the real MongoDB fixture; staleness as a pure table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.heartbeats import HeartbeatStore, heartbeat_age, is_stale

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(mongo_client, db_prefix):
    return HeartbeatStore(mongo_client[f"{db_prefix}_control"], clock=lambda: T0)


def test_beat_creates_the_document_keyed_by_pair_and_stamps_the_clock(store, mongo_client, db_prefix):
    store.beat("sync-ab", pid=123, state="running")

    raw = mongo_client[f"{db_prefix}_control"].heartbeats.find_one({"_id": "sync-ab"})
    assert raw["_id"] == "sync-ab"
    assert store.get("sync-ab") == {"pid": 123, "state": "running", "beat_at": T0}


def test_a_partial_beat_keeps_the_fields_it_does_not_name(store):
    last_pass = {"ok": True, "duration_s": 1.5, "counts": {"issues": 4}}
    store.beat("sync-ab", pid=1, state="syncing", last_pass=last_pass, last_error=None)
    later = T0 + timedelta(seconds=10)
    store.beat("sync-ab", state="sleeping", beat_at=later)

    assert store.get("sync-ab") == {
        "pid": 1, "state": "sleeping", "last_pass": last_pass, "last_error": None, "beat_at": later,
    }


def test_all_returns_every_pair_and_remove_forgets_one(store):
    store.beat("sync-ab", pid=1)
    store.beat("sync-xy", pid=2)
    assert {name: beat["pid"] for name, beat in store.all().items()} == {"sync-ab": 1, "sync-xy": 2}

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
    assert heartbeat_age(T0, beat_at) == pytest.approx(expected_age)
    assert is_stale(T0, beat_at, stale_after) is expected_stale


def test_no_beat_at_all_is_stale():
    assert is_stale(T0, None, 30) is True

"""The trace's reader over a real MongoDB (app.trace.reader): records written by their owners as a
worker writes them, read back for an issue's key; a key that moved resolves through the stored
ids; MongoDB away is said per pair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pymongo

from app.config import load_configs
from app.sync.actions import Plan
from app.sync.audit import lease_taken_event, processed_event
from app.sync.model import Execution, IssueSnapshot, Mapping, StatusChange
from app.sync.store import PairStore
from app.trace.reader import Tracer
from testbed.bundle import write_config_dir

AT = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def tracer(tmp_path, client, db_prefix, monkeypatch) -> Tracer:
    monkeypatch.setenv("TRACE_TEST_TOKEN", "tok")
    configs = load_configs(write_config_dir(tmp_path / "config", "TRACE_TEST_TOKEN", {"sync-ab": ("ab", "ABSUP", "ABDEV")}))
    return Tracer(client, lambda pair: f"{db_prefix}-{pair}", f"{db_prefix}_control", lambda: configs)


def seen(key: str, status: str, side="user", issue_id="10001") -> IssueSnapshot:
    return IssueSnapshot(issue_id, key, side, status, "new", AT, "Printer on fire")


def test_a_moved_issue_is_traced_by_its_old_key_with_its_partner_and_the_hand_over(
        tmp_path, mongo_client, db_prefix, monkeypatch):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    mapping = Mapping("10001", "ABSUP-1", "20001", "ABDEV-1")
    store.save_mapping(mapping, found_by="created")
    created = processed_event(StatusChange(seen("ABSUP-1", "Will Do"), "To Do"), Plan("user-will-do", ()), None,
                              Execution("done", ("create",), mapping))
    store.record_event({**created, "at": AT, "bundle": "a", "seenBy": "search"})
    store.record_event({**lease_taken_event(None, 2), "at": AT + timedelta(minutes=1), "bundle": "b"})
    store.save_issue_state("10001", "user", "OTHER-5", "Will Do", AT)  # it moved to OTHER: same id, new key
    store.update_mapping_key("user", "10001", "OTHER-5")

    trace = tracer(tmp_path, mongo_client, db_prefix, monkeypatch).trace("absup-1")

    [pair] = trace.pairs
    assert (pair.pair, pair.key, pair.issue_id, pair.partner_key, pair.seen) == ("ab", "OTHER-5", "10001", "ABDEV-1", True)
    texts = [line.text for line in pair.lines]
    assert texts[0] == "ABSUP-1 moved: it is OTHER-5 now (same issue id 10001)"
    assert "partner ABDEV-1, pairing created" in texts
    assert "create: done (partner ABDEV-1)" in texts
    assert "bundle b took up the pair (fence 2)" in texts
    assert [link.key for link in pair.links] == ["OTHER-5", "ABDEV-1"]


def test_a_key_of_the_pairs_project_never_seen_and_mongodb_away(tmp_path, mongo_client, db_prefix, monkeypatch):
    here = tracer(tmp_path, mongo_client, db_prefix, monkeypatch)
    [pair] = here.trace("ABDEV-99").pairs
    assert (pair.side, pair.seen, pair.lines, pair.unavailable) == ("dev", False, (), None)
    assert here.trace("ZZZ-1").pairs == ()

    gone = pymongo.MongoClient("mongodb://127.0.0.1:9/", serverSelectionTimeoutMS=200)
    away = Tracer(gone, here.pair_database, here.control_db, here.configs)
    [pair] = away.trace("ABSUP-1").pairs
    assert pair.unavailable is not None and pair.unavailable.startswith("MongoDB unreachable (ServerSelectionTimeoutError")
    [activity] = away.activity()
    assert activity.unavailable is not None and activity.unavailable.startswith("MongoDB unreachable")

"""The pair's store on a real MongoDB: what the executor's idempotency relies on."""

from datetime import UTC, datetime

import pymongo
import pytest
from pymongo import monitoring

from app.sync.failures import Failure
from app.sync.model import Mapping
from app.sync.store import FenceLost, PairStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_copies_count_as_copied_so_they_are_never_copied_back(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    store.record_attachment("100", target_issue_id="20", target_attachment_id="200")
    assert store.copied_attachment_ids(["100", "200", "300"]) == {"100", "200"}
    assert store.copied_attachment_ids([]) == set()


def test_an_attachments_counterpart_is_its_copy_or_the_file_it_copies(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    store.record_attachment("100", target_issue_id="20", target_attachment_id="200")
    store.record_attachment("101", target_issue_id="20", target_attachment_id=None)  # refused, or adopted
    assert store.attachment_counterparts(["100", "101", "200", "300"]) == {"100": "200", "101": None, "200": "100"}
    assert store.attachment_counterparts([]) == {}


def test_mappings_are_found_from_either_side_and_follow_a_moved_key(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    store.ensure_indexes()
    store.save_mapping(Mapping("1", "SUP-1", "2", "DEV-1"))
    store.update_mapping_key("dev", "2", "OTHER-7")
    assert store.mapping_for("user", "1") == Mapping("1", "SUP-1", "2", "OTHER-7")
    assert store.mapping_for("dev", "2") == store.mapping_for("user", "1")


def test_a_store_with_an_older_fence_cannot_overwrite_the_newer_holders_state(mongo_client, db_prefix):
    db = mongo_client[f"{db_prefix}-fence"]
    old, new = PairStore(db, fence=1), PairStore(db, fence=2)
    old.claim()
    old.save_mapping(Mapping("1", "SUP-1", "2", "DEV-1"))
    old.save_sync_state(user_watermark=None, initial_sync_done=True)
    new.claim()  # the next holder of the pair's lease takes the database
    new.save_mapping(Mapping("1", "SUP-1", "3", "DEV-2"))
    with pytest.raises(FenceLost):
        old.sync_state()
    with pytest.raises(FenceLost):
        old.save_mapping(Mapping("1", "SUP-1", "2", "DEV-1"))
    with pytest.raises(FenceLost):
        old.save_sync_state(initial_sync_done=False)
    assert new.mapping_for("user", "1").dev_key == "DEV-2" and new.sync_state().initial_sync_done
    new.record_failure(Failure.from_document({"_id": "c1", "issue_id": "1"}))
    with pytest.raises(FenceLost):
        old.clear_failure("c1")
    old.begin_intent("comment:x", NOW)  # a document the newer holder never wrote is still the old one's to write


def test_an_unfenced_document_is_taken_over_by_the_first_fenced_write(mongo_client, db_prefix):
    db = mongo_client[f"{db_prefix}-fence"]
    PairStore(db).save_mapping(Mapping("1", "SUP-1", "2", "DEV-1"))
    PairStore(db, fence=5).update_mapping_key("dev", "2", "DEV-9")
    assert db.mappings.find_one({"_id": "1"})["fence"] == 5


class CommandNames(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_a_fenced_write_is_one_request_for_a_new_document_as_for_its_own(mongo_uri, db_prefix):
    commands = CommandNames()
    client = pymongo.MongoClient(mongo_uri, event_listeners=[commands])
    try:
        store = PairStore(client[f"{db_prefix}-requests"], fence=3)
        store.db.issue_state.find_one()  # connected
        commands.names.clear()

        store.save_issue_state("10", "user", "SUP-1", "To Do", NOW)  # a first pass: every document new
        store.save_issue_state("10", "user", "SUP-1", "Done", NOW)

        assert commands.names == ["update", "update"]
        assert store.issue_states(["10"])["10"]["status"] == "Done"
        assert client[f"{db_prefix}-requests"].issue_state.find_one({"_id": "10"})["fence"] == 3
    finally:
        client.close()

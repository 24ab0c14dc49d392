"""The pair's store on a real MongoDB: what the executor's idempotency relies on."""

from app.sync.model import Mapping
from app.sync.store import PairStore


def test_copies_count_as_copied_so_they_are_never_copied_back(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    store.record_attachment("100", target_issue_id="20", target_attachment_id="200")
    assert store.copied_attachment_ids(["100", "200", "300"]) == {"100", "200"}
    assert store.copied_attachment_ids([]) == set()


def test_mappings_are_found_from_either_side_and_follow_a_moved_key(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"])
    store.ensure_indexes()
    store.save_mapping(Mapping("1", "SUP-1", "2", "DEV-1"))
    store.update_mapping_key("dev", "2", "OTHER-7")
    assert store.mapping_for("user", "1") == Mapping("1", "SUP-1", "2", "OTHER-7")
    assert store.mapping_for("dev", "2") == store.mapping_for("user", "1")

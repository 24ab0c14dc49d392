"""app.mongo against the MongoDB fixture: the bundle's client and the count it relies on."""

from __future__ import annotations

import pymongo.errors
import pytest

from app.mongo import connect, count
from app.settings import Settings
from testbed.ports import free_port


def test_count_matches_what_a_find_matches_including_absent_fields_against_none(mongo_client, db_prefix):
    collection = mongo_client[db_prefix].failures
    collection.insert_many([{"_id": "a"}, {"_id": "b", "resolved_at": None}, {"_id": "c", "resolved_at": "2025-03-01"}])

    assert count(collection) == 3
    assert count(collection, {"resolved_at": None}) == 2  # "a" lacks the field: MongoDB matches it
    assert count(mongo_client[db_prefix].never_written) == 0


def test_connect_fails_within_its_timeout_when_nothing_listens():
    settings = Settings(mongo_uri=f"mongodb://127.0.0.1:{free_port()}/", mongo_timeout_ms=300)
    client = connect(settings, appname="jira-sync-test")
    try:
        with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
            client.admin.command("ping")
    finally:
        client.close()

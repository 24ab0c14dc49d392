"""Shared fixtures: a real MongoDB over a real connection, isolated databases per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymongo
import pytest
from hypothesis import settings

from testbed.mongo import EmbeddedMongo, drop_databases, external_mongo_uri

pytest_plugins = ["tests.support.jira_fixtures"]

# Property tests judge results, not speed: on a loaded CI machine a per-example deadline only flakes.
settings.register_profile("jira-sync", deadline=None)
settings.load_profile("jira-sync")


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """MONGO_URI when set (a real mongod), else an embedded server started for this session."""
    uri = external_mongo_uri()
    if uri:
        yield uri
        return
    server = EmbeddedMongo(tmp_path_factory.mktemp("mongo")).start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture
def db_prefix(mongo_uri: str) -> Iterator[str]:
    """A unique prefix for the databases one test creates; they are dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    drop_databases(mongo_uri, prefix)


@pytest.fixture
def mongo_client(mongo_uri: str) -> Iterator[pymongo.MongoClient]:
    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=2000, tz_aware=True)
    yield client
    client.close()

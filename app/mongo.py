"""The one way a process of the bundle connects to MongoDB (the health service has its own,
tighter budget: app.health.sources)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pymongo
from pymongo.collection import Collection
from pymongo.database import Database

from app.settings import Settings

Document = dict[str, Any]
MongoClient = pymongo.MongoClient[Document]
MongoDatabase = Database[Document]

SOCKET_TIMEOUT_MS = 10_000  # a server that accepts but never answers must not hang a process


def connect(settings: Settings, appname: str) -> MongoClient:
    """A client for MONGO_URI (or the embedded server) that fails fast when it is down."""
    return pymongo.MongoClient(
        settings.effective_mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        socketTimeoutMS=SOCKET_TIMEOUT_MS,
        appname=appname,
    )


def count(collection: Collection[Document], query: Mapping[str, Any] | None = None) -> int:
    """Documents matching `query`, counted over a find of their ids.

    Not count_documents: its aggregation on the embedded server logs a warning per call and
    misses documents that lack a field matched against None, where a find matches them as
    MongoDB does. The collections counted here are small (failures, mappings).
    """
    return sum(1 for _ in collection.find(dict(query or {}), {"_id": 1}))

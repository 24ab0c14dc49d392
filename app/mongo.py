"""The one way a process of the bundle connects to MongoDB (the health service has its own,
tighter budget: app.health.sources)."""

from __future__ import annotations

import pymongo

from app.settings import Settings

SOCKET_TIMEOUT_MS = 10_000  # a server that accepts but never answers must not hang a process


def connect(settings: Settings, appname: str) -> pymongo.MongoClient:
    """A client for MONGO_URI (or the embedded server) that fails fast when it is down."""
    return pymongo.MongoClient(
        settings.effective_mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        socketTimeoutMS=SOCKET_TIMEOUT_MS,
        appname=appname,
    )

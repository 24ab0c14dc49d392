"""Requests an operator leaves for a pair's active worker (the owner of a pair's `requests`
collection): `resync` an issue, `retry` given-up failures.

The command line (`jira-sync resync`, `jira-sync retry`) writes a request into the pair's own
database; whichever bundle holds the pair's lease consumes it at the start of its next pass (the
worker's loop also wakes early when one is waiting) and writes the outcome back, which the
command waits for. Only the lease holder acts on a request, so several bundles never both do.

The document (`_id` = a random id): `kind`, `issue_key` (None: every given-up failure),
`asked_at`, then `done_at` (app.instants text: the embedded server turns a `$set` date into
text anyway) and `outcome` once consumed. A request expires `KEPT_FOR` after it was asked (a
TTL index on `expires`, a BSON date written with the insert, as the events' `at`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import pymongo
from pymongo.collection import Collection

from app.instants import as_utc, decode_instant, encode_instant
from app.mongo import Document

KEPT_FOR = timedelta(days=1)


class RequestKind(StrEnum):
    RESYNC = "resync"  # re-read one issue and its partner, act on their current state
    RETRY = "retry"  # make given-up failures due now (one issue's, or every one)


@dataclass(frozen=True)
class SyncRequest:
    id: str
    kind: RequestKind
    issue_key: str | None
    asked_at: datetime
    done_at: datetime | None = None
    outcome: str | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SyncRequest:
        return cls(str(document["_id"]), RequestKind(str(document["kind"])), document.get("issue_key"),
                   as_utc(document["asked_at"]), _instant(document.get("done_at")), document.get("outcome"))


def ensure_indexes(collection: Collection[Document]) -> None:
    collection.create_index("expires", expireAfterSeconds=0)


def ask(collection: Collection[Document], kind: RequestKind, issue_key: str | None, now: datetime) -> SyncRequest:
    """Leave a request for the pair's active worker; returns it (its id to wait on)."""
    request = SyncRequest(uuid.uuid4().hex, kind, issue_key, now)
    collection.insert_one({"_id": request.id, "kind": kind.value, "issue_key": issue_key, "asked_at": now,
                           "done_at": None, "outcome": None, "expires": now + KEPT_FOR})
    return request


def read(collection: Collection[Document], request_id: str) -> SyncRequest | None:
    document = collection.find_one({"_id": request_id})
    return SyncRequest.from_document(document) if document else None


def waiting(collection: Collection[Document]) -> list[SyncRequest]:
    """The requests not yet consumed, oldest first."""
    found = collection.find({"done_at": None}).sort("asked_at", pymongo.ASCENDING)
    return [SyncRequest.from_document(document) for document in found]


def any_waiting(collection: Collection[Document]) -> bool:
    return collection.find_one({"done_at": None}, {"_id": 1}) is not None


def finish(collection: Collection[Document], request_id: str, outcome: str, now: datetime) -> None:
    collection.update_one({"_id": request_id}, {"$set": {"done_at": encode_instant(now), "outcome": outcome}})


def _instant(value: Any) -> datetime | None:
    decoded = decode_instant(value)
    return as_utc(decoded) if isinstance(decoded, datetime) else None

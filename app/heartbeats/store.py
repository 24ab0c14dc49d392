"""The heartbeat documents of a control database: write one, read one or all, forget one.

Like rq's worker keys, liveness is a record each beat renews: a dead or hung worker simply goes
stale, so nothing has to reap it. Documents are keyed by pair and bundle (Heartbeat.to_document):
a bundle reads its own workers' beats (`all(bundle)`), the dashboard every bundle's (`everywhere`).
"""

from __future__ import annotations

from typing import Any

from app.heartbeats.record import Heartbeat
from app.redaction import redact_strings

COLLECTION = "heartbeats"


class HeartbeatStore:
    """Reads and writes `Heartbeat`s in a control database (a pymongo Database).

    Errors of the driver (pymongo.errors.PyMongoError) propagate: callers decide whether a missing
    beat matters. A stored document that is not a heartbeat raises HeartbeatDocumentError.
    """

    def __init__(self, control_db: Any, bundle: str | None = None) -> None:
        self._collection = control_db[COLLECTION]
        self.bundle = bundle  # whose workers `get` and `all` read

    def write(self, heartbeat: Heartbeat) -> None:
        """Store `heartbeat` as its pair's document, every field of it.

        An `$set` upsert rather than a replace: the embedded server loses `_id` on replace
        upserts, and fields a newer writer added stay.
        """
        document = redact_strings(heartbeat.to_document())  # what /health shows: no secret's value
        pair = document.pop("_id")
        self._collection.update_one({"_id": pair}, {"$set": document}, upsert=True)

    def get(self, pair: str) -> Heartbeat | None:
        """The heartbeat of `pair`'s worker in this store's bundle, or None when it never beat."""
        document = self._collection.find_one({"_id": pair if self.bundle is None else f"{pair}@{self.bundle}"})
        return Heartbeat.from_document(document) if document else None

    def all(self) -> dict[str, Heartbeat]:
        """The heartbeats of this store's bundle's workers (None: written outside a bundle), by pair."""
        return {beat.pair: beat for beat in self.everywhere() if beat.bundle == self.bundle}

    def everywhere(self) -> list[Heartbeat]:
        """Every heartbeat of every bundle."""
        return [Heartbeat.from_document(document) for document in self._collection.find()]

    def remove(self, pair: str) -> None:
        """Forget `pair` (its config was removed) in every bundle; a no-op when it never beat."""
        self._collection.delete_many({"pair": pair})
        self._collection.delete_one({"_id": pair})

"""The heartbeat documents of a control database: write one, read one or all, forget one.

Like rq's worker keys, liveness is a record each beat renews: a dead or hung worker simply goes
stale, so nothing has to reap it. Documents are keyed by pair (`_id`); when beats become per
bundle and pair, the key is made here and the bundle rides in the document as one more field.
"""

from __future__ import annotations

from typing import Any

from app.heartbeats.record import Heartbeat

COLLECTION = "heartbeats"


class HeartbeatStore:
    """Reads and writes `Heartbeat`s in a control database (a pymongo Database).

    Errors of the driver (pymongo.errors.PyMongoError) propagate: callers decide whether a missing
    beat matters. A stored document that is not a heartbeat raises HeartbeatDocumentError.
    """

    def __init__(self, control_db: Any) -> None:
        self._collection = control_db[COLLECTION]

    def write(self, heartbeat: Heartbeat) -> None:
        """Store `heartbeat` as its pair's document, every field of it.

        An `$set` upsert rather than a replace: the embedded server loses `_id` on replace
        upserts, and fields a newer writer added stay.
        """
        document = heartbeat.to_document()
        pair = document.pop("_id")
        self._collection.update_one({"_id": pair}, {"$set": document}, upsert=True)

    def get(self, pair: str) -> Heartbeat | None:
        """The heartbeat of `pair`, or None when it never beat."""
        document = self._collection.find_one({"_id": pair})
        return Heartbeat.from_document(document) if document else None

    def all(self) -> dict[str, Heartbeat]:
        """Every heartbeat, keyed by pair name."""
        return {beat.pair: beat for beat in map(Heartbeat.from_document, self._collection.find())}

    def remove(self, pair: str) -> None:
        """Forget `pair` (its config was removed); a no-op when it has no heartbeat."""
        self._collection.delete_one({"_id": pair})

"""Worker heartbeats in the shared control database, and the pure rules that judge them.

One document per pair in `<control db>.heartbeats`, `_id` = pair name. Fields (all optional
except `beat_at`): `pid`, `host`, `state` ("starting"|"running"|"syncing"|"sleeping"|
"stopping"|"stopped"|"failed"), `beat_at` (UTC instant, stored as text by app.instants), `started_at`, `last_pass`
({started_at, finished_at, duration_s, ok, counts}), `last_error` (str | None),
`failures_pending` (int).

Like rq's worker keys, liveness is a record each beat renews: a dead or hung worker simply goes
stale, so nothing has to reap it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from app.instants import decode_instants, encode_instants, utc_now

COLLECTION = "heartbeats"


class HeartbeatStore:
    """Reads and writes the heartbeat documents of a control database (a pymongo Database).

    `clock` stamps `beat_at` when a beat does not carry its own. Errors of the driver
    (pymongo.errors.PyMongoError) propagate: callers decide whether a missing beat matters.
    """

    def __init__(self, control_db: Any, clock: Callable[[], datetime] = utc_now) -> None:
        self._collection = control_db[COLLECTION]
        self._clock = clock

    def beat(self, pair: str, **fields: Any) -> None:
        """Record a beat of `pair`: sets the given fields (and `beat_at`), leaves the others.

        An `$set` upsert rather than a replace: the embedded server loses `_id` on replace
        upserts, and a partial beat (state only) must keep the last pass summary.
        """
        fields.setdefault("beat_at", self._clock())
        self._collection.update_one({"_id": pair}, {"$set": encode_instants(fields)}, upsert=True)

    def get(self, pair: str) -> dict[str, Any] | None:
        """The heartbeat of `pair` without its `_id`, or None when it never beat."""
        document = self._collection.find_one({"_id": pair})
        return _as_heartbeat(document) if document else None

    def all(self) -> dict[str, dict[str, Any]]:
        """Every heartbeat, keyed by pair name."""
        return {document["_id"]: _as_heartbeat(document) for document in self._collection.find()}

    def remove(self, pair: str) -> None:
        """Forget `pair` (its config was removed); a no-op when it has no heartbeat."""
        self._collection.delete_one({"_id": pair})


def heartbeat_age(now: datetime, beat_at: datetime) -> float:
    """Seconds from `beat_at` to `now` (negative when the beat claims to come from the future).

    A naive datetime is read as UTC, as pymongo returns them without `tz_aware`.
    """
    return (_as_utc(now) - _as_utc(beat_at)).total_seconds()


def is_stale(now: datetime, beat_at: datetime | None, stale_after: float) -> bool:
    """True when there is no beat, or the last one is more than `stale_after` seconds old."""
    if beat_at is None:
        return True
    return heartbeat_age(now, beat_at) > stale_after


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _as_heartbeat(document: dict[str, Any]) -> dict[str, Any]:
    return {key: decode_instants(value) for key, value in document.items() if key != "_id"}

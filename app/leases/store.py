"""Pair leases and bundle beats in the control database (`leases`, `bundles`).

A lease document (`_id` = pair): `owner` (a bundle id, None once released), `fence` (grows by one
with every new holder), `expires_at` (the holder's clock: its last renewal plus the lease time),
`since` (when the owner took it), `last_owner` and `handovers` (how often the pair moved to
another bundle). Every change is a compare-and-set on (owner, fence), so two bundles can never
both take one lease: the loser's write matches nothing. A bundle document (`_id` = bundle id):
`beat_at`, `started_at`, `host`, the `pairs` it serves and the keeper's `instance` (one per keeper
process: two live instances under one id are twins, app.leases.twins), renewed every tick.
Instants are stored as sortable UTC text (app.instants), as everywhere in this product.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pymongo.errors

from app.instants import decode_instant, encode_instant
from app.mongo import MongoDatabase


@dataclass(frozen=True)
class Lease:
    pair: str
    owner: str | None
    fence: int
    expires_at: datetime
    since: datetime
    last_owner: str | None = None
    handovers: int = 0

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Lease:
        return cls(doc["_id"], doc.get("owner"), int(doc.get("fence") or 0), decode_instant(doc["expires_at"]),
                   decode_instant(doc["since"]), doc.get("last_owner"), int(doc.get("handovers") or 0))


@dataclass(frozen=True)
class BundleBeat:
    bundle: str
    beat_at: datetime
    started_at: datetime
    host: str
    pairs: tuple[str, ...]
    instance: str | None = None  # None: written by a keeper older than twin detection

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> BundleBeat:
        return cls(doc["_id"], decode_instant(doc["beat_at"]), decode_instant(doc["started_at"]), doc.get("host", ""),
                   tuple(doc.get("pairs") or ()), doc.get("instance"))


class LeaseStore:
    """The leases and bundle beats of one control database (a pymongo Database)."""

    def __init__(self, control_db: MongoDatabase) -> None:
        self._leases = control_db["leases"]
        self._bundles = control_db["bundles"]

    def leases(self) -> dict[str, Lease]:
        return {doc["_id"]: Lease.from_document(doc) for doc in self._leases.find()}

    def lease(self, pair: str) -> Lease | None:
        doc = self._leases.find_one({"_id": pair})
        return Lease.from_document(doc) if doc else None

    def acquire(self, pair: str, bundle: str, previous: Lease | None, now: datetime, seconds: float) -> Lease | None:
        """Take the lease `previous` saw (None: nobody ever held it); None when another bundle
        changed it first."""
        expires = now + timedelta(seconds=seconds)
        if previous is None:
            taken = Lease(pair, bundle, 1, expires, now)
            try:
                self._leases.insert_one({"_id": pair, **self._fields(taken)})
            except pymongo.errors.DuplicateKeyError:
                return None
            return taken
        prior = previous.owner or previous.last_owner
        taken = Lease(pair, bundle, previous.fence + 1, expires, now, prior,
                      previous.handovers + (prior is not None and prior != bundle))
        won = self._leases.update_one({"_id": pair, "fence": previous.fence, "owner": previous.owner},
                                      {"$set": self._fields(taken)})
        return taken if won.matched_count == 1 else None

    def renew(self, pair: str, bundle: str, fence: int, now: datetime, seconds: float) -> bool:
        """Extend the lease while `bundle` holds it with `fence`; False when it does not any more."""
        renewed = self._leases.update_one({"_id": pair, "owner": bundle, "fence": fence},
                                          {"$set": {"expires_at": encode_instant(now + timedelta(seconds=seconds))}})
        return renewed.matched_count == 1

    def release(self, pair: str, bundle: str, fence: int, now: datetime) -> bool:
        """Give the lease up at once (a hand-over), while `bundle` still holds it with `fence`."""
        released = self._leases.update_one({"_id": pair, "owner": bundle, "fence": fence},
                                           {"$set": {"owner": None, "last_owner": bundle, "expires_at": encode_instant(now)}})
        return released.matched_count == 1

    def end_expired(self, lease: Lease) -> bool:
        """End a lease that ran out, as read in `lease`, unless its holder renewed or anyone took it
        meanwhile: its worker, only paused, must not renew it and act again (app.leases.claims)."""
        ended = self._leases.update_one({"_id": lease.pair, "owner": lease.owner, "fence": lease.fence,
                                         "expires_at": encode_instant(lease.expires_at)},
                                        {"$set": {"owner": None, "last_owner": lease.owner}})
        return ended.matched_count == 1

    def beat(self, bundle: str, host: str, pairs: Iterable[str], now: datetime, started_at: datetime,
             instance: str | None = None) -> None:
        self._bundles.update_one({"_id": bundle}, {"$set": {"beat_at": encode_instant(now), "host": host,
                                                            "started_at": encode_instant(started_at),
                                                            "pairs": sorted(pairs), "instance": instance}},
                                 upsert=True)

    def bundle_beat(self, bundle: str) -> BundleBeat | None:
        doc = self._bundles.find_one({"_id": bundle})
        return BundleBeat.from_document(doc) if doc else None

    def bundles(self) -> dict[str, BundleBeat]:
        return {doc["_id"]: BundleBeat.from_document(doc) for doc in self._bundles.find()}

    def forget_bundle(self, bundle: str, instance: str | None = None) -> None:
        """Delete the bundle's beat (only `instance`'s own, when given: a twin's stays)."""
        self._bundles.delete_one({"_id": bundle} if instance is None else {"_id": bundle, "instance": instance})

    @staticmethod
    def _fields(lease: Lease) -> dict[str, Any]:
        return {"owner": lease.owner, "fence": lease.fence, "expires_at": encode_instant(lease.expires_at),
                "since": encode_instant(lease.since), "last_owner": lease.last_owner, "handovers": lease.handovers}

"""Project claims: across every bundle on one MongoDB, at most one pair acts on a project of a site.

A config directory refuses two pairs on one project (app.config.loader), but bundles with
different config directories share only the control database, and their leases are per pair
*name*: a `sync-shared` in one bundle and a `sync-good` in another, both on GOODSUP, would each
hold its own lease and both sync. So an active worker claims its projects there before its first
Jira request (collection `claims`, `_id` = app.config.loader.project_id, a digest of site and
key: the holding `pair` and the `fence` of its lease when it claimed).

A claim stands while its pair's lease is held with that very fence: it is renewed by nothing but
the lease itself, so a holder that dies or hands over lets it lapse with its lease. A lapsed
claim is taken over by compare-and-set on (pair, fence); when the claimant's lease merely ran
out (not released), it is first ended by compare-and-set on its expiry, so that its worker,
were it only paused, cannot renew it and come back beside the new claimant. Two workers racing
for one project therefore never both get it: every step matches on what the other changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pymongo.errors
from pymongo.database import Database

from app.instants import utc_now
from app.leases.decide import is_free
from app.leases.store import Lease, LeaseStore
from app.mongo import Document

ClaimStep = Literal["held", "create", "renew", "take", "end-lease-then-take", "refused"]
ATTEMPTS = 5  # each failed compare-and-set means another worker moved: read again


@dataclass(frozen=True)
class Claim:
    project: str
    pair: str
    fence: int

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Claim:
        return cls(doc["_id"], doc["pair"], int(doc["fence"]))


class ProjectTaken(Exception):
    """Another pair acts on one of this pair's projects (its lease is held, with the claim's fence)."""

    def __init__(self, project: str, pair: str, holder: str | None) -> None:
        self.project, self.pair, self.holder = project, pair, holder
        where = f" in bundle {holder}" if holder else ""
        super().__init__(f"one of its projects is synced by pair {pair}{where} (a pair of another config directory "
                         "on this MongoDB); two pairs on one project would both act on its issues: keep one pair "
                         "per project")


def claim_step(claim: Claim | None, pair: str, fence: int, claimant_lease: Lease | None, now: datetime,
               skew: float) -> ClaimStep:
    """What `pair`, active with `fence`, does about one project's claim (pure). `claimant_lease`
    is the lease of the pair the claim names (ignored when that is `pair` itself)."""
    if claim is None:
        return "create"
    if claim.pair == pair:
        if claim.fence == fence:
            return "held"
        return "renew" if claim.fence < fence else "refused"  # a newer holder of this very pair
    if claimant_lease is None or claimant_lease.fence != claim.fence:
        return "take"  # its pair moved on (or is gone) without claiming the project again
    if not is_free(claimant_lease, now, skew):
        return "refused"
    return "end-lease-then-take" if claimant_lease.owner is not None else "take"


class ProjectClaims:
    """The `claims` collection of one control database, beside its leases."""

    def __init__(self, control_db: Database[Document], leases: LeaseStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._claims = control_db["claims"]
        self.leases, self.clock = leases, clock

    def claims(self) -> dict[str, Claim]:
        return {doc["_id"]: Claim.from_document(doc) for doc in self._claims.find()}

    def claim_all(self, pair: str, fence: int, projects: Iterable[str], skew: float) -> None:
        """Claim every project for `pair` held with `fence`; raises ProjectTaken for the first
        project another live pair holds (the claims already made lapse with this lease)."""
        for project in projects:
            self.claim(project, pair, fence, skew)

    def claim(self, project: str, pair: str, fence: int, skew: float) -> None:
        for _ in range(ATTEMPTS):
            doc = self._claims.find_one({"_id": project})
            claim = Claim.from_document(doc) if doc else None
            claimant = self.leases.lease(claim.pair) if claim is not None and claim.pair != pair else None
            step = claim_step(claim, pair, fence, claimant, self.clock(), skew)
            if step == "held":
                return
            if step == "refused":
                assert claim is not None
                raise ProjectTaken(project, claim.pair, claimant.owner if claimant else None)
            if step == "end-lease-then-take":
                assert claimant is not None
                if not self.leases.end_expired(claimant):
                    continue  # renewed or taken meanwhile: judge again
            if self._write(project, claim, pair, fence):
                return
        raise ProjectTaken(project, "(changing too fast to claim)", None)

    def _write(self, project: str, claim: Claim | None, pair: str, fence: int) -> bool:
        fields = {"pair": pair, "fence": fence}
        if claim is None:
            try:
                self._claims.insert_one({"_id": project, **fields})
            except pymongo.errors.DuplicateKeyError:
                return False
            return True
        moved = self._claims.update_one({"_id": project, "pair": claim.pair, "fence": claim.fence}, {"$set": fields})
        return moved.matched_count == 1

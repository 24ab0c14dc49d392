"""A worker's side of its pair's lease: prove it at start, renew it, give it up.

`HeldLease.take` proves the lease the keeper acquired for this bundle (or, for a worker run on
its own outside a bundle, takes a free one). A thread then renews it every `renew_every`
seconds; each renewal proves it again to the guard (app.leases.guard), a renewal that matches
nothing (another bundle holds it now) loses it for good, and one that cannot reach MongoDB just
lets the guard's window run down. `release` hands it over at once (a clean stop, or the
keeper's `release` ticket), so the next holder need not wait for it to expire.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pymongo.errors

from app.instants import utc_now
from app.leases.decide import is_free
from app.leases.guard import LeaseGuard
from app.leases.store import LeaseStore
from app.leases.ticket import RELEASE, read_ticket

log = logging.getLogger(__name__)


class LeaseNotHeld(Exception):
    """The lease this worker was started for is not (or no longer) this bundle's."""


class HeldLease:
    def __init__(
        self, store: LeaseStore, pair: str, bundle: str, guard: LeaseGuard, renew_every: float,
        runtime_dir: Path | str, on_lost: Callable[[], None] = lambda: None, clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store, self.pair, self.bundle, self.guard = store, pair, bundle, guard
        self.renew_every, self.runtime_dir, self.on_lost, self.clock = renew_every, runtime_dir, on_lost, clock
        self.fence = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._renew_loop, name=f"lease-{pair}", daemon=True)

    def take(self, fence: int | None, skew: float) -> int:
        """Prove the lease held with `fence`; with None, take it if it is free. Returns the fence."""
        lease = self.store.lease(self.pair)
        if fence is None:
            if is_free(lease, self.clock(), skew) or (lease is not None and lease.owner == self.bundle):
                lease = self.store.acquire(self.pair, self.bundle, lease, self.clock(), self.guard.lease_seconds)
            if lease is None or lease.owner != self.bundle:
                raise LeaseNotHeld(f"{self.pair} is held by {lease.owner if lease else 'another bundle'}")
        elif lease is None or (lease.owner, lease.fence) != (self.bundle, fence):
            raise LeaseNotHeld(f"{self.pair}'s lease with fence {fence} is not {self.bundle}'s any more")
        self.fence = lease.fence
        if not self.store.renew(self.pair, self.bundle, self.fence, self.clock(), self.guard.lease_seconds):
            raise LeaseNotHeld(f"{self.pair}'s lease moved on while it was being proven")
        self.guard.proven()
        self._thread.start()
        return self.fence

    def handing_over(self) -> bool:
        """Whether the keeper asked this worker to hand the pair over (its `release` ticket)."""
        ticket = read_ticket(self.runtime_dir, self.pair)
        return ticket is not None and ticket.state == RELEASE and ticket.fence == self.fence

    def release(self) -> None:
        self._stopped.set()
        try:
            if self.store.release(self.pair, self.bundle, self.fence, self.clock()):
                log.info("lease released", extra={"fence": self.fence})
        except pymongo.errors.PyMongoError as error:
            log.warning("lease not released (it will expire): %s", error)
        self.guard.lose("released")

    def stop(self) -> None:
        self._stopped.set()

    def renew(self) -> bool:
        """Extend the lease once and prove it to the guard; False, for good, once another bundle
        holds it (the guard and `on_lost` are told). MongoDB errors are the caller's."""
        if self.store.renew(self.pair, self.bundle, self.fence, self.clock(), self.guard.lease_seconds):
            self.guard.proven()
            return True
        self.guard.lose(f"{self.pair}'s lease (fence {self.fence}) is held by another bundle now")
        log.warning("lease lost", extra={"fence": self.fence})
        self.on_lost()
        return False

    def _renew_loop(self) -> None:
        while not self._stopped.wait(self.renew_every):
            try:
                if not self.renew():
                    return
            except pymongo.errors.PyMongoError as error:
                log.warning("lease renewal failed, will retry: %s", error)

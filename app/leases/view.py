"""Where a pair runs, as one bundle sees it: active here, standby (held by another), or unheld.

Pure: from the pair's lease, the live bundles, the clock and, where known, the state of the
pair's worker here. `/health`, `status`, the watchdog and the dashboard all read a pair's lease
through `lease_view`. A lease this bundle holds for a worker that will not run (stopped, FATAL)
is shown as the keeper will leave it at its next tick: unheld, not active.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from app.leases.decide import is_free, live_and_mine, live_bundles, serves, skew_allowance
from app.leases.store import BundleBeat, Lease, LeaseStore

ACTIVE: Final = "active"
STANDBY: Final = "standby"
UNHELD: Final = "unheld"


@dataclass(frozen=True)
class LeaseView:
    state: Literal["active", "standby", "unheld"]
    holder: str | None = None
    fence: int | None = None
    since: datetime | None = None
    holder_live: bool = False
    unheld_seconds: float | None = None  # how long nobody held it (None: never held, or held)
    handovers: int = 0
    last_owner: str | None = None
    expires_at: datetime | None = None  # a held lease's end, unless its holder renews it

    def describe(self) -> str:
        if self.state == ACTIVE:
            return f"active (fence {self.fence})"
        if self.state == STANDBY:
            return f"standby (held by {self.holder}{'' if self.holder_live else ', not beating'})"
        return "unheld" + (f" for {self.unheld_seconds:.0f} s" if self.unheld_seconds is not None else "")


def lease_view(lease: Lease | None, me: str, live: Mapping[str, BundleBeat], now: datetime, skew: float,
               process_state: str | None = None) -> LeaseView:
    """`process_state`: the supervisord state of the pair's worker in bundle `me` (None: not known)."""
    if lease is None:
        return LeaseView(UNHELD)
    if live_and_mine(lease, me, now) and not serves(process_state):
        return LeaseView(UNHELD, None, lease.fence, None, False, 0.0, lease.handovers, me)  # let go this tick
    # Our own lease is ours while it is live by our clock; another's until another bundle may take it.
    if not live_and_mine(lease, me, now) and (lease.owner == me or is_free(lease, now, skew)):
        return LeaseView(UNHELD, None, lease.fence, None, False, max(0.0, (now - lease.expires_at).total_seconds()),
                         lease.handovers, lease.owner or lease.last_owner)
    state: Literal["active", "standby"] = ACTIVE if lease.owner == me else STANDBY
    return LeaseView(state, lease.owner, lease.fence, lease.since, lease.owner in live, None, lease.handovers,
                     lease.last_owner, lease.expires_at)


@dataclass(frozen=True)
class Cluster:
    """The leases and bundles of one control database, as bundle `me` read them."""

    me: str
    bundles: Mapping[str, BundleBeat]
    leases: Mapping[str, Lease]
    lease_seconds: float

    @classmethod
    def read(cls, store: LeaseStore, me: str, lease_seconds: float) -> Cluster:
        return cls(me, store.bundles(), store.leases(), lease_seconds)

    def view(self, pair: str, now: datetime, process_state: str | None = None) -> LeaseView:
        live = live_bundles(self.bundles, now, self.lease_seconds)
        return lease_view(self.leases.get(pair), self.me, live, now, skew_allowance(self.lease_seconds),
                          process_state)

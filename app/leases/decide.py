"""What a bundle's keeper does about each of its pairs this tick (pure).

- A pair whose lease is free (never held, released, or expired — judged with a clock skew
  allowance, as the holder's clock wrote the expiry) is acquired by the bundle the preference
  names (app.leases.assign); any bundle takes it once it stayed free a whole lease longer, so a
  preferred bundle that cannot act holds nobody up for good.
- A pair this bundle holds but no longer prefers (another bundle arrived and has been live for
  `settle` seconds) is handed over: its worker finishes the issue it is on and releases the lease,
  which the preferred bundle then takes at its next tick.
- A pair this bundle holds but does not serve (its worker is stopped or FATAL, or gone) is let
  go at once: no worker here will renew it, and another bundle had better take it now than
  after the lease ran out.
- Anything else is left as it is: the holding worker renews its own lease.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from app.leases.assign import preferred_holders
from app.leases.store import BundleBeat, Lease
from app.vocabulary import NOT_SERVING_STATES


@dataclass(frozen=True)
class Acquire:
    pair: str
    previous: Lease | None


@dataclass(frozen=True)
class LetGo:
    pair: str
    lease: Lease


@dataclass(frozen=True)
class HandOver:
    pair: str
    lease: Lease
    to: str


# A worker in these states runs again only when someone acts (`supervisorctl start`, the
# watchdog after its cool-down): meanwhile its pair is for another bundle to hold, and a lease
# this bundle still holds for it is let go at the keeper's next tick. (EXITED and BACKOFF are
# on their way back by themselves.)


def serves(process_state: str | None) -> bool:
    """Whether a worker in this supervisord state (None: not known) serves its pair here."""
    return process_state not in NOT_SERVING_STATES


def skew_allowance(lease_seconds: float) -> float:
    """How much older than its expiry a lease must look before another bundle takes it: the
    clocks of two bundles may differ by less than this."""
    return max(2.0, lease_seconds / 6)


def live_bundles(bundles: Mapping[str, BundleBeat], now: datetime, lease_seconds: float) -> dict[str, BundleBeat]:
    """The bundles that beat within one lease time (a bundle silent longer is gone)."""
    return {name: beat for name, beat in bundles.items() if (now - beat.beat_at).total_seconds() <= lease_seconds}


def is_free(lease: Lease | None, now: datetime, skew: float) -> bool:
    """Another bundle may take this lease: nobody holds it, or it expired a skew allowance ago."""
    return lease is None or lease.owner is None or lease.expires_at + timedelta(seconds=skew) < now


def live_and_mine(lease: Lease | None, me: str, now: datetime) -> TypeGuard[Lease]:
    """`me` holds this lease now: the one rule the keeper, its decisions and the lease view share.

    No skew allowance: `me`'s own clock wrote the expiry, and another bundle waits the allowance
    past it before it takes the lease, so the holder gives it up first."""
    return lease is not None and lease.owner == me and lease.expires_at > now


def keeper_actions(
    me: str, pairs: Iterable[str], leases: Mapping[str, Lease], live: Mapping[str, BundleBeat], now: datetime,
    lease_seconds: float, skew: float, settle: float, started_at: datetime,
) -> list[Acquire | HandOver | LetGo]:
    """This tick's acquisitions, hand-overs and let-gos for bundle `me` and the pairs it serves."""
    mine = tuple(pairs)
    serving = {name: beat.pairs for name, beat in live.items() if name != me}
    serving[me] = mine
    preferred = preferred_holders(serving)
    actions: list[Acquire | HandOver | LetGo] = [
        LetGo(pair, lease) for pair, lease in sorted(leases.items())
        if pair not in mine and lease.owner == me and lease.expires_at > now
    ]
    for pair in mine:
        lease, wanted = leases.get(pair), preferred.get(pair, me)
        if live_and_mine(lease, me, now):
            arrived = live.get(wanted)
            if wanted != me and arrived is not None and (now - arrived.started_at).total_seconds() >= settle:
                actions.append(HandOver(pair, lease, wanted))
            continue
        if not is_free(lease, now, skew):
            continue
        # Never held: free since the preferred bundle (and this one) came up.
        free_since = lease.expires_at if lease is not None else max(started_at, getattr(live.get(wanted), "started_at", started_at))
        if wanted == me or (now - free_since).total_seconds() > lease_seconds + skew:
            actions.append(Acquire(pair, lease))
    return actions

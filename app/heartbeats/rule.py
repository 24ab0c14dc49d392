"""When a pair is healthy: the one rule `/health`, `entrypoint.py status` and the watchdog share.

Where the pair runs comes first (its lease, app.leases.view). Held by another bundle that beats
and renews it (standby here), it is healthy here; held by one that went silent (its lease not
renewed for longer than a renewal period and the clock-skew allowance, or the bundle not beating:
killed, or this bundle under its former identity), it is waiting for its lease and syncs nowhere
until the lease runs out: unhealthy, saying by whom and until when. Unheld, it is healthy while that lasts no longer than a lease (a
hand-over, while its program here stands by), and unhealthy after. Active here (or where no lease is known), it is healthy when
its program is RUNNING per supervisord, its worker's heartbeat is no older than `stale_after`
seconds, the worker has not given up (state FAILED), it completed a pass, and its last pass did
not fail. `pair_health` is pure: it judges what the caller read, including "could not be read"
(`Unavailable`), and says why in words a person reads out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from app.heartbeats.record import Heartbeat, WorkerState
from app.leases.decide import skew_allowance
from app.leases.view import ACTIVE, STANDBY, UNHELD, LeaseView
from app.vocabulary import RUNNING


class ProcessLike(Protocol):
    """What supervisord says about one program (app.supervisord.ProcessInfo fits: read-only)."""

    @property
    def statename(self) -> str: ...
    @property
    def pid(self) -> int: ...
    @property
    def description(self) -> str: ...
    @property
    def spawnerr(self) -> str: ...


@dataclass(frozen=True)
class Unavailable:
    """A source that could not be read; `reason` tells a person why."""

    reason: str


@dataclass(frozen=True)
class PairHealth:
    """The verdict on one pair: healthy exactly when there is no reason against it.

    `stale` says the worker has beaten, but not for longer than `stale_after`: hung or gone
    (the watchdog restarts such a worker; a worker that never beat is not judged hung).
    """

    reasons: tuple[str, ...] = ()
    stale: bool = False

    @property
    def healthy(self) -> bool:
        return not self.reasons


def pair_health(
    process: ProcessLike | Unavailable | None,
    heartbeat: Heartbeat | Unavailable | None,
    now: datetime,
    stale_after: float,
    lease: LeaseView | None = None,
    lease_seconds: float = 30.0,
) -> PairHealth:
    """Judge one pair. `process` None: supervisord does not know the program; `heartbeat` None:
    the worker never beat; `Unavailable`: that source could not be read; `lease` None: where the
    pair runs is not known (judged as if here)."""
    if lease is not None and lease.state == STANDBY:
        silent = not_renewed_for(lease, now, lease_seconds)
        if lease.holder_live and silent is None:
            return PairHealth()
        return PairHealth((waiting_for(lease, now, silent),))
    if lease is not None and lease.state == UNHELD and lease.unheld_seconds is not None:
        if lease.unheld_seconds <= lease_seconds:
            # A hand-over in progress: healthy while a worker here stands by to take it — not one
            # whose last start here failed (it backs off as a standby, RUNNING, between attempts).
            return PairHealth(_process_reasons(process) + _failed_here(heartbeat))
        return PairHealth((f"no bundle holds its lease ({lease.unheld_seconds:.0f} s, longer than the "
                           f"{lease_seconds:g} s a lease lasts)",))
    stale = isinstance(heartbeat, Heartbeat) and heartbeat.is_stale(now, stale_after)
    reasons = _process_reasons(process) + _heartbeat_reasons(heartbeat, now, stale_after)
    if lease is not None and lease.state == ACTIVE:
        reasons += _not_yet_beaten(process, heartbeat)
    return PairHealth(reasons, stale)


def _not_yet_beaten(process: ProcessLike | Unavailable | None, heartbeat: Heartbeat | Unavailable | None) -> tuple[str, ...]:
    """A worker proves it is up by its own first beat: a process started again (kill -9, crash)
    is not healthy on the beats of the one before it, however fresh."""
    if not isinstance(heartbeat, Heartbeat) or process is None or isinstance(process, Unavailable):
        return ()
    if process.statename != RUNNING or not process.pid or heartbeat.pid is None or heartbeat.pid == process.pid:
        return ()
    return (f"no heartbeat from the running process yet (pid {process.pid}; the last beat is pid {heartbeat.pid}'s)",)


def not_renewed_for(lease: LeaseView, now: datetime, lease_seconds: float) -> float | None:
    """Seconds since the holder last renewed the lease, when that is longer than a holder renewing
    on time ever leaves it (a third of the lease, app.leases.held, plus the skew allowance); else None."""
    if lease.expires_at is None:
        return None
    silent = (now - lease.expires_at).total_seconds() + lease_seconds
    return silent if silent > lease_seconds / 3 + skew_allowance(lease_seconds) else None


def waiting_for(lease: LeaseView, now: datetime, silent: float | None) -> str:
    """Why a pair whose lease a silent bundle holds syncs nowhere yet, and until when."""
    why = "not beating" if not lease.holder_live else f"not renewed for {silent:.0f} s"
    until = ""
    if lease.expires_at is not None:
        left = max(0.0, (lease.expires_at - now).total_seconds())
        until = f" until {lease.expires_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC (in {left:.0f} s)"
    return f"waiting for its lease, held by {lease.holder} ({why}){until}"


def _process_reasons(process: ProcessLike | Unavailable | None) -> tuple[str, ...]:
    if isinstance(process, Unavailable):
        return ("process state unknown (supervisord unreachable)",)
    if process is None:
        return ("no such program in supervisord",)
    if process.statename == RUNNING:
        return ()
    detail = process.spawnerr or process.description
    return (f"process {process.statename}" + (f" ({detail})" if detail else ""),)


def _heartbeat_reasons(heartbeat: Heartbeat | Unavailable | None, now: datetime, stale_after: float) -> tuple[str, ...]:
    if isinstance(heartbeat, Unavailable):
        return ("heartbeat unknown (MongoDB unreachable)",)
    if heartbeat is None:
        return ("no heartbeat yet",)
    reasons = []
    if heartbeat.is_stale(now, stale_after):
        reasons.append(f"heartbeat stale ({heartbeat.age(now):.0f} s old, limit {stale_after:g} s)")
    last_pass = heartbeat.last_pass
    if heartbeat.state is WorkerState.FAILED:
        reasons.append(_with("worker failed", heartbeat.last_error))
    elif last_pass is None:
        reasons.append("no pass completed yet")
    elif not last_pass.ok:
        reasons.append(_with("last pass failed", last_pass.error or heartbeat.last_error))
    return tuple(reasons)


def _failed_here(heartbeat: Heartbeat | Unavailable | None) -> tuple[str, ...]:
    if isinstance(heartbeat, Heartbeat) and heartbeat.state is WorkerState.FAILED:
        return (_with("worker failed", heartbeat.last_error),)
    return ()


def _with(what: str, error: str | None) -> str:
    return what + (f": {error}" if error else "")

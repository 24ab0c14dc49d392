"""When a pair's worker has already said it owes nothing, so /health need not read its database.

A pair's `failures` collection is written by its active worker alone, and only during a pass
(app.sync.engine): the worker beats SYNCING before the pass begins, and the pass, once it
completes, counts the collection (app.sync.failures.count_pending) after its last write; that
count rides in the beat that ends the pass, SLEEPING. So while a fresh beat of the process
supervisord runs now, holding the pair's lease here, says SLEEPING after a completed pass with 0
pending, the collection holds none: reading it would answer 0 with nothing to list. Every other
pair's database is read: one with pending failures (they are listed), one whose worker is in a
pass or never completed one, whose last pass failed (its beat keeps the count of the pass
before), whose beat is stale or from an earlier process, or whose lease is not held here (another
bundle's worker may be writing).

Where this answer and a read of the database could part: a pass that begins after the beats were
read is counted at the next /health (the count was read a moment later before); and a worker
whose SYNCING beat failed to land (MongoDB refused that one write) while its pass recorded a
failure shows it at its next beat that lands (within one heartbeat interval).
"""

from __future__ import annotations

from datetime import datetime

from app.heartbeats import Heartbeat, ProcessLike, Unavailable, WorkerState
from app.leases.view import ACTIVE, LeaseView
from app.vocabulary import RUNNING


def none_pending_by_beat(
    beat: Heartbeat | None,
    process: ProcessLike | Unavailable | None,
    lease: LeaseView | None,
    now: datetime,
    stale_after: float,
) -> bool:
    """True when `beat` says the pair has no pending failures and nothing can have added one since
    (see the module docstring). `lease` None: leases are not read (outside a bundle), so no other
    bundle's worker is known to run the pair."""
    return (
        beat is not None
        and beat.failures_pending == 0
        and beat.state is WorkerState.SLEEPING
        and beat.last_pass is not None
        and beat.last_pass.ok
        and not beat.is_stale(now, stale_after)
        and _runs_now(process, beat)
        and (lease is None or lease.state == ACTIVE)
    )


def _runs_now(process: ProcessLike | Unavailable | None, beat: Heartbeat) -> bool:
    """The beat comes from the process supervisord runs now (not from one killed a moment ago)."""
    if process is None or isinstance(process, Unavailable):
        return False
    return process.statename == RUNNING and bool(process.pid) and process.pid == beat.pid

"""A bundle's lease keeper: `python -m app.leases.keeper` (supervisord program `leases`).

Every tick it beats for the bundle (`bundles`), reads every lease and live bundle, and acts on
what app.leases.decide says for the pairs this bundle runs (its worker programs in supervisord,
less those stopped or FATAL, which another bundle had better hold meanwhile):
it acquires the leases it should hold and writes each worker's ticket (`hold`, with the new
fence), asks a worker to hand its pair over (`release`), withdraws a ticket whose lease is not
this bundle's any more, and lets go of a lease this bundle holds for a worker that will not run
(stopped, FATAL). It never renews a lease: the worker holding it does, so a lease whose worker
died without a word runs out, unless supervisord says so first. With MongoDB or supervisord unreadable it decides nothing.

Leases held under this bundle's id when the keeper starts (a restart) are resumed once, when no
other live instance beats under the id; of two such twins the later stands down
(app.leases.twins).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pymongo.errors

from app.config import BUNDLE_PROGRAM_NAMES
from app.instants import utc_now
from app.leases.decide import Acquire, HandOver, LetGo, keeper_actions, live_and_mine, live_bundles, serves, skew_allowance
from app.leases.store import Lease, LeaseStore
from app.leases.ticket import HOLD, RELEASE, Ticket, read_ticket, read_tickets, remove_ticket, write_ticket
from app.leases.twins import Twin, clear_twin, other_instance_beating, stands_down, twin_of, write_twin
from app.supervisord import ProcessInfo, SupervisorFault, SupervisorRPC, SupervisorUnavailable

log = logging.getLogger("app.leases.keeper")
SHUTDOWN_STATE = "SHUTDOWN_STATE"  # supervisord's fault for any request while it shuts down


class Keeper:
    def __init__(
        self, store: LeaseStore, bundle: str, pairs: Callable[[], list[str]], runtime_dir: Path | str,
        lease_seconds: float, clock: Callable[[], datetime] = utc_now, host: str = socket.gethostname(),
    ) -> None:
        self.store, self.bundle, self.pairs, self.runtime_dir = store, bundle, pairs, runtime_dir
        self.lease_seconds, self.clock, self.host = lease_seconds, clock, host
        self.skew = skew_allowance(lease_seconds)
        self.settle = 2 * self.tick_seconds
        self.started_at = clock()
        self.instance = uuid.uuid4().hex
        self._beaten = False  # our beat is stored (it was, at least, when we last wrote it)
        self._first_tick = True
        self._resume_from: datetime | None = None  # when held leases may be resumed; None: never (again)
        self._down_for: Twin | None = None  # the twin this keeper stands down for
        self._warned: Twin | None = None

    @property
    def tick_seconds(self) -> float:
        """Often enough that a lease is taken within a few seconds of running out."""
        return max(0.5, min(3.0, self.lease_seconds / 10))

    def tick(self) -> None:
        """One round: beat, decide, act. Raises what MongoDB or supervisord raise (nothing decided)."""
        pairs = self.pairs()
        now = self.clock()
        if not self._alone(now):
            self._tidy_tickets(pairs, self.store.leases(), now)
            return
        self.store.beat(self.bundle, self.host, pairs, now, self.started_at, self.instance)
        self._beaten = True
        leases = self.store.leases()
        live = live_bundles(self.store.bundles(), now, self.lease_seconds)
        for action in keeper_actions(self.bundle, pairs, leases, live, now, self.lease_seconds, self.skew,
                                     self.settle, self.started_at):
            if isinstance(action, Acquire):
                taken = self.store.acquire(action.pair, self.bundle, action.previous, now, self.lease_seconds)
                if taken is not None:
                    write_ticket(self.runtime_dir, Ticket(action.pair, self.bundle, taken.fence, HOLD))
                    leases[action.pair] = taken
                    log.info("lease acquired", extra={"pair": action.pair, "fence": taken.fence,
                                                      "from": action.previous.owner or action.previous.last_owner
                                                      if action.previous else None})
            elif isinstance(action, LetGo):
                # Its worker will not run (stopped, FATAL, gone): nothing here renews the lease.
                remove_ticket(self.runtime_dir, action.pair)
                if self.store.release(action.pair, self.bundle, action.lease.fence, now):
                    leases.pop(action.pair, None)
                    log.info("lease let go: its worker does not run here", extra={"pair": action.pair,
                                                                                   "fence": action.lease.fence})
            elif isinstance(action, HandOver):
                write_ticket(self.runtime_dir, Ticket(action.pair, self.bundle, action.lease.fence, RELEASE))
                log.info("handing over", extra={"pair": action.pair, "to": action.to, "fence": action.lease.fence})
        resume = self._resume_from is not None and now >= self._resume_from
        self._tidy_tickets(pairs, leases, now, resume)
        if resume:
            self._resume_from = None

    def _tidy_tickets(self, pairs: list[str], leases: dict[str, Lease], now: datetime, resume: bool = False) -> None:
        """Withdraw the tickets whose lease is not ours any more; with `resume`, give the workers a
        ticket for each lease this bundle still holds from before its keeper (re)started."""
        for pair in pairs:
            lease, ticket = leases.get(pair), read_ticket(self.runtime_dir, pair)
            ours = lease if live_and_mine(lease, self.bundle, now) else None
            if ticket is not None and not (ours is not None and ours.fence == ticket.fence):
                remove_ticket(self.runtime_dir, pair)  # not ours any more: the worker waits in standby
            elif ticket is None and ours is not None and resume:
                write_ticket(self.runtime_dir, Ticket(pair, self.bundle, ours.fence, HOLD))

    def _alone(self, now: datetime) -> bool:
        """Whether this keeper acts this tick: False while it stands down for a twin (see
        app.leases.twins). Sets when the leases held under the id may be resumed."""
        stored = self.store.bundle_beat(self.bundle)
        if self._down_for is not None:
            if other_instance_beating(stored, self.instance, now, self.lease_seconds):
                return False
            # Its leases, even those its workers may still renew, are taken as they end: never resumed.
            log.info("the other bundle under this BUNDLE_ID stopped beating: taking over", extra={"bundle": self.bundle})
            self._down_for = None
            clear_twin(self.runtime_dir)
        elif (twin := twin_of(stored, self.instance, self._beaten, now, self.lease_seconds)) is not None:
            self._resume_from = None  # a lease held under the id may be the twin's
            if stands_down(self.started_at, self.instance, twin):
                self._stand_down(twin)
                return False
            if twin != self._warned:
                log.warning("another bundle started under this BUNDLE_ID; it stands down and this one goes on",
                            extra={"bundle": self.bundle, "host": twin.host, "started": twin.started_at.isoformat()})
                self._warned = twin
        if self._first_tick:
            # A beat of another instance, younger than a lease, is a predecessor's last or a twin's:
            # watch the id for `settle` seconds before resuming what it may still be holding.
            wait = self.settle if other_instance_beating(stored, self.instance, now, self.lease_seconds) else 0.0
            self._resume_from, self._first_tick = now + timedelta(seconds=wait), False
        return True

    def _stand_down(self, twin: Twin) -> None:
        log.error(twin.reason(), extra={"bundle": self.bundle, "host": twin.host})
        write_twin(self.runtime_dir, twin)
        self._down_for, self._beaten, self._resume_from = twin, False, None
        for ticket in read_tickets(self.runtime_dir):
            if ticket.state == HOLD:
                # Its worker finishes the issue it is on and releases the lease, as in a hand-over.
                write_ticket(self.runtime_dir, Ticket(ticket.pair, ticket.owner, ticket.fence, RELEASE))

    def run(self, stop: threading.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                self.tick()
                if failing:
                    log.info("keeper recovered")
                failing = False
            except (pymongo.errors.PyMongoError, SupervisorUnavailable, SupervisorFault) as error:
                if isinstance(error, SupervisorFault) and error.text == SHUTDOWN_STATE:
                    return  # supervisord is stopping the bundle: take nothing more for it
                if not failing:
                    log.warning("keeper cannot decide this tick: %s", error)
                failing = True
            stop.wait(self.tick_seconds)


def serving_pairs(processes: Iterable[ProcessInfo]) -> list[str]:
    """The pairs this bundle can run now: its worker programs that supervisord will run (pure)."""
    return sorted({info.group for info in processes
                   if info.group not in BUNDLE_PROGRAM_NAMES and serves(info.statename)})


def worker_programs(rpc: SupervisorRPC) -> list[str]:
    return serving_pairs(rpc.process_states().values())


def main() -> None:
    from app.logs import configure_logging, early_logging
    from app.mongo import connect
    from app.settings import program_settings

    early_logging("leases")
    settings = program_settings(log)
    configure_logging("leases", settings.log_level, settings.log_format)
    client = connect(settings, appname="jira-sync-leases")
    rpc = SupervisorRPC(settings.supervisor_socket, timeout=settings.supervisor_timeout)
    keeper = Keeper(LeaseStore(client[settings.mongo_control_db]), settings.effective_bundle_id,
                    lambda: worker_programs(rpc), settings.runtime_dir.absolute(), settings.lease_seconds)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("keeper started", extra={"bundle": keeper.bundle, "lease_s": settings.lease_seconds})
    keeper.run(stop)
    try:
        keeper.store.forget_bundle(keeper.bundle, keeper.instance)  # a stopped bundle is none to wait for
    except pymongo.errors.PyMongoError as error:
        log.warning("bundle not forgotten (it goes stale instead): %s", error)
    # Ended by supervisord's shutdown rather than a signal: the workers, started after the keeper,
    # stop first; wait for the SIGTERM that comes for the keeper then, so it ends as stopped.
    stop.wait()


if __name__ == "__main__":
    main()

"""supervisord event listener that brings programs back: `python -m app.bundle.watchdog`.

- A program that went FATAL (it kept dying within `startsecs`; a worker whose start-up check
  fails, e.g. its Jira down at boot, lives longer than its 1 s and backs off by itself:
  app.sync.start_backoff) is started again after a cool-down that doubles per consecutive FATAL, from
  `watchdog_cooldown_min` up to `watchdog_cooldown_max`, and resets once it stayed RUNNING.
- A RUNNING worker whose heartbeat is stale (app.heartbeats.pair_health, with
  `heartbeat_stale_after`) is hung: it is killed (SIGKILL) and supervisord's autorestart starts
  it again, unless it started less than `stale_after` ago (it has not had time to beat).
- No data, no restart: when MongoDB or supervisord cannot be read, nothing is decided.

`WatchdogPolicy` decides over plain values; `Watchdog` and `serve` only carry events in and
actions out. Listens to PROCESS_STATE_FATAL, PROCESS_STATE_STARTING/RUNNING and TICK_5. stdout is
supervisord's protocol, so every log line goes to stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from supervisor import childutils

from app.heartbeats import Heartbeat, pair_health
from app.instants import utc_now
from app.vocabulary import FATAL, RESTART_PENDING_STATES, RUNNING, STOPPING

logger = logging.getLogger("app.bundle.watchdog")

STABLE_AFTER = 60.0  # seconds RUNNING after which a program's FATAL count starts over


@dataclass(frozen=True)
class Start:
    program: str
    reason: str


@dataclass(frozen=True)
class Restart:
    program: str
    reason: str


@dataclass(frozen=True)
class Scheduled:
    """A FATAL program will be started at `due` (after `delay` seconds), its `attempt`-th time."""

    program: str
    delay: float
    attempt: int
    due: datetime


class WatchdogPolicy:
    """Pure decisions of the watchdog; holds only what it learned from events and ticks."""

    def __init__(self, cooldown_min: float = 30.0, cooldown_max: float = 600.0, stale_after: float = 30.0,
                 stable_after: float = STABLE_AFTER, ignore: frozenset[str] = frozenset({"watchdog"})) -> None:
        self.cooldown_min, self.cooldown_max = cooldown_min, cooldown_max
        self.stale_after, self.stable_after, self.ignore = stale_after, stable_after, ignore
        self._fatal_count: dict[str, int] = {}
        self._scheduled: dict[str, Scheduled] = {}
        self._started: dict[str, datetime] = {}
        self._restarting: set[str] = set()
        self._heartbeats_readable_since: datetime | None = None

    def cooldown(self, attempt: int) -> float:
        """Seconds to wait before the `attempt`-th start after FATAL: min, 2×min, 4×min … ≤ max."""
        return min(self.cooldown_max, self.cooldown_min * 2.0 ** (attempt - 1))

    def process_fatal(self, program: str, now: datetime) -> Scheduled | None:
        """Schedule a start for a program that went FATAL; None when ignored or already scheduled
        (a tick can see the state before the listener receives the event: one FATAL, one attempt)."""
        if program in self.ignore or program in self._scheduled:
            return None
        attempt = self._fatal_count.get(program, 0) + 1
        self._fatal_count[program] = attempt
        delay = self.cooldown(attempt)
        self._scheduled[program] = Scheduled(program, delay, attempt, now + timedelta(seconds=delay))
        return self._scheduled[program]

    def process_started(self, program: str, now: datetime) -> None:
        self._started[program] = now

    def tick(self, now: datetime, processes: Mapping[str, Any] | None,
             heartbeats: Mapping[str, Heartbeat] | None) -> tuple[list[Scheduled], list[Start | Restart]]:
        """Newly scheduled starts and the actions due now; `None` = that source is unreadable."""
        if processes is None:
            return [], []
        heartbeats = self._judgeable(heartbeats, now)
        for removed in set(self._scheduled) - set(processes):  # a reload took the program away
            del self._scheduled[removed]
        scheduled: list[Scheduled] = []
        actions: list[Start | Restart] = []
        for program, info in processes.items():
            if program in self.ignore:
                continue
            if info.statename == FATAL:
                if program not in self._scheduled:  # its event was missed (e.g. we started later)
                    scheduled += filter(None, [self.process_fatal(program, now)])
                actions += self._due_start(program, now)
            else:
                self._scheduled.pop(program, None)
            actions += self._follow_restart(program, info.statename)
            if info.statename == RUNNING:
                actions += self._check_running(program, info, now, heartbeats)
        return scheduled, actions

    def _judgeable(self, heartbeats: Mapping[str, Heartbeat] | None, now: datetime) -> Mapping[str, Heartbeat] | None:
        """`heartbeats`, or None while they cannot be judged: unreadable, or readable again for
        less than `stale_after` (workers could not beat while MongoDB was away; killing them all
        on its return would turn an outage into a restart storm)."""
        if heartbeats is None:
            self._heartbeats_readable_since = None
            return None
        if self._heartbeats_readable_since is None:
            self._heartbeats_readable_since = now
        if (now - self._heartbeats_readable_since).total_seconds() < self.stale_after:
            return None
        return heartbeats

    def _due_start(self, program: str, now: datetime) -> list[Start]:
        plan = self._scheduled[program]
        if now < plan.due:
            return []
        del self._scheduled[program]
        return [Start(program, f"FATAL; cool-down of {plan.delay:g} s over (attempt {plan.attempt})")]

    def _follow_restart(self, program: str, statename: str) -> list[Start]:
        # A restart whose start half never happened (timeout) leaves the program STOPPED for good.
        if program not in self._restarting or statename == STOPPING:
            return []
        self._restarting.discard(program)
        return [Start(program, "restart left it stopped")] if statename in RESTART_PENDING_STATES else []

    def _check_running(self, program: str, info: Any, now: datetime,
                       heartbeats: Mapping[str, Heartbeat] | None) -> list[Restart]:
        started = self._started_at(program, info, now)
        running_for = (now - started).total_seconds()
        if running_for >= self.stable_after:
            self._fatal_count.pop(program, None)
        if heartbeats is None or running_for <= self.stale_after:
            return []
        health = pair_health(info, heartbeats.get(program), now, self.stale_after)
        if not health.stale:  # a program that never beat (health, mongodb, ...) is never stale
            return []
        self._started[program] = now  # grace again: the restarted worker needs time to beat
        self._restarting.add(program)
        return [Restart(program, "; ".join(health.reasons))]

    def _started_at(self, program: str, info: Any, now: datetime) -> datetime:
        """The latest start known from supervisord or from events, else when first seen running."""
        known = [self._started[program]] if program in self._started else []
        if getattr(info, "start", 0):
            known.append(datetime.fromtimestamp(info.start, UTC))
        return max(known) if known else self._started.setdefault(program, now)


class Watchdog:
    """Feeds supervisord events to the policy and performs its actions over `supervisor`."""

    def __init__(self, policy: WatchdogPolicy, supervisor: Any, heartbeats: Any,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.policy, self.supervisor, self.heartbeats, self.clock = policy, supervisor, heartbeats, clock

    def handle(self, headers: Mapping[str, str], payload: str) -> None:
        event = headers.get("eventname", "")
        if event.startswith("TICK_"):
            self._tick()
            return
        if not event.startswith("PROCESS_STATE_"):
            return
        fields = childutils.get_headers(payload.split("\n", 1)[0])
        name, group = fields.get("processname", ""), fields.get("groupname", "")
        program = name if group in ("", name) else f"{group}:{name}"
        if event == "PROCESS_STATE_FATAL":
            self._log_scheduled(self.policy.process_fatal(program, self.clock()))
        elif event in ("PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING"):
            self.policy.process_started(program, self.clock())

    def _tick(self) -> None:
        processes = self._read("supervisord", self.supervisor.process_states)
        heartbeats = self._read("MongoDB", self.heartbeats.all)
        scheduled, actions = self.policy.tick(self.clock(), processes, heartbeats)
        for plan in scheduled:
            self._log_scheduled(plan)
        for action in actions:
            self._perform(action)

    def _perform(self, action: Start | Restart) -> None:
        if isinstance(action, Start):
            verb, call = "start", self.supervisor.start
        else:
            # A hung worker cannot honour SIGTERM (a SIGSTOPped one would hold a stop for the
            # whole stopwaitsecs): kill it, and supervisord's autorestart starts a fresh one.
            verb, call = "restart", lambda program: self.supervisor.signal(program, "KILL")
        try:
            call(action.program)
            logger.warning("%s %s: %s", verb, action.program, action.reason, extra={"pair": action.program})
        except Exception as error:  # noqa: BLE001 - one failed action must not stop the listener
            logger.error("%s %s failed (%s): %s", verb, action.program, action.reason, error,
                         extra={"pair": action.program})

    def _read(self, source: str, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except Exception as error:  # noqa: BLE001 - unreadable means "decide nothing", not crash
            logger.warning("%s unreadable, no decision this tick: %s", source, error)
            return None

    @staticmethod
    def _log_scheduled(plan: Scheduled | None) -> None:
        if plan:
            logger.warning("%s FATAL: start scheduled in %g s (attempt %d)", plan.program, plan.delay,
                           plan.attempt, extra={"pair": plan.program})


def serve(watchdog: Watchdog, stdin: TextIO, stdout: TextIO) -> None:
    """supervisord's listener protocol until stdin closes: READY, one event, RESULT OK, again."""
    while True:
        childutils.listener.ready(stdout)
        line = stdin.readline()
        if not line:
            return
        headers = childutils.get_headers(line)
        payload = stdin.read(int(headers["len"]))
        try:
            watchdog.handle(headers, payload)
        except Exception:  # noqa: BLE001 - a bug in one event must not kill the listener
            logger.exception("event %s not handled", headers.get("eventname"))
        childutils.listener.ok(stdout)


class ActiveBeats:
    """The beats of the workers that hold their pair's lease in this bundle. A standby worker does
    not beat, and one that stepped down leaves its last beat behind: neither is hung."""

    def __init__(self, beats: Any, leases: Any, bundle: str, lease_seconds: float,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.beats, self.leases, self.bundle, self.lease_seconds, self.clock = beats, leases, bundle, lease_seconds, clock

    def all(self) -> dict[str, Heartbeat]:
        from app.leases.view import ACTIVE, Cluster

        cluster, now = Cluster.read(self.leases, self.bundle, self.lease_seconds), self.clock()
        return {pair: beat for pair, beat in self.beats.all().items() if cluster.view(pair, now).state == ACTIVE}


def main() -> None:
    from app.heartbeats import HeartbeatStore
    from app.leases.store import LeaseStore
    from app.logs import configure_logging, early_logging
    from app.mongo import connect
    from app.settings import program_settings
    from app.supervisord import SupervisorRPC

    early_logging("watchdog", sys.stderr)  # stdout is supervisord's protocol channel here
    settings = program_settings(logger)
    configure_logging("watchdog", settings.log_level, settings.log_format, sys.stderr)
    client = connect(settings, appname="jira-sync-watchdog")
    policy = WatchdogPolicy(settings.watchdog_cooldown_min, settings.watchdog_cooldown_max,
                            stale_after=settings.stale_after)
    supervisor = SupervisorRPC(settings.supervisor_socket, timeout=settings.supervisor_timeout)
    control = client[settings.mongo_control_db]
    beats = ActiveBeats(HeartbeatStore(control, bundle=settings.effective_bundle_id), LeaseStore(control),
                        settings.effective_bundle_id, settings.lease_seconds)
    serve(Watchdog(policy, supervisor, beats), sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()

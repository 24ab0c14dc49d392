"""The worker's loop: one pass, an interruptible sleep, again; until asked to stop.

It only loops, beats and reacts to the stop flag. What a pass does is the engine's business;
how a pass failing is shown is the heartbeat's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from app.heartbeats import HeartbeatThread, LastPass, WorkerState
from app.instants import utc_now
from app.sync.metrics import WorkerMetrics
from app.sync.model import PassSummary

log = logging.getLogger(__name__)


STOP_POLL_SECONDS = 1.0  # how soon a condition of `also_stop` ends the sleep between passes

PassFunction = Callable[[Callable[[], bool]], PassSummary]
"""A pass takes `should_stop` (checked between issues) and returns its summary."""


class SyncLoop:
    """Runs `run_pass` every `interval` seconds until `request_stop()` (or `also_stop()` says so:
    the pair's lease); records each outcome.

    Each pass is also folded into `metrics` (cumulative since start), whose document rides in
    the heartbeat as `metrics` for the health service's /metrics.
    """

    def __init__(
        self,
        run_pass: PassFunction,
        heartbeat: HeartbeatThread,
        interval: float,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: WorkerMetrics | None = None,
        also_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self._run_pass = run_pass
        self._also_stop = also_stop
        self.metrics = metrics if metrics is not None else WorkerMetrics()
        self._heartbeat = heartbeat
        self._interval = interval
        self._clock = clock
        self._monotonic = monotonic
        self._stop = threading.Event()

    def request_stop(self, *_signal_args: object) -> None:
        """Ask the loop to finish the current issue and return; safe from a signal handler."""
        self._stop.set()

    def stopping(self) -> bool:
        return self._stop.is_set() or self._also_stop()

    def run(self) -> None:
        try:
            while not self.stopping():
                begun = self._monotonic()
                self.run_once()
                deadline = begun + self._interval
                while not self.stopping() and self._monotonic() < deadline:  # `also_stop` is polled
                    self._stop.wait(min(STOP_POLL_SECONDS, max(0.0, deadline - self._monotonic())))
        finally:
            self._heartbeat.stop()

    def run_once(self) -> PassSummary:
        self._heartbeat.enter(WorkerState.SYNCING)
        started, started_at = self._monotonic(), self._clock()
        try:
            summary = self._run_pass(self.stopping)
        except Exception as error:  # noqa: BLE001 - a failed pass is reported and retried next interval
            log.exception("sync pass failed")
            summary = PassSummary(started_at=started_at, ok=False, error=_describe(error))
        summary.finished_at = summary.finished_at or self._clock()
        summary.duration_s = round(self._monotonic() - started, 3)
        self.metrics.record_pass(summary)
        self._heartbeat.record_pass(
            last_pass_of(summary),
            state=WorkerState.STOPPING if self.stopping() else WorkerState.SLEEPING,
            metrics=self.metrics.totals(),
            failures_pending=summary.counts.get("failures_pending"),
        )
        return summary


def last_pass_of(summary: PassSummary) -> LastPass:
    """What the heartbeat keeps of a pass."""
    return LastPass(summary.started_at, summary.finished_at, summary.duration_s, summary.ok, summary.error,
                    dict(summary.counts))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"

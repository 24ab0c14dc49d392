"""The worker's heartbeat: a thread that writes the pair's current `Heartbeat` every interval.

It runs beside the sync loop so a long pass (an initial sync of thousands of issues) still
beats; a hung or stopped process stops beating and goes stale, which is how the health
service and the watchdog tell it apart from a busy one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from app.heartbeats.record import Heartbeat, LastPass, WorkerState
from app.heartbeats.totals import WorkerTotals
from app.instants import utc_now

log = logging.getLogger(__name__)


class HeartbeatSink(Protocol):
    """Where beats go (app.heartbeats.HeartbeatStore fits)."""

    def write(self, heartbeat: Heartbeat) -> None: ...


class HeartbeatThread:
    """Holds the pair's current heartbeat and writes it to `sink` every `interval` seconds.

    The typed updates (`enter`, `warn`, `record_pass`, `fail`, `stop`) change it and write at once;
    writing failures (MongoDB down) are logged once per outage and retried at the next beat,
    never raised to the loop.
    """

    def __init__(
        self,
        sink: HeartbeatSink,
        pair: str,
        interval: float,
        clock: Callable[[], datetime] = utc_now,
        bundle: str | None = None,
    ) -> None:
        self._sink = sink
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        # Beats come from this thread and from the updates on the loop's: one at a time, each with
        # the heartbeat as it is when its turn comes, so an older one never lands last.
        self._write_lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{pair}", daemon=True)
        self._failing = False
        started = clock()
        self._current = Heartbeat(pair=pair, beat_at=started, state=WorkerState.STARTING, pid=os.getpid(),
                                  host=socket.gethostname(), started_at=started, bundle=bundle)

    @property
    def current(self) -> Heartbeat:
        """The heartbeat as last stamped for a beat, with the updates made since."""
        with self._lock:
            return self._current

    def start(self) -> HeartbeatThread:
        self.beat_now()
        self._thread.start()
        return self

    def enter(self, state: WorkerState) -> None:
        """The worker is now in `state`."""
        self._change(state=state)

    def warn(self, warnings: Sequence[str]) -> None:
        """The problems of the worker's config that do not stop it (they replace earlier ones)."""
        self._change(warnings=tuple(warnings))

    def record_pass(self, last_pass: LastPass, state: WorkerState, metrics: WorkerTotals,
                    failures_pending: int | None = None) -> None:
        """A pass ended: its outcome, its error (or none) as the last error, the worker's totals and,
        when the pass counted them, the pending failures."""
        changes: dict[str, Any] = {"failures_pending": failures_pending} if failures_pending is not None else {}
        self._change(state=state, last_pass=last_pass, last_error=last_pass.error, metrics=metrics, **changes)

    def fail(self, error: str) -> None:
        """The worker gives up (e.g. its start-up check failed): stop with `error` as the last word."""
        self._stop(state=WorkerState.FAILED, last_error=error)

    def stop(self) -> None:
        """Stop the thread and write one last beat: stopped."""
        self._stop(state=WorkerState.STOPPED)

    def beat_now(self) -> bool:
        """Write the current heartbeat stamped now; False when the write failed."""
        with self._write_lock:
            with self._lock:
                self._current = beat = replace(self._current, beat_at=self._clock())
            try:
                self._sink.write(beat)
            except Exception as error:  # noqa: BLE001 - a beat must never take the worker down
                if not self._failing:
                    log.warning("heartbeat write failed, will retry: %s", error)
                self._failing = True
                return False
            if self._failing:
                log.info("heartbeat write recovered")
            self._failing = False
            return True

    def _change(self, **changes: Any) -> None:
        with self._lock:
            self._current = replace(self._current, **changes)
        self.beat_now()

    def _stop(self, **final: Any) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 1)
        self._change(**final)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            self.beat_now()

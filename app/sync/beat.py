"""The worker's heartbeat: a thread that writes the pair's status every interval.

It runs beside the sync loop so a long pass (an initial sync of thousands of issues) still
beats; a hung or stopped process stops beating and goes stale, which is how the health
service and the watchdog tell it apart from a busy one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from app.instants import utc_now

log = logging.getLogger(__name__)


class BeatSink(Protocol):
    def beat(self, pair: str, **fields: Any) -> None: ...


class HeartbeatThread:
    """Holds the pair's current status and writes it to `sink` every `interval` seconds.

    `update(...)` changes the status (and writes at once); writing failures (MongoDB down)
    are logged once per outage and retried at the next beat, never raised to the loop.
    """

    def __init__(
        self,
        sink: BeatSink,
        pair: str,
        interval: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sink = sink
        self._pair = pair
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        # Beats come from this thread and from update() on the loop's: one at a time, each with
        # the status as it is when its turn comes, so an older status never lands last.
        self._write_lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{pair}", daemon=True)
        self._failing = False
        self._status: dict[str, Any] = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "state": "starting",
            "started_at": clock(),
            "last_pass": None,
            "last_error": None,
            "failures_pending": 0,
        }

    def start(self) -> "HeartbeatThread":
        self.beat_now()
        self._thread.start()
        return self

    def update(self, **fields: Any) -> None:
        with self._lock:
            self._status.update(fields)
        self.beat_now()

    def stop(self, final_state: str = "stopped") -> None:
        """Stop the thread and write one last beat with `final_state`."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval + 1)
        self.update(state=final_state)

    def beat_now(self) -> bool:
        with self._write_lock:
            with self._lock:
                fields = dict(self._status, beat_at=self._clock())
            try:
                self._sink.beat(self._pair, **fields)
            except Exception as error:  # noqa: BLE001 - a beat must never take the worker down
                if not self._failing:
                    log.warning("heartbeat write failed, will retry: %s", error)
                self._failing = True
                return False
            if self._failing:
                log.info("heartbeat write recovered")
            self._failing = False
            return True

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            self.beat_now()

"""What a worker may still do under its lease: nothing, once it cannot prove the lease its own.

The worker proves its lease at start and at every renewal (`proven`). From the last proof it
may act for the lease time minus a clock-skew allowance: another bundle takes an expired lease
only once it is that much older by its own clock. Each Jira write asks `write_window` first,
which names the seconds the write may take (its timeout) or raises LeaseLost, so no write can
finish after the lease could have passed to someone else. Time is measured on the monotonic
clock, which keeps running while the process is paused (SIGSTOP): a worker resumed after a
take-over finds its window closed before it sends anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MIN_WRITE_SECONDS = 2.0  # a write needs at least this much lease left to be sent at all


class LeaseLost(Exception):
    """This worker can no longer prove it holds its pair's lease: it must stop acting."""


class LeaseGuard:
    def __init__(self, lease_seconds: float, skew: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.lease_seconds = lease_seconds
        self.skew = skew
        self._monotonic = monotonic
        self._proven_at: float | None = None
        self.lost_reason: str | None = None

    def proven(self) -> None:
        self._proven_at = self._monotonic()

    def lose(self, reason: str) -> None:
        self.lost_reason = reason

    @property
    def lost(self) -> bool:
        return self.lost_reason is not None or self.remaining() <= 0

    def remaining(self) -> float:
        """Seconds this worker may still act on its last proof (0 when never proven or lost)."""
        if self._proven_at is None or self.lost_reason is not None:
            return 0.0
        return max(0.0, self.lease_seconds - self.skew - (self._monotonic() - self._proven_at))

    def write_window(self) -> float:
        """The seconds a Jira write may take from now; LeaseLost when too few are left."""
        left = self.remaining()
        if left < MIN_WRITE_SECONDS:
            raise LeaseLost(self.lost_reason or f"the lease was last proven {self.lease_seconds - self.skew - left:.0f} s "
                                                "ago; another bundle may hold it by now")
        return left - MIN_WRITE_SECONDS / 2

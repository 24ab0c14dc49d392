"""A clock that stands still until a test moves it."""

from __future__ import annotations

from datetime import datetime, timedelta


class SteppedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

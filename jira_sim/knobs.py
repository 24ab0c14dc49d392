"""Realism knobs: latency, index lag, a rate limit and injected faults (decisions only).

:class:`Knobs` holds the configuration that ``GET/POST /_sim/config`` reads and updates
(JSON shape = :meth:`Knobs.to_dict`). :meth:`Knobs.decide` says what to do with one
request; the app applies the decision. Random faults draw from a seeded RNG so a run is
reproducible; ``next_*`` counters hit the next N requests deterministically. A drop closes the
connection without answering: before the request is handled (``"drop"``), or with
``drop_after_processing`` after it was handled in full (``"drop_after"``: the change is made,
the answer is lost).

Rate limit: a token bucket (``capacity`` requests, refilled at ``refill_per_second``;
capacity 0 = no limit) plus ``next_n`` forced 429s. A 429 carries ``Retry-After`` (seconds),
``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (ISO 8601 UTC) and
``RateLimit-Reason`` as Jira Cloud sends them.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone


@dataclass
class RateLimit:
    capacity: int = 0
    refill_per_second: float = 1.0
    retry_after_seconds: int = 1
    next_n: int = 0
    reason: str = "jira-burst-based"


@dataclass
class Faults:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    error_status: int = 503
    next_errors: int = 0
    next_drops: int = 0
    seed: int = 0
    path_contains: str = ""  # only requests whose path contains this are faulted ("" = all)
    drop_after_processing: bool = False  # a drop happens after the work: "it succeeded, the answer was lost"


@dataclass(frozen=True)
class Decision:
    action: str  # "pass" | "drop" | "drop_after" | "error" | "rate_limited"
    status: int = 200
    headers: dict = field(default_factory=dict)


PASS = Decision("pass")


class Knobs:
    def __init__(self) -> None:
        self.latency_ms = 0
        self.index_lag_seconds = 0.0
        self.rate_limit = RateLimit()
        self.faults = Faults()
        self._rng = random.Random(0)
        self._tokens = 0.0
        self._refilled_at: datetime | None = None

    def to_dict(self) -> dict:
        return {
            "latency_ms": self.latency_ms,
            "index_lag_seconds": self.index_lag_seconds,
            "rate_limit": asdict(self.rate_limit),
            "faults": asdict(self.faults),
        }

    def update(self, data: dict) -> None:
        """Apply a partial configuration; unknown keys raise ``ValueError``."""
        unknown = set(data) - {"latency_ms", "index_lag_seconds", "rate_limit", "faults"}
        if unknown:
            raise ValueError(f"unknown knobs: {sorted(unknown)}")
        self.latency_ms = int(data.get("latency_ms", self.latency_ms))
        self.index_lag_seconds = float(data.get("index_lag_seconds", self.index_lag_seconds))
        if "rate_limit" in data:
            self.rate_limit = RateLimit(**{**asdict(self.rate_limit), **data["rate_limit"]})
            self._tokens = float(self.rate_limit.capacity)
            self._refilled_at = None
        if "faults" in data:
            self.faults = Faults(**{**asdict(self.faults), **data["faults"]})
            self._rng = random.Random(self.faults.seed)

    def decide(self, path: str, now: datetime) -> Decision:
        """Faults first (a dead node answers nothing), then the rate limit."""
        faults = self.faults
        if not faults.path_contains or faults.path_contains in path:
            if faults.next_drops > 0:
                faults.next_drops -= 1
                return self._drop()
            if faults.next_errors > 0:
                faults.next_errors -= 1
                return Decision("error", faults.error_status)
            if faults.drop_rate and self._rng.random() < faults.drop_rate:
                return self._drop()
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return Decision("error", faults.error_status)
        return self._rate_decision(now)

    def _drop(self) -> Decision:
        return Decision("drop_after" if self.faults.drop_after_processing else "drop")

    def _rate_decision(self, now: datetime) -> Decision:
        limit = self.rate_limit
        if limit.next_n > 0:
            limit.next_n -= 1
            return Decision("rate_limited", 429, _limit_headers(limit, 0, now))
        if limit.capacity <= 0:
            return PASS
        self._refill(now)
        if self._tokens >= 1:
            self._tokens -= 1
            return Decision("pass", 200, _limit_headers(limit, int(self._tokens), None))
        return Decision("rate_limited", 429, _limit_headers(limit, 0, now))

    def _refill(self, now: datetime) -> None:
        if self._refilled_at is None:
            self._tokens = float(self.rate_limit.capacity)
        else:
            elapsed = (now - self._refilled_at).total_seconds()
            self._tokens = min(self.rate_limit.capacity, self._tokens + elapsed * self.rate_limit.refill_per_second)
        self._refilled_at = now


def _limit_headers(limit: RateLimit, remaining: int, limited_at: datetime | None) -> dict:
    headers = {"X-RateLimit-Limit": str(max(limit.capacity, 1)), "X-RateLimit-Remaining": str(remaining)}
    if limited_at is not None:
        retry_after = max(1, math.ceil(limit.retry_after_seconds))
        reset = (limited_at + timedelta(seconds=retry_after)).astimezone(timezone.utc)
        headers.update(
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "RateLimit-Reason": limit.reason,
            }
        )
    return headers

"""Realism knobs: latency, index lag, rate limits, attachment limits and injected faults (decisions only).

:class:`Knobs` holds the configuration that ``GET/POST /_sim/config`` reads and updates
(JSON shape = :meth:`Knobs.to_dict`). :meth:`Knobs.decide` says what to do with one
request, :meth:`Knobs.decide_issue_write` with one write to an issue; the app applies the
decision. Random faults draw from a seeded RNG so a run is reproducible; ``next_*`` counters hit
the next N requests deterministically. A drop closes the connection without answering: before
the request is handled (``"drop"``), or with ``drop_after_processing`` after it was handled in
full (``"drop_after"``: the change is made, the answer is lost). ``next_ok_errors`` answers 200
with an ``errorMessages`` body and ``next_pages_without_issues`` 200 with a search page that
lacks ``issues``, as a misbehaving proxy does.

Rate limits, as Jira Cloud documents them: a token bucket for bursts (``capacity`` requests,
refilled at ``refill_per_second``; capacity 0 = no limit) plus ``next_n`` forced 429s, and a
per-issue write limit (``per_issue_writes``: at most ``limit`` writes to one issue in any
``window_seconds``; limit 0 = none). A 429 carries ``Retry-After`` (seconds),
``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (``yyyy-MM-ddTHH:mmZ``,
the request time plus Retry-After) and ``RateLimit-Reason`` (``jira-burst-based`` or
``jira-per-issue-on-write``).

Attachments: ``max_bytes`` (0 = no limit) refuses larger uploads with 413; Cloud's content
redirect sends the bytes from a media URL that expires ``media_url_seconds`` after it is issued.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class RateLimit:
    capacity: int = 0
    refill_per_second: float = 1.0
    retry_after_seconds: int = 1
    next_n: int = 0
    reason: str = "jira-burst-based"


@dataclass
class PerIssueWrites:
    limit: int = 0
    window_seconds: float = 2.0


@dataclass
class Attachments:
    max_bytes: int = 0
    media_url_seconds: float = 300.0


@dataclass
class Faults:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    error_status: int = 503
    next_errors: int = 0
    next_drops: int = 0
    next_ok_errors: int = 0
    next_pages_without_issues: int = 0
    seed: int = 0
    path_contains: str = ""  # only requests whose path contains this are faulted ("" = all)
    drop_after_processing: bool = False  # a drop happens after the work: "it succeeded, the answer was lost"


@dataclass(frozen=True)
class Decision:
    action: str  # "pass" | "drop" | "drop_after" | "error" | "ok_error" | "page_without_issues" | "rate_limited"
    status: int = 200
    headers: dict[str, Any] = field(default_factory=dict)


PASS = Decision("pass")
GROUPS = {"rate_limit": RateLimit, "per_issue_writes": PerIssueWrites, "attachments": Attachments, "faults": Faults}


class Knobs:
    def __init__(self) -> None:
        self.latency_ms = 0
        self.index_lag_seconds = 0.0
        self.rate_limit = RateLimit()
        self.per_issue_writes = PerIssueWrites()
        self.attachments = Attachments()
        self.faults = Faults()
        self._rng = random.Random(0)
        self._tokens = 0.0
        self._refilled_at: datetime | None = None
        self._writes: dict[int, deque[datetime]] = {}

    def to_dict(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "index_lag_seconds": self.index_lag_seconds,
                **{name: asdict(getattr(self, name)) for name in GROUPS}}

    def update(self, data: dict[str, Any]) -> None:
        """Apply a partial configuration; unknown keys raise ``ValueError``."""
        unknown = set(data) - {"latency_ms", "index_lag_seconds", *GROUPS}
        if unknown:
            raise ValueError(f"unknown knobs: {sorted(unknown)}")
        for name, group in GROUPS.items():
            if name in data:
                wrong = set(data[name]) - {f.name for f in fields(group)}
                if wrong:
                    raise ValueError(f"unknown {name} knobs: {sorted(wrong)}")
        self.latency_ms = int(data.get("latency_ms", self.latency_ms))
        self.index_lag_seconds = float(data.get("index_lag_seconds", self.index_lag_seconds))
        for name, group in GROUPS.items():
            if name in data:
                setattr(self, name, group(**{**asdict(getattr(self, name)), **data[name]}))
        if "rate_limit" in data:
            self._tokens = float(self.rate_limit.capacity)
            self._refilled_at = None
        if "per_issue_writes" in data:
            self._writes.clear()
        if "faults" in data:
            self._rng = random.Random(self.faults.seed)

    def decide(self, path: str, now: datetime) -> Decision:
        """Faults first (a dead node answers nothing), then the burst rate limit."""
        faults = self.faults
        if not faults.path_contains or faults.path_contains in path:
            for counter, decision in (("next_drops", None), ("next_errors", Decision("error", faults.error_status)),
                                      ("next_ok_errors", Decision("ok_error")),
                                      ("next_pages_without_issues", Decision("page_without_issues"))):
                if getattr(faults, counter) > 0:
                    setattr(faults, counter, getattr(faults, counter) - 1)
                    return decision or self._drop()
            if faults.drop_rate and self._rng.random() < faults.drop_rate:
                return self._drop()
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return Decision("error", faults.error_status)
        return self._rate_decision(now)

    def decide_issue_write(self, issue_id: int, now: datetime) -> Decision:
        """The per-issue write limit for one write to ``issue_id`` (counted when it passes)."""
        limit = self.per_issue_writes
        if limit.limit <= 0:
            return PASS
        window = timedelta(seconds=limit.window_seconds)
        writes = self._writes.setdefault(issue_id, deque())
        while writes and writes[0] <= now - window:
            writes.popleft()
        if len(writes) >= limit.limit:
            retry_after = max(1, math.ceil((writes[0] + window - now).total_seconds()))
            return Decision("rate_limited", 429, _limit_headers(limit.limit, 0, now, retry_after, "jira-per-issue-on-write"))
        writes.append(now)
        return PASS

    def _drop(self) -> Decision:
        return Decision("drop_after" if self.faults.drop_after_processing else "drop")

    def _rate_decision(self, now: datetime) -> Decision:
        limit = self.rate_limit
        retry_after = max(1, math.ceil(limit.retry_after_seconds))
        if limit.next_n > 0:
            limit.next_n -= 1
            return Decision("rate_limited", 429, _limit_headers(limit.capacity, 0, now, retry_after, limit.reason))
        if limit.capacity <= 0:
            return PASS
        self._refill(now)
        if self._tokens >= 1:
            self._tokens -= 1
            return Decision("pass", 200, _limit_headers(limit.capacity, int(self._tokens)))
        return Decision("rate_limited", 429, _limit_headers(limit.capacity, 0, now, retry_after, limit.reason))

    def _refill(self, now: datetime) -> None:
        if self._refilled_at is None:
            self._tokens = float(self.rate_limit.capacity)
        else:
            elapsed = (now - self._refilled_at).total_seconds()
            self._tokens = min(self.rate_limit.capacity, self._tokens + elapsed * self.rate_limit.refill_per_second)
        self._refilled_at = now


def _limit_headers(capacity: int, remaining: int, limited_at: datetime | None = None, retry_after: int = 0,
                   reason: str = "") -> dict[str, Any]:
    headers = {"X-RateLimit-Limit": str(max(capacity, 1)), "X-RateLimit-Remaining": str(remaining)}
    if limited_at is not None:
        reset = (limited_at + timedelta(seconds=retry_after)).astimezone(UTC)
        headers.update({"Retry-After": str(retry_after), "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                        "RateLimit-Reason": reason})
    return headers

"""The bounds of every number a pair file holds, each with the reason a person reads in the error.

JSON lets a file say `1e308` or `0.001`; without bounds the first crash-loops the worker (a
sleep that long overflows) and the second sends a search to Jira many times a second.
`interval_problems` judges a config's intervals and `priority_problem` a rule's priority (pure).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.config.errors import Loc


@dataclass(frozen=True)
class Bound:
    """`low` <= seconds <= `high`, with the reasons for each side."""

    low: float
    high: float
    low_text: str
    high_text: str
    too_low: str
    too_high: str

    def problem(self, value: float, unit: str = "seconds") -> str | None:
        """Why `value` (given in `unit`: "seconds" or "minutes") is out of bounds, else None."""
        scale = 60 if unit == "minutes" else 1
        if value * scale < self.low:
            return f"must be at least {_amount(self.low, unit, self.low_text)}: {self.too_low}"
        if value * scale > self.high:
            return f"must be at most {_amount(self.high, unit, self.high_text)}: {self.too_high}"
        return None


SYNC_INTERVAL = Bound(
    5, 86_400, "5 seconds", "1 day",
    "every pass searches both projects, so a shorter interval floods Jira with requests",
    "a pair that syncs less than daily is not in sync (disable its rules to pause it)",
)
FULL_SCAN_INTERVAL = Bound(
    60, 7 * 86_400, "1 minute", "1 week",
    "a full scan reads every issue of both projects",
    "a change the search index showed too late would wait longer than a week",
)
PRIORITY_RANGE = (0, 10_000)


def priority_problem(priority: int) -> str | None:
    """Why a rule's `priority` is out of bounds, else None."""
    low, high = PRIORITY_RANGE
    if low <= priority <= high:
        return None
    return f"must be between {low} and {high}: rules run by priority, lowest first, and that range leaves room " \
           "between any two"


def interval_problems(
    sync: tuple[str, float] | None, full_scan: tuple[str, float] | None, sync_seconds: float
) -> list[tuple[Loc, str]]:
    """Problems of the configured intervals, each `(field, value)` as written in the file (None
    when unset); `sync_seconds` is the sync interval in effect (its default when unset)."""
    problems: list[tuple[Loc, str]] = []
    for configured, bound in ((sync, SYNC_INTERVAL), (full_scan, FULL_SCAN_INTERVAL)):
        if configured is not None:
            key, value = configured
            problem = bound.problem(value, _unit(key))
            if problem:
                problems.append(((key,), problem))
    if full_scan is not None and not problems:
        key, value = full_scan
        if value * (60 if _unit(key) == "minutes" else 1) < sync_seconds:
            problems.append(((key,), f"must not be shorter than the sync interval ({_number(sync_seconds)} seconds): "
                                     "a full scan happens within a pass"))
    return problems


def _unit(key: str) -> str:
    return "minutes" if key.endswith("Minutes") else "seconds"


def _amount(seconds: float, unit: str, text: str) -> str:
    """`seconds` in `unit`, and in words when they say something else: "0.0833 minutes (5 seconds)"."""
    value = seconds / 60 if unit == "minutes" else seconds
    shown = f"{_number(value)} {unit}"
    return shown if shown == text else f"{shown} ({text})"


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")

"""When a failed change is tried again, and when it is given up (pure).

A change whose action failed stays in the pair's `failures` collection until it succeeds or a
newer change of the same issue supersedes it (a creation's failure stays until the creation is
done: app.sync.creation). It is retried on later passes with exponential
backoff; after `MAX_ATTEMPTS` it is marked given up (shown as such in /health) and only
tried once per `RETRY_CAP` from then on, so a fixed cause still heals it. A failure that waits
for a moment of its own (`due_by`: an interrupted creation's index-lag guard ends) is tried
then at the latest, not a backoff step later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

FIRST_RETRY_AFTER = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min ... capped at one hour."""
    return min(RETRY_CAP, FIRST_RETRY_AFTER * (2 ** max(0, attempts - 1)))


def failure_document(
    previous: dict[str, Any] | None,
    change: dict[str, Any],
    error: str,
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
    due_by: datetime | None = None,
) -> dict[str, Any]:
    """The failures entry after one more failed attempt of `change`.

    `change` holds what a retry needs to plan again: issue_id, issue_key, side, from_status,
    to_status, updated, had_mapping, rule_id. `due_by`, when still ahead, bounds the next
    attempt: what blocked this one is over then.
    """
    attempts = (previous or {}).get("attempts", 0) + 1
    given_up = attempts >= max_attempts
    next_attempt = now + (RETRY_CAP if given_up else retry_delay(attempts))
    if due_by is not None and now < due_by < next_attempt:
        next_attempt = due_by
    return {
        **change,
        "attempts": attempts,
        "first_failed_at": (previous or {}).get("first_failed_at", now),
        "last_failed_at": now,
        "last_error": error,
        "given_up": given_up,
        "next_attempt_at": next_attempt,
    }


def refusal_document(change: dict[str, Any], reason: str, now: datetime) -> dict[str, Any]:
    """A failure that no retry can mend (Jira refused the content itself): shown as given up,
    never due. It names the issue and the reason; `change` as for `failure_document`."""
    return {
        **change,
        "kind": "refused",
        "attempts": 1,
        "first_failed_at": now,
        "last_failed_at": now,
        "last_error": reason,
        "given_up": True,
    }

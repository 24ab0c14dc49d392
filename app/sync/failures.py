"""A failed change as a value, its stored document, and when it is tried again (the owner of
a pair's `failures` collection: nothing else builds or reads its documents).

A change whose action failed stays in the pair's `failures` collection until it succeeds or a
newer change of the same issue supersedes it (a creation's failure stays until the creation is
done: app.sync.creation). It is retried on later passes with exponential
backoff; after `MAX_ATTEMPTS` it is marked given up (shown as such in /health) and only
tried once per `RETRY_CAP` from then on, so a fixed cause still heals it. A failure that waits
for a moment of its own (`due_by`: an interrupted creation's index-lag guard ends) is tried
then at the latest, not a backoff step later.

*Pending* means stored: a failure that heals is deleted (nothing marks one resolved), so every
document of the collection, given up or not, is pending. The worker's count, /health, `status`
and the dashboard all count and list them through `count_pending` / `read_pending`. (Earlier
versions of /health filtered on a `resolved_at` field that nothing ever wrote, which matched
every document as well; a document carrying one is read like any other.)

The document (`_id` = change id, a creation id, or `refused:<attachment id>`), its fields named
as `Failure`'s, instants as app.instants text; fields missing from an older document read as
their defaults (`kind` "change").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import pymongo
from pymongo.collection import Collection

from app.instants import decode_instant, encode_instant
from app.mongo import Document, count
from app.sync.model import Side, StatusChange

FIRST_RETRY_AFTER = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8
PENDING: dict[str, Any] = {}  # every stored failure is pending: a healed one is deleted


class FailureKind(StrEnum):
    """CHANGE: an issue's change, superseded by its newer change; CREATION: a creation's, kept
    until the creation is done; REFUSED: Jira refused the content itself, never retried;
    COMMENT: copying an issue's comments to its partner failed (app.sync.comment_sync), kept
    until that issue's comments are reconciled; FIELD: a field value the partner did not take
    (app.sync.field_sync), kept until that pair's fields are in step."""

    CHANGE = "change"
    CREATION = "creation"
    REFUSED = "refused"
    COMMENT = "comment"
    FIELD = "field"


@dataclass(frozen=True)
class FailedChange:
    """What a retry needs to plan the change again, and what a person reads of it."""

    issue_id: str | None
    issue_key: str | None
    side: Side | None
    from_status: str | None
    to_status: str | None
    updated: datetime | None = None
    had_mapping: bool = False
    rule_id: str | None = None

    @classmethod
    def of(cls, change: StatusChange, rule_id: str | None, had_mapping: bool) -> FailedChange:
        issue = change.issue
        return cls(issue.id, issue.key, issue.side, change.previous_status, issue.status, issue.updated,
                   had_mapping, rule_id)


@dataclass(frozen=True)
class Failure:
    """One stored failure. `next_attempt_at` is None only for a refusal (never due)."""

    id: str
    kind: FailureKind
    change: FailedChange
    attempts: int
    first_failed_at: datetime | None
    last_failed_at: datetime | None
    last_error: str | None
    given_up: bool
    next_attempt_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.next_attempt_at is not None and self.next_attempt_at <= now

    def to_document(self) -> dict[str, Any]:
        """The stored fields (`_id` apart), instants as text."""
        change = self.change
        document: dict[str, Any] = {
            "kind": self.kind.value,
            "issue_id": change.issue_id,
            "issue_key": change.issue_key,
            "side": change.side,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "updated": _text(change.updated),
            "had_mapping": change.had_mapping,
            "rule_id": change.rule_id,
            "attempts": self.attempts,
            "first_failed_at": _text(self.first_failed_at),
            "last_failed_at": _text(self.last_failed_at),
            "last_error": self.last_error,
            "given_up": self.given_up,
        }
        if self.next_attempt_at is not None:  # a refusal has none: no `$lte` ever matches it
            document["next_attempt_at"] = _text(self.next_attempt_at)
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Failure:
        """Read a stored failure; tolerant of older documents (missing fields take defaults)."""
        kind = document.get("kind")
        side = document.get("side")
        change = FailedChange(
            issue_id=_optional_str(document.get("issue_id")),
            issue_key=_optional_str(document.get("issue_key")),
            side=side if side in ("user", "dev") else None,
            from_status=document.get("from_status"),
            to_status=document.get("to_status"),
            updated=_instant(document.get("updated")),
            # The embedded server hands booleans updated by `$set` back as 0/1.
            had_mapping=bool(document.get("had_mapping")),
            rule_id=_optional_str(document.get("rule_id")),
        )
        return cls(
            id=str(document.get("_id")),
            kind=FailureKind(str(kind)) if kind in FailureKind._value2member_map_ else FailureKind.CHANGE,
            change=change,
            attempts=int(document.get("attempts") or 0),
            first_failed_at=_instant(document.get("first_failed_at")),
            last_failed_at=_instant(document.get("last_failed_at")),
            last_error=document.get("last_error"),
            given_up=bool(document.get("given_up")),
            next_attempt_at=_instant(document.get("next_attempt_at")),
        )


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min ... capped at one hour."""
    return min(RETRY_CAP, FIRST_RETRY_AFTER * (1 << max(0, attempts - 1)))


def failed_again(
    previous: Failure | None,
    failure_id: str,
    kind: FailureKind,
    change: FailedChange,
    error: str,
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
    due_by: datetime | None = None,
) -> Failure:
    """The failure after one more failed attempt of `change` (the only builder of a retried one).
    `due_by`, when still ahead, bounds the next attempt: what blocked this one is over then."""
    attempts = (previous.attempts if previous else 0) + 1
    given_up = attempts >= max_attempts
    first = previous.first_failed_at if previous and previous.first_failed_at else now
    next_attempt = now + (RETRY_CAP if given_up else retry_delay(attempts))
    if due_by is not None and now < due_by < next_attempt:
        next_attempt = due_by
    return Failure(failure_id, kind, change, attempts, first, now, error, given_up, next_attempt)


def refused(failure_id: str, change: FailedChange, reason: str, now: datetime) -> Failure:
    """A failure that no retry can mend (Jira refused the content itself): shown as given up,
    never due. It names the issue and the reason."""
    return Failure(failure_id, FailureKind.REFUSED, change, 1, now, now, reason, True, None)


def creation_change(previous: Failure | None, user_issue_id: str, user_issue_key: str, user_status: str,
                    started_at: datetime, had_mapping: bool) -> FailedChange:
    """What a creation's failure describes: the User issue's change that asked for it (from an
    earlier failure when there is one, else the creation's record)."""
    earlier = previous.change if previous else FailedChange(None, None, None, None, None, started_at)
    return replace(earlier, issue_id=user_issue_id, issue_key=user_issue_key, side="user", to_status=user_status,
                   updated=earlier.updated or started_at, had_mapping=had_mapping)


# -- reading the collection: the worker's store and the health service alike ---------------------

def count_pending(collection: Collection[Document]) -> int:
    """The pending failures of one pair (see the module docstring)."""
    return count(collection, PENDING)


def read_pending(collection: Collection[Document], limit: int = 0) -> list[Failure]:
    """The pending failures, oldest first (at most `limit`; 0: all)."""
    cursor = collection.find(PENDING).sort("first_failed_at", pymongo.ASCENDING)
    return [Failure.from_document(doc) for doc in (cursor.limit(limit) if limit else cursor)]


def read_due(collection: Collection[Document], now: datetime) -> list[Failure]:
    """The failures whose next attempt is due at `now`, soonest first."""
    due = collection.find({"next_attempt_at": {"$lte": encode_instant(now)}})
    return [Failure.from_document(doc) for doc in due.sort("next_attempt_at", pymongo.ASCENDING)]


def read_matching(collection: Collection[Document], issue_key: str | None = None, issue_id: str | None = None,
                  given_up_only: bool = False) -> list[Failure]:
    """The retryable failures (not refusals) of one issue (by key or id; neither: every issue),
    only the given-up ones when `given_up_only`."""
    query: dict[str, Any] = {"kind": {"$ne": FailureKind.REFUSED.value}}
    if issue_key is not None:
        query["issue_key"] = issue_key
    if issue_id is not None:
        query["issue_id"] = issue_id
    found = [Failure.from_document(doc) for doc in collection.find(query)]
    return [failure for failure in found if failure.given_up or not given_up_only]


def read_of_issues(collection: Collection[Document], issue_ids: list[str]) -> list[Failure]:
    """Every stored failure of the issues `issue_ids`, oldest first (the trace's)."""
    found = collection.find({"issue_id": {"$in": issue_ids}}).sort("first_failed_at", pymongo.ASCENDING)
    return [Failure.from_document(doc) for doc in found]


def read_one(collection: Collection[Document], failure_id: str) -> Failure | None:
    doc = collection.find_one({"_id": failure_id})
    return Failure.from_document(doc) if doc else None


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else encode_instant(moment)


def _instant(value: Any) -> datetime | None:
    decoded = decode_instant(value)
    return decoded if isinstance(decoded, datetime) else None


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)

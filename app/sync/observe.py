"""Which issues a pass reads, and as what: the search window, the watermarks and the snapshots.

Jira reads JQL dates in the API user's time zone at minute precision, and its search index
may lag a write by seconds. So a pass asks for everything updated since its watermark minus
an overlap, floored to the minute, and keeps only the versions it has not processed yet (by
issue id and `updated`). A watermark only ever comes from `updated` values Jira returned.

`Observer` does the reading (Jira search, the stored states); the functions around it are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import PairConfig
from app.jira import JiraClient, jql_datetime, jql_string
from app.sync.model import IssueSnapshot, Side, StatusChange
from app.sync.store import PairStore
from app.sync.templates import browse_url

SIDES: tuple[Side, Side] = ("user", "dev")
DEFAULT_OVERLAP = timedelta(minutes=5)
SEARCH_FIELDS = ("summary", "status", "updated", "created", "priority", "issuetype", "description", "attachment")
STATE_BATCH = 200  # stored states are read for this many issues at a time


@dataclass(frozen=True)
class Observed:
    """A new version of an issue and the state stored for it before (None = never seen)."""

    change: StatusChange
    stored: dict[str, Any] | None


@dataclass(frozen=True)
class Observation:
    """What one pass read: the new versions, oldest first, and the watermark each side reached."""

    changes: list[Observed]
    watermarks: dict[Side, datetime | None]


class Observer:
    """Reads one pair's projects: the windowed searches of a pass, and single issues for retries."""

    def __init__(
        self, config: PairConfig, jira: JiraClient, store: PairStore, time_zone: str,
        overlap: timedelta = DEFAULT_OVERLAP,
    ) -> None:
        self.config = config
        self.jira = jira
        self.store = store
        self.time_zone = time_zone
        self.overlap = overlap

    def observe(self, sync_state: dict[str, Any]) -> Observation:
        """Every new version in both projects since the stored watermarks, oldest first."""
        changes: list[Observed] = []
        watermarks: dict[Side, datetime | None] = {}
        for side in SIDES:
            since = sync_state.get(f"{side}_watermark")
            seen_updates: list[datetime] = []
            for batch in _batches(self._search(side, since), STATE_BATCH):
                stored = self.store.issue_states(issue.id for issue in batch)
                for issue in batch:
                    seen_updates.append(issue.updated)
                    before = stored.get(issue.id)
                    if is_new_version(before.get("updated") if before else None, issue.updated):
                        changes.append(Observed(StatusChange(issue, before["status"] if before else None), before))
            watermarks[side] = advance_watermark(since, seen_updates)
        changes.sort(key=lambda item: item.change.issue.updated)
        return Observation(changes, watermarks)

    def fetch(self, issue_id: str, side: Side) -> IssueSnapshot:
        """One issue as it is now (a GET, never the search index); JiraNotFound when it is gone."""
        return issue_snapshot(self.jira.get_issue(issue_id, fields=list(SEARCH_FIELDS)), side, self.config.jira.base_url)

    def _search(self, side: Side, since: datetime | None) -> Iterator[IssueSnapshot]:
        project = self.config.user_project_key if side == "user" else self.config.dev_project_key
        jql = window_jql(project, since, self.time_zone, self.overlap)
        for raw in self.jira.search(jql, fields=list(SEARCH_FIELDS)):
            yield issue_snapshot(raw, side, self.config.jira.base_url)


def window_jql(project_key: str, since: datetime | None, time_zone: str, overlap: timedelta = DEFAULT_OVERLAP) -> str:
    """The search for one project: all of it on a first pass, else what changed since `since`."""
    clauses = [f"project = {jql_string(project_key)}"]
    if since is not None:
        clauses.append(f'updated >= "{jql_datetime(since - overlap, time_zone)}"')
    # Ordered by creation, not by `updated`: an issue edited while the pages are read would
    # jump to the end of an `updated` order and shift every later row back by one, so the row at
    # each page boundary would never be read. Creation order does not move under edits; the
    # observer sorts what it read by `updated` itself.
    return " AND ".join(clauses) + " ORDER BY created ASC, key ASC"


def is_new_version(stored_updated: datetime | None, updated: datetime) -> bool:
    """True unless this exact (or a newer) version of the issue was processed already."""
    return stored_updated is None or updated > stored_updated


def advance_watermark(current: datetime | None, seen: Iterable[datetime]) -> datetime | None:
    """The newest of the current watermark and the `updated` values just seen."""
    newest = max(seen, default=None)
    if newest is None:
        return current
    return newest if current is None else max(current, newest)


def parse_jira_datetime(value: str) -> datetime:
    """Jira's `2026-11-28T16:20:31.123+0700` (or `+07:00`) as an aware datetime."""
    return datetime.fromisoformat(value)


def issue_snapshot(raw: dict[str, Any], side: Side, base_url: str) -> IssueSnapshot:
    """One issue of a search or GET answer; its text fields already plain text (app.jira)."""
    fields = raw["fields"]
    status = fields["status"]
    return IssueSnapshot(
        id=str(raw["id"]),
        key=raw["key"],
        side=side,
        status=status["name"],
        status_category=(status.get("statusCategory") or {}).get("key", ""),
        updated=parse_jira_datetime(fields["updated"]),
        summary=fields.get("summary") or "",
        description=fields.get("description"),
        priority=(fields.get("priority") or {}).get("name"),
        issue_type=(fields.get("issuetype") or {}).get("name"),
        url=browse_url(base_url, raw["key"]),
    )


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

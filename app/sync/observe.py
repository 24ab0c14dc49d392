"""Which issues a pass reads, and as what: the search window, the watermarks and the snapshots.

Jira reads JQL dates in the API user's time zone at minute precision, and its search index
may lag a write by seconds. So a pass asks for everything updated since its watermark minus
an overlap, floored to the minute, and keeps only the versions it has not processed yet (by
issue id and `updated`). A watermark only ever comes from `updated` values Jira returned.

The index can lag longer than the overlap ("seconds to minutes", longer after bulk edits), so
two more reads make late changes safe:
- on Cloud every search names, in `reconcileIssues`, the issues the sync wrote or saw change
  lately (`RecentIssues`), which Jira then answers read-after-write consistently;
- every `fullScanInterval` a full scan reads both projects' ids, statuses and `updated` only,
  compares them with the stored state, and fetches (GET, never the index) every version the
  windows missed, which the pass then processes like any other change.

`Observer` does the reading (Jira search, the stored states); the functions around it are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from app.config import PairConfig
from app.jira import JiraClient, jql_datetime, jql_string
from app.sync import marker
from app.sync.jira_answers import IssueView
from app.sync.model import IssueSnapshot, Side, StatusChange
from app.sync.state import SyncState
from app.sync.store import PairStore
from app.sync.templates import browse_url
from app.vocabulary import SIDES

DEFAULT_OVERLAP = timedelta(minutes=5)
SEARCH_FIELDS = ("summary", "status", "updated", "created", "priority", "issuetype", "description", "attachment",
                 "issuelinks")
SCAN_FIELDS = ("status", "updated")
SCAN_PAGE = 5000  # Jira pages a search that asks few fields up to 5,000 issues (it may answer fewer)
STATE_BATCH = 200  # stored states are read for this many issues at a time
RECENT_LIMIT = 50  # what reconcileIssues accepts
T = TypeVar("T")


@dataclass(frozen=True)
class Observed:
    """A new version of an issue and the state stored for it before (None = never seen)."""

    change: StatusChange
    stored: dict[str, Any] | None


@dataclass(frozen=True)
class Observation:
    """What one pass read: the new versions, oldest first, the watermark each side reached, and
    the highest Dev key number seen (where a lost create is looked for: app.sync.creation)."""

    changes: list[Observed]
    watermarks: dict[Side, datetime | None]
    highest_dev_key: int | None = None


class ImportedBaselines(Protocol):
    """What an import about to be written would store (app.sync.original.ImportPlan)."""

    def issue_states(self, issue_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def legacy_statuses(self, side: Side, first_seen: Iterable[IssueSnapshot]) -> dict[str, str]: ...


class RecentIssues:
    """The issues the sync wrote or saw change lately (within `keep`), newest last, at most
    RECENT_LIMIT: what a Cloud search asks Jira to reconcile."""

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep
        self._at: dict[str, datetime] = {}

    def note(self, issue_ids: Iterable[str], now: datetime) -> None:
        for issue_id in issue_ids:
            self._at.pop(issue_id, None)
            self._at[issue_id] = now
        while len(self._at) > RECENT_LIMIT:
            del self._at[next(iter(self._at))]

    def ids(self, now: datetime) -> list[str]:
        for issue_id in [i for i, at in self._at.items() if now - at > self.keep]:
            del self._at[issue_id]
        return list(self._at)


class Observer:
    """Reads one pair's projects: the windowed searches of a pass, the full scan, and single
    issues for retries."""

    def __init__(
        self, config: PairConfig, jira: JiraClient, store: PairStore, time_zone: str,
        overlap: timedelta = DEFAULT_OVERLAP, recent: RecentIssues | None = None,
    ) -> None:
        self.config = config
        self.jira = jira
        self.store = store
        self.time_zone = time_zone
        self.overlap = overlap
        self.recent = recent if recent is not None else RecentIssues(keep=overlap)
        # The pass's search also answers the synced fields' values (app.sync.field_sync).
        synced = tuple(name for name in (config.fields or {}) if name not in SEARCH_FIELDS)
        self.search_fields = SEARCH_FIELDS + synced

    def observe(self, sync_state: SyncState, now: datetime, importing: ImportedBaselines | None = None) -> Observation:
        """Every new version in both projects since the stored watermarks, oldest first.
        `importing`: the baselines an import not written yet would store (the `plan` preview)."""
        changes: list[Observed] = []
        watermarks: dict[Side, datetime | None] = {}
        reconcile = self.recent.ids(now)
        highest: int | None = None
        for side in SIDES:
            since = sync_state.watermark(side)
            seen_updates: list[datetime] = []
            search = self._search(side, window_jql(self._project(side), since, self.time_zone, self.overlap),
                                  self.search_fields, reconcile=reconcile)
            for batch in _batches((issue_snapshot(raw, side, self.jira.site_url) for raw in search), STATE_BATCH):
                stored = self.store.issue_states(issue.id for issue in batch)
                if importing is not None:  # as the import would write them: over what is stored
                    imported = importing.issue_states(issue.id for issue in batch)
                    stored = {**stored, **{i: {**stored.get(i, {}), **state} for i, state in imported.items()}}
                first_seen = [issue for issue in batch if issue.id not in stored]
                legacy = (importing.legacy_statuses(side, first_seen) if importing is not None
                          else self._legacy(side, first_seen, sync_state))
                for issue in batch:
                    seen_updates.append(issue.updated)
                    if side == "dev":
                        highest = max(highest or 0, key_number(issue.key, self.config.dev_project_key) or 0) or None
                    before = stored.get(issue.id)
                    if is_new_version(before.get("updated") if before else None, issue.updated):
                        previous = before["status"] if before else legacy.get(issue.key)
                        changes.append(Observed(StatusChange(issue, previous), before))
            watermarks[side] = advance_watermark(since, seen_updates)
        changes.sort(key=lambda item: item.change.issue.updated)
        return Observation(changes, watermarks, highest)

    def full_scan(self, already: set[str], known_before: datetime | None = None) -> list[Observed]:
        """The versions the windows missed: every issue of both projects whose `updated` is newer
        than the stored one (or that was never stored, unless it is older than `known_before`:
        what the original service had seen), fetched as it is now, oldest first. `already` names
        issues this pass observed anyway."""
        missed: list[Observed] = []
        for side in SIDES:
            jql = f"project = {jql_string(self._project(side))} ORDER BY created ASC, key ASC"
            listed = self._search(side, jql, SCAN_FIELDS, page_size=SCAN_PAGE)
            for batch in _batches(listed, STATE_BATCH):
                listed_views = [IssueView.parse(raw) for raw in batch]
                stored = self.store.issue_states(view.id for view in listed_views)
                for view in listed_views:
                    issue_id, before, updated = view.id, stored.get(view.id), view.updated
                    if updated is None:
                        raise ValueError(f"Jira listed {view.key} without its `updated` field")
                    if issue_id in already or not is_new_version(before.get("updated") if before else None, updated):
                        continue
                    if before is None and known_before is not None and updated < known_before:
                        continue
                    issue = self.fetch(issue_id, side)
                    missed.append(Observed(StatusChange(issue, before["status"] if before else None), before))
        missed.sort(key=lambda item: item.change.issue.updated)
        return missed

    def _legacy(self, side: Side, first_seen: list[IssueSnapshot], sync_state: SyncState) -> dict[str, str]:
        """What the original service last saw of issues sighted for the first time (an import)."""
        if not first_seen or not sync_state.original_import:
            return {}
        return self.store.legacy_statuses(side, (issue.key for issue in first_seen))

    def fetch(self, issue_id: str, side: Side) -> IssueSnapshot:
        """One issue as it is now (a GET, never the search index); JiraNotFound when it is gone."""
        raw = self.jira.get_issue(issue_id, fields=list(self.search_fields), properties=[marker.KEY])
        return issue_snapshot(raw, side, self.jira.site_url)

    def _project(self, side: Side) -> str:
        return self.config.user_project_key if side == "user" else self.config.dev_project_key

    def _search(self, side: Side, jql: str, fields: tuple[str, ...], page_size: int = 100,
                reconcile: list[str] | None = None) -> Iterator[dict[str, Any]]:
        return self.jira.search(jql, fields=list(fields), page_size=page_size, reconcile=reconcile or (),
                                properties=[marker.KEY] if fields == self.search_fields else ())


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


def key_number(key: str, project_key: str) -> int | None:
    """The number of `PROJECT-123` when the key belongs to `project_key` (a moved issue's may not)."""
    prefix, _, number = key.rpartition("-")
    return int(number) if prefix == project_key and number.isdigit() else None


def full_scan_due(last_scan: datetime | None, now: datetime, interval_seconds: float) -> bool:
    """Whether a full scan is due: never done yet (the first pass reads everything anyway and
    counts as one), or the interval has passed since the last."""
    return last_scan is not None and (now - last_scan).total_seconds() >= interval_seconds


def is_new_version(stored_updated: datetime | None, updated: datetime) -> bool:
    """True unless this exact (or a newer) version of the issue was processed already."""
    return stored_updated is None or updated > stored_updated


def advance_watermark(current: datetime | None, seen: Iterable[datetime]) -> datetime | None:
    """The newest of the current watermark and the `updated` values just seen."""
    newest = max(seen, default=None)
    if newest is None:
        return current
    return newest if current is None else max(current, newest)


def issue_snapshot(raw: Mapping[str, Any], side: Side, site_url: str) -> IssueSnapshot:
    """One issue of a search or GET answer; its text fields already plain text (app.jira), its
    browse URL on the site's own URL."""
    view = IssueView.parse(raw)
    if view.status is None or view.updated is None:
        raise ValueError(f"Jira answered {view.key} without its status or `updated` field")
    return IssueSnapshot(
        id=view.id,
        key=view.key,
        side=side,
        status=view.status,
        status_category=view.status_category,
        updated=view.updated,
        summary=view.summary,
        description=view.description,
        priority=view.priority,
        issue_type=view.issue_type,
        url=browse_url(site_url, view.key),
        linked=view.links,
        marker=view.marker,
        attachment_ids=tuple(attachment.id for attachment in view.attachments),
        attachments=view.attachments if "attachment" in (raw.get("fields") or {}) else None,
        fields=view.fields,
    )


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

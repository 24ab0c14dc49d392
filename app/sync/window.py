"""Which issues a pass reads: the JQL window and the watermark, as pure functions.

Jira reads JQL dates in the API user's time zone at minute precision, and its search index
may lag a write by seconds. So a pass asks for everything updated since its watermark minus
an overlap, floored to the minute, and drops what it already processed by (issue id,
`updated`). The watermark only ever comes from `updated` values Jira returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from app.jira.jql import jql_datetime, jql_string

DEFAULT_OVERLAP = timedelta(minutes=5)
SEARCH_FIELDS = ("summary", "status", "updated", "created", "priority", "issuetype", "description", "attachment")


def window_jql(project_key: str, since: datetime | None, time_zone: str, overlap: timedelta = DEFAULT_OVERLAP) -> str:
    """The search for one project: all of it on a first pass, else what changed since `since`."""
    clauses = [f"project = {jql_string(project_key)}"]
    if since is not None:
        clauses.append(f'updated >= "{jql_datetime(since - overlap, time_zone)}"')
    # Ordered by creation, not by `updated`: an issue edited while the pages are read would
    # jump to the end of an `updated` order and shift every later row back by one, so the row at
    # each page boundary would never be read. Creation order does not move under edits; the
    # engine sorts what it read by `updated` itself.
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

"""A search index that lags behind the issue store, as Jira's does.

Every write records a snapshot of the issue that becomes searchable ``lag`` seconds later;
until then search keeps answering from the previous indexed version (or does not know the
issue at all). A deletion is a ``None`` snapshot. GET issue never goes through the index.
"""

from __future__ import annotations

import copy
from datetime import datetime

from app.simulator.model import Issue


class SearchIndex:
    def __init__(self) -> None:
        self._versions: dict[int, list[tuple[datetime, Issue | None]]] = {}

    def record(self, issue_id: int, issue: Issue | None, visible_at: datetime) -> None:
        """Index ``issue`` (a snapshot is taken now) as of ``visible_at``."""
        snapshot = copy.copy(issue) if issue is not None else None
        self._versions.setdefault(issue_id, []).append((visible_at, snapshot))

    def visible(self, now: datetime) -> list[Issue]:
        """The latest version of every issue whose indexing is complete at ``now``."""
        found: list[Issue] = []
        for versions in self._versions.values():
            current = _latest_visible(versions, now)
            if current is not None:
                found.append(current)
        return found

    def pending(self, now: datetime) -> int:
        """How many writes are not yet searchable."""
        return sum(1 for versions in self._versions.values() for at, _ in versions if at > now)


def _latest_visible(versions: list[tuple[datetime, Issue | None]], now: datetime) -> Issue | None:
    if len(versions) == 1:
        at, snapshot = versions[0]
        return snapshot if at <= now else None
    chosen = -1
    for position, (at, _) in enumerate(versions):
        if at <= now:
            chosen = position
    if chosen < 0:
        return None
    del versions[:chosen]  # older versions can never be visible again
    return versions[0][1]

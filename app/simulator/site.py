"""The simulated Jira site: all state behind one lock, plus look-ups and id allocation.

Every request handler works inside ``with site.lock``; writes go through :meth:`Site.save`
so the search index sees them (after the configured lag).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from app.simulator.faults import Knobs
from app.simulator.model import Attachment, Issue, IssueLink, LinkType, Project, User
from app.simulator.requestlog import RequestLog
from app.simulator.search_index import SearchIndex

ISSUE_TYPES = {"Epic": "10000", "Story": "10001", "Task": "10002", "Sub-task": "10003", "Bug": "10004"}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
RESOLUTIONS = {"Done": "10000", "Won't Do": "10001", "Duplicate": "10002", "Cannot Reproduce": "10003", "Fixed": "10004"}
LINK_TYPES = (
    LinkType("10000", "Blocks", "is blocked by", "blocks"),
    LinkType("10001", "Cloners", "is cloned by", "clones"),
    LinkType("10002", "Duplicate", "is duplicated by", "duplicates"),
    LinkType("10003", "Relates", "relates to", "relates to"),
)


class SimClock:
    """Wall-clock time plus an offset that tests can advance (no sleeping)."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)


class Site:
    def __init__(self, deployment: str = "cloud", clock: SimClock | None = None) -> None:
        if deployment not in ("cloud", "datacenter"):
            raise ValueError(f"deployment must be cloud or datacenter, not {deployment!r}")
        self.deployment = deployment
        self.clock = clock or SimClock()
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.projects: dict[str, Project] = {}
        self.issues: dict[int, Issue] = {}
        self.keys: dict[str, int] = {}  # current and former keys -> issue id
        self.link_types = {t.id: t for t in LINK_TYPES}
        self.links: dict[str, IssueLink] = {}
        self.attachment_content: dict[str, bytes] = {}
        self.attachment_issue: dict[str, int] = {}
        self.status_ids: dict[str, str] = {}
        self.index = SearchIndex()
        self.knobs = Knobs()
        self.request_log = RequestLog()
        self._counters: dict[str, int] = {}

    # ids -----------------------------------------------------------------
    def next_id(self, kind: str, start: int = 10000) -> int:
        value = self._counters.get(kind, start)
        self._counters[kind] = value + 1
        return value

    def now(self) -> datetime:
        return self.clock.now()

    # registration ----------------------------------------------------------
    def add_user(self, user: User) -> None:
        self.users[user.account_id] = user

    def add_project(self, project: Project) -> None:
        self.projects[project.key] = project
        for name, _ in project.workflow.statuses:
            self.status_ids.setdefault(name, str(10000 + len(self.status_ids)))

    # look-ups --------------------------------------------------------------
    def issue(self, key_or_id: str | int) -> Issue | None:
        """By id, current key or a former key (Jira resolves keys of moved issues)."""
        text = str(key_or_id)
        if text.isdigit():
            return self.issues.get(int(text))
        issue_id = self.keys.get(text.upper())
        return self.issues.get(issue_id) if issue_id is not None else None

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    def user_by_pat(self, token: str) -> User | None:
        return next((u for u in self.users.values() if u.pat and u.pat == token), None)

    def link_type_named(self, name_or_id: str) -> LinkType | None:
        return next((t for t in self.link_types.values() if name_or_id in (t.name, t.id)), None)

    def attachment(self, attachment_id: str) -> tuple[Issue, Attachment] | None:
        issue = self.issues.get(self.attachment_issue.get(attachment_id, -1))
        if issue is None:
            return None
        found = next((a for a in issue.attachments if a.id == attachment_id), None)
        return (issue, found) if found else None

    # writes ----------------------------------------------------------------
    def save(self, issue: Issue, touch: bool = True) -> None:
        """Store ``issue`` (bumping ``updated`` when ``touch``) and queue it for indexing."""
        if touch:
            issue.updated = self.now()
        self.issues[issue.id] = issue
        self.keys[issue.key] = issue.id
        self.index.record(issue.id, issue, self._visible_at())

    def remove(self, issue: Issue) -> None:
        del self.issues[issue.id]
        for key in (issue.key, *issue.old_keys):
            self.keys.pop(key, None)
        for link_id in [i for i, lk in self.links.items() if issue.id in (lk.inward_issue_id, lk.outward_issue_id)]:
            del self.links[link_id]
        self.index.record(issue.id, None, self._visible_at())

    def _visible_at(self) -> datetime:
        return self.now() + timedelta(seconds=self.knobs.index_lag_seconds)

"""The simulated Jira site: all state behind one lock, look-ups, id allocation, the search
index and the request log.

Every request handler works inside ``with site.lock``; writes go through :meth:`Site.save`
so the search index sees them (after the configured lag).

The search index lags behind the issue store, as Jira's does: every write records a snapshot
of the issue that becomes searchable ``lag`` seconds later; until then search keeps answering
from the previous indexed version (or does not know the issue at all). A deletion is a ``None``
snapshot. A *hold* makes one issue's writes until the hold ends (and, if asked, its current
version) searchable only when it ends, their ``updated`` untouched: the index answers from the
version before meanwhile. GET issue never goes through the index.

The request log keeps every request the simulator received, and counts per method + route.
Entries are ``{"method", "path", "template", "status", "at", "user"}``; ``template`` is the route
with its variables in braces (``/rest/api/3/issue/{key}``), ``status`` is ``"dropped"`` for
connections closed without an answer and ``user`` is the authenticated caller's accountId (the
user name on Data Center), None when the request was not authenticated. Counts are keyed
``"GET /rest/api/3/issue/{key}"``.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from jira_sim.catalog import Catalog
from jira_sim.knobs import Knobs
from jira_sim.model import Attachment, Issue, IssueLink, LinkType, Project, User

ISSUE_TYPES = {"Epic": "10000", "Story": "10001", "Task": "10002", "Sub-task": "10003", "Bug": "10004"}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
RESOLUTIONS = {"Done": "10000", "Won't Do": "10001", "Duplicate": "10002", "Cannot Reproduce": "10003", "Fixed": "10004"}
LINK_TYPES = (
    LinkType("10000", "Blocks", "is blocked by", "blocks"),
    LinkType("10001", "Cloners", "is cloned by", "clones"),
    LinkType("10002", "Duplicate", "is duplicated by", "duplicates"),
    LinkType("10003", "Relates", "relates to", "relates to"),
)


class SearchIndex:
    def __init__(self) -> None:
        self._versions: dict[int, list[tuple[datetime, Issue | None]]] = {}
        self._holds: dict[int, datetime] = {}

    def record(self, issue_id: int, issue: Issue | None, visible_at: datetime) -> None:
        """Index ``issue`` (a snapshot is taken now) as of ``visible_at``, or when its hold ends."""
        held = self._holds.get(issue_id)
        if held is not None:
            if held <= visible_at:
                del self._holds[issue_id]
            visible_at = max(visible_at, held)
        snapshot = copy.copy(issue) if issue is not None else None
        self._versions.setdefault(issue_id, []).append((visible_at, snapshot))

    def hold(self, issue_id: int, until: datetime, current: bool) -> None:
        """The issue's writes from now on (and its current version when ``current``) become searchable at ``until``."""
        self._holds[issue_id] = max(until, self._holds.get(issue_id, until))
        versions = self._versions.get(issue_id)
        if current and versions:
            at, snapshot = versions[-1]
            versions[-1] = (max(at, until), snapshot)

    def holds(self, now: datetime) -> dict[int, datetime]:
        """Issue id -> when its hold ends, for the holds still in force."""
        return {issue_id: until for issue_id, until in self._holds.items() if until > now}

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
    chosen = max((position for position, (at, _) in enumerate(versions) if at <= now), default=-1)
    if chosen < 0:
        return None
    found = versions[chosen][1]
    # Versions older than the one before can never be visible again (a hold falls back to that one).
    del versions[:max(chosen - 1, 0)]
    return found


class RequestLog:
    def __init__(self, keep: int = 20000) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._counts: Counter[str] = Counter()
        self._keep = keep

    def record(self, method: str, path: str, template: str, status: int | str, at: str,
               user: str | None = None) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1
            self._entries.append({"method": method, "path": path, "template": template, "status": status, "at": at,
                                  "user": user})
            if len(self._entries) > self._keep:
                del self._entries[: len(self._entries) - self._keep]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": sum(self._counts.values()), "counts": dict(self._counts), "requests": list(self._entries)}

    def count(self, method: str | None = None, template: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for key, n in self._counts.items()
                if (method is None or key.split(" ", 1)[0] == method)
                and (template is None or key.split(" ", 1)[1] == template)
            )

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()


class SimClock:
    """Wall-clock time plus an offset that tests can advance (no sleeping)."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

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
        self.catalog = Catalog()  # custom fields, project types, screens, components, versions
        self.request_log = RequestLog()
        self.site_url = ""  # the site's own address (serverInfo.baseUrl); set by the server that serves it
        self.media_url = ""  # Cloud's media host for attachment bytes; set by the server that serves it
        self.media_secret = secrets.token_bytes(32)  # signs media URLs
        self.media_requests: list[dict[str, Any]] = []  # what the media host received: {"path", "status", "headers"}
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

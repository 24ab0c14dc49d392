"""The simulated site's records (plain dataclasses), workflows included.

Issue collections are tuples and property maps are replaced, never mutated, so a shallow copy
of an :class:`Issue` is a consistent snapshot (the search index keeps such snapshots).

A workflow's transition has its own id and name ("Start work") distinct from the status it
leads to ("In Progress"); one transition may be available from several statuses, as Jira's
common transitions are. Entering a *done*-category status sets a resolution, leaving one clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    sources: tuple[str, ...]  # status names it is available from; empty = global
    target: str


@dataclass(frozen=True)
class Workflow:
    statuses: tuple[tuple[str, str], ...]  # (status name, category key)
    transitions: tuple[Transition, ...]
    initial: str

    def category_of(self, status: str) -> str:
        return dict(self.statuses)[status]

    def has_status(self, status: str) -> bool:
        return status in dict(self.statuses)

    def available_from(self, status: str) -> list[Transition]:
        return [t for t in self.transitions if not t.sources or status in t.sources]

    def find_available(self, status: str, transition_id: str) -> Transition | None:
        return next((t for t in self.available_from(status) if t.id == str(transition_id)), None)


@dataclass
class User:
    account_id: str
    display_name: str
    email: str
    api_token: str | None = None
    pat: str | None = None
    time_zone: str = "UTC"
    projects: tuple[str, ...] | None = None  # None = every project is visible
    revoked: frozenset[str] = frozenset()  # credentials that no longer authenticate: "apiToken", "pat"

    def can_see(self, project_key: str) -> bool:
        return self.projects is None or project_key in self.projects


@dataclass
class Project:
    id: str
    key: str
    name: str
    workflow: Workflow
    issue_types: tuple[str, ...]
    lead: str | None = None
    next_number: int = 1
    # Whether the create screen has the "Linked Issues" field; without it Jira refuses
    # `update.issuelinks` at create with 400, as a project configured that way does.
    create_screen_links: bool = True


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    body: dict[str, Any]  # ADF
    created: datetime
    updated: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    visibility: dict[str, str] | None = None  # {"type": "role"|"group", "value", "identifier"}
    update_author: str | None = None  # None: the author


@dataclass(frozen=True)
class ChangeItem:
    """One field's change in a changelog entry, in the shape Jira reports it."""

    field: str
    fieldtype: str
    field_id: str
    from_value: str | None
    from_string: str | None
    to_value: str | None
    to_string: str | None


@dataclass(frozen=True)
class History:
    """One changelog entry: who changed which fields when."""

    id: str
    author: str
    created: datetime
    items: tuple[ChangeItem, ...]


@dataclass(frozen=True)
class Attachment:
    id: str
    filename: str
    author: str
    created: datetime
    size: int
    mime_type: str


@dataclass(frozen=True)
class RemoteLink:
    id: int
    global_id: str | None
    object: dict[str, Any]
    relationship: str | None = None
    application: dict[str, Any] | None = None


@dataclass(frozen=True)
class LinkType:
    id: str
    name: str
    inward: str
    outward: str


@dataclass(frozen=True)
class IssueLink:
    id: str
    type_id: str
    inward_issue_id: int
    outward_issue_id: int


@dataclass
class Issue:
    id: int
    key: str
    project_key: str
    summary: str
    issuetype: str
    priority: str
    status: str
    created: datetime
    updated: datetime
    status_category_changed: datetime
    reporter: str
    description: dict[str, Any] | None = None
    assignee: str | None = None
    resolution: str | None = None
    resolution_date: datetime | None = None
    labels: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    remote_links: tuple[RemoteLink, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    old_keys: tuple[str, ...] = ()
    components: tuple[str, ...] = ()  # names, as the project's catalog knows them
    fix_versions: tuple[str, ...] = ()
    duedate: date | None = None
    custom: dict[str, Any] = field(default_factory=dict)  # customfield id -> stored value
    changelog: tuple[History, ...] = ()

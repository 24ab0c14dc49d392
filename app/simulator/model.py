"""The simulated site's records (plain dataclasses).

Issue collections are tuples and property maps are replaced, never mutated, so a shallow copy
of an :class:`Issue` is a consistent snapshot (the search index keeps such snapshots).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.simulator.workflow import Workflow


@dataclass
class User:
    account_id: str
    display_name: str
    email: str
    api_token: str | None = None
    pat: str | None = None
    time_zone: str = "UTC"
    projects: tuple[str, ...] | None = None  # None = every project is visible

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
    body: dict  # ADF
    created: datetime
    updated: datetime
    properties: dict[str, Any] = field(default_factory=dict)


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
    object: dict
    relationship: str | None = None
    application: dict | None = None


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
    description: dict | None = None
    assignee: str | None = None
    resolution: str | None = None
    resolution_date: datetime | None = None
    labels: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    remote_links: tuple[RemoteLink, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    old_keys: tuple[str, ...] = ()

"""What the sync reads from Jira's answers, parsed once at the edge into typed views.

Jira answers an issue as `{id, key, fields: {...}, properties: {...}}`, with only the fields
asked for; a view reads what is there and leaves the rest None. `linked_issue` is the one rule
for the other end of an issue link (Jira names it `inwardIssue` or `outwardIssue`, by the
link's direction as seen from the issue that was read). app.sync.observe turns a view into the
`IssueSnapshot` a pass plans with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.sync.marker import CommentMarker, IssueMarker, comment_marker, issue_marker
from app.sync.model import IssueRef


def parse_jira_datetime(value: str) -> datetime:
    """Jira's `2026-11-28T16:20:31.123+0700` (or `+07:00`) as an aware datetime."""
    return datetime.fromisoformat(value)


def linked_issue(link: Mapping[str, Any]) -> IssueRef | None:
    """The other issue an issue link joins the issue read to (None: a link without one)."""
    other = link.get("inwardIssue") or link.get("outwardIssue") or {}
    if other.get("id") and other.get("key"):
        return IssueRef(str(other["id"]), str(other["key"]))
    return None


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class IssueView:
    """One issue of a search or GET answer: the fields asked for (others None or empty)."""

    id: str
    key: str
    status: str | None = None
    status_category: str = ""
    updated: datetime | None = None
    created: str | None = None
    status_category_changed: str | None = None  # Jira's `statuscategorychangedate`, as text
    summary: str = ""
    description: str | None = None
    priority: str | None = None
    issue_type: str | None = None
    links: tuple[IssueRef, ...] = ()
    attachments: tuple[AttachmentView, ...] = ()
    marker: IssueMarker | None = None

    def current_status(self) -> str:
        """The status, which every read that asked for it has; ValueError naming the issue if not."""
        if self.status is None:
            raise ValueError(f"Jira answered {self.key} without its status")
        return self.status

    @property
    def project(self) -> str:
        return self.key.rpartition("-")[0]

    def links_to(self, issue_id: str) -> bool:
        return any(ref.id == issue_id for ref in self.links)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> IssueView:
        fields: Mapping[str, Any] = raw.get("fields") or {}
        status = fields.get("status") or {}
        updated = fields.get("updated")
        return cls(
            id=str(raw["id"]),
            key=str(raw["key"]),
            status=status.get("name"),
            status_category=(status.get("statusCategory") or {}).get("key", ""),
            updated=parse_jira_datetime(updated) if updated else None,
            created=fields.get("created"),
            status_category_changed=fields.get("statuscategorychangedate"),
            summary=fields.get("summary") or "",
            description=fields.get("description"),
            priority=(fields.get("priority") or {}).get("name"),
            issue_type=(fields.get("issuetype") or {}).get("name"),
            links=tuple(ref for link in fields.get("issuelinks") or [] if (ref := linked_issue(link)) is not None),
            attachments=tuple(AttachmentView(str(a["id"]), a.get("filename"), a.get("size"))
                              for a in fields.get("attachment") or [] if a.get("id") is not None),
            marker=issue_marker(raw.get("properties")),
        )


@dataclass(frozen=True)
class CommentView:
    """One comment, with our marker when the properties were expanded and it has one."""

    id: str | None
    marker: CommentMarker | None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> CommentView:
        return cls(None if raw.get("id") is None else str(raw["id"]), comment_marker(raw.get("properties")))

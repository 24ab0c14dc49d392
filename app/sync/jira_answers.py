"""What the sync reads from Jira's answers, parsed once at the edge into typed views.

Jira answers an issue as `{id, key, fields: {...}, properties: {...}}`, with only the fields
asked for; a view reads what is there and leaves the rest None. `linked_issue` is the one rule
for the other end of an issue link (Jira names it `inwardIssue` or `outwardIssue`, by the
link's direction as seen from the issue that was read). app.sync.observe turns a view into the
`IssueSnapshot` a pass plans with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.sync.marker import AnyCommentMarker, IssueMarker, comment_marker, issue_marker
from app.sync.model import AttachmentView, IssueRef


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
    fields: Mapping[str, Any] = field(default_factory=dict)  # every field as answered (the synced ones)

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
            attachments=tuple(AttachmentView(str(a["id"]), a.get("filename"), a.get("size"), a.get("content"))
                              for a in fields.get("attachment") or [] if a.get("id") is not None),
            marker=issue_marker(raw.get("properties")),
            fields=dict(fields),
        )


INTERNAL_PROPERTY = "sd.public.comment"  # Jira Service Management's internal flag (docs/JIRA-BEHAVIOUR.md)


@dataclass(frozen=True)
class Visibility:
    """A comment's role or group restriction (`identifier`: the group id or role name, when given)."""

    type: str
    value: str
    identifier: str | None = None

    def request(self) -> dict[str, str]:
        """As the `visibility` of a create request."""
        answer = {"type": self.type, "value": self.value}
        if self.identifier:
            answer["identifier"] = self.identifier
        return answer

    def describe(self) -> str:
        return f"{self.type} {self.value!r}"


@dataclass(frozen=True)
class CommentView:
    """One comment, with our marker when the properties were expanded and it has one. `body` is
    as Jira sent it (ADF on Cloud, wiki markup on Data Center) when read raw; `jsd_public` is
    Cloud's flag (None on Data Center), `marked_internal` whether `sd.public.comment` says
    internal (read with `expand=properties`)."""

    id: str | None
    marker: AnyCommentMarker | None
    author: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    body: Any = None
    jsd_public: bool | None = None
    marked_internal: bool = False
    visibility: Visibility | None = None

    @property
    def internal(self) -> bool:
        """Hidden from a service project's customers: Cloud's `jsdPublic`, else the property."""
        return self.jsd_public is False if self.jsd_public is not None else self.marked_internal

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> CommentView:
        properties = raw.get("properties")
        created, updated, public = raw.get("created"), raw.get("updated"), raw.get("jsdPublic")
        return cls(
            id=None if raw.get("id") is None else str(raw["id"]),
            marker=comment_marker(properties),
            author=str((raw.get("author") or {}).get("displayName") or ""),
            created=parse_jira_datetime(created) if created else None,
            updated=parse_jira_datetime(updated) if updated else None,
            body=raw.get("body"),
            jsd_public=public if isinstance(public, bool) else None,
            marked_internal=_marked_internal(properties),
            visibility=_visibility(raw.get("visibility")),
        )


def _marked_internal(properties: Any) -> bool:
    for prop in properties or []:
        if isinstance(prop, Mapping) and prop.get("key") == INTERNAL_PROPERTY:
            value = prop.get("value")
            return isinstance(value, Mapping) and value.get("internal") is True
    return False


def _visibility(raw: Any) -> Visibility | None:
    if not isinstance(raw, Mapping) or not raw.get("type") or not (raw.get("value") or raw.get("identifier")):
        return None
    identifier = raw.get("identifier")
    return Visibility(str(raw["type"]), str(raw.get("value") or identifier), None if identifier is None else str(identifier))

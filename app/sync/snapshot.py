"""Jira's issue JSON as the engine's plain `IssueSnapshot` (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.sync.model import IssueSnapshot, Side
from app.sync.templates import browse_url


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

"""Jira's value formats: timestamps in a caller's time zone, and just enough Atlassian Document Format.

Jira writes ``2026-11-28T16:20:31.123+0700``: milliseconds and a colon-less offset.
Descriptions and comments are stored as ADF documents. REST v2 (and Data Center) speaks plain
strings, so v2 reads flatten a document to text and v2 writes wrap text into a document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, overload
from zoneinfo import ZoneInfo


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty)."""
    return ZoneInfo(name or "UTC")


@overload
def format_jira(moment: datetime, time_zone: str | None) -> str: ...
@overload
def format_jira(moment: datetime | None, time_zone: str | None) -> str | None: ...
def format_jira(moment: datetime | None, time_zone: str | None) -> str | None:
    """``moment`` (aware) in ``time_zone`` as Jira writes it; None stays None."""
    if moment is None:
        return None
    local = moment.astimezone(zone(time_zone))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def parse_jira(text: str) -> datetime:
    """The inverse of :func:`format_jira` (also accepts ISO offsets with a colon and ``Z``)."""
    text = text.strip().replace("Z", "+00:00")
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return datetime.fromisoformat(text)


def text_to_adf(text: str) -> dict[str, Any]:
    """Paragraphs split on blank lines, line breaks become ``hardBreak`` nodes."""
    paragraphs = []
    for block in text.split("\n\n"):
        content: list[dict[str, Any]] = []
        for index, line in enumerate(block.split("\n")):
            if index:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def adf_to_text(node: Any) -> str:
    """Plain text of a document: paragraphs joined by blank lines; unknown nodes keep their text."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str((node.get("attrs") or {}).get("url", ""))
    children = [adf_to_text(child) for child in node.get("content") or []]
    separator = "\n\n" if kind in ("doc", "bulletList", "orderedList", "blockquote", "listItem") else ""
    return separator.join(children)


def is_adf_document(value: Any) -> bool:
    """True for a ``{"type": "doc", "version": 1, "content": [...]}`` document."""
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )

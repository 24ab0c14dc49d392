"""Jira's timestamp format, rendered in a caller's time zone.

Jira writes ``2026-11-28T16:20:31.123+0700``: milliseconds and a colon-less offset.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty)."""
    return ZoneInfo(name or "UTC")


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


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)

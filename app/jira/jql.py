"""Small pure helpers for writing JQL."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo


def jql_datetime(moment: datetime, tz: tzinfo | str) -> str:
    """`moment` as Jira reads a JQL date for a user in `tz`: `yyyy/MM/dd HH:mm`, seconds dropped.

    Jira interprets JQL dates in the searching user's time zone (their profile's `timeZone`,
    from /myself) at minute precision; the seconds are truncated, so callers that must not
    miss anything subtract an overlap window first. `moment` must be timezone-aware.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("jql_datetime needs a timezone-aware datetime")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return moment.astimezone(zone).strftime("%Y/%m/%d %H:%M")


def jql_string(value: str) -> str:
    """`value` as a double-quoted JQL string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'

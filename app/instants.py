"""Instants as MongoDB stores them here: fixed-width UTC ISO-8601 text.

The embedded MongoDB-wire server turns a datetime given to `$set` on an existing document
into naive text, so the same field would come back as a date or as text depending on
history. Storing every instant we update as `2026-11-28T09:20:31.123000Z` is the same on
both servers, sorts and compares correctly as text (`$lte`, `sort`), and stays readable in
a shell. Documents only ever inserted (the TTL-indexed `events`) keep real BSON dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> datetime:
    """The product's one clock: now, as an aware UTC datetime (injected wherever time matters)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is read as UTC (pymongo returns them without `tz_aware`)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def encode_instant(moment: datetime) -> str:
    """An aware datetime as sortable UTC text; a naive one is read as UTC."""
    return as_utc(moment).strftime(_FORMAT)


def decode_instant(value: Any) -> Any:
    """The datetime behind `encode_instant` text (or a BSON date); anything else unchanged."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return value
    return value


def encode_instants(value: Any) -> Any:
    """`value` with every datetime inside (dicts, lists) replaced by its text form."""
    if isinstance(value, datetime):
        return encode_instant(value)
    if isinstance(value, Mapping):
        return {key: encode_instants(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_instants(item) for item in value]
    return value


def decode_instants(value: Any) -> Any:
    """The inverse of `encode_instants`: instant text anywhere inside becomes a datetime."""
    if isinstance(value, Mapping):
        return {key: decode_instants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_instants(item) for item in value]
    return decode_instant(value)

"""The pair's sync state as a value: the one document `sync_state` (`_id` "pair") of a pair's
database, read as `SyncState` and written only through `PairStore.save_sync_state` with a
`SyncStateUpdate` (the fields that change; the others stay as stored).

Fields (instants stored as app.instants text; a field missing from an older document reads as
its default): `user_watermark`, `dev_watermark` (the newest `updated` each side's search
returned), `initial_sync_done`, `last_full_scan_at`, `known_before` (issues never stored and
older than this were seen by the original service: no full re-sync after an import),
`dev_key_high` (the highest Dev key number seen: where a lost create is probed),
`dev_initial_statuses` (issue type -> the status Jira creates a Dev issue in),
`original_import` (what the import of the original service did, once), `fence` (the lease
fence of the last writer, app.sync.store).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, TypedDict

from app.instants import decode_instant, encode_instants
from app.sync.model import Side


@dataclass(frozen=True)
class ImportRecord:
    """What the import of the original service did (app.sync.original), kept once it ran."""

    at: datetime | None
    mappings: int
    already: int
    unresolved: tuple[str, ...]
    baselines: int

    def counts(self) -> dict[str, Any]:
        """What it did, for the log and the audit event."""
        return {"mappings": self.mappings, "already": self.already, "unresolved": list(self.unresolved),
                "baselines": self.baselines}

    def to_document(self) -> dict[str, Any]:
        return {"at": self.at, "mappings": self.mappings, "already": self.already,
                "unresolved": list(self.unresolved), "baselines": self.baselines}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ImportRecord:
        return cls(_instant(document.get("at")), int(document.get("mappings") or 0), int(document.get("already") or 0),
                   tuple(str(line) for line in document.get("unresolved") or ()), int(document.get("baselines") or 0))


class SyncStateUpdate(TypedDict, total=False):
    """The fields one write of the pair's sync state changes (names as `SyncState`'s)."""

    user_watermark: datetime | None
    dev_watermark: datetime | None
    initial_sync_done: bool
    last_full_scan_at: datetime
    known_before: datetime | None
    dev_key_high: int
    dev_initial_statuses: dict[str, str]
    original_import: ImportRecord


@dataclass(frozen=True)
class SyncState:
    """The pair's sync state as stored (see the module docstring)."""

    user_watermark: datetime | None = None
    dev_watermark: datetime | None = None
    initial_sync_done: bool = False
    last_full_scan_at: datetime | None = None
    known_before: datetime | None = None
    dev_key_high: int | None = None
    dev_initial_statuses: Mapping[str, str] = field(default_factory=dict)
    original_import: ImportRecord | None = None
    fence: int | None = None

    def watermark(self, side: Side) -> datetime | None:
        return self.user_watermark if side == "user" else self.dev_watermark

    def updated(self, update: SyncStateUpdate) -> SyncState:
        """This state after `update` was written (what the store would read back)."""
        return replace(self, **update)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SyncState:
        record = document.get("original_import")
        high = document.get("dev_key_high")
        fence = document.get("fence")
        return cls(
            user_watermark=_instant(document.get("user_watermark")),
            dev_watermark=_instant(document.get("dev_watermark")),
            # The embedded server hands booleans updated by `$set` back as 0/1.
            initial_sync_done=bool(document.get("initial_sync_done")),
            last_full_scan_at=_instant(document.get("last_full_scan_at")),
            known_before=_instant(document.get("known_before")),
            dev_key_high=None if high is None else int(high),
            dev_initial_statuses={str(k): str(v) for k, v in (document.get("dev_initial_statuses") or {}).items()},
            original_import=ImportRecord.from_document(record) if isinstance(record, Mapping) else None,
            fence=None if fence is None else int(fence),
        )


def update_document(update: SyncStateUpdate) -> dict[str, Any]:
    """The `$set` fields of one write; TypeError for a field `SyncState` does not have."""
    known = {f.name for f in fields(SyncState)} - {"fence"}
    unknown = set(update) - known
    if unknown:
        raise TypeError(f"sync_state has no field {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {name: value.to_document() if isinstance(value, ImportRecord) else value
                              for name, value in update.items()}
    return dict(encode_instants(values))


def _instant(value: Any) -> datetime | None:
    decoded = decode_instant(value)
    return decoded if isinstance(decoded, datetime) else None

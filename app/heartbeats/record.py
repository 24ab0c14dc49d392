"""The heartbeat as a value: what a worker last said about itself, and its MongoDB document.

One document per pair and bundle in `<control db>.heartbeats`, `_id` = `pair@bundle` (a beat
written outside a bundle: the pair name), the other fields named as `Heartbeat`'s (instants
stored as text by app.instants):

    {_id, pair, bundle, pid, host, state, beat_at, started_at, last_error, failures_pending,
     metrics, warnings, last_pass: {started_at, finished_at, duration_s, ok, error, counts}}

Two bundles never write each other's document. `from_document` ignores fields it does not know
and `HeartbeatStore` never removes them, so a newer writer can add one without breaking an
older reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.heartbeats.totals import WorkerTotals
from app.instants import as_utc, decode_instants, encode_instants


class WorkerState(StrEnum):
    """What a worker is doing, as it last said; FAILED means it gave up (e.g. its start-up check)."""

    STARTING = "starting"
    RUNNING = "running"
    SYNCING = "syncing"
    SLEEPING = "sleeping"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class HeartbeatDocumentError(ValueError):
    """A stored heartbeat that does not read as one; the message names the pair and the field."""


@dataclass(frozen=True)
class LastPass:
    """The outcome of the worker's latest pass; `counts` as the engine reported them."""

    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    ok: bool = True
    error: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        return dict(encode_instants({
            "started_at": self.started_at, "finished_at": self.finished_at, "duration_s": self.duration_s,
            "ok": self.ok, "error": self.error, "counts": dict(self.counts),
        }))

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> LastPass:
        values = decode_instants(dict(document))
        return cls(values.get("started_at"), values.get("finished_at"), values.get("duration_s"),
                   values.get("ok", True) is not False, values.get("error"), dict(values.get("counts") or {}))


@dataclass(frozen=True)
class Heartbeat:
    """One beat of the worker of `pair`, as of `beat_at`.

    `state` is None only for a document written without one. `failures_pending` is the count
    the worker saw at its last pass (None before one). `metrics` is the worker's running totals,
    `WorkerTotals` (None before its first pass). `warnings` are the
    problems of its config that do not stop it (`field: message`, app.config.lint), found when
    it loaded the file and checked the rules against Jira: shown, never unhealthy by themselves.
    """

    pair: str
    beat_at: datetime
    state: WorkerState | None = None
    pid: int | None = None
    host: str | None = None
    started_at: datetime | None = None
    last_pass: LastPass | None = None
    last_error: str | None = None
    failures_pending: int | None = None
    metrics: WorkerTotals | None = None
    warnings: tuple[str, ...] = ()
    bundle: str | None = None  # the bundle whose worker wrote it

    def age(self, now: datetime) -> float:
        """Seconds from `beat_at` to `now` (negative when the beat claims to come from the future)."""
        return (as_utc(now) - as_utc(self.beat_at)).total_seconds()

    def is_stale(self, now: datetime, stale_after: float) -> bool:
        """True when the beat is more than `stale_after` seconds old at `now`."""
        return self.age(now) > stale_after

    def to_document(self) -> dict[str, Any]:
        """The stored form, `_id` included; `from_document` reads it back equal."""
        return {
            "_id": self.pair if self.bundle is None else f"{self.pair}@{self.bundle}",
            "pair": self.pair,
            "bundle": self.bundle,
            **encode_instants({"beat_at": self.beat_at, "started_at": self.started_at}),
            "state": None if self.state is None else self.state.value,
            "pid": self.pid,
            "host": self.host,
            "last_pass": None if self.last_pass is None else self.last_pass.to_document(),
            "last_error": self.last_error,
            "failures_pending": self.failures_pending,
            "metrics": None if self.metrics is None else self.metrics.to_document(),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Heartbeat:
        """Read a stored heartbeat; raises HeartbeatDocumentError naming what is wrong."""
        pair = document.get("pair") or document.get("_id")
        if not isinstance(pair, str):
            raise HeartbeatDocumentError(f"heartbeat {pair!r}: field '_id': a pair name is required")
        values = decode_instants({key: document.get(key) for key in ("beat_at", "started_at")})
        if not isinstance(values["beat_at"], datetime):
            raise HeartbeatDocumentError(f"heartbeat {pair!r}: field 'beat_at': an instant is required, "
                                         f"got {document.get('beat_at')!r}")
        state = document.get("state")
        if state is not None and state not in WorkerState._value2member_map_:
            raise HeartbeatDocumentError(f"heartbeat {pair!r}: field 'state': {state!r} is not one of "
                                         f"{', '.join(WorkerState)}")
        last_pass, metrics = document.get("last_pass"), document.get("metrics")
        return cls(
            pair=pair,
            beat_at=values["beat_at"],
            state=None if state is None else WorkerState(state),
            pid=document.get("pid"),
            host=document.get("host"),
            started_at=values["started_at"],
            last_pass=None if last_pass is None else LastPass.from_document(last_pass),
            last_error=document.get("last_error"),
            failures_pending=document.get("failures_pending"),
            metrics=WorkerTotals.from_document(metrics) if isinstance(metrics, Mapping) and metrics else None,
            warnings=tuple(str(warning) for warning in document.get("warnings") or ()),
            bundle=document.get("bundle"),
        )

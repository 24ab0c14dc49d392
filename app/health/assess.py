"""Health as a pure function: one snapshot of what the health service could read → one report.

The contract (DESIGN.md, Health): HTTP 200 only when every *valid* configured pair is healthy —
its program RUNNING per supervisord, its heartbeat no older than `stale_after` seconds, its last
pass not failing. Anything else is 503, including zero pairs and an unreachable supervisord or
MongoDB (the state of the pairs is then unknown). Invalid config files are listed in the body but
do not by themselves make the answer 503: no program runs for them, and the good pairs are fine.

The body keeps the original service's keys (`status`, `workers[] {name, status, lastHeartbeat,
pid}`, `timestamp`) and adds per pair details, `invalidConfigs`, `mongodb` and `supervisor`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from app.heartbeats import heartbeat_age, is_stale

RUNNING = "RUNNING"
REDACTED = "***"


class ProcessLike(Protocol):
    """What supervisord says about one program (app.bundle.rpc.ProcessInfo fits)."""

    statename: str
    pid: int
    description: str
    spawnerr: str


class ConfigErrorLike(Protocol):
    """One problem of one config file (app.config.ConfigError fits)."""

    file: str
    field: str
    message: str


@dataclass(frozen=True)
class Unavailable:
    """A source that could not be read; `reason` tells a person why."""

    reason: str


@dataclass(frozen=True)
class HealthSnapshot:
    """Everything `assess` needs, as read at `now`.

    `failures_pending` maps a pair to its count of unresolved failures; a pair missing from it
    falls back to the `failures_pending` its worker reported in its heartbeat. `failures` maps a
    pair to a few of its failure documents, oldest first (issue_key, side, from_status,
    to_status, attempts, given_up, last_error, first_failed_at, next_attempt_at), so a person
    sees why. `secrets` are the strings that must never appear in the report (e.g. API tokens
    of the loaded configs).
    """

    now: datetime
    pairs: Sequence[str]
    config_errors: Sequence[ConfigErrorLike] = ()
    processes: Mapping[str, ProcessLike] | Unavailable = field(default_factory=dict)
    heartbeats: Mapping[str, Mapping[str, Any]] | Unavailable = field(default_factory=dict)
    failures_pending: Mapping[str, int] | Unavailable = field(default_factory=dict)
    failures: Mapping[str, Sequence[Mapping[str, Any]]] | Unavailable = field(default_factory=dict)
    secrets: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class HealthReport:
    """The answer of `/health`: the HTTP status and a JSON-ready body."""

    http_status: int
    body: dict[str, Any]

    @property
    def healthy(self) -> bool:
        return self.http_status == 200


def assess(snapshot: HealthSnapshot, stale_after: float) -> HealthReport:
    """Judge every valid pair of `snapshot`; see the module docstring for the rules."""
    workers = [_assess_pair(name, snapshot, stale_after) for name in snapshot.pairs]
    reasons = _source_reasons(snapshot)
    if not snapshot.pairs:
        reasons.append("no valid pair configured")
    reasons += [f"{worker['name']}: {reason}" for worker in workers for reason in worker["reasons"]]
    healthy_count = sum(worker["status"] == "healthy" for worker in workers)
    all_healthy = bool(workers) and healthy_count == len(workers)
    body = {
        "status": "ok" if all_healthy else ("degraded" if healthy_count else "unhealthy"),
        "timestamp": iso_timestamp(snapshot.now),
        "reasons": list(dict.fromkeys(reasons)),
        "staleAfterSeconds": stale_after,
        "workers": workers,
        "invalidConfigs": [
            {"file": error.file, "field": error.field, "message": error.message}
            for error in snapshot.config_errors
        ],
        "mongodb": _reachability(snapshot.heartbeats),
        "supervisor": _reachability(snapshot.processes),
    }
    return HealthReport(200 if all_healthy else 503, _scrub(body, snapshot.secrets))


def iso_timestamp(moment: datetime | str | None) -> str | None:
    """`moment` as the original service wrote times (JavaScript's toISOString: ms, `Z`).

    Text is passed through: a worker may have recorded a time already formatted.
    """
    if moment is None or isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _assess_pair(name: str, snapshot: HealthSnapshot, stale_after: float) -> dict[str, Any]:
    process = _lookup(snapshot.processes, name)
    beat = _lookup(snapshot.heartbeats, name) or {}
    reasons = _process_reasons(process, snapshot.processes) + _heartbeat_reasons(
        beat, snapshot.heartbeats, snapshot.now, stale_after
    )
    beat_at = beat.get("beat_at")
    return {
        "name": name,
        "status": "unhealthy" if reasons else "healthy",
        "lastHeartbeat": iso_timestamp(beat_at),
        "pid": _pid(process, snapshot.processes, beat),
        "processState": process.statename if process else None,
        "processDescription": process.description if process else None,
        "spawnError": (process.spawnerr or None) if process else None,
        "workerState": beat.get("state"),
        "heartbeatAgeSeconds": round(heartbeat_age(snapshot.now, beat_at), 1) if beat_at else None,
        "lastPass": _last_pass(beat.get("last_pass")),
        "sinceStart": _since_start(beat.get("metrics")),
        "lastError": beat.get("last_error"),
        "failuresPending": _failures_pending(name, snapshot.failures_pending, beat),
        "failures": [_failure(document) for document in (_lookup(snapshot.failures, name) or ())],
        "reasons": reasons,
    }


def _process_reasons(process: ProcessLike | None, processes: object) -> list[str]:
    if isinstance(processes, Unavailable):
        return ["process state unknown (supervisord unreachable)"]
    if process is None:
        return ["no such program in supervisord"]
    if process.statename == RUNNING:
        return []
    detail = process.spawnerr or process.description
    return [f"process {process.statename}" + (f" ({detail})" if detail else "")]


def _heartbeat_reasons(
    beat: Mapping[str, Any], heartbeats: object, now: datetime, stale_after: float
) -> list[str]:
    if isinstance(heartbeats, Unavailable):
        return ["heartbeat unknown (MongoDB unreachable)"]
    beat_at = beat.get("beat_at")
    if beat_at is None:
        return ["no heartbeat yet"]
    reasons = []
    if is_stale(now, beat_at, stale_after):
        reasons.append(f"heartbeat stale ({heartbeat_age(now, beat_at):.0f} s old, limit {stale_after:g} s)")
    last_pass = beat.get("last_pass") or {}
    if beat.get("state") == "failed":
        error = beat.get("last_error")
        reasons.append("worker failed" + (f": {error}" if error else ""))
    elif last_pass.get("ok") is False:
        error = last_pass.get("error") or beat.get("last_error")
        reasons.append("last pass failed" + (f": {error}" if error else ""))
    return reasons


def _source_reasons(snapshot: HealthSnapshot) -> list[str]:
    reasons = []
    if isinstance(snapshot.processes, Unavailable):
        reasons.append(f"supervisord unreachable: {snapshot.processes.reason}")
    if isinstance(snapshot.heartbeats, Unavailable):
        reasons.append(f"MongoDB unreachable: {snapshot.heartbeats.reason}")
    return reasons


def _reachability(source: object) -> dict[str, Any]:
    if isinstance(source, Unavailable):
        return {"reachable": False, "error": source.reason}
    return {"reachable": True, "error": None}


def _lookup(source: Mapping[str, Any] | Unavailable, name: str) -> Any:
    return None if isinstance(source, Unavailable) else source.get(name)


def _pid(process: ProcessLike | None, processes: object, beat: Mapping[str, Any]) -> int | None:
    if isinstance(processes, Unavailable):
        return beat.get("pid")
    return process.pid if process and process.pid else None


def _failures_pending(name: str, counts: object, beat: Mapping[str, Any]) -> int | None:
    if isinstance(counts, Mapping) and name in counts:
        return counts[name]
    return beat.get("failures_pending")


def _failure(document: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "issueKey": document.get("issue_key"),
        "side": document.get("side"),
        "fromStatus": document.get("from_status"),
        "toStatus": document.get("to_status"),
        "attempts": document.get("attempts"),
        "givenUp": bool(document.get("given_up")),
        "lastError": document.get("last_error"),
        "firstFailedAt": iso_timestamp(document.get("first_failed_at")),
        "nextAttemptAt": iso_timestamp(document.get("next_attempt_at")),
    }


def _last_pass(last_pass: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not last_pass:
        return None
    return {
        "startedAt": iso_timestamp(last_pass.get("started_at")),
        "finishedAt": iso_timestamp(last_pass.get("finished_at")),
        "durationSeconds": last_pass.get("duration_s"),
        "ok": last_pass.get("ok"),
        "counts": dict(last_pass.get("counts") or {}),
    }


def _since_start(metrics: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The worker's running totals (app.sync.metrics), so people see the sync at work."""
    if not metrics:
        return None
    return {
        "passes": metrics.get("passes_total", 0),
        "failedPasses": metrics.get("passes_failed", 0),
        "actions": dict(metrics.get("actions") or {}),
    }


def _scrub(value: Any, secrets: frozenset[str]) -> Any:
    # Defence in depth: a token that slipped into an error text is masked before it leaves.
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    return value

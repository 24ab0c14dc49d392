"""Health as a pure function: one snapshot of what the health service could read → one report.

The contract (README.md, "Health, dashboard and metrics"): HTTP 200 only when every *valid* configured pair is healthy as
app.heartbeats.pair_health judges it — its program RUNNING per supervisord, its heartbeat no
older than `stale_after` seconds, its worker not failed, its last pass not failing. Anything
else is 503, including zero pairs and an unreachable supervisord or MongoDB (the state of the
pairs is then unknown). Invalid config files are listed in the body but do not by themselves
make the answer 503: no program runs for them, and the good pairs are fine.

The body keeps the original service's keys with their values and meanings, so its monitors keep
working: `status` is "healthy" exactly when the answer is 200, else "degraded"; `workers[]
{name, status, lastHeartbeat, pid}` with `status` "running" (RUNNING and healthy), "stopped" (its
program is not running by intent or has exited) or "error" (anything else); `timestamp`. Our own
judgement rides beside them: `state` ("ok" | "degraded": some pairs healthy | "unhealthy": none),
per worker `health` ("healthy" | "unhealthy") and details (among them `warnings`: its config's
problems that do not stop it, as its worker reported them; never unhealthy by themselves),
`invalidConfigs`, `mongodb` (with `embedded` and its note when the bundle runs the embedded
dev-only server), `supervisor`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.config.errors import ConfigError, printable
from app.heartbeats import Heartbeat, LastPass, PairHealth, ProcessLike, Unavailable, WorkerTotals, pair_health
from app.instants import as_utc
from app.leases.decide import live_bundles
from app.leases.view import Cluster, LeaseView
from app.sync.failures import Failure
from app.vocabulary import STOPPED_STATES

REDACTED = "***"
EMBEDDED_NOTE = "embedded MongoDB: dev only, data not kept"


@dataclass(frozen=True)
class HealthSnapshot:
    """Everything `assess` needs, as read at `now`.

    `failures_pending` maps a pair to its count of pending failures (app.sync.failures: read in
    its database, or 0 where its worker's beat stands for that read, app.health.pending); a pair
    missing from it falls back to the `failures_pending` its worker reported in its heartbeat.
    `failures` maps a pair to a few of its failures, oldest first, so a person sees why.
    `secrets` are the strings that must never appear in the report (e.g. API tokens
    of the loaded configs).
    """

    now: datetime
    pairs: Sequence[str]
    config_errors: Sequence[ConfigError] = ()
    processes: Mapping[str, ProcessLike] | Unavailable = field(default_factory=dict)
    heartbeats: Mapping[str, Heartbeat] | Unavailable = field(default_factory=dict)
    failures_pending: Mapping[str, int] | Unavailable = field(default_factory=dict)
    failures: Mapping[str, Sequence[Failure]] | Unavailable = field(default_factory=dict)
    cluster: Cluster | Unavailable | None = None  # the pair leases, when this bundle reads them
    embedded_mongo: bool = False  # the bundle runs the embedded dev-only MongoDB (MONGO_URI=embedded)
    secrets: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class PairVerdict:
    """One pair as `assess` judged it: what /metrics and the body are made from."""

    name: str
    health: PairHealth
    process: ProcessLike | Unavailable | None
    beat: Heartbeat | None
    lease: LeaseView | None
    failures_pending: int | None  # as the snapshot counted them, else as the worker last reported
    failures: tuple[Failure, ...]

    @property
    def healthy(self) -> bool:
        return self.health.healthy


@dataclass(frozen=True)
class Reachability:
    """Whether the health service could read a source (MongoDB, supervisord), and if not why."""

    reachable: bool
    error: str | None = None
    note: str | None = None  # worth knowing though reachable (the embedded dev-only MongoDB)


@dataclass(frozen=True)
class HealthReport:
    """The assessment: the HTTP status, the judgement as typed values (what /metrics and the
    dashboard read), and `body`, their JSON rendering for `/health` (scrubbed of `secrets`;
    whoever renders the typed values for people scrubs them with `scrub` too)."""

    http_status: int
    body: dict[str, Any]
    pairs: tuple[PairVerdict, ...] = ()
    state: str = "unhealthy"  # "ok" | "degraded": some pairs healthy | "unhealthy": none
    now: datetime | None = None
    stale_after: float = 0.0
    reasons: tuple[str, ...] = ()
    config_errors: tuple[ConfigError, ...] = ()
    mongodb: Reachability = Reachability(True)
    supervisor: Reachability = Reachability(True)
    cluster: Cluster | None = None
    secrets: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def healthy(self) -> bool:
        return self.http_status == 200


def assess(snapshot: HealthSnapshot, stale_after: float) -> HealthReport:
    """Judge every valid pair of `snapshot`; see the module docstring for the rules."""
    verdicts = tuple(_assess_pair(name, snapshot, stale_after) for name in snapshot.pairs)
    workers = [_worker(verdict, snapshot.now) for verdict in verdicts]
    reasons = _source_reasons(snapshot)
    if not snapshot.pairs:
        reasons.append("no valid pair configured")
    reasons += [f"{verdict.name}: {reason}" for verdict in verdicts for reason in verdict.health.reasons]
    healthy_count = sum(verdict.healthy for verdict in verdicts)
    all_healthy = bool(verdicts) and healthy_count == len(verdicts)
    state = "ok" if all_healthy else ("degraded" if healthy_count else "unhealthy")
    mongodb, supervisor = _reachability(snapshot.heartbeats), _reachability(snapshot.processes)
    if snapshot.embedded_mongo:
        mongodb = replace(mongodb, note=EMBEDDED_NOTE)
    cluster = snapshot.cluster if isinstance(snapshot.cluster, Cluster) else None
    body = {
        "status": "healthy" if all_healthy else "degraded",
        "state": state,
        "timestamp": iso_timestamp(snapshot.now),
        "reasons": list(dict.fromkeys(reasons)),
        "staleAfterSeconds": stale_after,
        "workers": workers,
        "invalidConfigs": [config_error_entry(error) for error in snapshot.config_errors],
        "mongodb": {"reachable": mongodb.reachable, "error": mongodb.error, "embedded": snapshot.embedded_mongo,
                    **({"note": mongodb.note} if mongodb.note else {})},
        "supervisor": {"reachable": supervisor.reachable, "error": supervisor.error},
    }
    if cluster is not None:
        body["cluster"] = _cluster(cluster, snapshot.now)
    return HealthReport(200 if all_healthy else 503, scrub(body, snapshot.secrets), verdicts, state, snapshot.now,
                        stale_after, tuple(dict.fromkeys(reasons)), tuple(snapshot.config_errors), mongodb, supervisor,
                        cluster, snapshot.secrets)


def config_error_entry(error: ConfigError) -> dict[str, str]:
    """One invalid config file's problem as people are shown it (names made printable)."""
    return {"file": printable(error.file), "field": printable(error.field), "message": error.message}


def worker_status(process: ProcessLike | Unavailable | None, health: PairHealth) -> str:
    """The original service's `workers[].status`: "running" | "stopped" | "error".

    A program supervisord does not know (not loaded) is stopped; one whose state could not be
    read is an error, as is a RUNNING one that is not healthy (stale, failed pass, failed worker).
    """
    if process is None or (not isinstance(process, Unavailable) and process.statename in STOPPED_STATES):
        return "stopped"
    return "running" if health.healthy else "error"


def iso_timestamp(moment: datetime | str | None) -> str | None:
    """`moment` as the original service wrote times (JavaScript's toISOString: ms, `Z`).

    Text is passed through: a worker may have recorded a time already formatted.
    """
    if moment is None or isinstance(moment, str):
        return moment
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _assess_pair(name: str, snapshot: HealthSnapshot, stale_after: float) -> PairVerdict:
    process = _entry(snapshot.processes, name)
    read = _entry(snapshot.heartbeats, name)
    cluster = snapshot.cluster if isinstance(snapshot.cluster, Cluster) else None
    state = process.statename if process is not None and not isinstance(process, Unavailable) else None
    lease = cluster.view(name, snapshot.now, state) if cluster else None
    health = pair_health(process, read, snapshot.now, stale_after, lease, cluster.lease_seconds if cluster else 30.0)
    beat = read if isinstance(read, Heartbeat) else None
    pending = _readable(snapshot.failures_pending).get(name, beat.failures_pending if beat else None)
    return PairVerdict(name, health, process, beat, lease, pending, tuple(_readable(snapshot.failures).get(name, ())))


def _worker(verdict: PairVerdict, now: datetime) -> dict[str, Any]:
    """One entry of the body's `workers` (the original service's keys first)."""
    process, beat = verdict.process, verdict.beat
    return {
        "name": verdict.name,
        "status": worker_status(process, verdict.health),
        "health": "healthy" if verdict.healthy else "unhealthy",
        "lastHeartbeat": iso_timestamp(beat.beat_at) if beat else None,
        "pid": pid_of(process, beat),
        "lease": _lease(verdict.lease),
        **_process_details(process),
        **_heartbeat_details(beat, now),
        "failuresPending": verdict.failures_pending,
        "failures": [_failure(failure) for failure in verdict.failures],
        "reasons": list(verdict.health.reasons),
    }


def _lease(lease: LeaseView | None) -> dict[str, Any] | None:
    return None if lease is None else _lease_fields(lease)


def _lease_fields(lease: LeaseView) -> dict[str, Any]:
    return {"state": lease.state, "text": lease.describe(), "holder": lease.holder, "fence": lease.fence,
            "since": iso_timestamp(lease.since), "handovers": lease.handovers, "lastHolder": lease.last_owner}


def _cluster(cluster: Cluster, now: datetime) -> dict[str, Any]:
    """Which bundle holds which pair, and the bundles that beat (the dashboard's cluster view)."""
    live = live_bundles(cluster.bundles, now, cluster.lease_seconds)
    held = [lease for lease in cluster.leases.values() if lease.owner]
    return {
        "bundle": cluster.me,
        "bundles": [{"name": name, "host": beat.host, "live": name in live,
                     "beatAgeSeconds": round((as_utc(now) - as_utc(beat.beat_at)).total_seconds(), 1),
                     "holds": sorted(lease.pair for lease in held if lease.owner == name)}
                    for name, beat in sorted(cluster.bundles.items())],
        "leases": [{"pair": lease.pair, **_lease_fields(cluster.view(lease.pair, now))} for lease in
                   sorted(cluster.leases.values(), key=lambda lease: lease.pair)],
        "handovers": sum(lease.handovers for lease in cluster.leases.values()),
    }


def _process_details(process: ProcessLike | Unavailable | None) -> dict[str, Any]:
    if process is None or isinstance(process, Unavailable):
        return dict.fromkeys(("processState", "processDescription", "spawnError"))
    return {"processState": process.statename, "processDescription": process.description,
            "spawnError": process.spawnerr or None}


def _heartbeat_details(beat: Heartbeat | None, now: datetime) -> dict[str, Any]:
    if beat is None:
        return {**dict.fromkeys(("workerState", "heartbeatAgeSeconds", "lastPass", "sinceStart", "lastError")),
                "warnings": []}
    return {
        "workerState": beat.state.value if beat.state else None,
        "heartbeatAgeSeconds": round(beat.age(now), 1),
        "lastPass": _last_pass(beat.last_pass) if beat.last_pass else None,
        "sinceStart": _since_start(beat.metrics),
        "lastError": beat.last_error,
        "warnings": list(beat.warnings),
    }


def _source_reasons(snapshot: HealthSnapshot) -> list[str]:
    reasons = []
    if isinstance(snapshot.processes, Unavailable):
        reasons.append(f"supervisord unreachable: {snapshot.processes.reason}")
    if isinstance(snapshot.heartbeats, Unavailable):
        reasons.append(f"MongoDB unreachable: {snapshot.heartbeats.reason}")
    return reasons


def _reachability(source: object) -> Reachability:
    return Reachability(False, source.reason) if isinstance(source, Unavailable) else Reachability(True)


def _entry(source: Mapping[str, Any] | Unavailable, name: str) -> Any:
    """`name`'s entry of a source that was read (None when absent), or the source's Unavailable."""
    return source if isinstance(source, Unavailable) else source.get(name)


def pid_of(process: ProcessLike | Unavailable | None, beat: Heartbeat | None) -> int | None:
    """The pair's worker pid as people are shown it."""
    # supervisord knows best; only when it cannot be asked does the worker's own word stand.
    if isinstance(process, Unavailable):
        return beat.pid if beat else None
    return process.pid if process and process.pid else None


def _readable(source: Mapping[str, Any] | Unavailable) -> Mapping[str, Any]:
    return {} if isinstance(source, Unavailable) else source


def _failure(failure: Failure) -> dict[str, Any]:
    change = failure.change
    return {
        "issueKey": change.issue_key,
        "kind": failure.kind.value,
        "side": change.side,
        "fromStatus": change.from_status,
        "toStatus": change.to_status,
        "attempts": failure.attempts,
        "givenUp": failure.given_up,
        "lastError": failure.last_error,
        "firstFailedAt": iso_timestamp(failure.first_failed_at),
        "nextAttemptAt": iso_timestamp(failure.next_attempt_at),
    }


def _last_pass(last_pass: LastPass) -> dict[str, Any]:
    return {
        "startedAt": iso_timestamp(last_pass.started_at),
        "finishedAt": iso_timestamp(last_pass.finished_at),
        "durationSeconds": last_pass.duration_s,
        "ok": last_pass.ok,
        "counts": dict(last_pass.counts),
    }


def _since_start(totals: WorkerTotals | None) -> dict[str, Any] | None:
    """The worker's running totals (app.heartbeats.totals), so people see the sync at work."""
    if totals is None:
        return None
    return {"passes": totals.passes_total, "failedPasses": totals.passes_failed, "actions": dict(totals.actions)}


def scrub(value: Any, secrets: frozenset[str]) -> Any:
    """`value` with every secret masked in its texts (dicts and lists walked)."""
    # Defence in depth: a token that slipped into an error text is masked before it leaves.
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(item, secrets) for item in value)
    return value

"""`status [--demo]`: one line per pair from supervisord's view and the pair's heartbeat (its
pending failures as its worker last counted them).

`pair_names` and `pair_status` are pure formatting over plain values; `main` gathers them
(supervisord's process states, the heartbeats) and prints. Whether a pair is healthy is
app.heartbeats.pair_health's verdict, as for `/health`. Exit 1 unless every pair is healthy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pymongo.errors

from app.cli.bundle import profile
from app.config import BUNDLE_PROGRAM_NAMES, load_configs
from app.heartbeats import Heartbeat, HeartbeatStore, LastPass, Unavailable, pair_health
from app.instants import utc_now
from app.leases.store import LeaseStore
from app.leases.view import Cluster, LeaseView
from app.mongo import connect
from app.settings import Settings
from app.supervisord import ProcessInfo, SupervisorRPC, SupervisorUnavailable
from app.vocabulary import FAILING_TO_START_STATES, UNKNOWN


@dataclass(frozen=True)
class PairStatus:
    name: str
    line: str
    healthy: bool


def pair_names(configured: Iterable[str], processes: Mapping[str, ProcessInfo]) -> list[str]:
    """Configured pairs plus workers supervisord still runs (e.g. a config deleted, not reloaded);
    every program that is not one of the bundle's own is a pair's worker."""
    running = {info.group for info in processes.values() if info.group not in BUNDLE_PROGRAM_NAMES}
    return sorted(set(configured) | running)


def pair_status(
    name: str,
    process: ProcessInfo | None,
    heartbeat: Heartbeat | None,
    now: datetime,
    stale_after: float,
    process_unknown: bool = False,
    lease: LeaseView | None = None,
    lease_seconds: float = 30.0,
) -> PairStatus:
    """`name  STATE  pid N  heartbeat 3s ago (sleeping)  last pass ...  last error ...`.

    Healthy as app.heartbeats.pair_health judges it, the same verdict as `/health`'s.
    `process_unknown` says supervisord could not be asked (rather than not knowing the name).
    """
    health = pair_health(Unavailable("supervisord unreachable") if process_unknown else process,
                         heartbeat, now, stale_after, lease, lease_seconds)
    state = UNKNOWN if process_unknown else process.statename if process else "NOT-LOADED"
    parts = [f"{name:<20}", f"{state:<10}"]
    if process and process.pid:
        parts.append(f"pid {process.pid}")
    if lease is not None:
        parts.append(lease.describe())
    parts.append(_heartbeat_text(heartbeat, now, health.stale))
    parts.append(_last_pass_text(heartbeat.last_pass if heartbeat else None))
    if heartbeat and heartbeat.failures_pending:  # counted by the worker as /health counts them (app.sync.failures)
        parts.append(f"failures pending: {heartbeat.failures_pending}")
    last_error = heartbeat.last_error if heartbeat else None
    if process and process.statename in FAILING_TO_START_STATES and process.spawnerr:
        last_error = last_error or process.spawnerr
    parts.append(f"last error: {_one_line(last_error) if last_error else '-'}")
    return PairStatus(name, "  ".join(parts), health.healthy)


def _heartbeat_text(heartbeat: Heartbeat | None, now: datetime, stale: bool) -> str:
    if heartbeat is None:
        return "heartbeat never"
    worker_state = heartbeat.state.value if heartbeat.state else "?"
    return f"heartbeat {heartbeat.age(now):.0f}s ago ({worker_state})" + (" STALE" if stale else "")


def _last_pass_text(last_pass: LastPass | None) -> str:
    if last_pass is None:
        return "last pass: none yet"
    finished = last_pass.finished_at or last_pass.started_at
    when = finished.strftime("%Y-%m-%dT%H:%M:%SZ") if finished else "?"
    outcome = "ok" if last_pass.ok else "FAILED"
    duration = last_pass.duration_s
    took = f" in {duration:.1f}s" if duration is not None else ""
    return f"last pass: {when} {outcome}{took}"


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def main(args: argparse.Namespace) -> int:
    settings, _ = profile(args)
    result = load_configs(settings.config_dir)
    processes, unavailable = {}, False
    try:
        processes = SupervisorRPC(settings.supervisor_socket, timeout=settings.supervisor_timeout).process_states()
    except SupervisorUnavailable as error:
        unavailable = True
        print(f"supervisord: {error.reason}", file=sys.stderr)
    heartbeats, cluster = _read_mongo(settings)
    now = utc_now()
    statuses = [
        pair_status(name, processes.get(name), heartbeats.get(name), now, settings.stale_after, unavailable,
                    cluster.view(name, now, getattr(processes.get(name), "statename", None)) if cluster else None,
                    settings.lease_seconds)
        for name in pair_names([pair.name for pair in result.pairs], processes)
    ]
    for status in statuses:
        print(status.line)
    for problem in result.errors:
        print(f"{'invalid':<20}  {problem}")
    if not statuses:
        print("no pairs configured")
    return 0 if statuses and all(status.healthy for status in statuses) else 1


def _read_mongo(settings: Settings) -> tuple[dict[str, Any], Cluster | None]:
    """This bundle's heartbeats and the cluster's leases; nothing when MongoDB does not answer."""
    client = connect(settings, appname="jira-sync-status")
    try:
        control, bundle = client[settings.mongo_control_db], settings.effective_bundle_id
        cluster = Cluster.read(LeaseStore(control), bundle, settings.lease_seconds)
        return HeartbeatStore(control, bundle=bundle).all(), cluster
    except pymongo.errors.PyMongoError as error:
        print(f"mongodb: heartbeats unavailable ({type(error).__name__})", file=sys.stderr)
        return {}, None
    finally:
        client.close()

"""`entrypoint.py status`: one line per pair from supervisord's view and the pair's heartbeat.

Pure formatting over plain values; the CLI gathers them (rpc, HeartbeatStore) and prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.bundle.rpc import ProcessInfo
from app.heartbeats import heartbeat_age, is_stale

# Programs of the bundle itself; every other program is a pair's worker.
INFRASTRUCTURE_PROGRAMS = frozenset({"health", "watchdog", "mongodb", "jira-sim", "demo-actor"})


@dataclass(frozen=True)
class PairStatus:
    name: str
    line: str
    healthy: bool


def pair_names(configured: Iterable[str], processes: Mapping[str, ProcessInfo]) -> list[str]:
    """Configured pairs plus workers supervisord still runs (e.g. a config deleted, not reloaded)."""
    running = {info.group for info in processes.values() if info.group not in INFRASTRUCTURE_PROGRAMS}
    return sorted(set(configured) | running)


def pair_status(
    name: str,
    process: ProcessInfo | None,
    heartbeat: Mapping[str, Any] | None,
    now: datetime,
    stale_after: float,
    process_unknown: bool = False,
) -> PairStatus:
    """`name  STATE  pid N  heartbeat 3s ago (sleeping)  last pass ...  last error ...`.

    Healthy means RUNNING per supervisord, a fresh heartbeat and a last pass that did not fail.
    `process_unknown` says supervisord could not be asked (rather than not knowing the name).
    """
    if process_unknown:
        state = "UNKNOWN"
    else:
        state = process.statename if process else "NOT-LOADED"
    parts = [f"{name:<20}", f"{state:<10}"]
    if process and process.pid:
        parts.append(f"pid {process.pid}")
    beat_at = heartbeat.get("beat_at") if heartbeat else None
    if beat_at is None:
        parts.append("heartbeat never")
    else:
        stale = " STALE" if is_stale(now, beat_at, stale_after) else ""
        worker_state = heartbeat.get("state") or "?"
        parts.append(f"heartbeat {heartbeat_age(now, beat_at):.0f}s ago ({worker_state}){stale}")
    last_pass = (heartbeat or {}).get("last_pass") or None
    parts.append(_last_pass_text(last_pass))
    last_error = (heartbeat or {}).get("last_error")
    if process and process.statename in ("FATAL", "BACKOFF") and process.spawnerr:
        last_error = last_error or process.spawnerr
    parts.append(f"last error: {_one_line(last_error) if last_error else '-'}")
    healthy = (
        state == "RUNNING"
        and beat_at is not None
        and not is_stale(now, beat_at, stale_after)
        and (last_pass is None or last_pass.get("ok", True))
    )
    return PairStatus(name, "  ".join(parts), healthy)


def _last_pass_text(last_pass: Mapping[str, Any] | None) -> str:
    if not last_pass:
        return "last pass: none yet"
    finished = last_pass.get("finished_at") or last_pass.get("started_at")
    when = finished.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(finished, datetime) else str(finished)
    outcome = "ok" if last_pass.get("ok") else "FAILED"
    duration = last_pass.get("duration_s")
    took = f" in {duration:.1f}s" if isinstance(duration, (int, float)) else ""
    return f"last pass: {when} {outcome}{took}"


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""`/health/live`: is the bundle's own machinery up (pure over what supervisord said).

Liveness answers one question for a container engine or Kubernetes: would restarting the
bundle help? It would when supervisord cannot be asked, or when the lease keeper or the watchdog
is down (FATAL, stopped, exited, not loaded): without the keeper no pair is ever taken, without
the watchdog nothing comes back by itself. It would not when Jira is down or a pair file is bad,
since a restart finds the same: pairs, heartbeats and MongoDB stay out of liveness (`/health`
judges them). One exception, so that no container engine calls it healthy: a bundle whose keeper
stands down for a twin under its BUNDLE_ID (app.leases.twins) serves nothing until the twin
stops. A machinery program that supervisord is starting, or starting again after a crash
(STARTING, BACKOFF), is on its way back and counts as up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.heartbeats import ProcessLike, Unavailable

MACHINERY = ("leases", "watchdog")  # the programs app.bundle.render gives every bundle besides health
UP_STATES = frozenset({"RUNNING", "STARTING", "BACKOFF"})


@dataclass(frozen=True)
class Liveness:
    reasons: tuple[str, ...] = ()

    @property
    def alive(self) -> bool:
        return not self.reasons

    @property
    def http_status(self) -> int:
        return 200 if self.alive else 503

    @property
    def body(self) -> dict[str, Any]:
        return {"status": "alive"} if self.alive else {"status": "dead", "reasons": list(self.reasons)}


def liveness(processes: Mapping[str, ProcessLike] | Unavailable, twin: str | None = None) -> Liveness:
    """Alive when supervisord answered, every MACHINERY program is up and the keeper does not stand
    down for a `twin` (the reason it gave); see the module docstring."""
    if isinstance(processes, Unavailable):
        return Liveness((f"supervisord unreachable: {processes.reason}",))
    reasons = [f"leases: {twin}"] if twin else []
    for name in MACHINERY:
        process = processes.get(name)
        if process is None:
            reasons.append(f"{name}: not a program of supervisord")
        elif process.statename not in UP_STATES:
            detail = process.spawnerr or process.description
            reasons.append(f"{name}: {process.statename}" + (f" ({detail})" if detail else ""))
    return Liveness(tuple(reasons))

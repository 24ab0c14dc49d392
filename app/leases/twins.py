"""Two running bundles under one BUNDLE_ID: found by the keepers, and only one of them acts.

A bundle restarted under its own id resumes the leases it held (app.leases.keeper), which is
only safe when no other live bundle holds that id: `docker-compose up --scale`, a second host
given the same `.env`, or a copied manifest would otherwise run every pair twice, each twin
proving "its" lease. Each keeper process therefore beats with an `instance` of its own; a beat
of another instance under our id, written after ours, is a twin (pure functions below).

- At start a keeper trusts the leases held under its id at once only when no other instance
  beat under the id within a lease time (a clean stop deletes the beat); else it waits one
  tick to see whether that instance is still beating (a crash restart costs one tick).
- Of two twins the one started later stands down: it acquires and resumes nothing, withdraws
  its tickets, stops beating, and says why in `<RUNTIME_DIR>/bundle-twin.json`, which
  `/health/live` reports. It takes over like a restart once the other's beat is a lease old.
- The one started first goes on, with a warning.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.atomic_files import write_atomically
from app.leases.store import BundleBeat

TWIN_FILE = "bundle-twin.json"


@dataclass(frozen=True)
class Twin:
    """Another live instance beating under this bundle's id."""

    bundle: str
    host: str
    started_at: datetime
    instance: str

    def reason(self) -> str:
        return (f"BUNDLE_ID {self.bundle!r} is in use by another running bundle (host {self.host or '?'}, started "
                f"{self.started_at.isoformat()}): this one stands down; give each bundle its own BUNDLE_ID")


def other_instance_beating(beat: BundleBeat | None, instance: str, now: datetime, lease_seconds: float) -> bool:
    """Whether the stored beat under our id is another instance's, written within a lease time."""
    return (beat is not None and beat.instance != instance
            and (now - beat.beat_at).total_seconds() <= lease_seconds)


def twin_of(beat: BundleBeat | None, instance: str, beaten: bool, now: datetime, lease_seconds: float) -> Twin | None:
    """The twin the stored beat under our id shows, if any. Only after our own beat (`beaten`) can
    another instance's beat be told from a predecessor's last one: it overwrote ours since."""
    if not beaten or beat is None or not other_instance_beating(beat, instance, now, lease_seconds):
        return None
    return Twin(beat.bundle, beat.host, beat.started_at, beat.instance or "?")


def stands_down(started_at: datetime, instance: str, twin: Twin) -> bool:
    """Of two twins, the one started later stands down (ties: the greater instance)."""
    return (started_at, instance) > (twin.started_at, twin.instance)


def twin_path(runtime_dir: Path | str) -> Path:
    return Path(runtime_dir) / TWIN_FILE


def write_twin(runtime_dir: Path | str, twin: Twin) -> None:
    write_atomically(twin_path(runtime_dir), json.dumps({"reason": twin.reason(), "host": twin.host,
                                                          "started_at": twin.started_at.isoformat()}))


def read_twin_reason(runtime_dir: Path | str) -> str | None:
    """Why this bundle stands down for a twin, or None when it does not (or it cannot be read)."""
    try:
        return str(json.loads(twin_path(runtime_dir).read_text(encoding="utf-8"))["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_twin(runtime_dir: Path | str) -> None:
    with contextlib.suppress(FileNotFoundError):
        twin_path(runtime_dir).unlink()

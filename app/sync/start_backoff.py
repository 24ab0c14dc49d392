"""A worker that keeps failing to start backs off by itself.

supervisord counts a worker as started once it has lived `startsecs` (1 s): a worker that fails
its start-up check later (Jira down, credentials refused) is simply started again, so the brake
on a crash loop is the worker's own. Each failed start is recorded in the runtime directory
(`start-failures/<config file name>.json`: how many in a row, and when the last was); the next start of the
pair's standby waits until `backoff_seconds(count)` after that last failure before it may become
the active worker. The wait doubles per failure in a row from FIRST_DELAY up to MAX_DELAY; a
failure more than MAX_DELAY + STABLE_AFTER after the one before starts the count over. A kill -9
records nothing: the process started again does not wait.

Standard library only, and not even pathlib, typing or dataclasses: every standby worker reads it
(tests/unit/test_lean_imports.py).
"""

from __future__ import annotations

import json
import os

from app.atomic_files import write_atomically
from app.records import Record

FIRST_DELAY = 2.0  # seconds before the start after a first failure
MAX_DELAY = 300.0  # cap of the doubling wait
STABLE_AFTER = 60.0  # a failure this long after the previous one's wait ended starts the count over
DIRECTORY = "start-failures"


class StartFailures(Record):
    """A pair's failed starts in a row: `count` of them, the last at `last_at` (seconds since the
    epoch). A Record, not a NamedTuple (whose `count` would be tuple.count) nor a dataclass (which
    costs every standby worker inspect and the rest of its import)."""

    __slots__ = ("count", "last_at")

    def __init__(self, count: int, last_at: float) -> None:
        self.count = count
        self.last_at = last_at


def backoff_seconds(count: int) -> float:
    """The wait after `count` failed starts in a row (0 for none)."""
    if count <= 0:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (count - 1))


def after_failure(previous: StartFailures | None, now: float) -> StartFailures:
    """The record once another start failed at `now`."""
    if previous is None or now - previous.last_at > backoff_seconds(previous.count) + STABLE_AFTER:
        return StartFailures(1, now)
    return StartFailures(previous.count + 1, now)


def wait_before_start(failures: StartFailures | None, now: float) -> float:
    """How long a start at `now` must still wait (0: it may go ahead)."""
    if failures is None:
        return 0.0
    return max(0.0, failures.last_at + backoff_seconds(failures.count) - now)


def _path(runtime_dir: str | os.PathLike[str], pair: str) -> str:
    return os.path.join(runtime_dir, DIRECTORY, f"{pair}.json")


def read_failures(runtime_dir: str | os.PathLike[str], pair: str) -> StartFailures | None:
    """The pair's record; None when there is none or it cannot be read (a start never waits on a
    broken record)."""
    try:
        with open(_path(runtime_dir, pair), encoding="utf-8") as file:
            raw = json.loads(file.read())
        return StartFailures(int(raw["count"]), float(raw["lastAt"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_failure(runtime_dir: str | os.PathLike[str], pair: str, now: float) -> StartFailures:
    """Count one more failed start of the pair (written atomically); the new record."""
    failures = after_failure(read_failures(runtime_dir, pair), now)
    write_atomically(_path(runtime_dir, pair), json.dumps({"count": failures.count, "lastAt": failures.last_at}))
    return failures

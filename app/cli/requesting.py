"""What `resync` and `retry` share: which pair a request goes to, whether some bundle will serve
it (refused clearly otherwise), leaving it in the pair's database and waiting for its outcome.

Only the active worker of the pair (the holder of its lease, in whichever bundle) consumes a
request (app.sync.requests), so the commands are safe while several bundles run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pymongo.collection import Collection

from app.config import LoadedPair, LoadResult
from app.instants import as_utc
from app.leases.store import Lease
from app.mongo import Document
from app.supervisord import ProcessInfo
from app.sync import requests
from app.sync.requests import RequestKind, SyncRequest
from app.trace.reader import side_by_project
from app.vocabulary import Side

POLL_SECONDS = 0.5


class Refused(Exception):
    """The request cannot be served; the text says why and what to do."""


@dataclass(frozen=True)
class Target:
    pair: LoadedPair
    side: Side


def pair_of_key(configs: LoadResult, key: str) -> Target:
    """The pair whose User or Dev project the key is in; Refused when none (or two) are."""
    found = [Target(pair, side) for pair in configs.pairs if (side := side_by_project(pair, key)) is not None]
    if not found:
        projects = ", ".join(f"{p.name} ({p.config.user_project_key}/{p.config.dev_project_key})"
                             for p in configs.pairs) or "none"
        raise Refused(f"{key} belongs to no pair: no valid pair has project {key.rpartition('-')[0]!r} "
                      f"(valid pairs: {projects})")
    if len(found) > 1:  # the loader refuses two pairs on one project; kept for a clear answer anyway
        raise Refused(f"{key} belongs to several pairs ({', '.join(t.pair.name for t in found)}): use --pair")
    return found[0]


def check_served(pair: str, lease: Lease | None, process: ProcessInfo | None, now: datetime) -> str:
    """The bundle that will serve a request for `pair` (pure); Refused when none will."""
    if process is not None and process.statename in ("STOPPED", "EXITED", "FATAL") and not _live(lease, now):
        raise Refused(f"pair {pair} is stopped here (supervisord: {process.statename}) and no bundle holds it: "
                      f"start it (supervisorctl start {pair}) and ask again")
    if lease is None or not _live(lease, now):
        raise Refused(f"no bundle holds pair {pair}'s lease now, so no worker would serve the request: "
                      "check `jira-sync status` (a bundle may be starting or every one stopped)")
    assert lease.owner is not None
    return lease.owner


def _live(lease: Lease | None, now: datetime) -> bool:
    return lease is not None and lease.owner is not None and as_utc(lease.expires_at) > now


def ask_and_wait(collection: Collection[Document], kind: RequestKind, key: str | None, now: datetime,
                 timeout: float, monotonic: Callable[[], float] = time.monotonic) -> SyncRequest:
    """Leave the request, then wait up to `timeout` s for the worker's outcome (the request as
    last read: not done when the time ran out)."""
    request = requests.ask(collection, kind, key, now)
    deadline = monotonic() + timeout
    while monotonic() < deadline:
        current = requests.read(collection, request.id)
        if current is not None and current.done:
            return current
        time.sleep(POLL_SECONDS)
    return requests.read(collection, request.id) or request


def report(request: SyncRequest, holder: str, timeout: float) -> int:
    if request.done:
        print(f"done by bundle {holder}: {request.outcome}")
        return 0
    print(f"asked; bundle {holder} has not served it within {timeout:g} s (it will at its next pass); "
          "see `jira-sync trace` later", file=sys.stderr)
    return 1

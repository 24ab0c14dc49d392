"""Worker heartbeats: the one owner of the heartbeat and of the rule that judges a pair.

- `record`: `Heartbeat` (a frozen value) and its MongoDB document, `LastPass`, `WorkerState`.
- `store`: `HeartbeatStore`, the documents in the shared control database.
- `thread`: `HeartbeatThread`, which a worker runs to beat while its loop syncs.
- `totals`: `WorkerTotals`, the worker's running totals its heartbeat carries (`metrics`).
- `rule`: `pair_health`, the verdict `/health`, `entrypoint.py status` and the watchdog share.

Everything that reads a heartbeat reads a `Heartbeat`; everything that judges a pair calls
`pair_health`.
"""

from app.heartbeats.record import Heartbeat, HeartbeatDocumentError, LastPass, WorkerState
from app.heartbeats.rule import PairHealth, ProcessLike, Unavailable, pair_health
from app.heartbeats.store import COLLECTION, HeartbeatStore
from app.heartbeats.thread import HeartbeatThread
from app.heartbeats.totals import DurationHistogram, WorkerTotals

__all__ = [
    "COLLECTION", "DurationHistogram", "Heartbeat", "HeartbeatDocumentError", "HeartbeatStore", "HeartbeatThread", "LastPass",
    "PairHealth", "ProcessLike", "Unavailable", "WorkerState", "WorkerTotals", "pair_health",
]

"""none_pending_by_beat as a table: when a worker's beat stands for its pair's failures collection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.health.pending import none_pending_by_beat
from app.heartbeats import Heartbeat, LastPass, Unavailable, WorkerState
from app.leases.view import ACTIVE, STANDBY, UNHELD, LeaseView
from app.supervisord import ProcessInfo

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
STALE_AFTER = 30.0
PROCESS = ProcessInfo(name="sync-ab", group="sync-ab", statename="RUNNING", pid=100, description="", start=0, now=0,
                      spawnerr="", exitstatus=0)
# The beat a worker writes as its pass ends with nothing pending, a few seconds ago.
QUIET = Heartbeat("sync-ab", NOW - timedelta(seconds=5), state=WorkerState.SLEEPING, pid=100,
                  last_pass=LastPass(ok=True), failures_pending=0)
HELD_HERE = LeaseView(ACTIVE, holder="bundle-a", fence=3)


def test_a_quiet_beat_of_the_running_process_holding_the_lease_stands_for_the_database():
    assert none_pending_by_beat(QUIET, PROCESS, HELD_HERE, NOW, STALE_AFTER)
    assert none_pending_by_beat(QUIET, PROCESS, None, NOW, STALE_AFTER)  # leases not read: outside a bundle


@pytest.mark.parametrize(("beat", "process", "lease"), [
    pytest.param(None, PROCESS, HELD_HERE, id="never beat"),
    pytest.param(replace(QUIET, failures_pending=2), PROCESS, HELD_HERE, id="pending failures: they are listed"),
    pytest.param(replace(QUIET, failures_pending=None), PROCESS, HELD_HERE, id="no count yet"),
    pytest.param(replace(QUIET, state=WorkerState.SYNCING), PROCESS, HELD_HERE, id="in a pass: it may record one"),
    pytest.param(replace(QUIET, state=WorkerState.STARTING, last_pass=None), PROCESS, HELD_HERE, id="starting"),
    pytest.param(replace(QUIET, state=WorkerState.RUNNING), PROCESS, HELD_HERE, id="running, before its first pass"),
    pytest.param(replace(QUIET, last_pass=None), PROCESS, HELD_HERE, id="no pass completed"),
    pytest.param(replace(QUIET, last_pass=LastPass(ok=False, error="boom")), PROCESS, HELD_HERE,
                 id="last pass failed: its beat keeps the count of the pass before"),
    pytest.param(replace(QUIET, beat_at=NOW - timedelta(seconds=31)), PROCESS, HELD_HERE, id="stale beat"),
    pytest.param(QUIET, replace(PROCESS, pid=101), HELD_HERE, id="beat of the process before (kill -9)"),
    pytest.param(QUIET, replace(PROCESS, statename="STARTING"), HELD_HERE, id="process not RUNNING"),
    pytest.param(QUIET, replace(PROCESS, statename="BACKOFF", pid=0), HELD_HERE, id="process not running"),
    pytest.param(QUIET, None, HELD_HERE, id="program unknown to supervisord"),
    pytest.param(QUIET, Unavailable("supervisord unreachable"), HELD_HERE, id="supervisord unreachable"),
    pytest.param(QUIET, PROCESS, LeaseView(STANDBY, holder="bundle-b", holder_live=True),
                 id="another bundle holds the pair: its worker writes the failures"),
    pytest.param(QUIET, PROCESS, LeaseView(UNHELD, unheld_seconds=4.0), id="nobody holds the pair"),
])
def test_the_database_is_read(beat, process, lease):
    assert not none_pending_by_beat(beat, process, lease, NOW, STALE_AFTER)

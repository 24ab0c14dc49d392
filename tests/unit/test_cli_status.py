"""`status` lines: what an operator reads for each pair (pure, from plain values)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.cli.status import pair_names, pair_status
from app.heartbeats import Heartbeat, LastPass, WorkerState
from app.supervisord import ProcessInfo

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def process(name: str, state: str = "RUNNING", pid: int = 4242, spawnerr: str = "") -> ProcessInfo:
    return ProcessInfo(name=name, group=name, statename=state, pid=pid, description="", start=0, now=0,
                       spawnerr=spawnerr, exitstatus=0)


def beat(age_s: float, state: WorkerState = WorkerState.SLEEPING, ok: bool = True, error: str | None = None) -> Heartbeat:
    return Heartbeat(
        pair="sync-ab",
        beat_at=NOW - timedelta(seconds=age_s),
        state=state,
        last_pass=LastPass(started_at=NOW - timedelta(seconds=70), finished_at=NOW - timedelta(seconds=60),
                           duration_s=10.04, ok=ok, counts={"seen": 3}),
        last_error=error,
    )


@pytest.mark.parametrize(("info", "heartbeat", "healthy", "fragments"), [
    pytest.param(process("sync-ab"), beat(3), True,
                 ["sync-ab", "RUNNING", "pid 4242", "heartbeat 3s ago (sleeping)",
                  "last pass: 2025-03-01T11:59:00Z ok in 10.0s", "last error: -"], id="healthy"),
    pytest.param(process("sync-ab"), beat(45), False, ["heartbeat 45s ago (sleeping) STALE"], id="stale beat"),
    pytest.param(process("sync-ab"), beat(2, ok=False, error="JiraAuthError: 401\non /myself"), False,
                 ["FAILED", "last error: JiraAuthError: 401 on /myself"], id="last pass failed, error on one line"),
    pytest.param(process("sync-ab", "FATAL", pid=0, spawnerr="Exited too quickly"), None, False,
                 ["FATAL", "heartbeat never", "last pass: none yet", "last error: Exited too quickly"],
                 id="fatal without heartbeat"),
    pytest.param(None, beat(1), False, ["NOT-LOADED"], id="configured but not loaded in supervisord"),
    pytest.param(process("sync-ab"), beat(1, state=WorkerState.FAILED, error="JiraAuthError: 401"), False,
                 ["heartbeat 1s ago (failed)", "last error: JiraAuthError: 401"], id="worker failed"),
])
def test_pair_status(info, heartbeat, healthy, fragments):
    status = pair_status("sync-ab", info, heartbeat, NOW, stale_after=30)

    assert status.healthy is healthy
    for fragment in fragments:
        assert fragment in status.line
    assert "\n" not in status.line
    if info is None or not info.pid:
        assert "pid" not in status.line


def test_the_pending_failures_the_worker_counted_are_shown():
    pending = pair_status("sync-ab", process("sync-ab"), replace(beat(3), failures_pending=2), NOW, 30)
    none = pair_status("sync-ab", process("sync-ab"), replace(beat(3), failures_pending=0), NOW, 30)

    assert "failures pending: 2" in pending.line and pending.healthy, "pending failures alone are no ill health"
    assert "failures pending" not in none.line


def test_unknown_process_state_when_supervisord_cannot_be_asked():
    status = pair_status("sync-ab", None, beat(1), NOW, 30, process_unknown=True)

    assert status.line.split()[:2] == ["sync-ab", "UNKNOWN"] and not status.healthy


def test_pair_names_include_running_workers_whose_config_is_gone():
    processes = {name: process(name) for name in ("health", "watchdog", "mongodb", "jira-sim", "sync-old")}

    assert pair_names(["sync-cd", "sync-ab"], processes) == ["sync-ab", "sync-cd", "sync-old"]

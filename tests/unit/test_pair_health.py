"""One rule for "a pair is healthy": pair_health as a table, and `status`, `/health` and the
watchdog agreeing because they all ask it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.bundle.watchdog import Restart, WatchdogPolicy
from app.cli.status import pair_status
from app.health.assess import HealthSnapshot, assess
from app.heartbeats import Heartbeat, LastPass, PairHealth, Unavailable, WorkerState, pair_health
from app.leases.view import LeaseView
from app.supervisord import ProcessInfo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STALE_AFTER = 30.0


def proc(statename="RUNNING", spawnerr="", start=0):
    return ProcessInfo(name="sync-ab", group="sync-ab", statename=statename, pid=7 if statename == "RUNNING" else 0,
                       description="", start=start, now=0, spawnerr=spawnerr, exitstatus=0)


def beat(age=2.0, state=WorkerState.SLEEPING, **fields):
    fields.setdefault("last_pass", LastPass(ok=True))  # a worker that has completed a pass
    return Heartbeat("sync-ab", NOW - timedelta(seconds=age), state, **fields)


CASES = {
    "healthy": (proc(), beat(), PairHealth()),
    # Honest health: running is not enough, a pass must have completed.
    "not healthy before its first pass": (proc(), beat(state=WorkerState.RUNNING, last_pass=None),
                                          PairHealth(("no pass completed yet",))),
    "worker failed": (proc(), beat(state=WorkerState.FAILED, last_error="401"), PairHealth(("worker failed: 401",))),
    "stale": (proc(), beat(age=45), PairHealth(("heartbeat stale (45 s old, limit 30 s)",), stale=True)),
    "last pass failed, its own error first": (
        proc(), beat(last_pass=LastPass(ok=False, error="502"), last_error="older"),
        PairHealth(("last pass failed: 502",))),
    "last pass failed, the last error else": (
        proc(), beat(last_pass=LastPass(ok=False), last_error="older"), PairHealth(("last pass failed: older",))),
    "stale and failed": (
        proc(), beat(age=45, last_pass=LastPass(ok=False)),
        PairHealth(("heartbeat stale (45 s old, limit 30 s)", "last pass failed"), stale=True)),
    "FATAL": (proc("FATAL", spawnerr="Exited too quickly"), beat(), PairHealth(("process FATAL (Exited too quickly)",))),
    "STOPPED": (proc("STOPPED"), beat(state=WorkerState.STOPPED), PairHealth(("process STOPPED",))),
    "not loaded": (None, beat(), PairHealth(("no such program in supervisord",))),
    "never beat": (proc(), None, PairHealth(("no heartbeat yet",))),
    "supervisord unreachable": (
        Unavailable("gone"), beat(), PairHealth(("process state unknown (supervisord unreachable)",))),
    "MongoDB unreachable": (proc(), Unavailable("gone"), PairHealth(("heartbeat unknown (MongoDB unreachable)",))),
}


LEASES = {
    "active here: judged here": (LeaseView("active", "here", 3), beat(age=45), False),
    "standby, held by another bundle: healthy here": (LeaseView("standby", "there", 3, holder_live=True), None, True),
    "held by a bundle that does not beat: waiting": (
        LeaseView("standby", "gone", 3, expires_at=NOW + timedelta(seconds=25)), None, False),
    "held by a live bundle that renews it: healthy here": (
        LeaseView("standby", "there", 3, holder_live=True, expires_at=NOW + timedelta(seconds=25)), None, True),
    "held by a live bundle that stopped renewing it: waiting": (
        LeaseView("standby", "stuck", 3, holder_live=True, expires_at=NOW + timedelta(seconds=10)), None, False),
    "unheld during a hand-over": (LeaseView("unheld", unheld_seconds=4), None, True),
    "unheld for longer than a lease": (LeaseView("unheld", unheld_seconds=31), None, False),
}


def test_a_pair_whose_start_failed_here_is_not_a_healthy_hand_over_while_its_worker_backs_off():
    # Between attempts the failing worker waits as a standby (RUNNING) and its lease is free.
    failed = beat(state=WorkerState.FAILED, last_error="ASUP is synced by pair sync-good in bundle one")
    health = pair_health(proc(), failed, NOW, STALE_AFTER, LeaseView("unheld", unheld_seconds=4), lease_seconds=30)
    assert health.reasons == ("worker failed: ASUP is synced by pair sync-good in bundle one",)


def test_a_restarted_worker_is_healthy_on_its_own_first_beat_not_on_its_predecessors():
    here = LeaseView("active", "here", 3)
    predecessor = beat(age=0.5, pid=6)  # fresh, with a pass: the beat of the process killed a moment ago
    assert pair_health(proc(), predecessor, NOW, STALE_AFTER, here) == PairHealth(
        ("no heartbeat from the running process yet (pid 7; the last beat is pid 6's)",))
    assert pair_health(proc(), beat(age=0.5, pid=7), NOW, STALE_AFTER, here) == PairHealth()
    # Where the lease is not known (the watchdog, `status` without MongoDB), the beat is judged as before.
    assert pair_health(proc(), predecessor, NOW, STALE_AFTER) == PairHealth()


@pytest.mark.parametrize(("lease", "heartbeat", "healthy"), LEASES.values(), ids=LEASES.keys())
def test_where_the_pair_runs_decides_first(lease, heartbeat, healthy):
    health = pair_health(proc(), heartbeat, NOW, STALE_AFTER, lease, lease_seconds=30)
    assert health.healthy is healthy
    if lease.state == "unheld" and not healthy:
        assert health.reasons == ("no bundle holds its lease (31 s, longer than the 30 s a lease lasts)",)
    if lease.state == "standby" and not healthy:
        why, left = ("not beating", 25) if lease.holder == "gone" else ("not renewed for 20 s", 10)
        assert health.reasons == (f"waiting for its lease, held by {lease.holder} ({why}) until "
                                  f"{NOW + timedelta(seconds=left):%Y-%m-%d %H:%M:%S} UTC (in {left} s)",)


@pytest.mark.parametrize(("process", "heartbeat", "expected"), CASES.values(), ids=CASES.keys())
def test_pair_health_table(process, heartbeat, expected):
    health = pair_health(process, heartbeat, NOW, STALE_AFTER)

    assert health == expected
    assert health.healthy is (not expected.reasons)


# Cases `status` can see (it reads heartbeats, or finds none, and flags supervisord unknown).
AGREEMENT = {name: case for name, case in CASES.items() if not isinstance(case[1], Unavailable)}


@pytest.mark.parametrize(("process", "heartbeat"), [case[:2] for case in AGREEMENT.values()], ids=AGREEMENT.keys())
def test_status_and_health_agree(process, heartbeat):
    unknown = isinstance(process, Unavailable)
    status = pair_status("sync-ab", None if unknown else process, heartbeat, NOW, STALE_AFTER, process_unknown=unknown)
    snapshot = HealthSnapshot(now=NOW, pairs=["sync-ab"], processes=process if unknown else
                              {"sync-ab": process} if process else {},
                              heartbeats={"sync-ab": heartbeat} if heartbeat else {})
    worker = assess(snapshot, STALE_AFTER).body["workers"][0]

    assert status.healthy is (worker["health"] == "healthy")
    assert status.healthy is pair_health(process, heartbeat, NOW, STALE_AFTER).healthy


# Cases the watchdog judges: RUNNING programs with heartbeats read.
RUNNING_CASES = {name: case for name, case in AGREEMENT.items()
                 if isinstance(case[0], ProcessInfo) and case[0].statename == "RUNNING"}


@pytest.mark.parametrize(("process", "heartbeat", "expected"), RUNNING_CASES.values(), ids=RUNNING_CASES.keys())
def test_the_watchdog_restarts_a_running_worker_exactly_when_the_rule_calls_it_stale(process, heartbeat, expected):
    policy = WatchdogPolicy(stale_after=STALE_AFTER)
    policy.tick(NOW - timedelta(seconds=300), {"sync-ab": process}, {})  # known RUNNING for long

    _, actions = policy.tick(NOW, {"sync-ab": process}, {"sync-ab": heartbeat} if heartbeat else {})

    assert actions == ([Restart("sync-ab", "; ".join(expected.reasons))] if expected.stale else [])

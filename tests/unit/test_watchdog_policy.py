"""WatchdogPolicy: what the watchdog decides, over plain values and a hand-held clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.bundle.watchdog import Restart, Start, WatchdogPolicy
from app.heartbeats import Heartbeat, LastPass
from app.supervisord import ProcessInfo

PASSED = LastPass(ok=True)  # a worker that has completed a pass

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def info(name, statename, started=None):
    start = int(started.timestamp()) if started else 0
    return ProcessInfo(name=name, group=name, statename=statename, pid=0 if statename != "RUNNING" else 10,
                       description="", start=start, now=0, spawnerr="", exitstatus=0)


def states(**by_name):
    return {name.replace("_", "-"): info(name.replace("_", "-"), *value) if isinstance(value, tuple)
            else info(name.replace("_", "-"), value) for name, value in by_name.items()}


def beats(**ages):
    return {name.replace("_", "-"): Heartbeat(name.replace("_", "-"), at(-age), last_pass=PASSED)
            for name, age in ages.items()}


def beat_at(moment):
    return {"sync-ab": Heartbeat("sync-ab", moment, last_pass=PASSED)}


@pytest.fixture
def policy():
    return WatchdogPolicy(cooldown_min=30, cooldown_max=600, stale_after=30, stable_after=60)


def fatal_and_started(policy, times, since=-10_000):
    """`times` FATALs of sync-ab, each started by the watchdog after its cool-down; their delays."""
    delays = []
    for n in range(times):
        delays.append(policy.process_fatal("sync-ab", at(since + n * 1000)).delay)
        policy.tick(at(since + n * 1000 + 600), states(sync_ab="FATAL"), {})
    return delays


def test_cool_down_doubles_per_consecutive_fatal_up_to_the_cap(policy):
    assert fatal_and_started(policy, 7) == [30, 60, 120, 240, 480, 600, 600]


def test_a_fatal_seen_by_a_tick_before_its_event_counts_once(policy):
    scheduled, _ = policy.tick(T0, states(sync_ab="FATAL"), {})
    late_event = policy.process_fatal("sync-ab", at(1))

    assert [plan.attempt for plan in scheduled] == [1] and late_event is None
    assert policy.tick(at(30), states(sync_ab="FATAL"), {})[1] == [Start("sync-ab", "FATAL; cool-down of 30 s over (attempt 1)")]


def test_a_fatal_program_is_started_once_its_cool_down_is_over(policy):
    policy.process_fatal("sync-ab", T0)

    assert policy.tick(at(29), states(sync_ab="FATAL"), {}) == ([], [])
    _, actions = policy.tick(at(30), states(sync_ab="FATAL"), {})
    assert actions == [Start("sync-ab", "FATAL; cool-down of 30 s over (attempt 1)")]
    assert policy.tick(at(35), states(sync_ab="FATAL"), {})[1] == [], "one start per FATAL, not per tick"


def test_the_second_fatal_waits_twice_as_long(policy):
    policy.process_fatal("sync-ab", T0)
    policy.tick(at(30), states(sync_ab="FATAL"), {})
    policy.process_fatal("sync-ab", at(32))

    assert policy.tick(at(91), states(sync_ab="FATAL"), {})[1] == []
    assert policy.tick(at(92), states(sync_ab="FATAL"), {})[1] == [
        Start("sync-ab", "FATAL; cool-down of 60 s over (attempt 2)")]


def test_the_count_starts_over_once_the_program_stayed_running(policy):
    fatal_and_started(policy, 3)
    policy.process_started("sync-ab", at(100))
    policy.tick(at(159), states(sync_ab=("RUNNING", at(100))), beat_at(at(158)))
    assert policy.process_fatal("sync-ab", at(159)).delay == 240, "59 s running is not yet stable"

    policy.process_started("sync-ab", at(200))
    policy.tick(at(260), states(sync_ab=("RUNNING", at(200))), beat_at(at(259)))
    assert policy.process_fatal("sync-ab", at(261)).delay == 30


def test_a_schedule_is_dropped_when_someone_else_brought_the_program_back(policy):
    policy.process_fatal("sync-ab", T0)
    policy.tick(at(10), states(sync_ab="STARTING"), {})

    assert policy.tick(at(40), states(sync_ab="STOPPED"), {}) == ([], [])


def test_a_fatal_state_seen_without_its_event_is_scheduled_on_the_tick(policy):
    scheduled, actions = policy.tick(T0, states(sync_ab="FATAL"), {})

    assert [(plan.program, plan.delay, plan.attempt) for plan in scheduled] == [("sync-ab", 30, 1)]
    assert actions == []
    assert policy.tick(at(30), states(sync_ab="FATAL"), {})[1] == [
        Start("sync-ab", "FATAL; cool-down of 30 s over (attempt 1)")]


def test_the_watchdog_never_restarts_itself(policy):
    assert policy.process_fatal("watchdog", T0) is None
    assert policy.tick(at(1000), states(watchdog="FATAL"), {}) == ([], [])


STALE_CASES = {
    # name: (started seconds before now per supervisord, heartbeat age, expected restart)
    "fresh heartbeat": (300, 5, False),
    "stale heartbeat of a long-running worker": (300, 45, True),
    "stale heartbeat but started 20 s ago": (20, 45, False),
    "stale heartbeat, started exactly stale_after ago": (30, 45, False),
    "never beat at all": (300, None, False),
}


@pytest.mark.parametrize(("started_ago", "age", "restart"), STALE_CASES.values(), ids=STALE_CASES.keys())
def test_stale_running_workers_are_restarted_after_their_grace(policy, started_ago, age, restart):
    now = at(1000)
    processes = states(sync_ab=("RUNNING", now - timedelta(seconds=started_ago)))
    policy.tick(at(0), processes, {})  # the watchdog has known it for a long time

    _, actions = policy.tick(now, processes, beat_at(now - timedelta(seconds=age))
                             if age is not None else {})

    assert actions == ([Restart("sync-ab", "heartbeat stale (45 s old, limit 30 s)")] if restart else [])


def test_no_restart_while_the_watchdog_itself_has_not_watched_for_stale_after(policy):
    # supervisord's start time unknown (0): the first sighting starts the grace period.
    processes = states(sync_ab="RUNNING")

    assert policy.tick(at(0), processes, beats(sync_ab=300))[1] == []
    assert policy.tick(at(30), processes, beat_at(at(-300)))[1] == []
    assert policy.tick(at(31), processes, beat_at(at(-300)))[1] == [
        Restart("sync-ab", "heartbeat stale (331 s old, limit 30 s)")]


def test_a_restart_is_not_repeated_before_the_new_worker_had_time_to_beat(policy):
    processes = states(sync_ab=("RUNNING", at(-500)))
    policy.tick(at(-400), processes, {})
    stale = beat_at(at(-100))

    assert len(policy.tick(at(0), processes, stale)[1]) == 1
    assert policy.tick(at(5), processes, stale)[1] == []
    assert len(policy.tick(at(31), processes, stale)[1]) == 1


@pytest.mark.parametrize("unreadable", ["heartbeats", "processes"])
def test_no_restart_when_a_source_is_unreadable(policy, unreadable):
    processes = states(sync_ab=("RUNNING", at(-500)))
    policy.tick(at(-400), processes, {})
    policy.process_fatal("sync-xy", at(-100))

    _, actions = policy.tick(at(0), None if unreadable == "processes" else processes,
                             None if unreadable == "heartbeats" else beats(sync_ab=300))

    assert actions == []


def test_after_a_mongodb_outage_heartbeats_get_stale_after_to_recover_before_anyone_is_killed(policy):
    processes = states(sync_ab=("RUNNING", at(-500)))
    policy.tick(at(-400), processes, {})
    policy.tick(at(-120), processes, None)  # MongoDB gone: no beat could be written
    assert policy.tick(at(0), processes, beats(sync_ab=120))[1] == [], "readable again just now"
    assert policy.tick(at(20), processes, beats(sync_ab=120))[1] == []
    assert policy.tick(at(31), processes, beats(sync_ab=120))[1] == [
        Restart("sync-ab", "heartbeat stale (151 s old, limit 30 s)")], "still silent once judgeable: hung"


def test_a_restart_that_left_the_program_stopped_is_completed_with_a_start(policy):
    processes = states(sync_ab=("RUNNING", at(-500)))
    policy.tick(at(-400), processes, {})
    assert policy.tick(at(0), processes, beats(sync_ab=100))[1][0].program == "sync-ab"

    assert policy.tick(at(5), states(sync_ab="STOPPING"), {})[1] == []
    assert policy.tick(at(10), states(sync_ab="STOPPED"), {})[1] == [Start("sync-ab", "restart left it stopped")]
    assert policy.tick(at(15), states(sync_ab="STOPPED"), {})[1] == [], "only the watchdog's own restarts"


def test_programs_without_heartbeats_are_never_restarted_for_staleness(policy):
    processes = states(health=("RUNNING", at(-500)), mongodb=("RUNNING", at(-500)))
    policy.tick(at(-400), processes, {})

    assert policy.tick(at(0), processes, {}) == ([], [])


def test_a_program_removed_by_a_reload_is_not_started_when_it_comes_back_later(policy):
    policy.process_fatal("sync-ab", T0)
    policy.tick(at(10), {}, {})

    assert policy.tick(at(40), states(sync_ab="STOPPED"), {}) == ([], [])

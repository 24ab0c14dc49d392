"""The watchdog's I/O: supervisord's listener protocol, real RPC calls, real heartbeats.

The first tests feed protocol text through a stdin/stdout pair and let the watchdog act on a real
supervisord and the MongoDB fixture; the last one runs `python -m app.bundle.watchdog` as a real
event listener under supervisord.
"""

from __future__ import annotations

import io
import logging
import sys
from datetime import UTC, datetime, timedelta

import pytest

from app.bundle.watchdog import Watchdog, WatchdogPolicy, serve
from app.health.sources import health_mongo_client
from app.heartbeats import Heartbeat, HeartbeatStore, WorkerState
from app.supervisord import SupervisorRPC
from testbed.ports import free_port
from testbed.waiting import wait_for
from tests.support.tiny_supervisord import TinySupervisord

OK = "RESULT 2\nOK"
# Fails within startsecs, so it goes FATAL, but not at once: a program already dead when
# startProcess returns makes supervisord answer SPAWN_ERROR although it did start it.
DIES_SOON = "sleep 0.3; exit 1"


def event(name: str, payload: str) -> str:
    return f"ver:3.0 server:supervisor serial:1 pool:watchdog poolserial:1 eventname:{name} len:{len(payload)}\n{payload}"


def fatal(program: str) -> str:
    return event("PROCESS_STATE_FATAL", f"processname:{program} groupname:{program} from_state:BACKOFF")


def tick() -> str:
    return event("TICK_5", "when:1700000000")


class Clock:
    """Returns the given moments one call after another, then keeps the last."""

    def __init__(self, *moments: datetime) -> None:
        self.moments = list(moments)

    def __call__(self) -> datetime:
        return self.moments.pop(0) if len(self.moments) > 1 else self.moments[0]


def run_listener(watchdog: Watchdog, *events: str) -> str:
    stdout = io.StringIO()
    serve(watchdog, io.StringIO("".join(events)), stdout)
    return stdout.getvalue()


@pytest.fixture
def names(db_prefix):
    return f"{db_prefix}-bad", f"{db_prefix}-hung", f"{db_prefix}-fine"


@pytest.fixture
def supervisord(names):
    bad, hung, fine = names
    server = TinySupervisord({
        bad: (f"sh -c 'echo run >> {{dir}}/{bad}.runs; {DIES_SOON}'", 1),
        hung: ("sleep 600", 0),
        fine: ("sleep 600", 0),
    })
    server.start()
    server.wait_for_state(bad, "FATAL")
    server.wait_for_state(hung, "RUNNING")
    server.wait_for_state(fine, "RUNNING")
    yield server
    server.cleanup()


@pytest.fixture
def heartbeats(mongo_client, db_prefix):
    return HeartbeatStore(mongo_client[f"{db_prefix}_control"])


def test_fatal_program_is_started_after_its_cool_down(supervisord, heartbeats, names, caplog):
    bad = names[0]
    runs = supervisord.dir / f"{bad}.runs"
    assert runs.read_text().count("run") == 1
    t0 = datetime.now(UTC)
    policy = WatchdogPolicy(cooldown_min=30, cooldown_max=600, stale_after=30)
    watchdog = Watchdog(policy, supervisord.rpc(), heartbeats, clock=Clock(t0, t0 + timedelta(seconds=29),
                                                                            t0 + timedelta(seconds=30)))
    caplog.set_level(logging.INFO, logger="app.bundle.watchdog")

    stdout = run_listener(watchdog, fatal(bad), tick(), tick())

    assert stdout == ("READY\n" + OK) * 3 + "READY\n"
    wait_for(lambda: runs.read_text().count("run") == 2, 10, what="the watchdog's start to run the program")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"{bad} FATAL: start scheduled in 30 s (attempt 1)",
                        f"start {bad}: FATAL; cool-down of 30 s over (attempt 1)"]


def test_hung_worker_is_restarted_and_a_beating_one_is_left_alone(supervisord, heartbeats, names):
    _, hung, fine = names
    pids = {name: info.pid for name, info in supervisord.rpc().process_states().items()}
    now = datetime.now(UTC) + timedelta(seconds=100)  # the workers have run for 100 s
    heartbeats.write(Heartbeat(hung, beat_at=now - timedelta(seconds=45), state=WorkerState.SYNCING))
    heartbeats.write(Heartbeat(fine, beat_at=now - timedelta(seconds=2), state=WorkerState.SLEEPING))
    policy = WatchdogPolicy(stale_after=30)

    clock = Clock(now - timedelta(seconds=31), now)  # heartbeats judged after stale_after of watching
    stdout = run_listener(Watchdog(policy, supervisord.rpc(), heartbeats, clock=clock), tick(), tick())

    assert stdout == ("READY\n" + OK) * 2 + "READY\n"
    # The kill is signalled, not awaited: right after it supervisord may still report the old pid.
    wait_for(lambda: supervisord.rpc().process_states()[hung].pid not in (0, pids[hung]), 10,
             what="supervisord to run a fresh hung worker")
    supervisord.wait_for_state(hung, "RUNNING")
    assert supervisord.rpc().process_states()[fine].pid == pids[fine]


def test_mongodb_down_means_no_restart_and_no_crash(supervisord, names, caplog):
    _, hung, _ = names
    pid_before = supervisord.rpc().process_states()[hung].pid
    unreachable = HeartbeatStore(health_mongo_client(f"mongodb://127.0.0.1:{free_port()}/", budget=0.3)["c"])
    now = datetime.now(UTC) + timedelta(seconds=1000)
    watchdog = Watchdog(WatchdogPolicy(stale_after=30), supervisord.rpc(), unreachable, clock=lambda: now)

    stdout = run_listener(watchdog, tick(), tick())

    assert stdout == ("READY\n" + OK) * 2 + "READY\n"
    assert "MongoDB unreadable, no decision this tick" in caplog.text
    assert "restart" not in caplog.text  # a kill is asynchronous: the pid alone could not tell yet
    assert supervisord.rpc().process_states()[hung].pid == pid_before


def test_supervisord_gone_means_no_decision_and_no_crash(supervisord, heartbeats, caplog):
    watchdog = Watchdog(WatchdogPolicy(), SupervisorRPC(supervisord.dir / "missing.sock", timeout=0.5), heartbeats)

    stdout = run_listener(watchdog, tick(), event("PROCESS_STATE_RUNNING", "processname:x groupname:x"))

    assert stdout == ("READY\n" + OK) * 2 + "READY\n"
    assert "supervisord unreadable" in caplog.text


LISTENER = """
[eventlistener:watchdog]
command={python} -m app.bundle.watchdog
events=PROCESS_STATE,TICK_5
environment=RUNTIME_DIR="{{dir}}",MONGO_URI="{mongo_uri}",MONGO_CONTROL_DB="{control_db}",WATCHDOG_COOLDOWN_MIN="1",WATCHDOG_COOLDOWN_MAX="2",LOG_FORMAT="text"
stdout_logfile={{dir}}/watchdog.out
stderr_logfile={{dir}}/watchdog.err
"""


def logged_in(path, line: str) -> bool:
    text = path.read_text()
    assert line in text, text  # on timeout, wait_for shows the last failure: the whole log
    return True


def test_runs_as_a_real_event_listener_under_supervisord(mongo_uri, db_prefix):
    bad = f"{db_prefix}-bad"
    listener = LISTENER.format(python=sys.executable, mongo_uri=mongo_uri, control_db=f"{db_prefix}_control")
    server = TinySupervisord({bad: (f"sh -c '{DIES_SOON}'", 1)}, extra=listener).start()
    try:
        server.wait_for_state(bad, "FATAL")
        first_start = server.rpc().process_states()[bad].start

        # TICK_5 comes every 5 s; after a 1 s cool-down the next tick starts the program again.
        wait_for(lambda: server.rpc().process_states()[bad].start > first_start, 20,
                 what="the watchdog to start the FATAL program")

        assert server.rpc().process_states()["watchdog"].statename == "RUNNING"
        logged = f"start {bad}: FATAL; cool-down of 1 s over (attempt 1)"
        wait_for(lambda: logged_in(server.dir / "watchdog.err", logged), 5, what="the start to be logged")
    finally:
        server.cleanup()


def test_a_running_event_gives_the_program_its_grace(supervisord, heartbeats, names, caplog):
    _, hung, _ = names
    pid_before = supervisord.rpc().process_states()[hung].pid
    now = datetime.now(UTC) + timedelta(seconds=100)
    heartbeats.write(Heartbeat(hung, beat_at=now - timedelta(seconds=45)))
    watchdog = Watchdog(WatchdogPolicy(stale_after=30), supervisord.rpc(), heartbeats,
                        clock=Clock(now - timedelta(seconds=10), now))

    run_listener(watchdog, event("PROCESS_STATE_RUNNING", f"processname:{hung} groupname:{hung} from_state:STARTING"),
                 tick())

    assert "restart" not in caplog.text
    assert supervisord.rpc().process_states()[hung].pid == pid_before

"""HealthSource against real parts: config files, a real supervisord, the MongoDB fixture.

Includes the promise that matters to operators: `/health` answers within one second when
supervisord's socket is gone, when MongoDB refuses connections, and when it accepts but hangs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pymongo
import pymongo.monitoring
import pytest
import requests

from app.health.app import create_app
from app.health.sources import HealthSource, health_mongo_client
from app.heartbeats import Heartbeat, HeartbeatStore, LastPass, WorkerState
from app.instants import utc_now
from app.leases.store import LeaseStore
from testbed.bundle import ROOT, write_config_dir
from testbed.ports import free_port
from testbed.waiting import wait_for
from tests.support.tiny_supervisord import TinySupervisord

TOKEN = "tok-MARKER-7f3a9c-never-shown"
STALE_AFTER = 30.0


@pytest.fixture
def pair(db_prefix):
    return f"{db_prefix}-ab"


@pytest.fixture
def config_dir(tmp_path, pair, monkeypatch):
    monkeypatch.setenv("HEALTH_TEST_TOKEN", TOKEN)
    return write_config_dir(tmp_path / "config", "HEALTH_TEST_TOKEN", {"sync-ab": (pair, "ABSUP", "ABDEV")})


@pytest.fixture
def supervisord(pair):
    # with the bundle's machinery beside the pair, as /health/live expects it
    server = TinySupervisord({pair: ("sleep 600", 0), "leases": ("sleep 600", 0), "watchdog": ("sleep 600", 0)}).start()
    server.wait_for_state(pair, "RUNNING")
    yield server
    server.cleanup()


@pytest.fixture
def control_db(db_prefix):
    return f"{db_prefix}_control"


# Tests that read data give a cold client room on a loaded machine; tests of the time bound use a
# budget well under the promised second, so what they prove is "bounded by the budget", with slack.
DATA_BUDGET = 5.0
HANG_BUDGET = 0.3


def make_source(config_dir, socket_path, mongo_uri, control_db, budget=DATA_BUDGET, **options):
    from app.supervisord import SupervisorRPC

    options.setdefault("stale_after", STALE_AFTER)  # as the bundle's source has it (from_settings)
    options.setdefault("mongo_client", health_mongo_client(mongo_uri, budget))
    return HealthSource(config_dir=config_dir, supervisor=SupervisorRPC(socket_path, timeout=budget),
                        control_db=control_db, budget=budget, **options)


def write_beat(control, pair, **fields):
    """A beat of `pair` written now, as its worker would."""
    fields.setdefault("last_pass", LastPass(ok=True))  # a worker that has completed a pass
    HeartbeatStore(control, bundle=fields.get("bundle")).write(Heartbeat(pair, utc_now(), **fields))


def get_health(source):
    """The detailed body (the test client is a loopback caller, and no credentials are set)."""
    client = create_app(source, stale_after=STALE_AFTER).test_client()
    started = time.monotonic()
    response = client.get("/health?detail=1")
    return response, time.monotonic() - started


def test_gathers_configs_processes_heartbeats_and_pending_failures(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING, last_error=None)
    mongo_client[pair].failures.insert_many([{"_id": "c1"}, {"_id": "c2", "resolved_at": None}])
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    snapshot = source()

    assert snapshot.pairs == [pair]
    assert [(error.file.endswith("sync-bad.json"), error.field) for error in snapshot.config_errors] \
        == [(True, "syncIntervalSeconds")]
    assert snapshot.processes[pair].statename == "RUNNING"
    assert snapshot.heartbeats[pair].state is WorkerState.SLEEPING
    assert snapshot.failures_pending == {pair: 2}
    source.close()


def test_health_is_200_with_the_invalid_config_listed_and_no_token_anywhere(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING)
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    response, _ = get_health(source)

    body = response.get_json()
    assert response.status_code == 200, body["reasons"]
    assert body["workers"][0]["pid"] == supervisord.rpc().process_states()[pair].pid
    assert [config["field"] for config in body["invalidConfigs"]] == ["syncIntervalSeconds"]
    assert TOKEN not in response.get_data(as_text=True)
    source.close()


def test_a_fatal_program_gives_503_with_supervisords_reason(config_dir, mongo_uri, mongo_client, control_db, pair):
    server = TinySupervisord({pair: ("false", 1)}).start()
    try:
        server.wait_for_state(pair, "FATAL")
        write_beat(mongo_client[control_db], pair, state=WorkerState.FAILED, last_error="Jira said 401")
        source = make_source(config_dir, server.socket, mongo_uri, control_db)

        response, _ = get_health(source)

        assert response.status_code == 503
        assert response.get_json()["reasons"] == [
            f"{pair}: process FATAL (Exited too quickly (process log may have details))",
            f"{pair}: worker failed: Jira said 401",
        ]
        source.close()
    finally:
        server.cleanup()


def test_answers_within_a_second_when_supervisord_is_gone(config_dir, supervisord, mongo_uri, control_db):
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db, budget=HANG_BUDGET)
    supervisord.stop()
    assert not supervisord.socket.exists()

    response, elapsed = get_health(source)

    assert response.status_code == 503
    assert response.get_json()["supervisor"]["reachable"] is False
    assert elapsed < 1.0
    source.close()


def test_answers_within_a_second_when_mongodb_refuses(config_dir, supervisord, control_db):
    source = make_source(config_dir, supervisord.socket, f"mongodb://127.0.0.1:{free_port()}/", control_db,
                         budget=HANG_BUDGET)

    response, elapsed = get_health(source)

    body = response.get_json()
    assert response.status_code == 503
    assert body["mongodb"]["reachable"] is False
    assert body["supervisor"]["reachable"] is True
    assert elapsed < 1.0
    source.close()


def test_answers_within_a_second_when_both_hang(config_dir, control_db, tmp_path):
    # Listening sockets that never answer: connect succeeds, then silence.
    silent_tcp = socket.socket()
    silent_tcp.bind(("127.0.0.1", 0))
    silent_tcp.listen(16)
    silent_unix = socket.socket(socket.AF_UNIX)
    unix_path = f"/tmp/hang-{os.getpid()}-{tmp_path.name[-8:]}.sock"
    silent_unix.bind(unix_path)
    silent_unix.listen(16)
    try:
        source = make_source(config_dir, unix_path, f"mongodb://127.0.0.1:{silent_tcp.getsockname()[1]}/",
                             control_db, budget=HANG_BUDGET)

        responses = [get_health(source) for _ in range(3)]

        assert [response.status_code for response, _ in responses] == [503, 503, 503]
        body = responses[-1][0].get_json()
        assert (body["mongodb"]["reachable"], body["supervisor"]["reachable"]) == (False, False)
        assert max(elapsed for _, elapsed in responses) < 1.0
        source.close()
    finally:
        silent_tcp.close()
        silent_unix.close()
        Path(unix_path).unlink(missing_ok=True)


def test_zero_pairs_is_503(tmp_path, supervisord, mongo_uri, control_db):
    empty = tmp_path / "empty"
    empty.mkdir()
    source = make_source(empty, supervisord.socket, mongo_uri, control_db)

    response, _ = get_health(source)

    assert response.status_code == 503
    assert response.get_json()["reasons"] == ["no valid pair configured"]
    source.close()


def test_gunicorn_serves_the_wsgi_app_from_settings(config_dir, supervisord, mongo_uri, mongo_client, control_db,
                                                    pair, tmp_path):
    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING, bundle="health-test")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "supervisor.sock").symlink_to(supervisord.socket)
    port = free_port()
    env = {**os.environ, "CONFIG_DIR": str(config_dir), "MONGO_URI": mongo_uri, "MONGO_CONTROL_DB": control_db,
           "RUNTIME_DIR": str(runtime), "HEARTBEAT_STALE_AFTER": str(STALE_AFTER), "BUNDLE_ID": "health-test"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-b", f"127.0.0.1:{port}", "app.health.wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        live = wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/health/live", timeout=1), 20,
                        what="gunicorn to serve")
        # A cold MongoDB client may miss the first answer's budget (a Response is truthy when 2xx).
        health = wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=2), 20, what="/health 200")
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode(errors="replace")

    assert live.status_code == 200
    assert health.status_code == 200, health.text
    assert health.json()["workers"][0]["name"] == pair
    assert TOKEN not in health.text + output


def test_reads_every_owed_failure_of_a_pair_oldest_first_with_their_reasons(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    from datetime import datetime, timedelta

    from app.sync.failures import FailedChange, FailureKind, failed_again
    from app.sync.store import PairStore

    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING)
    store = PairStore(mongo_client[pair])
    first = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for n in (7, 1, 5, 3, 2, 6, 4):  # written out of order: the source sorts by first failure
        change = FailedChange(str(n), f"ABSUP-{n}", "user", "To Do", "Will Do")
        store.record_failure(failed_again(None, f"c{n}", FailureKind.CHANGE, change, f"Jira said 400 for #{n}",
                                          first + timedelta(minutes=n)))
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    snapshot = source()
    body = create_app(lambda: snapshot, stale_after=STALE_AFTER).test_client().get("/health?detail=1").get_json()

    assert snapshot.failures_pending == {pair: 7}
    shown = body["workers"][0]["failures"]
    assert [(f["issueKey"], f["toStatus"], f["lastError"], f["attempts"], f["givenUp"]) for f in shown] == [
        (f"ABSUP-{n}", "Will Do", f"Jira said 400 for #{n}", 1, False) for n in range(1, 8)
    ]
    assert shown[0]["firstFailedAt"] == "2025-03-01T09:01:00.000Z"
    source.close()


def test_failures_are_read_from_the_pair_database_the_bundle_names(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    mongo_client[f"{pair}_own"].failures.insert_one({"_id": "c1", "issue_key": "ABSUP-9", "last_error": "boom"})
    mongo_client[pair].failures.insert_many([{"_id": "x1"}, {"_id": "x2"}])  # not this pair's database
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db, pair_database=lambda name: f"{name}_own")

    snapshot = source()

    assert snapshot.failures_pending == {pair: 1}
    assert [failure.change.issue_key for failure in snapshot.failures[pair]] == ["ABSUP-9"]
    source.close()


def test_invalid_config_file_names_are_returned_escaped(config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    (config_dir / "sync-a\nb\x1b[2K.json").write_text("[]")
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    response, _ = get_health(source)

    files = {os.path.basename(config["file"]) for config in response.get_json()["invalidConfigs"]}
    assert files == {"sync-a\\nb\\x1b[2K.json", "sync-bad.json"}
    source.close()


def test_health_and_the_worker_count_the_same_pending_failures(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    """Pending = stored (a healed failure is deleted): /health counts and lists what the worker
    counts, also a document of an older writer that carries a `resolved_at`."""
    from app.sync.store import PairStore

    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING)
    mongo_client[pair].failures.insert_many([
        {"_id": "c1", "issue_key": "ABSUP-1", "first_failed_at": "2025-03-01T09:00:00.000000Z"},
        {"_id": "c2", "issue_key": "ABSUP-2", "first_failed_at": "2025-03-01T09:01:00.000000Z",
         "resolved_at": "2025-03-01T09:02:00.000000Z"},
    ])
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    snapshot = source()

    worker_count = PairStore(mongo_client[pair]).failure_count()
    assert snapshot.failures_pending == {pair: worker_count} == {pair: 2}
    assert [failure.change.issue_key for failure in snapshot.failures[pair]] == ["ABSUP-1", "ABSUP-2"]
    source.close()


def test_a_comment_failure_is_shown_with_its_kind_and_reason(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    from datetime import datetime

    from app.sync.engine import comment_failure_id
    from app.sync.failures import FailedChange, FailureKind, failed_again
    from app.sync.store import PairStore

    write_beat(mongo_client[control_db], pair, pid=1, state=WorkerState.SLEEPING)
    reason = "copy comment 10002 as internal on ABSUP-3 failed: Jira made the internal copy 10007 public; it was deleted"
    change = FailedChange("10030", "ABDEV-3", "dev", None, None)
    PairStore(mongo_client[pair]).record_failure(failed_again(
        None, comment_failure_id("dev", "10030"), FailureKind.COMMENT, change, reason,
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC)))
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    body = create_app(lambda: source(), stale_after=STALE_AFTER).test_client().get("/health?detail=1").get_json()

    [shown] = body["workers"][0]["failures"]
    assert (shown["issueKey"], shown["kind"], shown["lastError"], shown["side"]) == ("ABDEV-3", "comment", reason, "dev")
    source.close()


class Commands(pymongo.monitoring.CommandListener):
    """The commands a client sent, as (database, command, collection)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def started(self, event: pymongo.monitoring.CommandStartedEvent) -> None:
        self.sent.append((event.database_name, event.command_name, str(event.command.get(event.command_name))))

    def succeeded(self, event: pymongo.monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: pymongo.monitoring.CommandFailedEvent) -> None:
        pass


def test_only_pairs_whose_worker_has_not_said_it_owes_nothing_cost_a_read(
        tmp_path, db_prefix, mongo_uri, mongo_client, control_db, monkeypatch):
    """A bundle whose workers sleep between passes with nothing pending costs /health no read of
    any pair's database, however many pairs it runs; a pair owing failures, in a pass, without a
    beat of its running process, or held by another bundle is read, in one round trip."""
    from app.supervisord import SupervisorRPC
    from app.sync.failures import FailedChange, FailureKind, failed_again
    from app.sync.store import PairStore

    names = [f"{db_prefix}-p{index:02d}" for index in range(12)]
    owing, never_beat, in_a_pass, elsewhere, killed, *quiet = names
    monkeypatch.setenv("HEALTH_TEST_TOKEN", TOKEN)
    config_dir = write_config_dir(tmp_path / "config", "HEALTH_TEST_TOKEN", {
        f"sync-p{index:02d}": (name, f"U{chr(65 + index)}SUP", f"U{chr(65 + index)}DEV")
        for index, name in enumerate(names)})
    server = TinySupervisord({name: ("sleep 600", 0) for name in names}).start()
    try:
        for name in names:
            server.wait_for_state(name, "RUNNING")
        pids = {name: info.pid for name, info in server.rpc().process_states().items()}
        control, now = mongo_client[control_db], utc_now()
        leases = LeaseStore(control)
        for bundle in ("bundle-here", "bundle-there"):
            leases.beat(bundle, "host", [], now, now)
        for name in names:
            leases.acquire(name, "bundle-there" if name == elsewhere else "bundle-here", None, now, 60)
        for name in set(names) - {never_beat}:
            write_beat(control, name, bundle="bundle-here", pid=pids[name] + (name == killed),
                       state=WorkerState.SYNCING if name == in_a_pass else WorkerState.SLEEPING,
                       failures_pending=1 if name == owing else 0)
        for name in (owing, in_a_pass):  # the one counted at its pass's end, the one recorded since
            change = FailedChange("10001", "USUP-1", "user", "To Do", "Done")
            PairStore(mongo_client[name]).record_failure(
                failed_again(None, "c1", FailureKind.CHANGE, change, "Jira said 400", now))
        commands = Commands()
        client = pymongo.MongoClient(mongo_uri, tz_aware=True, serverSelectionTimeoutMS=5000,
                                     event_listeners=[commands])
        source = HealthSource(config_dir=config_dir, supervisor=SupervisorRPC(server.socket, timeout=DATA_BUDGET),
                              mongo_client=client, control_db=control_db, budget=DATA_BUDGET, bundle="bundle-here",
                              lease_seconds=60, stale_after=STALE_AFTER)
        source()  # connected
        commands.sent.clear()

        snapshot = source()

        assert sorted(commands.sent) == sorted([
            (control_db, "find", "heartbeats"), (control_db, "find", "leases"), (control_db, "find", "bundles"),
            *((name, "find", "failures") for name in (owing, never_beat, in_a_pass, elsewhere, killed)),
        ])
        assert snapshot.failures_pending == {name: int(name in (owing, in_a_pass)) for name in names}
        assert {name: [failure.change.issue_key for failure in shown] for name, shown in snapshot.failures.items()} \
            == {owing: ["USUP-1"], in_a_pass: ["USUP-1"]}
        assert len(quiet) == 7
        source.close()
    finally:
        server.cleanup()


def test_a_pair_owing_more_than_are_shown_is_counted_whole(
        config_dir, supervisord, mongo_uri, mongo_client, control_db, pair):
    from app.health.sources import FAILURES_SHOWN

    owed = FAILURES_SHOWN + 3
    mongo_client[pair].failures.insert_many([{"_id": f"c{n:03d}", "first_failed_at": f"2025-03-01T09:{n // 60:02d}:"
                                              f"{n % 60:02d}.000000Z"} for n in range(owed)])
    source = make_source(config_dir, supervisord.socket, mongo_uri, control_db)

    snapshot = source()

    assert snapshot.failures_pending == {pair: owed}
    assert [failure.id for failure in snapshot.failures[pair]] == [f"c{n:03d}" for n in range(FAILURES_SHOWN)]
    source.close()

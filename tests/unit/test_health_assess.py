"""assess() as a table: one snapshot in, the HTTP status and the reasons a person reads out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.config import ConfigError
from app.health.assess import HealthSnapshot, Unavailable, assess, iso_timestamp
from app.heartbeats import Heartbeat, LastPass, WorkerState, WorkerTotals
from app.supervisord import ProcessInfo

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
STALE_AFTER = 30.0


def proc(name, statename="RUNNING", pid=100, spawnerr="", description=""):
    return ProcessInfo(name=name, group=name, statename=statename, pid=pid, description=description,
                       start=0, now=0, spawnerr=spawnerr, exitstatus=0)


def beat(age=5.0, pair="sync-ab", **fields):
    return Heartbeat(**{"pair": pair, "pid": 100, "state": WorkerState.SLEEPING, "last_pass": LastPass(ok=True),
                        "beat_at": NOW - timedelta(seconds=age), **fields})


def snapshot(pairs=("sync-ab", "sync-xy"), processes=None, heartbeats=None, **overrides):
    return HealthSnapshot(
        now=NOW,
        pairs=list(pairs),
        processes={name: proc(name) for name in pairs} if processes is None else processes,
        heartbeats={name: beat(pair=name) for name in pairs} if heartbeats is None else heartbeats,
        **overrides,
    )


def with_pair(mapping, name, value):
    return {**mapping, name: value}


HEALTHY = snapshot()
CASES = {
    "all healthy": (HEALTHY, 200, "ok", []),
    "one stale heartbeat": (
        snapshot(heartbeats=with_pair(HEALTHY.heartbeats, "sync-xy", beat(age=45, pair="sync-xy"))),
        503, "degraded", ["sync-xy: heartbeat stale (45 s old, limit 30 s)"],
    ),
    "FATAL with spawn error and the worker's own reason": (
        snapshot(
            processes=with_pair(HEALTHY.processes, "sync-ab", proc(
                "sync-ab", "FATAL", pid=0, spawnerr="Exited too quickly (process log may have details)")),
            heartbeats=with_pair(HEALTHY.heartbeats, "sync-ab", beat(
                state=WorkerState.FAILED, last_error="Jira rejected the credentials (401)")),
        ),
        503, "degraded", [
            "sync-ab: process FATAL (Exited too quickly (process log may have details))",
            "sync-ab: worker failed: Jira rejected the credentials (401)",
        ],
    ),
    "program missing from supervisord": (
        snapshot(processes={"sync-ab": proc("sync-ab")}),
        503, "degraded", ["sync-xy: no such program in supervisord"],
    ),
    "never beat": (
        snapshot(heartbeats={"sync-ab": beat()}),
        503, "degraded", ["sync-xy: no heartbeat yet"],
    ),
    "last pass failed": (
        snapshot(heartbeats=with_pair(HEALTHY.heartbeats, "sync-ab", beat(
            last_pass=LastPass(ok=False, duration_s=2.0), last_error="JiraServerError 502"))),
        503, "degraded", ["sync-ab: last pass failed: JiraServerError 502"],
    ),
    "last pass failed, its own error preferred": (
        snapshot(heartbeats=with_pair(HEALTHY.heartbeats, "sync-ab", beat(
            last_pass=LastPass(ok=False, error="JiraUnavailable: timeout"), last_error="older error"))),
        503, "degraded", ["sync-ab: last pass failed: JiraUnavailable: timeout"],
    ),
    "zero pairs": (snapshot(pairs=()), 503, "unhealthy", ["no valid pair configured"]),
    "supervisord unavailable": (
        snapshot(processes=Unavailable("FileNotFoundError: [Errno 2] No such file or directory")),
        503, "unhealthy", [
            "supervisord unreachable: FileNotFoundError: [Errno 2] No such file or directory",
            "sync-ab: process state unknown (supervisord unreachable)",
            "sync-xy: process state unknown (supervisord unreachable)",
        ],
    ),
    "MongoDB unavailable": (
        snapshot(heartbeats=Unavailable("ServerSelectionTimeoutError: 127.0.0.1:1: Connection refused"),
                 failures_pending=Unavailable("ServerSelectionTimeoutError")),
        503, "unhealthy", [
            "MongoDB unreachable: ServerSelectionTimeoutError: 127.0.0.1:1: Connection refused",
            "sync-ab: heartbeat unknown (MongoDB unreachable)",
            "sync-xy: heartbeat unknown (MongoDB unreachable)",
        ],
    ),
    "an invalid config alone is shown but does not fail the healthy pairs": (
        snapshot(config_errors=[ConfigError("sync-bad.json", "rules[0].syncDirection", "bad value")]),
        200, "ok", [],
    ),
    "pending failures are shown but do not fail a pair": (
        snapshot(failures_pending={"sync-ab": 3, "sync-xy": 0}), 200, "ok", [],
    ),
}


@pytest.mark.parametrize(("given", "http_status", "state", "reasons"), CASES.values(), ids=CASES.keys())
def test_assess_table(given, http_status, state, reasons):
    report = assess(given, STALE_AFTER)

    assert (report.http_status, report.body["state"], report.body["reasons"]) == (http_status, state, reasons)
    assert report.healthy is (http_status == 200)


@pytest.mark.parametrize(("given", "http_status"), [(given, http) for given, http, _, _ in CASES.values()],
                         ids=CASES.keys())
def test_the_original_status_is_healthy_exactly_when_the_answer_is_200(given, http_status):
    assert assess(given, STALE_AFTER).body["status"] == ("healthy" if http_status == 200 else "degraded")


def fresh(**fields):
    return beat(age=2, **fields)


WORKER_STATUS_CASES = {
    # name: (supervisord's answer for the program, its heartbeat, the original's worker status)
    "RUNNING and healthy": (proc("sync-ab"), fresh(), "running"),
    "STOPPED by intent": (proc("sync-ab", "STOPPED", pid=0), fresh(state=WorkerState.STOPPED), "stopped"),
    "EXITED": (proc("sync-ab", "EXITED", pid=0), fresh(state=WorkerState.STOPPED), "stopped"),
    "STOPPING": (proc("sync-ab", "STOPPING"), fresh(state=WorkerState.STOPPING), "stopped"),
    "not loaded in supervisord": (None, fresh(), "stopped"),
    "FATAL": (proc("sync-ab", "FATAL", pid=0, spawnerr="Exited too quickly"), fresh(state=WorkerState.FAILED), "error"),
    "BACKOFF": (proc("sync-ab", "BACKOFF", pid=0), fresh(), "error"),
    "STARTING": (proc("sync-ab", "STARTING"), fresh(state=WorkerState.STARTING), "error"),
    "RUNNING with a stale heartbeat": (proc("sync-ab"), beat(age=45), "error"),
    "RUNNING with a failed pass": (proc("sync-ab"), fresh(last_pass=LastPass(ok=False, error="502")), "error"),
    "RUNNING with a failed worker": (proc("sync-ab"), fresh(state=WorkerState.FAILED, last_error="401"), "error"),
    "RUNNING but never beat": (proc("sync-ab"), None, "error"),
    "supervisord unreachable": (Unavailable("socket gone"), fresh(), "error"),
    "MongoDB unreachable": (proc("sync-ab"), Unavailable("refused"), "error"),
}


@pytest.mark.parametrize(("process", "heartbeat", "status"), WORKER_STATUS_CASES.values(),
                         ids=WORKER_STATUS_CASES.keys())
def test_worker_status_keeps_the_original_values(process, heartbeat, status):
    given = snapshot(pairs=["sync-ab"],
                     processes=process if isinstance(process, Unavailable) else {"sync-ab": process} if process else {},
                     heartbeats=heartbeat if isinstance(heartbeat, Unavailable) else
                     {"sync-ab": heartbeat} if heartbeat else {})

    report = assess(given, STALE_AFTER)
    worker = report.body["workers"][0]

    assert worker["status"] == status
    assert worker["health"] == ("healthy" if status == "running" else "unhealthy")
    assert report.body["status"] == ("healthy" if status == "running" else "degraded")


def test_body_keeps_the_original_keys_and_adds_the_details_per_pair():
    last_pass = LastPass(started_at=NOW - timedelta(seconds=70), finished_at=NOW - timedelta(seconds=68.5),
                         duration_s=1.5, ok=True, counts={"issues": 12, "transitions": 1})
    given = snapshot(
        pairs=["sync-ab"],
        processes={"sync-ab": proc("sync-ab", pid=4242, description="pid 4242, uptime 0:05:00")},
        heartbeats={"sync-ab": beat(age=3.25, last_pass=last_pass, last_error=None, failures_pending=9,
                                    metrics=WorkerTotals.from_document(
                                        {"passes_total": 40, "passes_failed": 1, "actions": {"create": 3}}))},
        failures_pending={"sync-ab": 2},
        config_errors=[ConfigError("sync-bad.json", "jira.baseUrl", "Field required")],
    )

    body = assess(given, STALE_AFTER).body

    assert body == {
        "status": "healthy",
        "state": "ok",
        "timestamp": "2025-03-01T12:00:00.000Z",
        "reasons": [],
        "staleAfterSeconds": 30.0,
        "workers": [{
            "name": "sync-ab",
            "status": "running",
            "health": "healthy",
            "lastHeartbeat": "2025-03-01T11:59:56.750Z",
            "pid": 4242,
            "lease": None,
            "processState": "RUNNING",
            "processDescription": "pid 4242, uptime 0:05:00",
            "spawnError": None,
            "workerState": "sleeping",
            "heartbeatAgeSeconds": 3.2,
            "lastPass": {"startedAt": "2025-03-01T11:58:50.000Z", "finishedAt": "2025-03-01T11:58:51.500Z",
                         "durationSeconds": 1.5, "ok": True, "counts": {"issues": 12, "transitions": 1}},
            "sinceStart": {"passes": 40, "failedPasses": 1, "actions": {"create": 3}},
            "lastError": None,
            "warnings": [],
            "failuresPending": 2,
            "failures": [],
            "reasons": [],
        }],
        "invalidConfigs": [{"file": "sync-bad.json", "field": "jira.baseUrl", "message": "Field required"}],
        "mongodb": {"reachable": True, "error": None, "embedded": False},
        "supervisor": {"reachable": True, "error": None},
    }


def test_config_warnings_are_listed_per_pair_and_never_make_it_unhealthy():
    warning = "rules[0].sourceStatus: 'Wil Do' is not a status of project ABSUP, so rule 'accept' never fires"
    given = snapshot(pairs=["sync-ab", "sync-cd"],
                     processes={"sync-ab": proc("sync-ab"), "sync-cd": proc("sync-cd")},
                     heartbeats={"sync-ab": beat(age=1, warnings=(warning,)), "sync-cd": beat(age=1, pair="sync-cd")})

    report = assess(given, STALE_AFTER)

    assert report.http_status == 200
    assert {w["name"]: w["warnings"] for w in report.body["workers"]} == {"sync-ab": [warning], "sync-cd": []}
    assert report.body["reasons"] == []


def test_unreachable_sources_are_named_in_the_body_and_fall_back_to_heartbeat_values():
    given = snapshot(pairs=["sync-ab"], processes=Unavailable("no answer within 0.8 s"),
                     heartbeats={"sync-ab": beat(pid=77, failures_pending=4)},
                     failures_pending=Unavailable("timeout"))

    body = assess(given, STALE_AFTER).body

    assert body["supervisor"] == {"reachable": False, "error": "no answer within 0.8 s"}
    assert body["mongodb"] == {"reachable": True, "error": None, "embedded": False}
    worker = body["workers"][0]
    assert (worker["pid"], worker["failuresPending"], worker["processState"]) == (77, 4, None)


def test_a_stopped_program_reports_no_pid_even_if_its_last_heartbeat_had_one():
    given = snapshot(pairs=["sync-ab"], processes={"sync-ab": proc("sync-ab", "STOPPED", pid=0)})

    worker = assess(given, STALE_AFTER).body["workers"][0]

    assert (worker["pid"], worker["status"], worker["health"], worker["reasons"]) \
        == (None, "stopped", "unhealthy", ["process STOPPED"])


def test_a_secret_that_slipped_into_an_error_text_is_masked():
    token = "tok-SECRET-marker-123"
    given = snapshot(
        pairs=["sync-ab"],
        heartbeats={"sync-ab": beat(state=WorkerState.FAILED, last_error=f"HTTP 401 for token {token}")},
        secrets=frozenset({token}),
    )

    report = assess(given, STALE_AFTER)

    assert token not in repr(report.body)
    assert report.body["workers"][0]["lastError"] == "HTTP 401 for token ***"
    assert token not in repr(snapshot(secrets=frozenset({token})))


def test_iso_timestamp_matches_javascript_to_iso_string():
    assert iso_timestamp(datetime(2025, 3, 1, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))) \
        == "2025-03-01T12:00:00.123Z"
    assert iso_timestamp(datetime(2025, 3, 1, 12, 0)) == "2025-03-01T12:00:00.000Z"
    assert iso_timestamp(None) is None


def test_the_embedded_server_is_named_dev_only_in_the_body():
    body = assess(HealthSnapshot(now=NOW, pairs=[], embedded_mongo=True), STALE_AFTER).body

    assert body["mongodb"] == {"reachable": True, "error": None, "embedded": True,
                               "note": "embedded MongoDB: dev only, data not kept"}

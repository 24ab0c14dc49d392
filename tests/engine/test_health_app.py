"""The Flask routes: thin shells around assess(), checked through Flask's test client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.health.app import create_app
from app.health.assess import HealthSnapshot, Unavailable
from app.health.liveness import liveness
from app.heartbeats import Heartbeat, LastPass
from app.supervisord import ProcessInfo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def running(name):
    return ProcessInfo(name=name, group=name, statename="RUNNING", pid=321, description="", start=0, now=0,
                       spawnerr="", exitstatus=0)


def healthy_snapshot():
    return HealthSnapshot(now=NOW, pairs=["sync-ab"], processes={"sync-ab": running("sync-ab")},
                          heartbeats={"sync-ab": Heartbeat("sync-ab", NOW - timedelta(seconds=2), pid=321,
                                                                     last_pass=LastPass(ok=True))})


def test_health_is_200_json_with_the_original_keys_when_all_pairs_are_healthy():
    client = create_app(healthy_snapshot, stale_after=30).test_client()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert (body["status"], body["state"]) == ("healthy", "ok")
    assert body["timestamp"] == "2025-03-01T12:00:00.000Z"
    assert [{key: worker[key] for key in ("name", "status", "lastHeartbeat", "pid")} for worker in body["workers"]] \
        == [{"name": "sync-ab", "status": "running", "lastHeartbeat": "2025-03-01T11:59:58.000Z", "pid": 321}]


def test_health_is_503_with_reasons_when_a_source_is_down():
    def source():
        return HealthSnapshot(now=NOW, pairs=["sync-ab"], processes=Unavailable("socket gone"),
                              heartbeats={"sync-ab": Heartbeat("sync-ab", NOW, last_pass=LastPass(ok=True))})

    response = create_app(source, stale_after=30).test_client().get("/health?detail=1")

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["state"], body["workers"][0]["status"]) == ("degraded", "unhealthy", "error")
    assert body["reasons"][0] == "supervisord unreachable: socket gone"


def test_each_request_reads_a_fresh_snapshot():
    calls = []

    def source():
        calls.append(1)
        return healthy_snapshot()

    client = create_app(source, stale_after=30).test_client()
    client.get("/health")
    client.get("/health")

    assert len(calls) == 2


def test_live_answers_200_without_reading_anything():
    def source():
        raise AssertionError("liveness must not read the sources")

    response = create_app(source, stale_after=30).test_client().get("/health/live")

    assert (response.status_code, response.get_json()) == (200, {"status": "alive"})


def test_a_broken_source_gives_a_503_without_its_error_text():
    def source():
        raise RuntimeError("boom with token tok-LEAK-42")

    response = create_app(source, stale_after=30).test_client().get("/health")

    assert response.status_code == 503
    assert (response.get_json()["status"], response.get_json()["state"]) == ("degraded", "unhealthy")
    assert "tok-LEAK-42" not in response.get_data(as_text=True)


def test_unknown_paths_stay_404():
    assert create_app(healthy_snapshot, stale_after=30).test_client().get("/nope").status_code == 404


def test_the_report_function_is_exposed_for_later_pages():
    app = create_app(healthy_snapshot, stale_after=30)

    assert app.extensions["health_report"]().http_status == 200


def test_a_broken_source_is_logged_without_its_error_text(caplog):
    def source():
        raise RuntimeError("boom with token tok-LEAK-42")

    create_app(source, stale_after=30).test_client().get("/health")

    assert "RuntimeError" in caplog.text
    assert "tok-LEAK-42" not in caplog.text


def machinery(**states: str) -> dict[str, ProcessInfo]:
    return {name: ProcessInfo(name=name, group=name, statename=state, pid=1, description="", start=0, now=0,
                              spawnerr="Exited too quickly" if state == "FATAL" else "", exitstatus=0)
            for name, state in states.items()}


LIVENESS = {
    "keeper and watchdog running": (machinery(leases="RUNNING", watchdog="RUNNING", **{"sync-ab": "FATAL"}), []),
    "being started again": (machinery(leases="BACKOFF", watchdog="STARTING"), []),
    "keeper FATAL": (machinery(leases="FATAL", watchdog="RUNNING"), ["leases: FATAL (Exited too quickly)"]),
    "watchdog stopped": (machinery(leases="RUNNING", watchdog="STOPPED"), ["watchdog: STOPPED"]),
    "keeper not loaded": (machinery(watchdog="RUNNING"), ["leases: not a program of supervisord"]),
    "supervisord unreachable": (Unavailable("no answer within 0.8 s"), ["supervisord unreachable: no answer within 0.8 s"]),
}


@pytest.mark.parametrize(("processes", "reasons"), LIVENESS.values(), ids=LIVENESS.keys())
def test_live_judges_the_bundles_own_machinery_only(processes, reasons):
    app = create_app(lambda: pytest.fail("liveness must not read the sources"), stale_after=30,
                     machinery=lambda: liveness(processes))

    response = app.test_client().get("/health/live")

    expected = (200, {"status": "alive"}) if not reasons else (503, {"status": "dead", "reasons": reasons})
    assert (response.status_code, response.get_json()) == expected

"""`/health/live` through a real bundle: it fails when the bundle's own machinery is down (the
lease keeper, the watchdog, supervisord itself) and only then; a Jira that cannot be reached and
a bad pair file are `/health`'s business, not a reason to restart the container."""

from __future__ import annotations

import time

import pytest
import requests

from testbed.bundle import Bundle, write_config_dir
from testbed.waiting import wait_for

TOKEN = "tok-liveness"


def live(bundle: Bundle) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{bundle.health_port}/health/live", timeout=3)


def live_is(bundle: Bundle, status: int) -> requests.Response:
    def answered():
        response = live(bundle)
        assert response.status_code == status, response.text
        return [response]  # a Response is truthy only when 2xx

    return wait_for(answered, 30, what=f"/health/live {status}")[0]


@pytest.fixture
def bundle(tmp_path, mongo_uri, db_prefix):
    running = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control", env={"JIRA_AB_TOKEN": TOKEN})
    # Jira at a closed port and a bad file beside the good one: neither is a matter of liveness.
    running.config_dir.rmdir()
    write_config_dir(running.config_dir, "JIRA_AB_TOKEN", {"sync-ab": ("sync-ab", "ABSUP", "ABDEV")})
    running.start()
    yield running
    running.stop()


def test_live_fails_exactly_while_the_keeper_the_watchdog_or_supervisord_is_down(bundle):
    wait_for(lambda: {"leases", "watchdog"} <= {name for name, state in bundle.states().items() if state == "RUNNING"},
             60, what="the keeper and the watchdog RUNNING")
    assert live_is(bundle, 200).json() == {"status": "alive"}
    health = bundle.health()
    assert health.status_code == 503, "Jira is unreachable and a file is bad: /health says so..."
    assert any(item["file"].endswith("sync-bad.json") for item in health.json()["invalidConfigs"])

    for program in ("leases", "watchdog"):
        bundle.rpc().stop(program)  # supervisorctl stop
        answer = live_is(bundle, 503).json()
        assert answer["status"] == "dead" and [reason.split(" (")[0] for reason in answer["reasons"]] == [
            f"{program}: STOPPED"], answer
        bundle.rpc().start(program)
        live_is(bundle, 200)

    socket = bundle.runtime_dir / "supervisor.sock"
    hidden = socket.with_name("hidden.sock")
    socket.rename(hidden)  # supervisord runs on, but nobody can reach it
    try:
        started = time.monotonic()
        answer = live(bundle)
        took = time.monotonic() - started
        assert answer.status_code == 503 and answer.json()["reasons"][0].startswith("supervisord unreachable"), answer.text
        assert took < 2.0, f"/health/live took {took:.1f} s without supervisord"
    finally:
        hidden.rename(socket)
    live_is(bundle, 200)

"""Who sees what of the health service: every route with and without credentials, the open
`/health` body, the security headers; through Flask's test client (a peer address of our choice)
and through real gunicorn serving app.health.wsgi from the environment."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr, ValidationError

from app.config import ConfigError
from app.health.app import create_app
from app.health.assess import HealthSnapshot, Unavailable
from app.health.auth import HealthAuth, startup_notice
from app.health.headers import CONTENT_SECURITY_POLICY
from app.health.public import OPEN_KEYS, OPEN_WORKER_KEYS
from app.heartbeats import Heartbeat, LastPass, WorkerState
from app.settings import HealthAuthSettings
from app.supervisord import ProcessInfo
from app.sync.failures import Failure
from testbed.bundle import ROOT
from testbed.ports import free_port
from testbed.waiting import wait_for

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "tok-health-5b1e0c7d9a2f4e6b8c3d"
USER, PASSWORD = "ops", "pw-health-8d2a6f0e4c1b"
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}  # TEST-NET-3: a client that is not on this host
OPEN_ROUTES = ("/health/live", "/health", "/static/dashboard.js", "/static/dashboard.css")
PROTECTED_ROUTES = ("/", "/metrics", "/health?detail=1")
# What only the detailed report may show: a config path, error texts, an issue key, a host.
SENSITIVE = ("/srv/jira-sync/config", "sync-bad.json", "syncIntervalSeconds", "Input should be", "ABSUP-7",
             "Field 'priority'", "team.atlassian.net")


def running(name: str, pid: int = 321) -> ProcessInfo:
    return ProcessInfo(name=name, group=name, statename="RUNNING", pid=pid, description="", start=0, now=0,
                       spawnerr="", exitstatus=0)


def healthy() -> HealthSnapshot:
    return HealthSnapshot(now=NOW, pairs=["sync-ab"], processes={"sync-ab": running("sync-ab")},
                          heartbeats={"sync-ab": Heartbeat("sync-ab", NOW - timedelta(seconds=2), pid=321,
                                                                     last_pass=LastPass(ok=True))})


def troubled() -> HealthSnapshot:
    """Every kind of detail an outsider must not read: invalid config, errors, failures, a source down."""
    return HealthSnapshot(
        now=NOW, pairs=["sync-ab", "sync-cd"],
        config_errors=[ConfigError("/srv/jira-sync/config/sync-bad.json", "syncIntervalSeconds",
                                   "Input should be a valid number")],
        processes={"sync-ab": running("sync-ab"), "sync-cd": running("sync-cd", pid=322)},
        heartbeats={
            "sync-ab": Heartbeat("sync-ab", NOW - timedelta(seconds=2), WorkerState.SLEEPING, pid=321,
                                 last_pass=LastPass(ok=True)),
            "sync-cd": Heartbeat("sync-cd", NOW - timedelta(seconds=2), WorkerState.FAILED, pid=322,
                                 last_error="Jira check failed: 401 from https://team.atlassian.net"),
        },
        failures_pending={"sync-ab": 1},
        failures={"sync-ab": [Failure.from_document({
            "issue_key": "ABSUP-7", "from_status": "To Do", "to_status": "Will Do", "attempts": 2,
                               "last_error": "Jira said 400: Field 'priority' cannot be set"})]},
    )


def client(auth: HealthAuth | None = None, source=healthy):
    return create_app(source, stale_after=30, auth=auth).test_client()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


TOKEN_AUTH = HealthAuth(token=SecretStr(TOKEN))
BASIC_AUTH = HealthAuth(user=USER, password=SecretStr(PASSWORD))
BOTH_AUTH = HealthAuth(token=SecretStr(TOKEN), user=USER, password=SecretStr(PASSWORD))


# -- with no credentials configured: loopback only ------------------------------------------------

@pytest.mark.parametrize("route", PROTECTED_ROUTES)
@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_without_credentials_configured_a_loopback_caller_reads_every_protected_route(route, address):
    response = client().get(route, environ_base={"REMOTE_ADDR": address})

    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
def test_without_credentials_configured_any_other_caller_is_refused_with_403_and_told_how_to_open(route):
    response = client().get(route, environ_base=REMOTE, headers=bearer("anything"))

    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers, "there are no credentials to ask for"
    assert "HEALTH_AUTH_TOKEN" in response.get_json()["error"]


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_proxy_on_the_same_host_does_not_make_its_clients_local(header):
    response = client().get("/metrics", headers={header: "203.0.113.7"})

    assert response.status_code == 403


# -- with credentials configured: every caller needs them -----------------------------------------

@pytest.mark.parametrize("route", PROTECTED_ROUTES)
@pytest.mark.parametrize(("auth", "headers"), [
    (TOKEN_AUTH, bearer(TOKEN)), (BASIC_AUTH, basic(USER, PASSWORD)),
    (BOTH_AUTH, bearer(TOKEN)), (BOTH_AUTH, basic(USER, PASSWORD)),
])
def test_the_right_credentials_open_every_protected_route_from_anywhere(route, auth, headers):
    response = client(auth).get(route, environ_base=REMOTE, headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
@pytest.mark.parametrize(("auth", "headers", "challenges"), [
    (TOKEN_AUTH, {}, ['Bearer realm="jira-sync"']),
    (TOKEN_AUTH, bearer(TOKEN + "x"), ['Bearer realm="jira-sync"']),
    (TOKEN_AUTH, bearer(TOKEN[:-1]), ['Bearer realm="jira-sync"']),
    (TOKEN_AUTH, basic(USER, TOKEN), ['Bearer realm="jira-sync"']),
    (BASIC_AUTH, basic(USER, PASSWORD + "x"), ['Basic realm="jira-sync", charset="UTF-8"']),
    (BASIC_AUTH, basic("root", PASSWORD), ['Basic realm="jira-sync", charset="UTF-8"']),
    (BASIC_AUTH, bearer(PASSWORD), ['Basic realm="jira-sync", charset="UTF-8"']),
    (BOTH_AUTH, {"Authorization": "Basic not-base64!"}, ['Basic realm="jira-sync", charset="UTF-8"',
                                                        'Bearer realm="jira-sync"']),
])
def test_missing_or_wrong_credentials_get_401_with_a_challenge_per_scheme(route, auth, headers, challenges):
    response = client(auth).get(route, headers=headers)  # from loopback: no exception once credentials exist

    assert response.status_code == 401
    assert response.headers.getlist("WWW-Authenticate") == challenges
    assert response.get_json() == {"error": f"authentication required ({' or '.join(auth.schemes)})"}


@pytest.mark.parametrize("route", OPEN_ROUTES)
@pytest.mark.parametrize("auth", [None, BOTH_AUTH])
def test_open_routes_answer_anyone_without_credentials(route, auth):
    response = client(auth).get(route, environ_base=REMOTE)

    assert response.status_code == 200


def test_open_health_neither_needs_nor_checks_credentials():
    response = client(TOKEN_AUTH).get("/health", environ_base=REMOTE, headers=bearer("wrong"))

    assert (response.status_code, set(response.get_json())) == (200, set(OPEN_KEYS))


@pytest.mark.parametrize("query", ["detail", "detail=1", "detail=true", "detail=TRUE"])
def test_every_spelling_of_detail_asks_for_the_whole_report(query):
    assert "reasons" in client().get(f"/health?{query}").get_json()


@pytest.mark.parametrize("query", ["detail=0", "detail=false", ""])
def test_detail_off_is_the_open_body(query):
    assert set(client().get(f"/health?{query}").get_json()) == set(OPEN_KEYS)


def test_an_unknown_detail_value_is_a_400_naming_the_choices():
    response = client().get("/health?detail=yes-please")

    assert response.status_code == 400
    assert "detail must be 1" in response.get_data(as_text=True)


# -- what the open body says ----------------------------------------------------------------------

def test_the_open_body_is_the_verdict_without_paths_error_texts_or_issue_keys():
    app_client = client(BOTH_AUTH, source=troubled)

    open_answer = app_client.get("/health", environ_base=REMOTE)
    detailed = app_client.get("/health?detail=1", headers=bearer(TOKEN))

    assert open_answer.status_code == detailed.status_code == 503
    body = open_answer.get_json()
    assert list(body) == list(OPEN_KEYS)
    assert [list(worker) for worker in body["workers"]] == [list(OPEN_WORKER_KEYS)] * 2
    assert body == {
        "status": "degraded", "state": "degraded", "timestamp": "2025-03-01T12:00:00.000Z",
        "workers": [
            {"name": "sync-ab", "status": "running", "health": "healthy", "lastHeartbeat": "2025-03-01T11:59:58.000Z",
             "pid": 321},
            {"name": "sync-cd", "status": "error", "health": "unhealthy", "lastHeartbeat": "2025-03-01T11:59:58.000Z",
             "pid": 322},
        ],
    }
    for text in SENSITIVE:
        assert text not in open_answer.get_data(as_text=True)
        assert text in detailed.get_data(as_text=True), "the detailed report still shows it"


def test_the_open_body_hides_why_a_source_is_unreachable():
    def source():
        return HealthSnapshot(now=NOW, pairs=["sync-ab"], processes=Unavailable("connect to /app/runtime/supervisor.sock"),
                              heartbeats=Unavailable("ServerSelectionTimeoutError: mongo.internal:27017"))

    response = client(source=source).get("/health", environ_base=REMOTE)

    assert response.status_code == 503
    assert "supervisor.sock" not in response.get_data(as_text=True)
    assert "mongo.internal" not in response.get_data(as_text=True)
    assert response.get_json()["workers"][0]["status"] == "error"


# -- headers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("route", "headers", "environ", "status"), [
    ("/health/live", {}, {}, 200), ("/health", {}, {}, 200), ("/health?detail=1", bearer(TOKEN), {}, 200),
    ("/", bearer(TOKEN), {}, 200), ("/metrics", bearer(TOKEN), {}, 200), ("/static/dashboard.js", {}, {}, 200),
    ("/", {}, {}, 401), ("/nope", {}, {}, 404), ("/health?detail=2", {}, {}, 400),
])
def test_every_answer_carries_the_security_headers(route, headers, environ, status):
    response = client(TOKEN_AUTH).get(route, headers=headers, environ_base=environ)

    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Cache-Control" in response.headers
    if not route.startswith("/static/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_a_403_and_the_error_handler_carry_them_too():
    def broken():
        raise RuntimeError("boom")

    for response in (client().get("/metrics", environ_base=REMOTE), client(source=broken).get("/health")):
        assert response.status_code in (403, 503)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["Cache-Control"] == "no-store"


# -- secrets stay secret --------------------------------------------------------------------------

def test_a_refused_request_is_logged_without_the_credentials_it_carried(caplog):
    app_client = client(BOTH_AUTH)

    app_client.get("/metrics", environ_base=REMOTE, headers=bearer("tok-LEAK-guess"))
    app_client.get("/", environ_base=REMOTE, headers=basic(USER, "pw-LEAK-guess"))

    assert "refused GET /metrics from 203.0.113.7: no valid credentials" in caplog.text
    assert "refused GET / from 203.0.113.7: no valid credentials" in caplog.text
    assert "LEAK" not in caplog.text and TOKEN not in caplog.text and PASSWORD not in caplog.text


def test_settings_take_the_credentials_and_never_show_them(monkeypatch):
    monkeypatch.setenv("HEALTH_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("HEALTH_AUTH_USER", USER)
    monkeypatch.setenv("HEALTH_AUTH_PASSWORD", PASSWORD)

    settings = HealthAuthSettings()
    auth = HealthAuth.from_settings(settings)

    assert auth.token.get_secret_value() == TOKEN and auth.password.get_secret_value() == PASSWORD
    assert TOKEN not in repr(settings) + repr(auth) and PASSWORD not in repr(settings) + repr(auth)
    assert auth.schemes == ("Basic", "Bearer")


def test_empty_variables_mean_unset(monkeypatch):
    for name in ("HEALTH_AUTH_TOKEN", "HEALTH_AUTH_USER", "HEALTH_AUTH_PASSWORD"):
        monkeypatch.setenv(name, "")

    assert not HealthAuth.from_settings(HealthAuthSettings()).configured


@pytest.mark.parametrize(("variables", "message"), [
    ({"HEALTH_AUTH_PASSWORD": PASSWORD}, "HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go together"),
    ({"HEALTH_AUTH_USER": USER}, "HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go together"),
    ({"HEALTH_AUTH_USER": "ops:x", "HEALTH_AUTH_PASSWORD": PASSWORD}, "HEALTH_AUTH_USER may not contain ':'"),
])
def test_incomplete_basic_credentials_are_an_error_that_shows_no_value(monkeypatch, variables, message):
    monkeypatch.setenv("MONGO_URI", "mongodb://app:mongo-LEAK-pw@db.internal/")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError) as raised:
        HealthAuthSettings()

    assert message in str(raised.value)
    assert PASSWORD not in str(raised.value) and "mongo-LEAK-pw" not in str(raised.value)


@pytest.mark.parametrize(("auth", "host", "warning", "says"), [
    (HealthAuth(), "127.0.0.1", False, "answer loopback clients only"),
    (HealthAuth(), "localhost", False, "answer loopback clients only"),
    (HealthAuth(), "0.0.0.0", True, "every other client gets 403"),
    (BOTH_AUTH, "0.0.0.0", False, "require Basic or Bearer credentials"),
    (TOKEN_AUTH, "0.0.0.0", False, "require Bearer credentials"),
])
def test_the_start_up_line_says_who_is_served(auth, host, warning, says):
    assert startup_notice(auth, host)[0] is warning
    assert says in startup_notice(auth, host)[1]


# -- through gunicorn, from the environment -------------------------------------------------------

def test_gunicorn_serves_the_access_rules_from_the_environment_and_names_no_version(tmp_path, mongo_uri, db_prefix):
    (tmp_path / "config").mkdir()
    port = free_port()
    env = {**os.environ, "CONFIG_DIR": str(tmp_path / "config"), "RUNTIME_DIR": str(tmp_path / "runtime"),
           "MONGO_URI": mongo_uri, "MONGO_CONTROL_DB": f"{db_prefix}_control", "LOG_FORMAT": "text",
           "HEALTH_HOST": "0.0.0.0", "HEALTH_AUTH_TOKEN": TOKEN, "HEALTH_AUTH_USER": USER, "HEALTH_AUTH_PASSWORD": PASSWORD}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-b", f"127.0.0.1:{port}", "--no-control-socket",
         "app.health.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # any answer will do (a Response is truthy only when 2xx): no supervisord here, so not alive
        [live] = wait_for(lambda: [requests.get(f"{base}/health/live", timeout=2)], 20, what="gunicorn to serve")
        health = requests.get(f"{base}/health", timeout=5)
        refused = requests.get(f"{base}/metrics", timeout=5)
        by_token = requests.get(f"{base}/metrics", headers=bearer(TOKEN), timeout=5)
        by_password = requests.get(f"{base}/health?detail=1", auth=(USER, PASSWORD), timeout=5)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode(errors="replace")

    assert live.headers["Server"] == "gunicorn", "no version: gunicorn >= 20.1 sends none"
    assert live.status_code == 503 and live.json()["reasons"][0].startswith("supervisord unreachable"), "no bundle here"
    assert (health.status_code, set(health.json())) == (503, set(OPEN_KEYS))  # zero pairs
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert by_token.status_code == 200 and "jira_sync_pairs_configured" in by_token.text
    assert by_password.status_code == 503 and "no valid pair configured" in by_password.json()["reasons"]
    assert live.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "require Basic or Bearer credentials" in output
    assert TOKEN not in output and PASSWORD not in output


def test_the_readme_names_exactly_the_open_keys():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [row] = re.findall(r"^\| `/health` \| anyone \| (.+) \|$", readme, re.M)

    assert re.findall(r"`([\w\[\]]+)`", row) == [*OPEN_KEYS[:-1], "workers[]", *OPEN_WORKER_KEYS]

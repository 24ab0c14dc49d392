"""The last line of defence (issue 17): a secret's value, whatever field carried it, leaves no
process in a log line nor in what a worker stores for /health."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from app.heartbeats import HeartbeatStore
from app.heartbeats.record import Heartbeat
from app.logs import configure_logging
from app.redaction import redact_known, remember

TOKEN = "ATATT3xFfGF0-real-looking-token-4c1d"
REMEMBERED = "pat-9d8c7b6a5f4e3d2c"


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("JIRA_AB_TOKEN", TOKEN)
    remember([REMEMBERED])
    yield
    logging.getLogger().handlers.clear()


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_no_log_line_carries_a_secret_value_from_the_message_an_extra_field_or_a_traceback(secrets, capsys, fmt):
    configure_logging("sync-ab", "INFO", fmt)
    log = logging.getLogger("app.test")

    log.warning("GET http://jira.example.test/x%s/rest/api/2/serverInfo -> 404", TOKEN)
    log.info("site", extra={"site": f"http://jira.example.test/{REMEMBERED}"})
    try:
        raise ConnectionError(f"no answer from http://jira.example.test/x{TOKEN}")
    except ConnectionError:
        log.exception("check failed")

    out = capsys.readouterr().out
    assert TOKEN not in out and REMEMBERED not in out
    assert out.count("***") >= (3 if fmt == "json" else 2)  # text lines show no extra fields
    if fmt == "json":
        assert all(json.loads(line) for line in out.splitlines())


def test_a_value_json_escapes_is_hidden_in_its_escaped_form_too(monkeypatch):
    monkeypatch.setenv("ODD_SECRET", 'quote"back\\slash')

    assert redact_known(json.dumps({"e": 'x quote"back\\slash y'})) == '{"e": "x *** y"}'


def test_what_a_worker_stores_for_health_carries_no_secret_value(secrets, mongo_client, db_prefix):
    store = HeartbeatStore(mongo_client[f"{db_prefix}_control"])
    store.write(Heartbeat("sync-ab", datetime.now(UTC),
                          last_error=f"Jira check failed: GET /x{TOKEN}/rest/api/2/serverInfo -> HTTP 404",
                          warnings=(f"jira.baseUrl: {REMEMBERED}",)))

    stored = mongo_client[f"{db_prefix}_control"]["heartbeats"].find_one({"_id": "sync-ab"})
    assert TOKEN not in json.dumps(stored, default=str) and REMEMBERED not in json.dumps(stored, default=str)
    assert store.get("sync-ab").last_error == "Jira check failed: GET /x***/rest/api/2/serverInfo -> HTTP 404"

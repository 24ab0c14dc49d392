"""MONGO_URI=embedded through a real bundle: the embedded server runs because it was asked for,
and `/health?detail=1` and the dashboard say that its data is not kept."""

from __future__ import annotations

import requests

from app.health.assess import EMBEDDED_NOTE
from testbed.bundle import Bundle
from testbed.waiting import wait_for


def test_the_embedded_server_runs_when_asked_for_and_health_and_dashboard_say_dev_only(tmp_path, db_prefix):
    bundle = Bundle(tmp_path, None, f"{db_prefix}_control")
    assert bundle.env["MONGO_URI"] == "embedded"
    bundle.start()
    try:
        wait_for(lambda: bundle.states().get("mongodb") == "RUNNING", 60, what="the embedded mongodb RUNNING")
        mongodb = wait_for(lambda: bundle.health().json()["mongodb"]["reachable"] and bundle.health().json()["mongodb"],
                           60, what="the embedded MongoDB reachable")
        dashboard = requests.get(f"http://127.0.0.1:{bundle.health_port}/", timeout=5)
    finally:
        bundle.stop()

    assert mongodb == {"reachable": True, "error": None, "embedded": True, "note": EMBEDDED_NOTE}
    assert EMBEDDED_NOTE in dashboard.text
    assert "MONGO_URI=embedded: the embedded MongoDB runs in this bundle; dev only, data not kept" in bundle.logs()

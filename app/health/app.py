"""The health service's Flask app: `/health`, `/health/live`, `/metrics` and the dashboard at `/`.

`create_app` takes the snapshot source (a callable returning app.health.assess.HealthSnapshot)
instead of reading anything itself, so the routes stay thin and the app never imports pymongo.
Every page is built from one fresh snapshot per request: `/health` and `/` from its assessment
(`app.extensions["health_report"]`), `/metrics` from the snapshot itself (app.health.metrics).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from app.health.assess import HealthReport, HealthSnapshot, assess
from app.health.dashboard import render_dashboard
from app.health.metrics import CONTENT_TYPE, metrics_registry, render_metrics

logger = logging.getLogger(__name__)


def create_app(snapshot_source: Callable[[], HealthSnapshot], stale_after: float) -> Flask:
    """Build the app; `stale_after` is the heartbeat age (seconds) past which a pair is stale."""
    app = Flask(__name__)
    app.json.sort_keys = False  # keep the body in the order assess() builds it, for people

    def health_report() -> HealthReport:
        return assess(snapshot_source(), stale_after)

    app.extensions["health_report"] = health_report

    @app.get("/health")
    def health():
        report = health_report()
        return jsonify(report.body), report.http_status

    @app.get("/")
    def dashboard():
        html = render_dashboard(health_report().body)
        return html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}

    registry = metrics_registry(snapshot_source, stale_after)

    @app.get("/metrics")
    def metrics():
        return render_metrics(registry), 200, {"Content-Type": CONTENT_TYPE}

    @app.get("/health/live")
    def live():
        return jsonify(status="alive"), 200

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return error
        # Only the type and place are logged: an exception's text may carry a secret.
        frame = traceback.extract_tb(error.__traceback__)[-1:] or [None]
        where = f"{frame[0].filename}:{frame[0].lineno}" if frame[0] else "?"
        logger.error("health request failed: %s at %s", type(error).__name__, where)
        return jsonify(status="degraded", state="unhealthy", reasons=["health service error (see its log)"]), 503

    return app

"""The health service's Flask app: `/health`, `/health/live`, `/metrics` and the dashboard at `/`.

`create_app` takes the snapshot source (a callable returning app.health.assess.HealthSnapshot)
instead of reading anything itself, so the routes stay thin and the app never imports pymongo.
Every page is built from one fresh snapshot per request: `/health` and `/` from its assessment
(`app.extensions["health_report"]`), `/metrics` from the snapshot itself (app.health.metrics).

`/health/live` reads nothing but supervisord (app.health.liveness, through `machinery`).

Who sees what: `/health/live`, `/health` (its open body, app.health.public) and the dashboard's
static files are open to every caller; the dashboard, `/metrics` and `/health?detail=1` (the
whole report) only to callers app.health.auth lets in. Every answer carries the headers of
app.health.headers.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Mapping

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException

from app.health.assess import HealthReport, HealthSnapshot, assess
from app.health.auth import Caller, HealthAuth, Verdict, decide
from app.health.dashboard import render_dashboard
from app.health.headers import add_security_headers
from app.health.liveness import Liveness
from app.health.metrics import CONTENT_TYPE, metrics_registry, render_metrics
from app.health.public import open_body
from app.health.trace_page import activity_view, render_trace, trace_view, valid_key
from app.trace.reader import Tracer

logger = logging.getLogger(__name__)

DETAIL_VALUES = {"": True, "1": True, "true": True, "0": False, "false": False}
CREDENTIALS_HINT = "set HEALTH_AUTH_TOKEN, or HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD"


def create_app(snapshot_source: Callable[[], HealthSnapshot], stale_after: float,
               auth: HealthAuth | None = None, tracer: Tracer | None = None,
               machinery: Callable[[], Liveness] | None = None) -> Flask:
    """Build the app; `stale_after` is the heartbeat age (seconds) past which a pair is stale;
    `auth` the configured credentials (default none: protected answers serve loopback only);
    `tracer` reads issue traces and recent activity (none: the dashboard has neither);
    `machinery` judges `/health/live` (app.health.liveness; default: alive while this app answers)."""
    auth = auth or HealthAuth()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's default provider has it; keep assess()'s order
    app.after_request(add_security_headers)

    def health_report() -> HealthReport:
        return assess(snapshot_source(), stale_after)

    app.extensions["health_report"] = health_report

    refusal = functools.partial(_refusal, auth)

    def protected(view: Callable[[], ResponseReturnValue]) -> Callable[[], ResponseReturnValue]:
        @functools.wraps(view)
        def guarded() -> ResponseReturnValue:
            return refusal() or view()
        return guarded

    @app.get("/health")
    def health() -> ResponseReturnValue:
        detail = wants_detail(request.args)
        if detail and (refused := refusal()):
            return refused
        report = health_report()
        return jsonify(report.body if detail else open_body(report.body)), report.http_status

    @app.get("/")
    @protected
    def dashboard() -> ResponseReturnValue:
        report = health_report()
        activity = activity_view(tracer.activity(), report.secrets) if tracer is not None else None
        html = render_dashboard(report, activity)
        return html, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/trace")
    @protected
    def trace() -> ResponseReturnValue:
        if tracer is None:
            return jsonify(error="traces are not served by this health service"), 404
        asked = request.args.get("key", "")
        key = valid_key(asked)
        secrets = trace_secrets(tracer)
        if key is None:
            view = trace_view(asked, None, f"{asked!r} is not an issue key (e.g. ABSUP-12)" if asked else None, secrets)
            return render_trace(view), 400 if asked else 200, {"Content-Type": "text/html; charset=utf-8"}
        traced = tracer.trace(key, request.args.get("pair") or None)
        return render_trace(trace_view(key, traced, None, secrets)), 200, {"Content-Type": "text/html; charset=utf-8"}

    registry = metrics_registry(snapshot_source, stale_after)

    @app.get("/metrics")
    @protected
    def metrics() -> ResponseReturnValue:
        return render_metrics(registry), 200, {"Content-Type": CONTENT_TYPE}

    @app.get("/health/live")
    def live() -> ResponseReturnValue:
        verdict = machinery() if machinery else Liveness()
        if not verdict.alive:
            logger.warning("not alive: %s", "; ".join(verdict.reasons))
        return jsonify(verdict.body), verdict.http_status

    app.register_error_handler(Exception, _unexpected)
    return app


def trace_secrets(tracer: Tracer) -> frozenset[str]:
    """The tokens the pairs' configs name (masked wherever they would show)."""
    return frozenset(pair.config.jira.api_token.get_secret_value() for pair in tracer.configs().pairs
                     if not pair.withheld)


def _refusal(auth: HealthAuth) -> Response | tuple[Response, int] | None:
    """None when this request may read protected answers, else the answer refusing it."""
    verdict = decide(auth, Caller.of(request))
    if verdict is Verdict.ALLOWED:
        return None
    logger.warning("refused %s %s from %s: %s", request.method, request.path, request.remote_addr, verdict.reason)
    if verdict is Verdict.FORBIDDEN:
        return jsonify(error=f"served to loopback clients only; to open it to others, {CREDENTIALS_HINT}"), 403
    response = jsonify(error=f"authentication required ({' or '.join(auth.schemes)})")
    response.status_code = 401
    for challenge in auth.challenges():
        response.headers.add("WWW-Authenticate", challenge)
    return response


def _unexpected(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return error
    # Only the type and place are logged: an exception's text may carry a secret.
    frames = traceback.extract_tb(error.__traceback__)[-1:]
    where = f"{frames[0].filename}:{frames[0].lineno}" if frames else "?"
    logger.error("health request failed: %s at %s", type(error).__name__, where)
    return jsonify(status="degraded", state="unhealthy", reasons=["health service error (see its log)"]), 503


def wants_detail(args: Mapping[str, str]) -> bool:
    """`?detail`, `?detail=1` or `?detail=true` ask for the whole report; 400 for other values."""
    value = args.get("detail", "0").lower()
    if value not in DETAIL_VALUES:
        raise BadRequest("detail must be 1 (the whole report) or 0 (the open body)")
    return DETAIL_VALUES[value]

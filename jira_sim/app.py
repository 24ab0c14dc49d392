"""``create_app(site)``: the Flask app serving a :class:`Site` as Jira's REST API.

Every ``/rest/`` and ``/secure/`` request passes the gate in order: request log, latency,
injected faults (dropped connection, 5xx, or a proxy's 200 with an error body or with a search
page that lacks ``issues``), the burst rate limit, authentication and what a caller who is
nobody may do (see :mod:`routes_common`), then the per-issue write limit. A drop decided "after
processing" lets the request be handled in full and closes the connection instead of sending
the answer. Data Center has no REST v3 (404).
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable

from flask import Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from jira_sim import (
    routes_admin,
    routes_attachments,
    routes_bulk,
    routes_fields,
    routes_issues,
    routes_links,
    routes_meta,
    routes_search,
    routes_servicedesk,
    routes_setup,
)
from jira_sim.errors import JiraApiError, error_response
from jira_sim.formats import format_jira
from jira_sim.knobs import Decision
from jira_sim.routes_attachments import download
from jira_sim.routes_common import ANONYMOUS, authenticate, refusal
from jira_sim.site import Site

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


class _JsonInGivenOrder(DefaultJSONProvider):
    sort_keys = False  # Jira keeps its members in its own order


def create_app(site: Site, sleep: Callable[[float], None] = time.sleep) -> Flask:
    """The Flask app serving ``site`` as Jira's REST API (plus the ``/_sim/`` admin API)."""
    app = Flask(__name__)
    app.config["SIM_SITE"] = site
    app.json = _JsonInGivenOrder(app)
    for module in (routes_fields, routes_bulk, routes_issues, routes_attachments, routes_links, routes_meta, routes_search,
                   routes_admin, routes_servicedesk, routes_setup):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(routes_meta.session_blueprint)

    @app.get("/secure/attachment/<attachment_id>/<path:filename>")
    def dc_attachment(attachment_id: str, filename: str) -> ResponseReturnValue:
        return download(attachment_id)

    @app.before_request
    def gate() -> ResponseReturnValue | None:
        if not request.path.startswith(("/rest/", "/secure/")):
            return None
        if site.knobs.latency_ms:
            sleep(site.knobs.latency_ms / 1000)
        with site.lock:
            decision = site.knobs.decide(request.path, site.now())
        faulted = _simulated_fault(site, decision)
        if faulted is not None:
            return faulted
        g.rate_headers = decision.headers
        if site.deployment == "datacenter" and request.path.startswith("/rest/api/3/"):
            raise JiraApiError(404, ["null for uri: " + request.url])
        g.login = authenticate(site, request.headers.get("Authorization"))
        g.caller = g.login.user or ANONYMOUS
        refused = refusal(site.deployment, g.login, request.method, request.path)
        if refused is not None:
            raise refused
        _limit_issue_writes(site)
        return None

    @app.after_request
    def record(response: Response) -> Response:
        return _recorded(site, response)

    app.register_error_handler(JiraApiError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        messages = ["null for uri: " + request.url] if error.code == 404 else [error.description or error.name]
        return error_response(JiraApiError(error.code or 500, messages))

    return app


def _simulated_fault(site: Site, decision: Decision) -> Response | None:
    """The answer of a fault knob instead of the view's (None: no fault; the view runs). A drop
    after the work only marks the request: `_recorded` drops it once the work is done."""
    if decision.action == "drop":  # before any work: the view does not run
        g.drop_connection = True
        return Response(status=500)
    g.drop_connection = decision.action == "drop_after"
    if decision.action == "error":
        raise JiraApiError(decision.status, ["Service temporarily unavailable (simulated fault)."],
                           headers={"Retry-After": "1"} if decision.status == 503 else {})
    if decision.action == "rate_limited":
        raise JiraApiError(429, ["Rate limit exceeded."], headers=decision.headers)
    if decision.action == "ok_error":
        return jsonify({"errorMessages": ["The request could not be completed (simulated proxy fault)."]})
    if decision.action == "page_without_issues":
        return jsonify({"isLast": True} if site.deployment == "cloud" else {"startAt": 0, "maxResults": 50, "total": 0})
    return None


def _recorded(site: Site, response: Response) -> Response:
    """The request in the site's log, with the headers Jira adds; a dropped one loses its answer."""
    if request.path.startswith("/_sim/"):
        return response  # the admin API is not part of the traffic being measured
    dropped = bool(g.get("drop_connection"))  # after the work, if any, was done and kept
    for name, value in (g.get("rate_headers") or {}).items():
        response.headers.setdefault(name, value)
    login = g.get("login")
    if login is not None and login.reason:
        response.headers["X-Seraph-LoginReason"] = login.reason
    site.request_log.record(request.method, request.path, _template(), "dropped" if dropped else
                            response.status_code, format_jira(site.now(), "UTC"),
                            login.user.account_id if login and login.user else None)
    if dropped:
        # Logged first: whoever sees the drop and reads the log at once finds the entry there.
        _drop_connection()
        return Response(status=500)
    return response


def _limit_issue_writes(site: Site) -> None:
    """Jira Cloud's per-issue write limit, for writes to ``/issue/{key}`` and what hangs off it."""
    key = (request.view_args or {}).get("key")
    rule = request.url_rule
    if request.method in ("GET", "HEAD") or key is None or rule is None or "/issue/<key>" not in rule.rule:
        return
    with site.lock:
        issue = site.issue(key)
        decision = site.knobs.decide_issue_write(issue.id, site.now()) if issue else None
    if decision is not None and decision.action == "rate_limited":
        raise JiraApiError(429, ["Rate limit exceeded."], headers=decision.headers)


def _template() -> str:
    rule = request.url_rule
    if rule is None:
        return request.path
    version = (request.view_args or {}).get("version")
    text = rule.rule.replace("<any('2','3','latest'):version>", version) if version else rule.rule
    return _VARIABLE.sub(lambda m: "{" + m.group(1) + "}", text)


def _drop_connection() -> None:
    """Close the connection without answering, as a dying node or proxy does."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)

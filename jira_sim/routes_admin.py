"""Test-only admin API under ``/_sim/`` (no auth; never part of Jira), under the server's prefix if any.
(Custom fields, project types, screens and the comment ``updated`` policy: :mod:`routes_setup`.)

Everything here is state of the site: a fresh :class:`SimulatorServer` starts with every knob at
its default, no revocation, no hold, an empty log.

- ``GET /_sim/config`` / ``POST /_sim/config`` — knobs (partial update; unknown names are 400), shape::

      {"latency_ms": 0, "index_lag_seconds": 0.0,
       "rate_limit": {"capacity": 0, "refill_per_second": 1.0, "retry_after_seconds": 1, "next_n": 0,
                      "reason": "jira-burst-based"},
       "per_issue_writes": {"limit": 0, "window_seconds": 2.0},
       "attachments": {"max_bytes": 0, "media_url_seconds": 300.0},
       "faults": {"error_rate": 0.0, "drop_rate": 0.0, "error_status": 503, "next_errors": 0,
                  "next_drops": 0, "next_ok_errors": 0, "next_pages_without_issues": 0, "seed": 0,
                  "path_contains": "", "drop_after_processing": false}}

  (meanings in :mod:`knobs`: ``per_issue_writes`` answers 429 ``jira-per-issue-on-write`` past
  ``limit`` writes to one issue per window; ``max_bytes`` answers 413; ``next_ok_errors`` and
  ``next_pages_without_issues`` answer 200 with an ``errorMessages`` body / a search page
  without ``issues``.)

- ``GET /_sim/requests`` — ``{"total", "counts": {"GET /rest/api/3/issue/{key}": n}, "requests": [...]}``
  (entries as in :mod:`site`, with the caller's ``user``);
  ``POST /_sim/requests/reset`` empties it and the media log.
- ``GET /_sim/media`` — Cloud's media host: ``{"url", "requests": [{"path", "status", "headers": [names]}]}``
  (header names only, lower-case: a test proves ``authorization`` never arrives there).
- ``PATCH /_sim/users/<accountId>`` — ``{"apiToken", "pat", "timeZone", "projects"}`` (any subset).
- ``POST /_sim/users/<accountId>/revoke`` / ``.../restore`` — optional ``{"credentials": ["apiToken", "pat"]}``
  (default both): the credential stops (or starts again) proving the user; answers
  ``{"accountId", "revoked": [...]}``. See :mod:`routes_common` for what a revoked caller gets.
- ``POST /_sim/issues/<key>/move`` — ``{"project": "KEY"}``: new key, same id, old key still resolves.
- ``PATCH /_sim/issues/<key>`` — ``{"created", "updated"}`` (Jira timestamps) to place an issue in time.
- ``GET /_sim/clock`` / ``POST /_sim/clock/advance`` ``{"seconds": n}`` — the site's clock (lag, timestamps).
- ``GET /_sim/index`` — ``{"pending": n, "held": {"KEY-1": until}}``: writes not yet searchable, holds in force.
- ``POST /_sim/index/hold`` — ``{"key": "KEY-1", "seconds": n, "current": false}``: the issue's writes
  from now on (with ``"current": true`` its current version too) become searchable only ``n`` clock
  seconds from now, their ``updated`` untouched; search answers from the version before
  meanwhile. Answers ``{"key", "until"}``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim.errors import JiraApiError, not_found_issue
from jira_sim.formats import format_jira, parse_jira
from jira_sim.issues import move_issue
from jira_sim.model import User
from jira_sim.routes_common import site

CREDENTIALS = ("apiToken", "pat")

blueprint = Blueprint("sim_admin", __name__, url_prefix="/_sim")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise JiraApiError(400, ["a JSON object is required"])
    return data


@blueprint.get("/config")
def get_config() -> ResponseReturnValue:
    with site().lock:
        return jsonify(site().knobs.to_dict())


@blueprint.post("/config")
def set_config() -> ResponseReturnValue:
    with site().lock:
        try:
            site().knobs.update(_body())
        except (TypeError, ValueError) as error:
            raise JiraApiError(400, [str(error)]) from error
        return jsonify(site().knobs.to_dict())


@blueprint.get("/requests")
def get_requests() -> ResponseReturnValue:
    return jsonify(site().request_log.snapshot())


@blueprint.post("/requests/reset")
def reset_requests() -> ResponseReturnValue:
    site().request_log.reset()
    with site().lock:
        site().media_requests.clear()
    return "", 204


@blueprint.get("/media")
def media_log() -> ResponseReturnValue:
    with site().lock:
        return jsonify({"url": site().media_url, "requests": list(site().media_requests)})


def _user(account_id: str) -> User:
    user = site().users.get(account_id)
    if user is None:
        raise JiraApiError(404, [f"no user {account_id}"])
    return user


@blueprint.patch("/users/<account_id>")
def patch_user(account_id: str) -> ResponseReturnValue:
    body = _body()
    with site().lock:
        user = _user(account_id)
        names = {"apiToken": "api_token", "pat": "pat", "timeZone": "time_zone", "projects": "projects"}
        unknown = set(body) - set(names)
        if unknown:
            raise JiraApiError(400, [f"unknown user fields {sorted(unknown)}"])
        for name, attribute in names.items():
            if name in body:
                value = body[name]
                setattr(user, attribute, tuple(value) if name == "projects" and value is not None else value)
        return jsonify({"accountId": user.account_id, "timeZone": user.time_zone, "projects": user.projects})


@blueprint.post("/users/<account_id>/<any(revoke, restore):action>")
def revoke_or_restore(account_id: str, action: str) -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    credentials = set(body.get("credentials", CREDENTIALS)) if isinstance(body, dict) else set()
    if not credentials or not credentials <= set(CREDENTIALS):
        raise JiraApiError(400, [f"credentials must be a non-empty subset of {list(CREDENTIALS)}"])
    with site().lock:
        user = _user(account_id)
        user.revoked = user.revoked | credentials if action == "revoke" else user.revoked - credentials
        return jsonify({"accountId": user.account_id, "revoked": sorted(user.revoked)})


@blueprint.post("/issues/<key>/move")
def move(key: str) -> ResponseReturnValue:
    with site().lock:
        issue = site().issue(key)
        if issue is None:
            raise not_found_issue()
        moved = move_issue(site(), issue, str(_body().get("project", "")).upper())
        return jsonify({"id": str(moved.id), "key": moved.key, "oldKeys": list(moved.old_keys)})


@blueprint.patch("/issues/<key>")
def place_in_time(key: str) -> ResponseReturnValue:
    body = _body()
    with site().lock:
        issue = site().issue(key)
        if issue is None:
            raise not_found_issue()
        changes: dict[str, Any] = {name: parse_jira(body[name]) for name in ("created", "updated") if name in body}
        site().save(replace(issue, **changes), touch=False)
        return jsonify({"key": issue.key, **{n: format_jira(v, "UTC") for n, v in changes.items()}})


@blueprint.get("/clock")
def get_clock() -> ResponseReturnValue:
    return jsonify({"now": format_jira(site().now(), "UTC")})


@blueprint.post("/clock/advance")
def advance_clock() -> ResponseReturnValue:
    seconds = float(_body().get("seconds", 0))
    with site().lock:
        site().clock.advance(seconds)
        return jsonify({"now": format_jira(site().now(), "UTC")})


@blueprint.get("/index")
def index_state() -> ResponseReturnValue:
    with site().lock:
        now = site().now()
        held = {site().issues[i].key: format_jira(until, "UTC") for i, until in site().index.holds(now).items()
                if i in site().issues}
        return jsonify({"pending": site().index.pending(now), "held": held})


@blueprint.post("/index/hold")
def hold_in_index() -> ResponseReturnValue:
    body = _body()
    seconds, current = body.get("seconds"), body.get("current", False)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise JiraApiError(400, ["seconds must be a positive number"])
    if not isinstance(current, bool):
        raise JiraApiError(400, ["current must be true or false"])
    with site().lock:
        issue = site().issue(str(body.get("key", "")))
        if issue is None:
            raise not_found_issue()
        until = site().now() + timedelta(seconds=seconds)
        site().index.hold(issue.id, until, current)
        return jsonify({"key": issue.key, "until": format_jira(until, "UTC")})

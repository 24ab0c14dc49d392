"""Test-only admin API for what a site's administrators configure (under ``/_sim/``, no auth;
never part of Jira). Shapes in :mod:`setup`; bad input answers 400 naming the key.

- ``GET /_sim/fields`` / ``POST /_sim/fields`` — list / add a custom field (answers it, with its
  id and option ids).
- ``GET /_sim/projects/<key>`` / ``PATCH /_sim/projects/<key>`` — a project's type, components,
  versions, custom fields, which options a select field offers there, what is off the create and
  edit screens, who may not be assigned, who is a customer, its roles (answers the whole
  configuration, with component and version ids).
- ``GET /_sim/comments/touch`` / ``POST /_sim/comments/touch`` ``{"add", "edit", "delete"}`` —
  which comment writes move the issue's ``updated``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, request

from jira_sim import setup
from jira_sim.errors import JiraApiError
from jira_sim.routes_common import site

blueprint = Blueprint("sim_setup", __name__, url_prefix="/_sim")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise JiraApiError(400, ["a JSON object is required"])
    return data


@blueprint.get("/fields")
def list_fields() -> Response:
    with site().lock:
        return jsonify([setup.field_json(f) for f in site().catalog.custom_fields.values()])


@blueprint.post("/fields")
def add_field() -> tuple[Response, int]:
    body = _body()
    with site().lock:
        try:
            field = setup.add_custom_field(site(), body)
        except ValueError as error:
            raise JiraApiError(400, [str(error)]) from error
        return jsonify(setup.field_json(field)), 201


@blueprint.get("/projects/<key>")
def get_project(key: str) -> Response:
    with site().lock:
        try:
            return jsonify(setup.project_json(site(), key.upper()))
        except ValueError as error:
            raise JiraApiError(404, [str(error)]) from error


@blueprint.patch("/projects/<key>")
def configure_project(key: str) -> Response:
    body = _body()
    with site().lock:
        try:
            setup.configure_project(site(), key.upper(), body)
        except ValueError as error:
            raise JiraApiError(400, [str(error)]) from error
        return jsonify(setup.project_json(site(), key.upper()))


@blueprint.get("/comments/touch")
def get_comment_touch() -> Response:
    with site().lock:
        return jsonify(asdict(site().catalog.comment_touch))


@blueprint.post("/comments/touch")
def set_comment_touch() -> Response:
    body = _body()
    with site().lock:
        try:
            setup.configure_comment_touch(site(), body)
        except ValueError as error:
            raise JiraApiError(400, [str(error)]) from error
        return jsonify(asdict(site().catalog.comment_touch))

"""REST: search. Cloud: ``/search/jql`` (GET/POST), ``/search`` answers 410 Gone.
Data Center: ``/search`` (GET/POST) with startAt/total; ``/search/jql`` does not exist."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim.errors import JiraApiError
from jira_sim.model import Issue
from jira_sim.render import Ctx, issue_json, select_fields
from jira_sim.routes_common import API, ctx, int_param, property_map, site, split_list
from jira_sim.search import (
    DC_PAGE_CAP,
    DEFAULT_PAGE,
    cloud_cap,
    make_token,
    page_size,
    read_token,
    reconcile_ids,
    run_query,
)

blueprint = Blueprint("search", __name__, url_prefix=API)

GONE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
        "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")


def _params() -> dict[str, Any]:
    """GET query parameters or a POST body, normalised (``fields`` as a list)."""
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise JiraApiError(400, ["Invalid request payload. Refer to the REST API documentation and try again."])
        return {**body, "fields": _as_list(body.get("fields")), "properties": _as_list(body.get("properties")),
                "reconcileIssues": _as_list(body.get("reconcileIssues"))}
    params: dict[str, Any] = request.args.to_dict()
    for name in ("fields", "properties", "reconcileIssues"):
        params[name] = request.args.getlist(name)
    return params


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value if isinstance(value, int) else str(value)]


@blueprint.route("/search/jql", methods=["GET", "POST"])
def enhanced_search(version: str) -> ResponseReturnValue:
    if site().deployment != "cloud":
        raise JiraApiError(404, ["null for uri: " + request.url])
    c = ctx(version)
    params = _params()
    jql = str(params.get("jql") or "")
    fields = select_fields(params["fields"], "id")
    explicit = split_list(params["fields"])
    limit = page_size(int_param(params.get("maxResults"), "maxResults", DEFAULT_PAGE), cloud_cap(explicit or ["id"]))
    reconcile = reconcile_ids(params["reconcileIssues"])
    with site().lock:
        offset = read_token(jql, params.get("nextPageToken"))
        matched = run_query(site(), g.caller, jql, require_bounded=True, reconcile=reconcile)
        page = matched[offset:offset + limit]
        issues = [_render(c, issue, fields, explicit, split_list(params["properties"])) for issue in page]
    answer: dict[str, Any] = {"issues": issues, "isLast": offset + limit >= len(matched)}
    if not answer["isLast"]:
        answer["nextPageToken"] = make_token(jql, offset + limit)
    return jsonify(answer)


def _render(c: Ctx, issue: Issue, fields: list[str], explicit: list[str], properties: list[str]) -> dict[str, Any]:
    document: dict[str, Any] = issue_json(c, issue, fields) if explicit else {"id": str(issue.id)}
    if properties:
        document["properties"] = property_map(issue, properties)
    return document


@blueprint.route("/search", methods=["GET", "POST"])
def legacy_search(version: str) -> ResponseReturnValue:
    if site().deployment == "cloud":
        raise JiraApiError(410, [GONE])
    c = ctx(version)
    params = _params()
    jql = str(params.get("jql") or "")
    fields = select_fields(params["fields"], "*navigable")
    start = int_param(params.get("startAt"), "startAt", 0)
    limit = page_size(int_param(params.get("maxResults"), "maxResults", DEFAULT_PAGE), DC_PAGE_CAP)
    with site().lock:
        matched = run_query(site(), g.caller, jql, require_bounded=False)
        wanted = split_list(params["properties"])
        issues = [issue_json(c, issue, fields) | ({"properties": property_map(issue, wanted)} if wanted else {})
                  for issue in matched[start:start + limit]]
    return jsonify({"expand": "schema,names", "startAt": start, "maxResults": limit, "total": len(matched),
                    "issues": issues})

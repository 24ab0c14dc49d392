"""The Service Management API's request comments, under ``/rest/servicedeskapi`` (both deployments).

- ``POST /request/{issueIdOrKey}/comment`` ``{"body": "text", "public": false}`` -> 201, the
  ``CommentDTO``. ``public: false`` stores the comment property ``sd.public.comment``
  ``{"internal": true}``, the same one the platform API reads (so ``jsdPublic`` and the property
  agree whichever API made the comment). Without ``public`` the comment is public (the worse case:
  the API does not say what it defaults to), and a customer's comment is public whatever it asks.
- ``GET /request/{issueIdOrKey}/comment`` ``?public=&internal=&start=&limit=`` -> the paged DTO
  (``size``, ``start``, ``limit``, ``isLastPage``, ``values``, ``_links``), oldest first,
  ``limit`` 50 by default; a customer gets public comments only.
- ``GET /request/{issueIdOrKey}/comment/{commentId}``.

An issue outside a service project is 404. Errors come in this API's shape:
``{"errorMessage": "...", "i18nErrorMessage": {"i18nKey": "...", "parameters": []}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from jira_sim import extras
from jira_sim.errors import JiraApiError
from jira_sim.model import Comment, Issue
from jira_sim.routes_common import int_param, json_body, site, visible_issue
from jira_sim.servicedesk import comment_dto, internal_properties, is_public, request_issue, user_dto

blueprint = Blueprint("servicedesk", __name__, url_prefix="/rest/servicedeskapi")
PAGE = 50


@blueprint.errorhandler(JiraApiError)
def servicedesk_error(error: JiraApiError) -> Response:
    message = " ".join([*error.messages, *error.errors.values()])
    response = jsonify({"errorMessage": message, "i18nErrorMessage": {"i18nKey": "sd.simulated.error", "parameters": []}})
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _dto(issue: Issue, comment: Comment) -> dict[str, Any]:
    base = request.url_root.rstrip("/")
    return comment_dto(site(), base, issue, comment, lambda account: user_dto(site(), base, account), g.caller.time_zone)


def _customer(issue: Issue) -> bool:
    return g.caller.account_id in site().catalog.project(issue.project_key).customers


@blueprint.post("/request/<key>/comment")
def add_request_comment(key: str) -> tuple[Response, int]:
    payload = json_body()
    body, public = payload.get("body"), payload.get("public", True)
    if not isinstance(body, str) or not body.strip():
        raise JiraApiError(400, ["The comment body must not be empty."])  # sim wording
    if not isinstance(public, bool):
        raise JiraApiError(400, ["'public' must be true or false."])  # sim wording
    with site().lock:
        issue = request_issue(site(), visible_issue(key))
        platform = {"body": body, "properties": [{"key": k, "value": v} for k, v in internal_properties(public).items()]}
        comment = extras.add_comment(site(), issue, g.caller, platform, adf=False)
        return jsonify(_dto(site().issues[issue.id], comment)), 201


@blueprint.get("/request/<key>/comment")
def list_request_comments(key: str) -> Response:
    wanted = {"public": _flag("public"), "internal": _flag("internal")}
    start = int_param(request.args.get("start"), "start", 0)
    limit = int_param(request.args.get("limit"), "limit", PAGE) or PAGE
    with site().lock:
        issue = request_issue(site(), visible_issue(key))
        setup = site().catalog.project(issue.project_key)
        if _customer(issue):
            wanted["internal"] = False
        chosen = [c for c in sorted(issue.comments, key=lambda c: (c.created, int(c.id)))
                  if wanted["public" if is_public(setup, c) else "internal"]]
        values = [_dto(issue, c) for c in chosen[start:start + limit]]
    base = request.url_root.rstrip("/")
    self_url = f"{base}/rest/servicedeskapi/request/{issue.id}/comment"
    links: dict[str, str] = {"base": base, "context": "", "self": self_url}
    if start + limit < len(chosen):
        links["next"] = f"{self_url}?start={start + limit}&limit={limit}"
    if start > 0:
        links["prev"] = f"{self_url}?start={max(start - limit, 0)}&limit={limit}"
    return jsonify({"_expands": [], "size": len(values), "start": start, "limit": limit,
                    "isLastPage": start + limit >= len(chosen), "_links": links, "values": values})


@blueprint.get("/request/<key>/comment/<comment_id>")
def get_request_comment(key: str, comment_id: str) -> Response:
    with site().lock:
        issue = request_issue(site(), visible_issue(key))
        comment = next((c for c in issue.comments if c.id == comment_id), None)
        hidden = comment is not None and _customer(issue) and not is_public(site().catalog.project(issue.project_key), comment)
        if comment is None or hidden:
            raise JiraApiError(404, [f"The comment {comment_id} does not exist on {issue.key}."])  # sim wording
        return jsonify(_dto(issue, comment))


def _flag(name: str) -> bool:
    value = request.args.get(name, "true").lower()
    if value not in ("true", "false"):
        raise JiraApiError(400, [f"'{name}' must be true or false."])  # sim wording
    return value == "true"

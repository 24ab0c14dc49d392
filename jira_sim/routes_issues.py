"""REST: issues (create, get, edit, assign, delete), their transitions, comments and properties.

Create takes ``update.issuelinks`` (see :mod:`extras`); the issue and its links are made
together or not at all. ``GET .../transitions?transitionId=X`` lists only that transition (none
when it is not available). Comments list in ``orderBy`` order (``created``, ``+created``,
``-created``; anything else is 400, as the OpenAPI description says), 50 a page by default and
at most 100; answers include each comment's ``properties`` (``[{"key", "value"}]``) only with
``expand=properties``. ``PUT /issue`` is :mod:`editing`'s; it, transitions and assignments write
the changelog (:mod:`changelog`); ``expand=changelog`` on an issue adds the recent histories,
``expand=transitions`` the transitions on offer (as the transitions resource lists them).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim import changelog, editing, extras
from jira_sim import issues as ops
from jira_sim.errors import JiraApiError
from jira_sim.model import Comment, Issue
from jira_sim.render import Ctx, comment_json, issue_json, resolution_json, select_fields, status_json, user_json
from jira_sim.routes_common import (
    API,
    ctx,
    field_list,
    int_param,
    issue_reference,
    json_body,
    property_map,
    site,
    split_list,
    visible_issue,
)
from jira_sim.site import RESOLUTIONS

blueprint = Blueprint("issues", __name__, url_prefix=API)
COMMENT_ORDERS = ("created", "+created", "-created")
COMMENT_PAGE = 50  # the OpenAPI description's default for maxResults
COMMENT_PAGE_CAP = 100  # a page may hold fewer than asked; the answer's maxResults says how many


@blueprint.post("/issue")
def create_issue(version: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = extras.create_with_links(site(), c.author, json_body(), c.adf, issue_reference)
    return jsonify({"id": str(issue.id), "key": issue.key, "self": f"{c.api}/issue/{issue.id}"}), 201


@blueprint.get("/issue/<key>")
def get_issue(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        document = issue_json(c, issue, select_fields(field_list(), "*all"))
        wanted = split_list(request.args.getlist("properties"))
        if wanted:
            document["properties"] = property_map(issue, wanted)
        expand = split_list(request.args.getlist("expand"))
        if "changelog" in expand:
            document["changelog"] = changelog.expanded(issue, lambda a: user_json(c, site().users.get(a)), c.time,
                                                       field_ids=site().deployment == "cloud")
        if "transitions" in expand or "transitions.fields" in expand:
            document["transitions"] = _transitions_json(c, issue, "transitions.fields" in expand)
    return jsonify(document)


@blueprint.put("/issue/<key>")
def edit_issue(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    flag = request.args.get("notifyUsers", "true")
    if flag not in ("true", "false"):
        raise JiraApiError(400, [f"The value '{flag}' is not valid for notifyUsers."])
    with site().lock:
        before = visible_issue(key)
        changelog.record(site(), before, editing.edit_issue(site(), before, json_body(), c.adf), c.author.account_id)
    return Response(status=204)


@blueprint.delete("/issue/<key>")
def delete_issue(version: str, key: str) -> ResponseReturnValue:
    with site().lock:
        site().remove(visible_issue(key))
    return Response(status=204)


@blueprint.put("/issue/<key>/assignee")
def assign(version: str, key: str) -> ResponseReturnValue:
    with site().lock:
        before = visible_issue(key)
        ops.assign_issue(site(), before, json_body())
        changelog.record(site(), before, site().issues[before.id], g.caller.account_id)
    return Response(status=204)


@blueprint.get("/issue/<key>/transitions")
def list_transitions(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with_fields = "transitions.fields" in request.args.get("expand", "")
    with site().lock:
        found = _transitions_json(c, visible_issue(key), with_fields, request.args.get("transitionId"))
    return jsonify({"expand": "transitions", "transitions": found})


def _transitions_json(c: Ctx, issue: Issue, with_fields: bool, wanted: str | None = None) -> list[dict[str, Any]]:
    """The transitions on offer from the issue's status, as ``GET .../transitions`` lists them and
    ``expand=transitions`` on ``GET /issue`` adds them (their screen fields with
    ``transitions.fields``)."""
    workflow = site().projects[issue.project_key].workflow
    found = []
    for transition in workflow.available_from(issue.status):
        if wanted is not None and transition.id != wanted:
            continue
        done = workflow.category_of(transition.target) == "done"
        entry = {"id": transition.id, "name": transition.name,
                 "to": status_json(c, transition.target, workflow.category_of(transition.target)),
                 "hasScreen": done, "isGlobal": not transition.sources, "isInitial": False,
                 "isAvailable": True, "isConditional": False, "isLooped": False}
        if with_fields:
            entry["fields"] = {"resolution": _resolution_field(c)} if done else {}
        found.append(entry)
    return found


def _resolution_field(c: Ctx) -> dict[str, Any]:
    return {"required": False, "schema": {"type": "resolution", "system": "resolution"}, "name": "Resolution",
            "key": "resolution", "operations": ["set"],
            "allowedValues": [resolution_json(c, name) for name in RESOLUTIONS]}


@blueprint.post("/issue/<key>/transitions")
def do_transition(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    body = json_body()
    with site().lock:
        issue = visible_issue(key)
        ops.transition_issue(site(), issue, body)
        changelog.record(site(), issue, site().issues[issue.id], c.author.account_id)
        for update in (body.get("update") or {}).get("comment", []):
            if "add" in update:
                extras.add_comment(site(), site().issues[issue.id], c.author, update["add"], c.adf)
    return Response(status=204)


@blueprint.get("/issue/<key>/comment")
def list_comments(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    start = int_param(request.args.get("startAt"), "startAt", 0)
    limit = min(int_param(request.args.get("maxResults"), "maxResults", COMMENT_PAGE), COMMENT_PAGE_CAP)
    order = request.args.get("orderBy", "created")
    if order not in COMMENT_ORDERS:
        raise JiraApiError(400, [f"The value '{order}' is not valid for orderBy: use created, +created or -created."])
    with site().lock:
        issue = visible_issue(key)
        ordered = sorted(issue.comments, key=lambda comment: (comment.created, int(comment.id)),
                         reverse=order == "-created")
        comments = [comment_json(c, issue, comment, _expand_properties()) for comment in ordered]
    return jsonify({"startAt": start, "maxResults": limit, "total": len(comments),
                    "comments": comments[start:start + limit]})


@blueprint.post("/issue/<key>/comment")
def add_comment(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        comment = extras.add_comment(site(), issue, c.author, json_body(), c.adf)
        return jsonify(comment_json(c, issue, comment, _expand_properties())), 201


@blueprint.get("/issue/<key>/comment/<comment_id>")
def get_comment(version: str, key: str, comment_id: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        return jsonify(comment_json(c, issue, _comment(issue, comment_id), _expand_properties()))


@blueprint.put("/issue/<key>/comment/<comment_id>")
def edit_comment(version: str, key: str, comment_id: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        comment = extras.edit_comment(site(), issue, _comment(issue, comment_id), json_body(), c.adf, c.author)
        return jsonify(comment_json(c, site().issues[issue.id], comment, _expand_properties()))


@blueprint.delete("/issue/<key>/comment/<comment_id>")
def delete_comment(version: str, key: str, comment_id: str) -> ResponseReturnValue:
    with site().lock:
        issue = visible_issue(key)
        extras.delete_comment(site(), issue, _comment(issue, comment_id))
    return Response(status=204)


def _expand_properties() -> bool:
    return "properties" in split_list(request.args.getlist("expand"))


def _comment(issue: Issue, comment_id: str) -> Comment:
    found = next((c for c in issue.comments if c.id == comment_id), None)
    if found is None:
        raise JiraApiError(404, [f"Can not find a comment for the id: {comment_id}."])
    return found


@blueprint.get("/issue/<key>/properties")
def list_properties(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        keys = [{"self": f"{c.api}/issue/{issue.id}/properties/{k}", "key": k} for k in issue.properties]
    return jsonify({"keys": keys})


@blueprint.get("/issue/<key>/properties/<prop>")
def get_property(version: str, key: str, prop: str) -> ResponseReturnValue:
    with site().lock:
        issue = visible_issue(key)
        if prop not in issue.properties:
            raise JiraApiError(404, [f"The property with key '{prop}' does not exist."])
        return jsonify({"key": prop, "value": issue.properties[prop]})


@blueprint.put("/issue/<key>/properties/<prop>")
def put_property(version: str, key: str, prop: str) -> ResponseReturnValue:
    value = request.get_json(silent=True)
    if value is None and request.get_data().strip() != b"null":
        raise JiraApiError(400, ["The property value must be valid JSON."])
    with site().lock:
        created = extras.set_property(site(), visible_issue(key), prop, value)
    return Response(status=201 if created else 200)


@blueprint.delete("/issue/<key>/properties/<prop>")
def delete_property(version: str, key: str, prop: str) -> ResponseReturnValue:
    with site().lock:
        extras.delete_property(site(), visible_issue(key), prop)
    return Response(status=204)

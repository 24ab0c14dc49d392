"""REST: issues (create, get, edit, delete) and their transitions.

Create takes ``update.issuelinks`` (see :mod:`links_at_create`); the issue and its links are
made together or not at all.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.simulator import issues as ops
from app.simulator.extras import add_comment
from app.simulator.links_at_create import create_with_links
from app.simulator.render import issue_json, resolution_json, select_fields, status_json
from app.simulator.routes_common import (
    API,
    ctx,
    field_list,
    issue_reference,
    json_body,
    property_map,
    site,
    split_list,
    visible_issue,
)
from app.simulator.site import RESOLUTIONS

blueprint = Blueprint("issues", __name__, url_prefix=API)


@blueprint.post("/issue")
def create_issue(version: str):
    c = ctx(version)
    with site().lock:
        issue = create_with_links(site(), c.caller, json_body(), c.adf, issue_reference)
    return jsonify({"id": str(issue.id), "key": issue.key, "self": f"{c.api}/issue/{issue.id}"}), 201


@blueprint.get("/issue/<key>")
def get_issue(version: str, key: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        document = issue_json(c, issue, select_fields(field_list(), "*all"))
        wanted = split_list(request.args.getlist("properties"))
        if wanted:
            document["properties"] = property_map(issue, wanted)
    return jsonify(document)


@blueprint.put("/issue/<key>")
def edit_issue(version: str, key: str):
    c = ctx(version)
    with site().lock:
        ops.edit_issue(site(), visible_issue(key), json_body(), c.adf)
    return Response(status=204)


@blueprint.delete("/issue/<key>")
def delete_issue(version: str, key: str):
    with site().lock:
        site().remove(visible_issue(key))
    return Response(status=204)


@blueprint.get("/issue/<key>/transitions")
def list_transitions(version: str, key: str):
    c = ctx(version)
    with_fields = "transitions.fields" in request.args.get("expand", "")
    with site().lock:
        issue = visible_issue(key)
        workflow = site().projects[issue.project_key].workflow
        found = []
        for transition in workflow.available_from(issue.status):
            done = workflow.category_of(transition.target) == "done"
            entry = {"id": transition.id, "name": transition.name,
                     "to": status_json(c, transition.target, workflow.category_of(transition.target)),
                     "hasScreen": done, "isGlobal": not transition.sources, "isInitial": False,
                     "isAvailable": True, "isConditional": False, "isLooped": False}
            if with_fields:
                entry["fields"] = {"resolution": _resolution_field(c)} if done else {}
            found.append(entry)
    return jsonify({"expand": "transitions", "transitions": found})


def _resolution_field(c) -> dict:
    return {"required": False, "schema": {"type": "resolution", "system": "resolution"}, "name": "Resolution",
            "key": "resolution", "operations": ["set"],
            "allowedValues": [resolution_json(c, name) for name in RESOLUTIONS]}


@blueprint.post("/issue/<key>/transitions")
def do_transition(version: str, key: str):
    c = ctx(version)
    body = json_body()
    with site().lock:
        issue = visible_issue(key)
        ops.transition_issue(site(), issue, body)
        for update in (body.get("update") or {}).get("comment", []):
            if "add" in update:
                add_comment(site(), site().issues[issue.id], c.caller, update["add"], c.adf)
    return Response(status=204)

"""REST: issue links and link types."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.simulator import extras
from app.simulator.errors import JiraApiError
from app.simulator.render import issue_ref, link_type_json
from app.simulator.routes_common import API, ctx, issue_reference, json_body, site, visible_issue

blueprint = Blueprint("links", __name__, url_prefix=API)


@blueprint.post("/issueLink")
def create_link(version: str):
    c = ctx(version)
    with site().lock:
        extras.link_issues(site(), c.caller, json_body(), c.adf, issue_reference)
    return Response(status=201)


@blueprint.get("/issueLink/<link_id>")
def get_link(version: str, link_id: str):
    c = ctx(version)
    with site().lock:
        link = site().links.get(link_id)
        if link is None:
            raise JiraApiError(404, [f"No issue link with id '{link_id}' exists."])
        return jsonify({"id": link.id, "self": f"{c.api}/issueLink/{link.id}",
                        "type": link_type_json(c, site().link_types[link.type_id]),
                        "inwardIssue": issue_ref(c, visible_issue(str(link.inward_issue_id))),
                        "outwardIssue": issue_ref(c, visible_issue(str(link.outward_issue_id)))})


@blueprint.delete("/issueLink/<link_id>")
def delete_link(version: str, link_id: str):
    with site().lock:
        link = site().links.pop(link_id, None)
        if link is None:
            raise JiraApiError(404, [f"No issue link with id '{link_id}' exists."])
        for issue_id in (link.inward_issue_id, link.outward_issue_id):
            if issue_id in site().issues:
                site().save(site().issues[issue_id])
    return Response(status=204)


@blueprint.get("/issueLinkType")
def link_types(version: str):
    c = ctx(version)
    return jsonify({"issueLinkTypes": [link_type_json(c, t) for t in site().link_types.values()]})

"""REST: issue links, link types and an issue's remote links."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim import extras
from jira_sim.errors import JiraApiError
from jira_sim.render import issue_ref, link_type_json, remote_link_json
from jira_sim.routes_common import API, ctx, issue_reference, json_body, site, visible_issue

blueprint = Blueprint("links", __name__, url_prefix=API)


@blueprint.post("/issueLink")
def create_link(version: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        extras.link_issues(site(), c.author, json_body(), c.adf, issue_reference)
    return Response(status=201)


@blueprint.get("/issueLink/<link_id>")
def get_link(version: str, link_id: str) -> ResponseReturnValue:
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
def delete_link(version: str, link_id: str) -> ResponseReturnValue:
    with site().lock:
        link = site().links.pop(link_id, None)
        if link is None:
            raise JiraApiError(404, [f"No issue link with id '{link_id}' exists."])
        for issue_id in (link.inward_issue_id, link.outward_issue_id):
            if issue_id in site().issues:
                site().save(site().issues[issue_id])
    return Response(status=204)


@blueprint.get("/issueLinkType")
def link_types(version: str) -> ResponseReturnValue:
    c = ctx(version)
    return jsonify({"issueLinkTypes": [link_type_json(c, t) for t in site().link_types.values()]})


@blueprint.get("/issue/<key>/remotelink")
def list_remote_links(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    global_id = request.args.get("globalId")
    with site().lock:
        issue = visible_issue(key)
        links = [remote_link_json(c, issue, link) for link in issue.remote_links]
    if global_id is not None:
        match = next((link for link in links if link.get("globalId") == global_id), None)
        if match is None:
            raise JiraApiError(404, ["No remote link with the given globalId exists."])
        return jsonify(match)
    return jsonify(links)


@blueprint.post("/issue/<key>/remotelink")
def put_remote_link(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        link, created = extras.put_remote_link(site(), issue, json_body())
    return jsonify({"id": link.id, "self": f"{c.api}/issue/{issue.key}/remotelink/{link.id}"}), 201 if created else 200


@blueprint.delete("/issue/<key>/remotelink/<link_id>")
def delete_remote_link(version: str, key: str, link_id: str) -> ResponseReturnValue:
    with site().lock:
        extras.delete_remote_link(site(), visible_issue(key), link_id)
    return Response(status=204)

"""REST: comments, issue properties and remote links of one issue.

Comment answers include each comment's ``properties`` (``[{"key", "value"}]``) only with
``expand=properties``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.simulator import extras
from app.simulator.errors import JiraApiError
from app.simulator.render import comment_json, remote_link_json
from app.simulator.routes_common import API, ctx, int_param, json_body, site, split_list, visible_issue

blueprint = Blueprint("extras", __name__, url_prefix=API)


@blueprint.get("/issue/<key>/comment")
def list_comments(version: str, key: str):
    c = ctx(version)
    start = int_param(request.args.get("startAt"), "startAt", 0)
    limit = min(int_param(request.args.get("maxResults"), "maxResults", 5000), 5000)
    with site().lock:
        issue = visible_issue(key)
        comments = [comment_json(c, issue, comment, _expand_properties()) for comment in issue.comments]
    return jsonify({"startAt": start, "maxResults": limit, "total": len(comments),
                    "comments": comments[start:start + limit]})


@blueprint.post("/issue/<key>/comment")
def add_comment(version: str, key: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        comment = extras.add_comment(site(), issue, c.caller, json_body(), c.adf)
        return jsonify(comment_json(c, issue, comment, _expand_properties())), 201


@blueprint.get("/issue/<key>/comment/<comment_id>")
def get_comment(version: str, key: str, comment_id: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        return jsonify(comment_json(c, issue, _comment(issue, comment_id), _expand_properties()))


@blueprint.put("/issue/<key>/comment/<comment_id>")
def edit_comment(version: str, key: str, comment_id: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        comment = extras.edit_comment(site(), issue, _comment(issue, comment_id), json_body(), c.adf)
        return jsonify(comment_json(c, site().issues[issue.id], comment, _expand_properties()))


@blueprint.delete("/issue/<key>/comment/<comment_id>")
def delete_comment(version: str, key: str, comment_id: str):
    with site().lock:
        issue = visible_issue(key)
        extras.delete_comment(site(), issue, _comment(issue, comment_id))
    return Response(status=204)


def _expand_properties() -> bool:
    return "properties" in split_list(request.args.getlist("expand"))


def _comment(issue, comment_id: str):
    found = next((c for c in issue.comments if c.id == comment_id), None)
    if found is None:
        raise JiraApiError(404, [f"Can not find a comment for the id: {comment_id}."])
    return found


@blueprint.get("/issue/<key>/properties")
def list_properties(version: str, key: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        keys = [{"self": f"{c.api}/issue/{issue.id}/properties/{k}", "key": k} for k in issue.properties]
    return jsonify({"keys": keys})


@blueprint.get("/issue/<key>/properties/<prop>")
def get_property(version: str, key: str, prop: str):
    with site().lock:
        issue = visible_issue(key)
        if prop not in issue.properties:
            raise JiraApiError(404, [f"The property with key '{prop}' does not exist."])
        return jsonify({"key": prop, "value": issue.properties[prop]})


@blueprint.put("/issue/<key>/properties/<prop>")
def put_property(version: str, key: str, prop: str):
    value = request.get_json(silent=True)
    if value is None and request.get_data().strip() != b"null":
        raise JiraApiError(400, ["The property value must be valid JSON."])
    with site().lock:
        created = extras.set_property(site(), visible_issue(key), prop, value)
    return Response(status=201 if created else 200)


@blueprint.delete("/issue/<key>/properties/<prop>")
def delete_property(version: str, key: str, prop: str):
    with site().lock:
        extras.delete_property(site(), visible_issue(key), prop)
    return Response(status=204)


@blueprint.get("/issue/<key>/remotelink")
def list_remote_links(version: str, key: str):
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
def put_remote_link(version: str, key: str):
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        link, created = extras.put_remote_link(site(), issue, json_body())
    return jsonify({"id": link.id, "self": f"{c.api}/issue/{issue.key}/remotelink/{link.id}"}), 201 if created else 200


@blueprint.delete("/issue/<key>/remotelink/<link_id>")
def delete_remote_link(version: str, key: str, link_id: str):
    with site().lock:
        extras.delete_remote_link(site(), visible_issue(key), link_id)
    return Response(status=204)

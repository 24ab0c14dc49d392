"""REST: who am I, the server, projects and their statuses, and the site's catalogues
(fields, issue types, priorities, resolutions, statuses)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim.errors import JiraApiError
from jira_sim.render import ALL_FIELDS, NOT_NAVIGABLE, Ctx, project_ref, resolution_json, status_json, user_json
from jira_sim.render_fields import field_entries
from jira_sim.routes_common import API, ctx, int_param, site, visible_project
from jira_sim.site import ISSUE_TYPES, PRIORITIES, RESOLUTIONS

blueprint = Blueprint("meta", __name__, url_prefix=API)
session_blueprint = Blueprint("session", __name__)

SERVER_VERSIONS = {"cloud": ("1001.0.0-SNAPSHOT", [1001, 0, 0], "Cloud"), "datacenter": ("9.12.15", [9, 12, 15], "Server")}
FIELD_NAMES = {"summary": "Summary", "description": "Description", "status": "Status", "issuetype": "Issue Type",
               "priority": "Priority", "project": "Project", "created": "Created", "updated": "Updated",
               "resolution": "Resolution", "resolutiondate": "Resolved", "labels": "Labels", "reporter": "Reporter",
               "creator": "Creator", "assignee": "Assignee", "statuscategorychangedate": "Status Category Changed",
               "issuelinks": "Linked Issues", "attachment": "Attachment", "comment": "Comment"}
FIELD_TYPES = {"summary": {"type": "string"}, "description": {"type": "string"}, "status": {"type": "status"},
               "issuetype": {"type": "issuetype"}, "priority": {"type": "priority"}, "project": {"type": "project"},
               "created": {"type": "datetime"}, "updated": {"type": "datetime"}, "resolution": {"type": "resolution"},
               "resolutiondate": {"type": "datetime"}, "labels": {"type": "array", "items": "string"},
               "reporter": {"type": "user"}, "creator": {"type": "user"}, "assignee": {"type": "user"},
               "statuscategorychangedate": {"type": "datetime"}, "issuelinks": {"type": "array", "items": "issuelinks"},
               "attachment": {"type": "array", "items": "attachment"}, "comment": {"type": "comments-page"}}


@blueprint.get("/myself")
def myself(version: str) -> ResponseReturnValue:
    c = ctx(version)
    document = user_json(c, c.author)
    document.update({"locale": "en_US", "groups": {"size": 1, "items": []},
                     "applicationRoles": {"size": 1, "items": []}, "expand": "groups,applicationRoles"})
    return jsonify(document)


@session_blueprint.get("/rest/auth/1/session")
def current_session() -> ResponseReturnValue:
    """The caller's login session, as the ``jira`` package's ``validate=True`` reads it."""
    c = ctx("2")
    name = c.author.account_id
    return jsonify({"self": user_json(c, c.author)["self"], "name": name, "loginInfo": {"loginCount": 1}})


@blueprint.get("/user")
def get_user(version: str) -> ResponseReturnValue:
    c = ctx(version)
    wanted = request.args.get("accountId") or request.args.get("username") or request.args.get("key")
    user = site().users.get(wanted or "")
    if user is None:
        raise JiraApiError(404, [f"The user with the identifier '{wanted}' does not exist."])
    return jsonify(user_json(c, user))


@blueprint.get("/serverInfo")
def server_info(version: str) -> ResponseReturnValue:
    c = ctx(version)
    name, numbers, deployment = SERVER_VERSIONS[site().deployment]
    return jsonify({"baseUrl": site().site_url or c.base_url, "version": name, "versionNumbers": numbers,
                    "deploymentType": deployment, "buildNumber": 100300, "buildDate": "2026-11-01T00:00:00.000+0000",
                    "serverTime": c.time(site().now()), "scmInfo": "simulated", "serverTitle": "Jira (simulated)"})


@blueprint.get("/project")
def list_projects(version: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        return jsonify([project_ref(c, p) for p in site().projects.values() if g.caller.can_see(p.key)])


@blueprint.get("/project/search")
def search_projects(version: str) -> ResponseReturnValue:
    """Cloud's paginated project list (``startAt``, ``maxResults``, ``keys``, ``query``); Data Center has none."""
    if site().deployment != "cloud":
        return get_project(version, "search")
    c = ctx(version)
    start = int_param(request.args.get("startAt"), "startAt", 0)
    limit = min(int_param(request.args.get("maxResults"), "maxResults", 50), 100)
    keys, query = request.args.getlist("keys"), request.args.get("query", "").lower()
    with site().lock:
        found = [p for p in site().projects.values() if g.caller.can_see(p.key) and (not keys or p.key in keys)
                 and (query in p.key.lower() or query in p.name.lower())]
        page = {"self": f"{c.api}/project/search?startAt={start}&maxResults={limit}", "maxResults": limit,
                "startAt": start, "total": len(found), "isLast": start + limit >= len(found),
                "values": [project_ref(c, p) for p in found[start:start + limit]]}
    if not page["isLast"]:
        page["nextPage"] = f"{c.api}/project/search?startAt={start + limit}&maxResults={limit}"
    return jsonify(page)


@blueprint.get("/project/<key>")
def get_project(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        project = visible_project(key)
        document = project_ref(c, project)
        document.update({"expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                         "description": "", "lead": user_json(c, site().users.get(project.lead or "")),
                         "issueTypes": [_issue_type(c, name) for name in project.issue_types],
                         "assigneeType": "UNASSIGNED", "style": "classic", "isPrivate": False, "properties": {}})
        return jsonify(document)


@blueprint.get("/project/<key>/statuses")
def project_statuses(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        project = visible_project(key)
        statuses = [status_json(c, name, category) for name, category in project.workflow.statuses]
        return jsonify([{**_issue_type(c, name), "statuses": statuses} for name in project.issue_types])


def _issue_type(c: Ctx, name: str) -> dict[str, Any]:
    return {"self": f"{c.api}/issuetype/{ISSUE_TYPES[name]}", "id": ISSUE_TYPES[name], "name": name,
            "description": "", "subtask": name == "Sub-task"}


@blueprint.get("/issuetype")
def issue_types(version: str) -> ResponseReturnValue:
    c = ctx(version)
    return jsonify([_issue_type(c, name) for name in ISSUE_TYPES])


@blueprint.get("/priority")
def priorities(version: str) -> ResponseReturnValue:
    c = ctx(version)
    return jsonify([{"self": f"{c.api}/priority/{i}", "id": i, "name": n} for n, i in PRIORITIES.items()])


@blueprint.get("/resolution")
def resolutions(version: str) -> ResponseReturnValue:
    c = ctx(version)
    return jsonify([resolution_json(c, name) for name in RESOLUTIONS])


@blueprint.get("/status")
def statuses(version: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        seen: dict[str, dict[str, Any]] = {}
        for project in site().projects.values():
            for name, category in project.workflow.statuses:
                seen.setdefault(name, status_json(c, name, category))
        return jsonify(list(seen.values()))


@blueprint.get("/field")
def fields(version: str) -> ResponseReturnValue:
    """The system fields as Jira lists them: ``schema.type`` (``items`` for arrays) and ``schema.system``."""
    issue_key = {"id": "issuekey", "key": "issuekey", "name": "Key", "custom": False, "orderable": False,
                 "navigable": True, "searchable": False, "clauseNames": ["id", "issue", "issuekey", "key"]}
    return jsonify([issue_key] + [
        {"id": name, "key": name, "name": FIELD_NAMES[name], "custom": False, "orderable": True,
         "navigable": name not in NOT_NAVIGABLE, "searchable": True, "clauseNames": [name],
         "schema": {**FIELD_TYPES[name], "system": name}}
        for name in ALL_FIELDS
    ] + field_entries(site()))

"""REST: edit and create metadata, and changelogs.

- ``GET /issue/{key}/editmeta``: ``{"fields": {id: FieldMetadata}}`` for the fields on the
  project's edit screen (see :mod:`editing`).
- ``GET /issue/createmeta/{project}/issuetypes`` and ``.../issuetypes/{issueTypeId}``: the paged
  create metadata (Cloud: ``issueTypes`` / ``fields``; Data Center: ``values`` with ``isLast``);
  each field also carries ``fieldId``. An unknown project or an issue type not in it is 404.
- ``GET /issue/createmeta?projectKeys=..&expand=projects.issuetypes.fields``: the older form (Cloud
  only: Data Center 9 removed it), every visible project and issue type unless narrowed
  (``projectKeys``, ``projectIds``, ``issuetypeIds``, ``issuetypeNames``); invalid names are left
  out, not errors.
- ``GET /issue/{key}/changelog`` (Cloud only; Data Center answers 404): histories oldest first,
  paged ``startAt``/``maxResults``/``total``/``isLast``/``values``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from jira_sim import changelog, editing
from jira_sim.editmeta import field_metadata, issue_type_id
from jira_sim.errors import JiraApiError
from jira_sim.model import Project
from jira_sim.render import Ctx, project_ref, user_json
from jira_sim.routes_common import API, ctx, int_param, site, split_list, visible_issue, visible_project
from jira_sim.routes_meta import _issue_type as issue_type_json
from jira_sim.site import ISSUE_TYPES

blueprint = Blueprint("fields", __name__, url_prefix=API)
CREATEMETA_PAGE = 50


def _metadata(c: Ctx, project: Project, field_id: str, creating: bool) -> dict[str, Any]:
    return field_metadata(site(), c.api, project, field_id, creating, lambda p: project_ref(c, p),
                          lambda name: issue_type_json(c, name))


@blueprint.get("/issue/<key>/editmeta")
def editmeta(version: str, key: str) -> Response:
    c = ctx(version)
    with site().lock:
        issue = visible_issue(key)
        project = site().projects[issue.project_key]
        fields = {f: _metadata(c, project, f, False) for f in editing.edit_screen(site(), project.key)}
    return jsonify({"fields": fields})


@blueprint.get("/issue/createmeta/<project_key>/issuetypes")
def createmeta_issue_types(version: str, project_key: str) -> Response:
    c = ctx(version)
    start, limit = _paging()
    with site().lock:
        project = visible_project(project_key)
        types = [issue_type_json(c, name) for name in project.issue_types]
    return jsonify(_page(types, start, limit, "issueTypes"))


@blueprint.get("/issue/createmeta/<project_key>/issuetypes/<issue_type>")
def createmeta_fields(version: str, project_key: str, issue_type: str) -> Response:
    c = ctx(version)
    start, limit = _paging()
    with site().lock:
        project = visible_project(project_key)
        if issue_type_id(project, issue_type) is None:
            raise JiraApiError(404, [f"Issue type with id '{issue_type}' does not exist in project '{project.key}'."])  # sim wording
        fields = [{**_metadata(c, project, f, True), "fieldId": f} for f in editing.create_screen(site(), project.key)]
    return jsonify(_page(fields, start, limit, "fields"))


@blueprint.get("/issue/createmeta")
def createmeta_projects(version: str) -> Response:
    if site().deployment != "cloud":  # removed in Jira Data Center 9.0
        raise JiraApiError(404, ["null for uri: " + request.url])
    c = ctx(version)
    keys = {k.upper() for k in split_list(request.args.getlist("projectKeys"))}
    ids = set(split_list(request.args.getlist("projectIds")))
    type_ids = set(split_list(request.args.getlist("issuetypeIds")))
    type_names = set(split_list(request.args.getlist("issuetypeNames")))
    with_fields = "projects.issuetypes.fields" in split_list(request.args.getlist("expand"))
    found = []
    with site().lock:
        for project in site().projects.values():
            if not g.caller.can_see(project.key) or ((keys or ids) and project.key not in keys and project.id not in ids):
                continue
            types = []
            for name in project.issue_types:
                if (type_ids or type_names) and ISSUE_TYPES[name] not in type_ids and name not in type_names:
                    continue
                entry: dict[str, Any] = {**issue_type_json(c, name), "expand": "fields"}
                if with_fields:
                    entry["fields"] = {f: _metadata(c, project, f, True) for f in editing.create_screen(site(), project.key)}
                types.append(entry)
            reference = project_ref(c, project)
            found.append({"expand": "issuetypes", "self": reference["self"], "id": project.id, "key": project.key,
                          "name": project.name, "issuetypes": types})
    return jsonify({"expand": "projects", "projects": found})


@blueprint.get("/issue/<key>/changelog")
def list_changelog(version: str, key: str) -> Response:
    if site().deployment != "cloud":
        raise JiraApiError(404, ["null for uri: " + request.url])
    c = ctx(version)
    start = int_param(request.args.get("startAt"), "startAt", 0)
    limit = min(int_param(request.args.get("maxResults"), "maxResults", changelog.PAGE_CAP), changelog.PAGE_CAP)
    with site().lock:
        issue = visible_issue(key)
        histories, total = changelog.page(issue, start, limit)
        entries = [changelog.history_json(h, lambda a: user_json(c, site().users.get(a)), c.time) for h in histories]
    base = f"{c.api}/issue/{issue.key}/changelog"
    document: dict[str, Any] = {"self": f"{base}?startAt={start}&maxResults={limit}", "maxResults": limit,
                                "startAt": start, "total": total, "isLast": start + limit >= total, "values": entries}
    if not document["isLast"]:
        document["nextPage"] = f"{base}?startAt={start + limit}&maxResults={limit}"
    return jsonify(document)


def _paging() -> tuple[int, int]:
    start = int_param(request.args.get("startAt"), "startAt", 0)
    return start, min(int_param(request.args.get("maxResults"), "maxResults", CREATEMETA_PAGE), 200)


def _page(items: list[dict[str, Any]], start: int, limit: int, cloud_name: str) -> dict[str, Any]:
    chosen = items[start:start + limit]
    if site().deployment == "cloud":
        return {"maxResults": limit, "startAt": start, "total": len(items), cloud_name: chosen}
    return {"maxResults": limit, "startAt": start, "total": len(items), "isLast": start + limit >= len(items),
            "values": chosen}

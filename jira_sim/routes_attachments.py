"""REST: attachments — multipart upload (XSRF header required), metadata, content, delete."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, jsonify, request

from jira_sim import extras
from jira_sim.errors import JiraApiError
from jira_sim.render import attachment_json
from jira_sim.routes_common import API, ctx, site, visible_issue

blueprint = Blueprint("attachments", __name__, url_prefix=API)


@blueprint.post("/issue/<key>/attachments")
def add_attachments(version: str, key: str):
    c = ctx(version)
    if request.headers.get("X-Atlassian-Token", "").lower() not in ("no-check", "nocheck"):
        raise JiraApiError(403, ["XSRF check failed"])
    files = request.files.getlist("file")
    if not files:
        raise JiraApiError(400, ["No attachment was found in the request: send multipart/form-data with a 'file' part."])
    with site().lock:
        issue = visible_issue(key)
        added = [extras.add_attachment(site(), site().issues[issue.id], c.caller, f.filename or "attachment",
                                       f.read(), f.mimetype) for f in files]
        return jsonify([attachment_json(c, a) for a in added])


@blueprint.get("/attachment/<attachment_id>")
def get_attachment(version: str, attachment_id: str):
    c = ctx(version)
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        return jsonify(attachment_json(c, attachment))


@blueprint.delete("/attachment/<attachment_id>")
def delete_attachment(version: str, attachment_id: str):
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        site().save(replace(issue, attachments=tuple(a for a in issue.attachments if a.id != attachment_id)))
        site().attachment_content.pop(attachment_id, None)
    return Response(status=204)


@blueprint.get("/attachment/content/<attachment_id>")
def attachment_content(version: str, attachment_id: str):
    return download(attachment_id)


def download(attachment_id: str) -> Response:
    """The attachment's bytes (Data Center serves them under ``/secure/attachment/{id}/{name}``)."""
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        content = site().attachment_content[attachment_id]
    return Response(content, mimetype=attachment.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'})


def _visible_attachment(attachment_id: str):
    found = site().attachment(attachment_id)
    if found is None:
        raise JiraApiError(404, [f"The attachment with id '{attachment_id}' does not exist"])
    visible_issue(str(found[0].id))
    return found

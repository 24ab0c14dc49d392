"""REST: attachments — multipart upload (XSRF header required; a file over the ``max_bytes`` knob
answers 413 as Jira does), metadata, content, delete — and Cloud's media host.

Cloud answers ``GET .../attachment/content/{id}`` with 303 to a URL on its media host (another
host:port, :func:`create_media_app`), signed and expiring ``media_url_seconds`` after it was
issued, which serves the bytes without ``Authorization``; ``redirect=false`` serves them
directly, as the OpenAPI description says. Data Center always serves them directly. The media
host logs each request (with the names of the headers it received) in ``site.media_requests``
and in the request log (template ``/file/{attachmentId}/binary``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from jira_sim import extras
from jira_sim.errors import JiraApiError
from jira_sim.formats import format_jira
from jira_sim.model import Attachment, Issue
from jira_sim.render import attachment_json
from jira_sim.routes_common import API, ctx, site, visible_issue
from jira_sim.site import Site

blueprint = Blueprint("attachments", __name__, url_prefix=API)


@blueprint.post("/issue/<key>/attachments")
def add_attachments(version: str, key: str) -> ResponseReturnValue:
    c = ctx(version)
    if request.headers.get("X-Atlassian-Token", "").lower() not in ("no-check", "nocheck"):
        raise JiraApiError(403, ["XSRF check failed"])
    files = request.files.getlist("file")
    if not files:
        raise JiraApiError(400, ["No attachment was found in the request: send multipart/form-data with a 'file' part."])
    uploads = [(f.filename or "attachment", f.read(), f.mimetype) for f in files]
    with site().lock:
        issue = visible_issue(key)
        limit = site().knobs.attachments.max_bytes
        if limit and any(len(content) > limit for _, content, _ in uploads):
            raise JiraApiError(413, [f"The field file exceeds its maximum permitted size of {limit} bytes."])
        added = [extras.add_attachment(site(), site().issues[issue.id], c.author, name, content, mime)
                 for name, content, mime in uploads]
        return jsonify([attachment_json(c, a) for a in added])


@blueprint.get("/attachment/<attachment_id>")
def get_attachment(version: str, attachment_id: str) -> ResponseReturnValue:
    c = ctx(version)
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        return jsonify(attachment_json(c, attachment))


@blueprint.delete("/attachment/<attachment_id>")
def delete_attachment(version: str, attachment_id: str) -> ResponseReturnValue:
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        site().save(replace(issue, attachments=tuple(a for a in issue.attachments if a.id != attachment_id)))
        site().attachment_content.pop(attachment_id, None)
    return Response(status=204)


@blueprint.get("/attachment/content/<attachment_id>")
def attachment_content(version: str, attachment_id: str) -> ResponseReturnValue:
    if site().deployment == "cloud" and site().media_url and request.args.get("redirect", "").lower() != "false":
        with site().lock:
            _visible_attachment(attachment_id)
            return redirect(media_location(site(), attachment_id), code=303)
    return download(attachment_id)


def download(attachment_id: str) -> Response:
    """The attachment's bytes (Data Center serves them under ``/secure/attachment/{id}/{name}``)."""
    with site().lock:
        issue, attachment = _visible_attachment(attachment_id)
        content = site().attachment_content[attachment_id]
    return Response(content, mimetype=attachment.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'})


def _visible_attachment(attachment_id: str) -> tuple[Issue, Attachment]:
    found = site().attachment(attachment_id)
    if found is None:
        raise JiraApiError(404, [f"The attachment with id '{attachment_id}' does not exist"])
    visible_issue(str(found[0].id))
    return found


def media_location(site: Site, attachment_id: str) -> str:
    """A signed URL on the media host for the attachment's bytes, expiring on the site's clock."""
    expires = int((site.now() + timedelta(seconds=site.knobs.attachments.media_url_seconds)).timestamp())
    query = urlencode({"expires": expires, "token": _signature(site, attachment_id, str(expires))})
    return f"{site.media_url}/file/{attachment_id}/binary?{query}"


def _signature(site: Site, attachment_id: str, expires: str) -> str:
    return hmac.new(site.media_secret, f"{attachment_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def create_media_app(site: Site) -> Flask:
    """Cloud's media host: attachment bytes for a valid, unexpired signature; no credentials asked."""
    media = Flask("jira_sim.media")

    @media.get("/file/<attachment_id>/binary")
    def binary(attachment_id: str) -> ResponseReturnValue:
        expires = request.args.get("expires", "")
        with site.lock:
            signed = hmac.compare_digest(request.args.get("token", ""), _signature(site, attachment_id, expires))
            if not signed:
                return jsonify({"error": "The token is not valid for this file."}), 403
            if not expires.isdigit() or int(expires) < site.now().timestamp():
                return jsonify({"error": "The token has expired."}), 403
            found = site.attachment(attachment_id)
            if found is None:
                return jsonify({"error": "The file does not exist."}), 404
            attachment, content = found[1], site.attachment_content[attachment_id]
        return Response(content, mimetype=attachment.mime_type,
                        headers={"Content-Disposition": f'attachment; filename="{attachment.filename}"'})

    @media.after_request
    def record(response: Response) -> Response:
        with site.lock:
            site.media_requests.append({"path": request.path, "status": response.status_code,
                                        "headers": sorted(name.lower() for name, _value in request.headers)})
        site.request_log.record(request.method, request.path, "/file/{attachmentId}/binary", response.status_code,
                                format_jira(site.now(), "UTC"))
        return response

    return media


"""Things hanging off an issue: comments, issue links, remote links, properties, attachments.

Links at create (``update.issuelinks`` of the create payload): Jira makes the issue and its
links in one step, so every link is checked before the issue exists: an unknown link type or
issue, or an ``update`` entry this simulator does not model, answers 400 (``errors.issuelinks``
or the field's name) and creates nothing. The links are then made by :func:`link_issues`,
exactly as ``POST /issueLink`` makes them: an ``outwardIssue`` reference makes the new issue the
inward side, and vice versa.

Comments carry entity properties (``{key: value}``) as Jira's Comment bean does; editing a
comment sets the properties it names and keeps the others.

Call with ``site.lock`` held. Each write bumps the issue's ``updated`` as Jira does (except
issue properties, which Jira does not count as an issue update); whether a comment's addition,
edit or deletion does is the site's :class:`~jira_sim.catalog.CommentTouch` (by default only
the addition: docs/JIRA-BEHAVIOUR.md says why).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from jira_sim.editing import fields_at_create
from jira_sim.errors import JiraApiError, field_errors
from jira_sim.issues import ADF_REQUIRED, create_issue, entity_properties, stored_text
from jira_sim.model import Attachment, Comment, Issue, IssueLink, LinkType, RemoteLink, User
from jira_sim.servicedesk import checked_visibility
from jira_sim.site import Site

SIDES = ("inwardIssue", "outwardIssue")
Resolve = Callable[[dict[str, Any]], Issue]  # an issue reference to its issue, or 404/403


def add_comment(site: Site, issue: Issue, caller: User, payload: dict[str, Any], adf: bool) -> Comment:
    body = payload.get("body")
    if body is None or (isinstance(body, str) and not body.strip()):
        raise field_errors(comment="Comment body can not be empty!")
    if adf and isinstance(body, str):
        raise field_errors(comment=ADF_REQUIRED)
    text = stored_text(body, adf, "comment")
    properties = entity_properties(payload.get("properties"))
    visibility = checked_visibility(site, issue.project_key, payload.get("visibility"))
    now = site.now()
    comment = Comment(str(site.next_id("comment")), caller.account_id, text, now, now, properties, visibility)
    site.save(replace(issue, comments=(*issue.comments, comment)), touch=site.catalog.comment_touch.add)
    return comment


def edit_comment(site: Site, issue: Issue, comment: Comment, payload: dict[str, Any], adf: bool, caller: User) -> Comment:
    """A ``visibility`` in the request replaces the comment's (``null`` lifts it); without one it stays."""
    body = payload.get("body")
    if body is None or (adf and isinstance(body, str)):
        raise field_errors(comment=ADF_REQUIRED if adf else "Comment body can not be empty!")
    properties = {**comment.properties, **entity_properties(payload.get("properties"))}
    visibility = (checked_visibility(site, issue.project_key, payload["visibility"]) if "visibility" in payload
                  else comment.visibility)
    edited = replace(comment, body=stored_text(body, adf, "comment"), updated=site.now(), properties=properties,
                     visibility=visibility, update_author=caller.account_id)
    site.save(replace(issue, comments=tuple(edited if c.id == comment.id else c for c in issue.comments)),
              touch=site.catalog.comment_touch.edit)
    return edited


def delete_comment(site: Site, issue: Issue, comment: Comment) -> None:
    site.save(replace(issue, comments=tuple(c for c in issue.comments if c.id != comment.id)),
              touch=site.catalog.comment_touch.delete)


def link_issues(site: Site, caller: User, payload: dict[str, Any], adf: bool, resolve: Resolve) -> IssueLink:
    """Link two issues (``resolve(ref) -> Issue`` answers 404/403 for bad references).

    Creating the same link twice keeps one link, as Jira does. An optional ``comment`` is
    added to the inward issue.
    """
    link_type = named_link_type(site, payload.get("type") or {})
    inward = resolve(payload.get("inwardIssue") or {})
    outward = resolve(payload.get("outwardIssue") or {})
    for link in site.links.values():
        if (link.type_id, link.inward_issue_id, link.outward_issue_id) == (link_type.id, inward.id, outward.id):
            return link
    link = IssueLink(str(site.next_id("link")), link_type.id, inward.id, outward.id)
    site.links[link.id] = link
    if payload.get("comment"):
        add_comment(site, inward, caller, payload["comment"], adf)
    for issue_id in (inward.id, outward.id):
        site.save(site.issues[issue_id])
    return link


def create_with_links(site: Site, caller: User, payload: dict[str, Any], adf: bool, resolve: Resolve) -> Issue:
    """Create the issue of ``payload`` and the links its ``update`` asks for, or nothing."""
    planned = planned_links(site, payload.get("update"), resolve)
    project = site.projects.get(str(((payload.get("fields") or {}).get("project") or {}).get("key", "")))
    if planned and project is not None and not project.create_screen_links:
        raise field_errors(issuelinks="Field 'issuelinks' cannot be set. It is not on the appropriate screen, or unknown.")
    visible = project is not None and caller.can_see(project.key)
    core, beyond = fields_at_create(site, project.key if project and visible else None, payload, adf)
    issue = create_issue(site, caller, {**payload, "fields": core}, adf)
    if beyond:
        issue = replace(issue, **beyond)
        site.save(issue, touch=False)
    for link in planned:
        new_side = next(side for side in SIDES if side not in link)
        link_issues(site, caller, {**link, new_side: {"id": str(issue.id)}}, adf, resolve)
    return site.issues[issue.id]


def planned_links(site: Site, update: Any, resolve: Resolve) -> list[dict[str, Any]]:
    """Checked link payloads, each naming the type and the *other* issue by id."""
    if update is None:
        return []
    if not isinstance(update, dict):
        raise JiraApiError(400, ["'update' must be an object of field name -> list of operations."])
    unsupported = sorted(set(update) - {"issuelinks"})
    if unsupported:
        raise field_errors(**{name: f"The simulator supports only 'issuelinks' in 'update' at create, not '{name}'."
                              for name in unsupported})
    operations = update.get("issuelinks") or []
    if not isinstance(operations, list):
        raise field_errors(issuelinks="'issuelinks' must be a list of operations.")
    return [_planned_link(site, operation, resolve) for operation in operations]


def _planned_link(site: Site, operation: Any, resolve: Resolve) -> dict[str, Any]:
    verbs = sorted(operation) if isinstance(operation, dict) else []
    if verbs != ["add"]:
        raise field_errors(issuelinks=f"Only the 'add' operation is supported for issuelinks at create, not {verbs}.")
    if not isinstance(operation["add"], dict):
        raise field_errors(issuelinks="'add' must be a link object with 'type' and an issue.")
    add = operation["add"]
    sides = [side for side in SIDES if side in add]
    if len(sides) != 1:
        raise field_errors(issuelinks="A link to add needs exactly one of 'inwardIssue' or 'outwardIssue'.")
    reference = add[sides[0]] if isinstance(add[sides[0]], dict) else {}
    link_type = _checked(lambda: named_link_type(site, add.get("type") or {}))
    named = reference.get("key") or reference.get("id") or "(no key or id)"
    other = _checked(lambda: resolve(reference), f"{sides[0]} {named}: ")
    return {"type": {"id": link_type.id}, sides[0]: {"id": str(other.id)}}


def _checked(lookup: Callable[[], Any], prefix: str = "") -> Any:
    # Jira reports a bad link as a fault of the create request (400), not as a missing resource.
    try:
        return lookup()
    except JiraApiError as error:
        raise field_errors(issuelinks=prefix + " ".join(error.messages)) from error


def named_link_type(site: Site, type_ref: dict[str, Any]) -> LinkType:
    """The link type a ``{"name"}`` or ``{"id"}`` reference names; 404 when there is none."""
    link_type = site.link_type_named(str(type_ref.get("name") or type_ref.get("id") or ""))
    if link_type is None:
        named = type_ref.get("name") or type_ref.get("id")
        raise JiraApiError(404, [f"No issue link type with name '{named}' found."])
    return link_type


def put_remote_link(site: Site, issue: Issue, payload: dict[str, Any]) -> tuple[RemoteLink, bool]:
    """Create, or update the link with the same ``globalId``; returns (link, created)."""
    obj = payload.get("object")
    if not isinstance(obj, dict) or not obj.get("url") or not obj.get("title"):
        raise field_errors(**{"object": "'object' with 'url' and 'title' is required."})
    global_id = payload.get("globalId")
    existing = next((rl for rl in issue.remote_links if global_id and rl.global_id == global_id), None)
    link = RemoteLink(existing.id if existing else site.next_id("remotelink"), global_id, obj,
                      payload.get("relationship"), payload.get("application"))
    others = tuple(rl for rl in issue.remote_links if rl is not existing)
    site.save(replace(issue, remote_links=(*others, link)))
    return link, existing is None


def delete_remote_link(site: Site, issue: Issue, link_id: str) -> None:
    remaining = tuple(rl for rl in issue.remote_links if str(rl.id) != str(link_id))
    if len(remaining) == len(issue.remote_links):
        raise JiraApiError(404, ["Remote link does not exist."])
    site.save(replace(issue, remote_links=remaining))


def set_property(site: Site, issue: Issue, key: str, value: Any) -> bool:
    """Returns True when the property is new (Jira answers 201 then, 200 on update)."""
    if len(key) > 255:
        raise JiraApiError(400, ["The property key can not be longer than 255 characters."])
    created = key not in issue.properties
    site.save(replace(issue, properties={**issue.properties, key: value}), touch=False)
    return created


def delete_property(site: Site, issue: Issue, key: str) -> None:
    if key not in issue.properties:
        raise JiraApiError(404, [f"The property with key '{key}' does not exist."])
    site.save(replace(issue, properties={k: v for k, v in issue.properties.items() if k != key}), touch=False)


def add_attachment(site: Site, issue: Issue, caller: User, filename: str, content: bytes, mime: str | None) -> Attachment:
    mime_type = mime if mime and mime != "application/octet-stream" else None
    mime_type = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    attachment = Attachment(str(site.next_id("attachment")), filename, caller.account_id, site.now(), len(content), mime_type)
    site.attachment_content[attachment.id] = content
    site.attachment_issue[attachment.id] = issue.id
    site.save(replace(issue, attachments=(*issue.attachments, attachment)))
    return attachment

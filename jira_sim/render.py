"""Records to Jira's JSON shapes, for one caller (time zone) and one API version.

``Ctx`` carries what every rendering needs: the site, the caller, the REST version
("2" strings vs "3" ADF) and the base URL for ``self`` links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload
from urllib.parse import quote

from jira_sim.errors import unauthorized
from jira_sim.formats import adf_to_text, format_jira
from jira_sim.model import CATEGORIES, Attachment, Comment, Issue, LinkType, Project, RemoteLink, User
from jira_sim.render_fields import CUSTOM_MARKER, EXTRA_SYSTEM, expand_selection, field_json, wanted
from jira_sim.servicedesk import is_public, visibility_json
from jira_sim.site import ISSUE_TYPES, PRIORITIES, RESOLUTIONS, Site

ALL_FIELDS = (
    "summary", "description", "status", "issuetype", "priority", "project", "created", "updated",
    "resolution", "resolutiondate", "labels", "reporter", "creator", "assignee", "statuscategorychangedate",
    "issuelinks", "attachment", "comment",
)
NOT_NAVIGABLE = frozenset({"comment"})


@dataclass(frozen=True)
class Ctx:
    site: Site
    caller: User | None
    version: str
    base_url: str

    @property
    def author(self) -> User:
        """The signed-in caller a write acts as; 401 for an anonymous one."""
        if self.caller is None:
            raise unauthorized()
        return self.caller

    @property
    def adf(self) -> bool:
        return self.version == "3"

    @property
    def api(self) -> str:
        return f"{self.base_url}/rest/api/{self.version}"

    def time(self, moment: datetime | None) -> str | None:
        return format_jira(moment, self.caller.time_zone if self.caller else "UTC")

    def body(self, adf_doc: dict[str, Any] | None) -> dict[str, Any] | str | None:
        if adf_doc is None:
            return None
        return adf_doc if self.adf else adf_to_text(adf_doc)


def select_fields(requested: list[str], default: str) -> list[str]:
    """Jira's ``fields`` parameter: ``*all``, ``*navigable``, names, ``-name`` exclusions."""
    tokens = [t.strip() for item in requested for t in item.split(",") if t.strip()] or [default]
    chosen: list[str] = []
    for token in tokens:
        if token == "*all":
            chosen += [*ALL_FIELDS, *EXTRA_SYSTEM, CUSTOM_MARKER]
        elif token == "*navigable":
            chosen += [*(f for f in ALL_FIELDS if f not in NOT_NAVIGABLE), *EXTRA_SYSTEM, CUSTOM_MARKER]
        elif not token.startswith("-") and (token in ALL_FIELDS or wanted(token)):
            chosen.append(token)
    excluded = {t[1:] for t in tokens if t.startswith("-")}
    # Exclusions of custom fields stay in the list: only the issue knows what CUSTOM_MARKER stands for.
    return [f for f in dict.fromkeys(chosen) if f not in excluded] + [f"-{f}" for f in sorted(excluded) if wanted(f)]


def issue_json(ctx: Ctx, issue: Issue, fields: list[str]) -> dict[str, Any]:
    document: dict[str, Any] = {"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
                "id": str(issue.id), "self": f"{ctx.api}/issue/{issue.id}", "key": issue.key}
    document["fields"] = {name: _field(ctx, issue, name) for name in expand_selection(ctx.site, issue, fields)}
    return document


def _field(ctx: Ctx, issue: Issue, name: str) -> Any:
    project = ctx.site.projects[issue.project_key]
    if name == "summary":
        return issue.summary
    if name == "description":
        return ctx.body(issue.description)
    if name == "status":
        return status_json(ctx, issue.status, project.workflow.category_of(issue.status))
    if name == "issuetype":
        return {"self": f"{ctx.api}/issuetype/{ISSUE_TYPES[issue.issuetype]}", "id": ISSUE_TYPES[issue.issuetype],
                "name": issue.issuetype, "subtask": issue.issuetype == "Sub-task", "description": ""}
    if name == "priority":
        return {"self": f"{ctx.api}/priority/{PRIORITIES[issue.priority]}", "id": PRIORITIES[issue.priority],
                "name": issue.priority}
    if name == "project":
        return project_ref(ctx, project)
    if name in ("created", "updated", "resolutiondate", "statuscategorychangedate"):
        attribute = {"resolutiondate": "resolution_date", "statuscategorychangedate": "status_category_changed"}
        return ctx.time(getattr(issue, attribute.get(name, name)))
    if name == "resolution":
        return resolution_json(ctx, issue.resolution) if issue.resolution else None
    if name == "labels":
        return list(issue.labels)
    if name in ("reporter", "creator"):
        return user_json(ctx, ctx.site.users.get(issue.reporter))
    if name == "assignee":
        return user_json(ctx, ctx.site.users.get(issue.assignee)) if issue.assignee else None
    if name == "issuelinks":
        return issue_links_json(ctx, issue)
    if name == "attachment":
        return [attachment_json(ctx, a) for a in issue.attachments]
    if name == "comment":
        comments = [comment_json(ctx, issue, c) for c in issue.comments]
        return {"comments": comments, "self": f"{ctx.api}/issue/{issue.id}/comment",
                "maxResults": len(comments), "total": len(comments), "startAt": 0}
    return field_json(ctx.site, issue, name, ctx.api, ctx.body, lambda account: user_json(ctx, ctx.site.users.get(account)))


def status_json(ctx: Ctx, name: str, category: str) -> dict[str, Any]:
    status_id = ctx.site.status_ids[name]
    cat = CATEGORIES[category]
    return {"self": f"{ctx.api}/status/{status_id}", "description": "", "name": name, "id": status_id,
            "statusCategory": {"self": f"{ctx.api}/statuscategory/{cat['id']}", **cat}}


def resolution_json(ctx: Ctx, name: str) -> dict[str, Any]:
    return {"self": f"{ctx.api}/resolution/{RESOLUTIONS[name]}", "id": RESOLUTIONS[name], "name": name,
            "description": ""}


def project_ref(ctx: Ctx, project: Project) -> dict[str, Any]:
    return {"self": f"{ctx.api}/project/{project.id}", "id": project.id, "key": project.key, "name": project.name,
            "projectTypeKey": ctx.site.catalog.project(project.key).project_type, "simplified": False}


@overload
def user_json(ctx: Ctx, user: User) -> dict[str, Any]: ...
@overload
def user_json(ctx: Ctx, user: User | None) -> dict[str, Any] | None: ...
def user_json(ctx: Ctx, user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    document: dict[str, Any] = {"self": f"{ctx.api}/user?accountId={user.account_id}", "accountId": user.account_id,
                "emailAddress": user.email, "displayName": user.display_name, "active": True,
                "timeZone": user.time_zone, "accountType": "atlassian",
                "avatarUrls": {"48x48": f"{ctx.base_url}/avatar/{user.account_id}.png"}}
    if ctx.site.deployment == "datacenter":  # Data Center knows users by name/key, not accountId
        del document["accountType"], document["accountId"]
        document.update({"self": f"{ctx.api}/user?username={user.account_id}", "name": user.account_id,
                         "key": user.account_id})
    return document


def comment_json(ctx: Ctx, issue: Issue, comment: Comment, with_properties: bool = False) -> dict[str, Any]:
    """A comment; its ``properties`` only when asked (``expand=properties``), as Jira does. Cloud adds
    ``jsdPublic`` (see :mod:`servicedesk`); Data Center's comments have no such field."""
    author = user_json(ctx, ctx.site.users.get(comment.author))
    document: dict[str, Any] = {"self": f"{ctx.api}/issue/{issue.id}/comment/{comment.id}", "id": comment.id, "author": author,
                "body": ctx.body(comment.body),
                "updateAuthor": user_json(ctx, ctx.site.users.get(comment.update_author or comment.author)),
                "created": ctx.time(comment.created), "updated": ctx.time(comment.updated)}
    cloud = ctx.site.deployment == "cloud"
    if comment.visibility is not None:
        document["visibility"] = visibility_json(comment.visibility, cloud)
    if cloud:
        document["jsdPublic"] = is_public(ctx.site.catalog.project(issue.project_key), comment)
    if with_properties:
        document["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
    return document


def attachment_json(ctx: Ctx, attachment: Attachment) -> dict[str, Any]:
    return {"self": f"{ctx.api}/attachment/{attachment.id}", "id": attachment.id, "filename": attachment.filename,
            "author": user_json(ctx, ctx.site.users.get(attachment.author)), "created": ctx.time(attachment.created),
            "size": attachment.size, "mimeType": attachment.mime_type,
            "content": _content_url(ctx, attachment)}


def _content_url(ctx: Ctx, attachment: Attachment) -> str:
    if ctx.site.deployment == "datacenter":
        return f"{ctx.base_url}/secure/attachment/{attachment.id}/{quote(attachment.filename)}"
    return f"{ctx.base_url}/rest/api/{ctx.version}/attachment/content/{attachment.id}"


def remote_link_json(ctx: Ctx, issue: Issue, link: RemoteLink) -> dict[str, Any]:
    document = {"id": link.id, "self": f"{ctx.api}/issue/{issue.key}/remotelink/{link.id}", "object": link.object}
    if link.global_id is not None:
        document["globalId"] = link.global_id
    if link.relationship is not None:
        document["relationship"] = link.relationship
    if link.application is not None:
        document["application"] = link.application
    return document


def issue_ref(ctx: Ctx, issue: Issue) -> dict[str, Any]:
    project = ctx.site.projects[issue.project_key]
    return {"id": str(issue.id), "key": issue.key, "self": f"{ctx.api}/issue/{issue.id}",
            "fields": {"summary": issue.summary,
                       "status": status_json(ctx, issue.status, project.workflow.category_of(issue.status)),
                       "priority": _field(ctx, issue, "priority"), "issuetype": _field(ctx, issue, "issuetype")}}


def link_type_json(ctx: Ctx, link_type: LinkType) -> dict[str, Any]:
    return {"id": link_type.id, "name": link_type.name, "inward": link_type.inward, "outward": link_type.outward,
            "self": f"{ctx.api}/issueLinkType/{link_type.id}"}


def issue_links_json(ctx: Ctx, issue: Issue) -> list[dict[str, Any]]:
    found = []
    for link in ctx.site.links.values():
        if issue.id not in (link.inward_issue_id, link.outward_issue_id):
            continue
        other_is_outward = link.inward_issue_id == issue.id
        other = ctx.site.issues.get(link.outward_issue_id if other_is_outward else link.inward_issue_id)
        if other is None:
            continue
        entry = {"id": link.id, "self": f"{ctx.api}/issueLink/{link.id}",
                 "type": link_type_json(ctx, ctx.site.link_types[link.type_id])}
        entry["outwardIssue" if other_is_outward else "inwardIssue"] = issue_ref(ctx, other)
        found.append(entry)
    return found

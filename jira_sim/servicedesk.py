"""Service projects (``projectTypeKey`` ``service_desk``): which comments customers see, comment
visibility restrictions, and the Service Management API's comment shapes.

Public or internal (``jsdPublic`` on Cloud, ``public`` in the Service Management API) is decided
by the comment property :data:`INTERNAL_PROPERTY`: ``{"internal": true}`` makes a comment on a
service project internal, in the create request's ``properties`` or later. Everything else is
public: any comment outside a service project, a property value other than boolean ``true``, and,
the worse case where Atlassian says only that customers may make public comments, a comment whose
author is a customer of the project (its property is kept, the comment is public all the same).
A ``visibility`` restriction (role or group) is independent of it: a restricted comment still
reads ``jsdPublic: true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jira_sim.catalog import ProjectSetup
from jira_sim.errors import JiraApiError
from jira_sim.formats import adf_to_text, format_jira
from jira_sim.model import Comment, Issue
from jira_sim.site import Site

INTERNAL_PROPERTY = "sd.public.comment"
VISIBILITY_TYPES = ("role", "group")


def is_public(setup: ProjectSetup, comment: Comment) -> bool:
    """Whether a customer of the project can see ``comment`` (see the module docstring)."""
    if not setup.service_desk or comment.author in setup.customers:
        return True
    value = comment.properties.get(INTERNAL_PROPERTY)
    return not (isinstance(value, dict) and value.get("internal") is True)


def checked_visibility(site: Site, project_key: str, raw: Any) -> dict[str, str] | None:
    """A comment's ``visibility`` as stored (``type``, ``value``, ``identifier``); 400 naming
    ``commentLevel`` when the type is neither role nor group, or the role or group is unknown."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in VISIBILITY_TYPES:
        raise JiraApiError(400, [], {"commentLevel": "Visibility type must be 'role' or 'group'."})  # sim wording
    named = raw.get("identifier") or raw.get("value")
    if raw["type"] == "role":
        roles = site.catalog.project(project_key).roles
        if named not in roles:
            raise JiraApiError(400, [], {"commentLevel": f"You are currently not a member of the project role: {named}."})
        return {"type": "role", "value": str(named), "identifier": str(named)}
    groups = site.catalog.groups
    by_id = {group_id: name for name, group_id in groups.items()}
    name = by_id.get(str(raw.get("identifier"))) or (raw.get("value") if raw.get("value") in groups else None)
    if name is None:
        raise JiraApiError(400, [], {"commentLevel": f"Group: '{named}' does not exist."})
    return {"type": "group", "value": name, "identifier": groups[name]}


def visibility_json(visibility: dict[str, str], cloud: bool) -> dict[str, str]:
    """Cloud names the group's id (or the role's name) in ``identifier``; Data Center only type and value."""
    return dict(visibility) if cloud else {"type": visibility["type"], "value": visibility["value"]}


def request_issue(site: Site, issue: Issue) -> Issue:
    """The issue as a customer request: 404 when its project is not a service project."""
    if not site.catalog.project(issue.project_key).service_desk:
        raise JiraApiError(404, [f"The issue {issue.key} is not a customer request."])  # sim wording
    return issue


def internal_properties(public: bool) -> dict[str, Any]:
    """The comment properties a Service Management request comment carries."""
    return {} if public else {INTERNAL_PROPERTY: {"internal": True}}


def comment_dto(site: Site, base_url: str, issue: Issue, comment: Comment,
                user: Callable[[str], dict[str, Any] | None], time_zone: str) -> dict[str, Any]:
    """A comment as the Service Management API returns it (``CommentDTO``)."""
    return {"_expands": ["attachment", "renderedBody"], "id": comment.id, "body": adf_to_text(comment.body),
            "public": is_public(site.catalog.project(issue.project_key), comment), "author": user(comment.author),
            "created": date_dto(comment, time_zone),
            "_links": {"self": f"{base_url}/rest/servicedeskapi/request/{issue.id}/comment/{comment.id}"}}


def date_dto(comment: Comment, time_zone: str) -> dict[str, Any]:
    jira = format_jira(comment.created, time_zone) or ""
    return {"iso8601": jira[:19] + jira[23:], "jira": jira, "friendly": jira[:16].replace("T", " "),
            "epochMillis": int(comment.created.timestamp() * 1000)}


def user_dto(site: Site, base_url: str, account: str) -> dict[str, Any] | None:
    """A user as the Service Management API returns one (``UserDTO``)."""
    user = site.users.get(account)
    if user is None:
        return None
    cloud = site.deployment == "cloud"
    identity = {"accountId": user.account_id} if cloud else {"name": user.account_id, "key": user.account_id}
    query = f"accountId={user.account_id}" if cloud else f"username={user.account_id}"
    return {**identity, "emailAddress": user.email, "displayName": user.display_name, "active": True,
            "timeZone": user.time_zone,
            "_links": {"jiraRest": f"{base_url}/rest/api/2/user?{query}",
                       "avatarUrls": {"48x48": f"{base_url}/avatar/{user.account_id}.png"},
                       "self": f"{base_url}/rest/api/2/user?{query}"}}

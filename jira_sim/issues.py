"""Issue life cycle: create, edit, transition, delete and move (call with ``site.lock`` held).

Payloads are the REST request bodies; ``adf`` says whether rich-text fields must be ADF
documents (REST v3) or plain strings (REST v2). Failures raise :class:`JiraApiError` with the
messages Jira gives.

A description or comment longer than :data:`TEXT_LIMIT` characters is refused (400, the field
named in ``errors``). Characters are counted as Java does (UTF-16 code units) in the value as
sent: the string on v2, the document's JSON on v3 (Cloud stores the document itself).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from jira_sim.errors import JiraApiError, field_errors
from jira_sim.formats import is_adf_document, text_to_adf
from jira_sim.model import Issue, User
from jira_sim.site import ISSUE_TYPES, PRIORITIES, RESOLUTIONS, Site

EDITABLE = frozenset({"summary", "description", "priority", "labels", "assignee"})
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
TEXT_LIMIT = 32767
TOO_LONG = f"The entered text is too long. It exceeds the allowed limit of {TEXT_LIMIT:,} characters."


def rich_text(value: Any, adf: bool, field: str) -> dict[str, Any] | None:
    """A description/comment value as stored (ADF), validating the version's format and length."""
    return None if value is None else stored_text(value, adf, field)


def stored_text(value: Any, adf: bool, field: str) -> dict[str, Any]:
    """A value given (not None) as stored: `rich_text` of something."""
    if adf and not is_adf_document(value):
        raise field_errors(**{field: ADF_REQUIRED})
    if not adf and not isinstance(value, str):
        raise field_errors(**{field: f"Field '{field}' must be a string."})
    sent = json.dumps(value, separators=(",", ":"), ensure_ascii=False) if adf else value
    if len(sent.encode("utf-16-le")) // 2 > TEXT_LIMIT:
        raise field_errors(**{field: TOO_LONG})
    return value if adf else text_to_adf(value)


def _named(value: Any, table: dict[str, str], field: str, message: str) -> str:
    if isinstance(value, dict):
        if value.get("name") in table:
            return str(value["name"])
        by_id = {v: k for k, v in table.items()}
        if str(value.get("id")) in by_id:
            return by_id[str(value["id"])]
    raise field_errors(**{field: message})


def create_issue(site: Site, caller: User, payload: dict[str, Any], adf: bool) -> Issue:
    """Validate like Jira (all field errors at once), then allocate the id and key."""
    fields = payload.get("fields")
    if not isinstance(fields, dict):
        raise JiraApiError(400, ["No fields were provided for the issue."])
    project_ref = fields.get("project")
    if not isinstance(project_ref, dict):
        project_ref = {}
    project = site.projects.get(str(project_ref.get("key", ""))) or next(
        (p for p in site.projects.values() if p.id == str(project_ref.get("id"))), None)
    errors = {}
    if project is None or not caller.can_see(project.key):
        errors["project"] = "Specify a valid project ID or key"
    if not str(fields.get("summary") or "").strip():
        errors["summary"] = "You must specify a summary of the issue."
    allowed_types = {n: ISSUE_TYPES[n] for n in project.issue_types} if project else ISSUE_TYPES
    try:
        issuetype = _named(fields.get("issuetype"), allowed_types, "issuetype", "Specify an issue type")
    except JiraApiError as error:
        errors.update(error.errors)
    if errors or project is None:  # no project is an error above
        raise JiraApiError(400, [], errors)
    unknown = set(fields) - EDITABLE - {"project", "issuetype", "summary"}
    if unknown:
        raise _not_on_screen(sorted(unknown)[0])
    priority = "Medium"
    if "priority" in fields:
        priority = _named(fields["priority"], PRIORITIES, "priority", "Specify a valid priority")
    description = rich_text(fields.get("description"), adf, "description")
    assignee = _assignee(site, fields.get("assignee"))
    properties = entity_properties(payload.get("properties"))
    now = site.now()
    issue = Issue(
        id=site.next_id("issue"), key=f"{project.key}-{project.next_number}", project_key=project.key,
        summary=fields["summary"], issuetype=issuetype, priority=priority, status=project.workflow.initial,
        created=now, updated=now, status_category_changed=now, reporter=caller.account_id,
        description=description, assignee=assignee, labels=tuple(fields.get("labels") or ()),
        properties=properties,
    )
    project.next_number += 1
    site.save(issue)
    return issue


def entity_properties(items: Any) -> dict[str, Any]:
    """Jira's ``[{"key", "value"}]`` entity-property list (issues, comments) as ``{key: value}``."""
    if items is None:
        return {}
    if not isinstance(items, list) or not all(isinstance(i, dict) and "key" in i for i in items):
        raise JiraApiError(400, ["properties must be a list of {key, value} objects."])
    return {str(i["key"]): i.get("value") for i in items}


def _not_on_screen(field: str) -> JiraApiError:
    return field_errors(**{field: f"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."})


def assign_issue(site: Site, issue: Issue, payload: dict[str, Any]) -> None:
    """``PUT .../assignee``: ``{"accountId"}`` (Data Center: ``{"name"}``); null or "-1" (the project's
    default, unassigned here) leave the issue unassigned."""
    names = [name for name in ("accountId", "name", "key") if name in payload]
    if len(names) != 1:
        raise JiraApiError(400, ["Exactly one of accountId, name or key is required."])
    account = payload[names[0]]
    site.save(replace(issue, assignee=None if account in (None, "-1") else _assignee(site, {"accountId": account})))


def _assignee(site: Site, value: Any) -> str | None:
    if value is None:
        return None
    account = (value.get("accountId") or value.get("name")) if isinstance(value, dict) else None
    if account not in site.users:
        raise field_errors(assignee=f"User '{account}' does not exist.")
    return str(account)


def transition_issue(site: Site, issue: Issue, payload: dict[str, Any]) -> None:
    """Move along an available transition; entering *done* sets a resolution, leaving clears it."""
    transition_id = str((payload.get("transition") or {}).get("id", ""))
    workflow = site.projects[issue.project_key].workflow
    transition = workflow.find_available(issue.status, transition_id)
    if transition is None:
        raise JiraApiError(400, [f"Transition id '{transition_id}' is not valid for this issue."])
    fields = payload.get("fields") or {}
    target_done = workflow.category_of(transition.target) == "done"
    for name in fields:
        if name != "resolution" or not target_done:
            raise _not_on_screen(name)
    now = site.now()
    changes: dict[str, Any] = {"status": transition.target}
    if workflow.category_of(transition.target) != workflow.category_of(issue.status):
        changes["status_category_changed"] = now
    if target_done:
        resolution = fields.get("resolution")
        changes["resolution"] = _named(resolution, RESOLUTIONS, "resolution", "Specify a valid resolution") if resolution else "Done"
        changes["resolution_date"] = issue.resolution_date if issue.resolution else now
    else:
        changes["resolution"] = None
        changes["resolution_date"] = None
    site.save(replace(issue, **changes))


def move_issue(site: Site, issue: Issue, project_key: str) -> Issue:
    """Move to another project: a new key, the same id; the old key keeps resolving."""
    target = site.projects.get(project_key)
    if target is None:
        raise JiraApiError(404, [f"No project could be found with key '{project_key}'."])
    new_key = f"{target.key}-{target.next_number}"
    target.next_number += 1
    status = issue.status if target.workflow.has_status(issue.status) else target.workflow.initial
    moved = replace(issue, key=new_key, project_key=target.key, status=status, old_keys=(*issue.old_keys, issue.key))
    site.save(moved)
    site.keys[issue.key] = issue.id
    return moved

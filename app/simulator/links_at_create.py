"""Creating an issue together with its links (``update.issuelinks`` of the create payload).

Call with ``site.lock`` held. Jira makes the issue and its links in one step, so every link is
checked before the issue exists: an unknown link type or issue, or an ``update`` entry this
simulator does not model, answers 400 (``errors.issuelinks`` or the field's name) and creates
nothing. The links are then made by :func:`extras.link_issues`, exactly as ``POST /issueLink``
makes them: an ``outwardIssue`` reference makes the new issue the inward side, and vice versa.
"""

from __future__ import annotations

from typing import Any, Callable

from app.simulator.errors import JiraApiError, field_errors
from app.simulator.extras import link_issues, named_link_type
from app.simulator.issues import create_issue
from app.simulator.model import Issue, User
from app.simulator.site import Site

SIDES = ("inwardIssue", "outwardIssue")


def create_with_links(site: Site, caller: User, payload: dict, adf: bool, resolve: Callable[[dict], Issue]) -> Issue:
    """Create the issue of ``payload`` and the links its ``update`` asks for, or nothing."""
    planned = planned_links(site, payload.get("update"), resolve)
    project = site.projects.get(str(((payload.get("fields") or {}).get("project") or {}).get("key", "")))
    if planned and project is not None and not project.create_screen_links:
        raise field_errors(issuelinks="Field 'issuelinks' cannot be set. It is not on the appropriate screen, or unknown.")
    issue = create_issue(site, caller, payload, adf)
    for link in planned:
        new_side = next(side for side in SIDES if side not in link)
        link_issues(site, caller, {**link, new_side: {"id": str(issue.id)}}, adf, resolve)
    return site.issues[issue.id]


def planned_links(site: Site, update: Any, resolve: Callable[[dict], Issue]) -> list[dict]:
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


def _planned_link(site: Site, operation: Any, resolve: Callable[[dict], Issue]) -> dict:
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

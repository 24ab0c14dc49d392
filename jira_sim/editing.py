"""``PUT /issue/{key}`` as Jira documents it, and the screens that decide what may be set.

A request names fields in ``fields`` (a value to set) and/or ``update`` (a list of operations:
``set``, ``add``, ``remove``); a field may not be named in both. Every named field must be on the
project's edit screen (:func:`edit_screen`) or the answer is 400 "Field 'x' cannot be set. It is not
on the appropriate screen, or unknown."; each field takes only its operations (:data:`OPERATIONS`,
the ones edit metadata lists). All field errors of one request are reported together, and nothing
is changed when there is any. ``properties`` sets issue properties. Users are named by
``accountId`` on Cloud and by ``name`` on Data Center; a user the project may not assign answers
"User 'x' cannot be assigned issues.". Call with ``site.lock`` held.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jira_sim import values
from jira_sim.catalog import CustomField, ProjectSetup
from jira_sim.errors import JiraApiError, field_errors
from jira_sim.issues import entity_properties, rich_text
from jira_sim.model import Issue
from jira_sim.site import PRIORITIES, Site

SYSTEM_OPERATIONS: dict[str, tuple[str, ...]] = {
    "summary": ("set",), "description": ("set",), "priority": ("set",), "labels": ("add", "set", "remove"),
    "assignee": ("set",), "components": ("add", "set", "remove"), "fixVersions": ("set", "add", "remove"),
    "duedate": ("set",),
}
LIST_FIELDS = frozenset({"labels", "components", "fixVersions"})
CREATE_ONLY = ("project", "issuetype")


def operations(site: Site, project_key: str, field_id: str) -> tuple[str, ...]:
    """The operations ``field_id`` takes (empty when the project's issues do not have it)."""
    if field_id in SYSTEM_OPERATIONS:
        return SYSTEM_OPERATIONS[field_id]
    custom = site.catalog.custom_field(project_key, field_id)
    if custom is None:
        return ()
    return ("add", "set", "remove") if custom.kind == "multiselect" else ("set",)


def edit_screen(site: Site, project_key: str) -> list[str]:
    """The fields on the project's edit screen, system fields first."""
    setup = site.catalog.project(project_key)
    every = [*SYSTEM_OPERATIONS, *setup.custom_fields]
    return [f for f in every if f not in setup.off_edit and operations(site, project_key, f)]


def create_screen(site: Site, project_key: str) -> list[str]:
    """The fields on the project's create screen (``project`` and ``issuetype`` always are)."""
    setup = site.catalog.project(project_key)
    every = [*CREATE_ONLY, *SYSTEM_OPERATIONS, *setup.custom_fields]
    return [f for f in every if f in CREATE_ONLY or (f not in setup.off_create and operations(site, project_key, f))]


def edit_issue(site: Site, issue: Issue, payload: dict[str, Any], adf: bool) -> Issue:
    """Apply the edit (all or nothing) and return the stored issue; ``updated`` moves."""
    fields, update = payload.get("fields") or {}, payload.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraApiError(400, ["'fields' and 'update' must be objects."])  # sim wording
    on_screen = set(edit_screen(site, issue.project_key))
    for name in [*fields, *update]:
        if name not in on_screen:
            raise values.not_on_screen(name)
    errors: dict[str, str] = {}
    wanted: dict[str, Any] = {}
    for name in sorted(set(fields) & set(update)):
        errors[name] = f"Field '{name}' may be named in 'fields' or in 'update', not in both."  # sim wording
    for name, value in fields.items():
        wanted[name] = value
    for name, ops in update.items():
        try:
            wanted[name] = _after_operations(site, issue, name, ops)
        except JiraApiError as error:
            errors.update(error.errors)
    changes: dict[str, Any] = {}
    custom = dict(issue.custom)
    for name, value in wanted.items():
        if name in errors:
            continue
        try:
            _apply(site, issue.project_key, name, value, adf, changes, custom)
        except JiraApiError as error:
            errors.update(error.errors or {name: " ".join(error.messages)})
    if errors:
        raise JiraApiError(400, [], errors)
    properties = {**issue.properties, **entity_properties(payload.get("properties"))}
    edited = replace(issue, **changes, custom=custom, properties=properties)
    site.save(edited)
    return edited


def value_at_create(site: Site, project_key: str, name: str, value: Any, adf: bool) -> dict[str, Any]:
    """The issue attributes a create request's ``fields[name]`` sets, for the fields beyond the core
    ones (components, fixVersions, duedate, custom fields)."""
    changes: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    _apply(site, project_key, name, value, adf, changes, custom)
    if custom:
        changes["custom"] = custom
    return changes


def _after_operations(site: Site, issue: Issue, name: str, ops: Any) -> Any:
    """The value a list of ``update`` operations leaves, in the form ``fields`` would take."""
    allowed = operations(site, issue.project_key, name)
    if not isinstance(ops, list) or not all(isinstance(op, dict) and len(op) == 1 for op in ops):
        raise field_errors(**{name: "Operations must be a list of single-verb objects."})  # sim wording
    current = _current(site, issue, name)
    for op in ops:
        ((verb, argument),) = op.items()
        if verb not in allowed:
            raise field_errors(**{name: f"Field '{name}' does not support the operation '{verb}'."})  # sim wording
        if verb == "set":
            current = argument
        elif verb == "add" and not any(_same(site, issue, name, argument, item) for item in current):
            current = [*current, argument]
        elif verb == "remove":
            current = [item for item in current if not _same(site, issue, name, argument, item)]
    return current


def _current(site: Site, issue: Issue, name: str) -> Any:
    """A list field's current value in request form (the start for add/remove)."""
    if name == "labels":
        return list(issue.labels)
    if name in ("components", "fixVersions"):
        return [{"name": n} for n in (issue.components if name == "components" else issue.fix_versions)]
    if name in SYSTEM_OPERATIONS:
        return None
    return [{"id": option_id} for option_id in issue.custom.get(name) or ()]


def _same(site: Site, issue: Issue, name: str, one: Any, other: Any) -> bool:
    if name == "labels":
        return bool(one == other)
    if name in ("components", "fixVersions"):
        setup = site.catalog.project(issue.project_key)
        return values.parse_named(setup, name, one) == values.parse_named(setup, name, other)
    field = site.catalog.in_context(issue.project_key, name)
    return values.option_of(field, one) == values.option_of(field, other)


def _apply(site: Site, project_key: str, name: str, value: Any, adf: bool, changes: dict[str, Any],
           custom: dict[str, Any]) -> None:
    """Parse ``value`` for ``name`` into ``changes`` (Issue attributes) or ``custom``."""
    setup = site.catalog.project(project_key)
    if name == "summary":
        if not isinstance(value, str) or not value.strip():
            raise field_errors(summary="You must specify a summary of the issue.")
        changes["summary"] = value
    elif name == "description":
        changes["description"] = rich_text(value, adf, "description")
    elif name == "priority":
        changes["priority"] = _priority(value)
    elif name == "labels":
        changes["labels"] = _labels(value)
    elif name == "assignee":
        changes["assignee"] = assignee(site, setup, value)
    elif name == "components":
        changes["components"] = values.parse_named_list(setup, name, value)
    elif name == "fixVersions":
        changes["fix_versions"] = values.parse_named_list(setup, name, value)
    elif name == "duedate":
        changes["duedate"] = values.parse_date(value, name)
    else:
        field: CustomField = site.catalog.in_context(project_key, name)
        custom[name] = values.parse_custom(field, value, adf, lambda v: user_named(site, v))


def _priority(value: Any) -> str:
    if isinstance(value, dict):
        if value.get("name") in PRIORITIES:
            return str(value["name"])
        by_id = {v: k for k, v in PRIORITIES.items()}
        if str(value.get("id")) in by_id:
            return by_id[str(value["id"])]
    raise field_errors(priority="Specify a valid priority")


def _labels(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise field_errors(labels="Labels must be a list of strings.")  # sim wording
    for label in value:
        if not label or any(c.isspace() for c in label):
            raise field_errors(labels="The label '" + label + "' contains spaces which is invalid.")
    return tuple(dict.fromkeys(value))


def user_named(site: Site, value: Any) -> str | None:
    """The account a user reference names, as the deployment identifies users (None: unknown)."""
    if not isinstance(value, dict):
        return None
    account = value.get("accountId") if site.deployment == "cloud" else value.get("name") or value.get("key")
    return str(account) if account in site.users else None


def assignee(site: Site, setup: ProjectSetup, value: Any) -> str | None:
    """The assignee a ``fields.assignee`` value names; 400 when unknown or not assignable."""
    if value is None:
        return None
    account = user_named(site, value)
    if account is None:
        named = value.get("accountId") or value.get("name") if isinstance(value, dict) else value
        raise field_errors(assignee=f"User '{named}' does not exist.")
    if account in setup.unassignable:
        raise field_errors(assignee=f"User '{account}' cannot be assigned issues.")
    return account



def fields_at_create(site: Site, project_key: str | None, payload: dict[str, Any],
                     adf: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A create request's ``fields`` split into what the core create takes and the issue attributes
    of the fields beyond it; 400 for a field off the project's create screen, a user the project
    may not assign, or a bad value (all field errors at once)."""
    fields = payload.get("fields")
    if project_key is None or not isinstance(fields, dict):
        return (fields if isinstance(fields, dict) else {}), {}
    on_screen = set(create_screen(site, project_key))
    for name in fields:
        if name not in on_screen and name != "summary":
            raise values.not_on_screen(name)
    errors: dict[str, str] = {}
    beyond: dict[str, Any] = {}
    if fields.get("assignee") is not None:
        try:
            assignee(site, site.catalog.project(project_key), fields["assignee"])
        except JiraApiError as error:
            errors.update(error.errors)
    for name in [n for n in fields if n in ("components", "fixVersions", "duedate") or n.startswith("customfield_")]:
        try:
            found = value_at_create(site, project_key, name, fields[name], adf)
        except JiraApiError as error:
            errors.update(error.errors)
            continue
        beyond["custom"] = {**beyond.get("custom", {}), **found.pop("custom", {})}
        beyond.update(found)
    if errors:
        raise JiraApiError(400, [], errors)
    core = {n: v for n, v in fields.items() if n not in ("components", "fixVersions", "duedate") and not n.startswith("customfield_")}
    return core, beyond

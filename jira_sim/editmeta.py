"""Field metadata (Atlassian's ``FieldMetadata``): what edit and create metadata say of a field:
``required``, ``schema`` (``type``, ``items``, ``system`` or ``custom``/``customId``), ``name``,
``key``, ``operations`` and, where the choice is closed, ``allowedValues`` (priorities, the
project's components and versions, a select field's options).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jira_sim import values
from jira_sim.editing import operations
from jira_sim.model import Project
from jira_sim.render_fields import EXTRA_NAMES, EXTRA_SCHEMAS
from jira_sim.site import ISSUE_TYPES, PRIORITIES, Site

SYSTEM: dict[str, tuple[str, dict[str, str]]] = {
    "summary": ("Summary", {"type": "string", "system": "summary"}),
    "description": ("Description", {"type": "string", "system": "description"}),
    "priority": ("Priority", {"type": "priority", "system": "priority"}),
    "labels": ("Labels", {"type": "array", "items": "string", "system": "labels"}),
    "assignee": ("Assignee", {"type": "user", "system": "assignee"}),
    "project": ("Project", {"type": "project", "system": "project"}),
    "issuetype": ("Issue Type", {"type": "issuetype", "system": "issuetype"}),
    **{name: (EXTRA_NAMES[name], EXTRA_SCHEMAS[name]) for name in EXTRA_SCHEMAS},
}
REQUIRED_AT_CREATE = frozenset({"project", "issuetype", "summary"})


def field_metadata(site: Site, api: str, project: Project, field_id: str, creating: bool,
                   project_json: Callable[[Project], dict[str, Any]],
                   issue_type_json: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The metadata of one field on the project's create (``creating``) or edit screen."""
    custom = site.catalog.in_context(project.key, field_id) if field_id in site.catalog.custom_fields else None
    if custom is not None:
        meta: dict[str, Any] = {"required": False, "schema": custom.schema(), "name": custom.name, "key": custom.id,
                                "hasDefaultValue": False, "operations": list(operations(site, project.key, field_id))}
        if custom.kind in ("select", "multiselect"):
            meta["allowedValues"] = [values.option_json(custom, o.id, api) for o in custom.options]
        if custom.kind == "user":
            meta["autoCompleteUrl"] = f"{api}/user/search?query="
        return meta
    name, schema = SYSTEM[field_id]
    required = field_id in REQUIRED_AT_CREATE if creating else field_id == "summary"
    verbs = {"project": ["set"], "issuetype": []}.get(field_id) or list(operations(site, project.key, field_id))
    meta = {"required": required, "schema": dict(schema), "name": name, "key": field_id, "hasDefaultValue": False,
            "operations": verbs}
    allowed = _allowed(site, api, project, field_id, project_json, issue_type_json)
    if allowed is not None:
        meta["allowedValues"] = allowed
    if field_id == "labels":
        meta["autoCompleteUrl"] = f"{api}/label/suggest?query="
    if field_id == "assignee":
        meta["autoCompleteUrl"] = f"{api}/user/assignable/search?project={project.key}&query="
    if field_id == "priority":
        meta.update({"hasDefaultValue": True, "defaultValue": _priority(api, "Medium")})
    return meta


def _allowed(site: Site, api: str, project: Project, field_id: str, project_json: Callable[[Project], dict[str, Any]],
             issue_type_json: Callable[[str], dict[str, Any]]) -> list[Any] | None:
    setup = site.catalog.project(project.key)
    if field_id == "priority":
        return [_priority(api, name) for name in PRIORITIES]
    if field_id == "components":
        return [values.named_json("components", c, api, project.id) for c in setup.components]
    if field_id == "fixVersions":
        return [values.named_json("fixVersions", v, api, project.id) for v in setup.versions]
    if field_id == "project":
        return [project_json(project)]
    if field_id == "issuetype":
        return [issue_type_json(name) for name in project.issue_types]
    return None


def _priority(api: str, name: str) -> dict[str, str]:
    return {"self": f"{api}/priority/{PRIORITIES[name]}", "id": PRIORITIES[name], "name": name}


def issue_type_id(project: Project, wanted: str) -> str | None:
    """The name of the project's issue type whose id is ``wanted`` (None: not one of the project's)."""
    return next((name for name in project.issue_types if ISSUE_TYPES[name] == wanted), None)

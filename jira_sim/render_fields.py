"""JSON for the fields beyond :data:`render.ALL_FIELDS`: components, fix versions, the due date and
the custom fields in an issue's project, in ``fields`` of an issue and in ``GET /field``.

``*all`` and ``*navigable`` include them all (a field without a value answers null, or ``[]`` for
components and versions, as Jira does); a custom field named in ``fields=`` that the issue's
project does not have is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jira_sim import values
from jira_sim.model import Issue
from jira_sim.site import Site

EXTRA_SYSTEM = ("components", "fixVersions", "duedate")
CUSTOM_MARKER = "*custom"  # in a selection: every custom field of the issue's project
EXTRA_NAMES = {"components": "Components", "fixVersions": "Fix versions", "duedate": "Due date"}
EXTRA_SCHEMAS: dict[str, dict[str, str]] = {
    "components": {"type": "array", "items": "component", "system": "components"},
    "fixVersions": {"type": "array", "items": "version", "system": "fixVersions"},
    "duedate": {"type": "date", "system": "duedate"},
}


def wanted(token: str) -> bool:
    """Whether a ``fields=`` token names one of the fields of this module."""
    return token in EXTRA_SYSTEM or token.startswith("customfield_")


def expand_selection(site: Site, issue: Issue, names: list[str]) -> list[str]:
    """``names`` with :data:`CUSTOM_MARKER` replaced by the project's custom fields, unknown custom
    fields dropped and ``-name`` exclusions applied."""
    known = [f.id for f in site.catalog.fields_of(issue.project_key)]
    excluded = {name[1:] for name in names if name.startswith("-")}
    chosen: list[str] = []
    for name in names:
        if name == CUSTOM_MARKER:
            chosen += known
        elif not name.startswith("-") and (not name.startswith("customfield_") or name in known):
            chosen.append(name)
    return [name for name in dict.fromkeys(chosen) if name not in excluded]


def field_json(site: Site, issue: Issue, name: str, api: str, body: Callable[[dict[str, Any]], Any],
               user: Callable[[str], Any]) -> Any:
    """The value of one of this module's fields for ``issue``."""
    setup = site.catalog.project(issue.project_key)
    project_id = site.projects[issue.project_key].id
    if name in ("components", "fixVersions"):
        lookup = setup.component if name == "components" else setup.version
        names = issue.components if name == "components" else issue.fix_versions
        return [values.named_json(name, found, api, project_id) for n in names if (found := lookup(n, None))]
    if name == "duedate":
        return issue.duedate.isoformat() if issue.duedate else None
    field = site.catalog.custom_fields[name]
    return values.custom_json(field, issue.custom.get(name), api, body, user)


def field_entries(site: Site) -> list[dict[str, Any]]:
    """``GET /field`` entries for the extra system fields and every custom field of the site."""
    entries: list[dict[str, Any]] = [
        {"id": name, "key": name, "name": EXTRA_NAMES[name], "custom": False, "orderable": True, "navigable": True,
         "searchable": True, "clauseNames": [name], "schema": EXTRA_SCHEMAS[name]} for name in EXTRA_SYSTEM]
    for field in site.catalog.custom_fields.values():
        entries.append({"id": field.id, "key": field.id, "name": field.name,
                        "custom": True, "orderable": True, "navigable": True, "searchable": True,
                        "clauseNames": [f"cf[{field.number}]", field.name], "schema": field.schema()})
    return entries

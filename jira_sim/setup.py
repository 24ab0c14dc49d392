"""Applying a configuration to a site's :class:`~jira_sim.catalog.Catalog`, from a seed or the admin API.

Custom field: ``{"id": "customfield_10042" (optional), "name", "kind": one of catalog.CUSTOM_TYPES,
"options": ["Red", ...] (select kinds), "projects": ["KEY", ...] (put it in their context)}``.

Project (any subset; lists replace what was there)::

    {"projectType": "software" | "service_desk" | "business",
     "components": ["UI", ...], "versions": ["1.0", ...],
     "customFields": ["customfield_10042", ...],      # the fields in the project's context
     "offCreate": [field ids], "offEdit": [field ids], # left off the create / edit screen
     "unassignable": [accountIds], "customers": [accountIds], "roles": [role names],
     "optionContexts": {"customfield_10042": ["Red", ...]}}  # a select field's options in this project

A select field's options are the field's; a project's context may offer only some of them (as
Jira's field contexts do): a value outside it is refused there as an unknown option is.

Comment touch: ``{"add": bool, "edit": bool, "delete": bool}``: which comment writes move the
issue's ``updated``. Bad input raises :class:`ValueError` naming the key and the reason.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jira_sim.catalog import CUSTOM_TYPES, PROJECT_TYPES, SERVICE_DESK, SERVICE_DESK_ROLES, CustomField, Named, Option
from jira_sim.site import Site

PROJECT_KEYS = ("projectType", "components", "versions", "customFields", "offCreate", "offEdit", "unassignable",
                "customers", "roles", "optionContexts")


def add_custom_field(site: Site, data: dict[str, Any]) -> CustomField:
    unknown = set(data) - {"id", "name", "kind", "options", "projects"}
    if unknown:
        raise ValueError(f"custom field: unknown keys {sorted(unknown)}")
    kind = data.get("kind")
    if kind not in CUSTOM_TYPES:
        raise ValueError(f"custom field 'kind': {kind!r} is not one of {sorted(CUSTOM_TYPES)}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ValueError("custom field 'name': a non-empty string is required")
    field_id = str(data.get("id") or f"customfield_{site.next_id('customfield', 10040)}")
    if not field_id.startswith("customfield_") or not field_id.rsplit("_", 1)[1].isdigit():
        raise ValueError(f"custom field 'id': {field_id!r} is not of the form customfield_NNNNN")
    options = tuple(Option(str(site.next_id("option", 10100)), str(v)) for v in _strings(data, "options"))
    if kind in ("select", "multiselect") and not options:
        raise ValueError(f"custom field 'options': a {kind} field needs at least one option")
    field = CustomField(field_id, data["name"], kind, options)
    site.catalog.custom_fields[field_id] = field
    for key in _strings(data, "projects"):
        _known_project(site, key)
        setup = site.catalog.project(key)
        if field_id not in setup.custom_fields:
            setup.custom_fields = (*setup.custom_fields, field_id)
    return field


def configure_project(site: Site, key: str, data: dict[str, Any]) -> None:
    _known_project(site, key)
    unknown = set(data) - set(PROJECT_KEYS)
    if unknown:
        raise ValueError(f"project {key}: unknown keys {sorted(unknown)}")
    setup = site.catalog.project(key)
    if "projectType" in data:
        if data["projectType"] not in PROJECT_TYPES:
            raise ValueError(f"project {key} 'projectType': {data['projectType']!r} is not one of {list(PROJECT_TYPES)}")
        setup.project_type = data["projectType"]
        if setup.project_type == SERVICE_DESK and "roles" not in data:
            setup.roles = SERVICE_DESK_ROLES
    if "components" in data:
        setup.components = _named(site, "component", setup.components, _strings(data, "components"))
    if "versions" in data:
        setup.versions = _named(site, "version", setup.versions, _strings(data, "versions"))
    if "customFields" in data:
        fields = _strings(data, "customFields")
        missing = [f for f in fields if f not in site.catalog.custom_fields]
        if missing:
            raise ValueError(f"project {key} 'customFields': unknown custom fields {missing}")
        setup.custom_fields = tuple(fields)
    for name, attribute in (("offCreate", "off_create"), ("offEdit", "off_edit")):
        if name in data:
            setattr(setup, attribute, frozenset(_strings(data, name)))
    for name in ("unassignable", "customers"):
        if name in data:
            accounts = _strings(data, name)
            missing = [a for a in accounts if a not in site.users]
            if missing:
                raise ValueError(f"project {key} '{name}': unknown users {missing}")
            setattr(setup, name, frozenset(accounts))
    if "roles" in data:
        setup.roles = tuple(_strings(data, "roles"))
    if "optionContexts" in data:
        setup.option_contexts = _option_contexts(site, key, data["optionContexts"])


def _option_contexts(site: Site, key: str, data: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise ValueError(f"project {key} 'optionContexts': an object of field id -> option values is required")
    contexts: dict[str, tuple[str, ...]] = {}
    for field_id in data:
        field = site.catalog.custom_fields.get(field_id)
        if field is None or field.kind not in ("select", "multiselect"):
            raise ValueError(f"project {key} 'optionContexts': {field_id!r} is not a select custom field")
        wanted = _strings(data, field_id)
        unknown = [v for v in wanted if v not in {o.value for o in field.options}]
        if unknown:
            raise ValueError(f"project {key} 'optionContexts.{field_id}': unknown options {unknown}")
        contexts[field_id] = tuple(wanted)
    return contexts


def configure_comment_touch(site: Site, data: dict[str, Any]) -> None:
    unknown = set(data) - {"add", "edit", "delete"}
    if unknown or not all(isinstance(v, bool) for v in data.values()):
        raise ValueError("comment touch: only 'add', 'edit' and 'delete', each true or false")
    site.catalog.comment_touch = replace(site.catalog.comment_touch, **data)


def project_json(site: Site, key: str) -> dict[str, Any]:
    """A project's configuration in the admin API's shape (ids included)."""
    _known_project(site, key)
    setup = site.catalog.project(key)
    return {"key": key, "projectType": setup.project_type,
            "components": [{"id": c.id, "name": c.name} for c in setup.components],
            "versions": [{"id": v.id, "name": v.name} for v in setup.versions],
            "customFields": list(setup.custom_fields), "offCreate": sorted(setup.off_create),
            "offEdit": sorted(setup.off_edit), "unassignable": sorted(setup.unassignable),
            "customers": sorted(setup.customers), "roles": list(setup.roles),
            "optionContexts": {k: list(v) for k, v in setup.option_contexts.items()}}


def field_json(field: CustomField) -> dict[str, Any]:
    return {"id": field.id, "name": field.name, "kind": field.kind,
            "options": [{"id": o.id, "value": o.value} for o in field.options]}


def _named(site: Site, kind: str, existing: tuple[Named, ...], names: list[str]) -> tuple[Named, ...]:
    """Keep the ids of names already there, give new names new ids."""
    by_name = {n.name: n for n in existing}
    return tuple(by_name.get(name) or Named(str(site.next_id(kind)), name) for name in names)


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{key}': a list of strings is required")
    return list(value)


def _known_project(site: Site, key: str) -> None:
    if key not in site.projects:
        raise ValueError(f"unknown project {key!r}")

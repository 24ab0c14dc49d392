"""Values of the fields beyond the core ones: components, fix versions, the due date and custom
fields. Each kind has a parser (the JSON a client sends for ``set`` -> the stored value, raising
Jira's 400 with the field named) and a renderer (stored value -> the JSON Jira answers with).

Stored values: components and versions by name; dates as :class:`datetime.date`; a select as its
option id, a multi select as a tuple of option ids; a user as the account id; text as a string;
a paragraph (textarea) as an ADF document.

Message texts: "Error parsing date string", "Option value '..' is not valid", "Component name '..'
is not valid", "Version name '..' is not valid", "User '..' cannot be assigned issues." and the
255-character text limit are the words Jira answers with; the others (marked ``# sim wording``)
are this simulator's own, where no Atlassian page gives them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from jira_sim.catalog import CustomField, Named, Option, ProjectSetup
from jira_sim.errors import JiraApiError, field_errors
from jira_sim.formats import adf_to_text, is_adf_document, text_to_adf

TEXT_FIELD_LIMIT = 255
PARAGRAPH_LIMIT = 32767
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
Json = Any


def parse_date(value: Json, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad_date(value, field)
    except ValueError:
        return _bad_date(value, field)


def _bad_date(value: Json, field: str) -> date:
    raise field_errors(**{field: f"Error parsing date string: {value}"})


def date_strings(value: date | None) -> tuple[str | None, str | None]:
    """A date as a changelog item writes it: (``from``/``to``, ``fromString``/``toString``)."""
    return (value.isoformat(), f"{value.isoformat()} 00:00:00.0") if value else (None, None)


def parse_named_list(setup: ProjectSetup, field: str, value: Json) -> tuple[str, ...]:
    """``[{"name"}|{"id"}, ...]`` for components or fixVersions -> names."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise field_errors(**{field: f"Field '{field}' expects a list of objects."})  # sim wording
    return tuple(parse_named(setup, field, item).name for item in value)


def parse_named(setup: ProjectSetup, field: str, item: Json) -> Named:
    label = "Component" if field == "components" else "Version"
    lookup: Callable[[object, object], Named | None] = setup.component if field == "components" else setup.version
    if not isinstance(item, dict) or ("name" not in item and "id" not in item):
        raise field_errors(**{field: f"{label} must be given by name or id."})  # sim wording
    found = lookup(item.get("name"), item.get("id"))
    if found is None:
        by = "id" if "id" in item else "name"
        raise field_errors(**{field: f"{label} {by} '{item.get(by)}' is not valid"})
    return found


def parse_custom(field: CustomField, value: Json, adf: bool, known_user: Callable[[Json], str | None]) -> Any:
    """The stored value of a ``set`` of ``field`` to ``value`` (None clears it)."""
    if value is None:
        return None
    kind = field.kind
    if kind == "text":
        if not isinstance(value, str):
            raise field_errors(**{field.id: "Operation value must be a string"})
        if len(value.encode("utf-16-le")) // 2 > TEXT_FIELD_LIMIT:
            raise field_errors(**{field.id: _too_long(TEXT_FIELD_LIMIT)})
        return value
    if kind == "textarea":
        return _paragraph(field.id, value, adf)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise field_errors(**{field.id: "Operation value must be a number"})  # sim wording
        return value
    if kind == "date":
        return parse_date(value, field.id)
    if kind == "select":
        return _option(field, value).id
    if kind == "multiselect":
        if not isinstance(value, list):
            raise field_errors(**{field.id: "Operation value must be a list of options"})  # sim wording
        return tuple(dict.fromkeys(_option(field, item).id for item in value))
    account = known_user(value)
    if account is None:
        raise field_errors(**{field.id: f"User '{_user_named(value)}' does not exist."})  # sim wording
    return account


def _paragraph(field_id: str, value: Json, adf: bool) -> dict[str, Any]:
    if adf and not is_adf_document(value):
        raise field_errors(**{field_id: ADF_REQUIRED})
    if not adf and not isinstance(value, str):
        raise field_errors(**{field_id: "Operation value must be a string"})
    sent = json.dumps(value, separators=(",", ":"), ensure_ascii=False) if adf else str(value)
    if len(sent.encode("utf-16-le")) // 2 > PARAGRAPH_LIMIT:
        raise field_errors(**{field_id: _too_long(PARAGRAPH_LIMIT)})
    document: dict[str, Any] = value if adf else text_to_adf(str(value))
    return document


def _too_long(limit: int) -> str:
    return f"The entered text is too long. It exceeds the allowed limit of {limit:,} characters."


def option_of(field: CustomField, value: Json) -> str:
    """The option id a ``{"value"}``/``{"id"}`` object names (for ``add``/``remove`` on a multi select)."""
    return _option(field, value).id


def _option(field: CustomField, value: Json) -> Option:
    if not isinstance(value, dict) or ("value" not in value and "id" not in value):
        raise field_errors(**{field.id: "Option must be given as {\"value\": ..} or {\"id\": ..}."})  # sim wording
    found = field.option(value.get("value"), value.get("id"))
    if found is None:
        by = "id" if "id" in value else "value"
        raise field_errors(**{field.id: f"Option {by} '{value.get(by)}' is not valid"})
    return found


def _user_named(value: Json) -> object:
    return value.get("accountId") or value.get("name") if isinstance(value, dict) else value


def custom_strings(field: CustomField, stored: Any, display_name: Callable[[str], str]) -> tuple[str | None, str | None]:
    """A stored custom value as a changelog item writes it: (raw, readable)."""
    if stored is None or stored == ():
        return (None, None)
    if field.kind == "select":
        return (str(stored), _option_value(field, str(stored)))
    if field.kind == "multiselect":
        return ("[" + ", ".join(stored) + "]", ",".join(_option_value(field, i) for i in stored))
    if field.kind == "date":
        return date_strings(stored)
    if field.kind == "user":
        return (str(stored), display_name(str(stored)))
    if field.kind == "textarea":
        return (None, adf_to_text(stored))
    return (None, str(stored))


def _option_value(field: CustomField, option_id: str) -> str:
    return next((o.value for o in field.options if o.id == option_id), option_id)


def custom_json(field: CustomField, stored: Any, api: str, body: Callable[[dict[str, Any]], Json],
                user: Callable[[str], Json]) -> Json:
    """A stored custom value as Jira answers it in ``fields`` (None when empty)."""
    if stored is None or stored == ():
        return None
    if field.kind == "select":
        return option_json(field, str(stored), api)
    if field.kind == "multiselect":
        return [option_json(field, i, api) for i in stored]
    if field.kind == "date":
        return stored.isoformat()
    if field.kind == "textarea":
        return body(stored)
    if field.kind == "user":
        return user(str(stored))
    return stored


def option_json(field: CustomField, option_id: str, api: str) -> dict[str, str]:
    return {"self": f"{api}/customFieldOption/{option_id}", "value": _option_value(field, option_id), "id": option_id}


def named_json(field: str, item: Named, api: str, project_id: str) -> dict[str, Any]:
    if field == "components":
        return {"self": f"{api}/component/{item.id}", "id": item.id, "name": item.name}
    return {"self": f"{api}/version/{item.id}", "id": item.id, "name": item.name, "archived": False,
            "released": False, "projectId": int(project_id)}


def not_on_screen(field: str) -> JiraApiError:
    return field_errors(**{field: f"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."})

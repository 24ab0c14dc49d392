"""At a worker's start: is each synced field there, editable, and of a type the sync can copy, on
both projects? Read from Jira's edit metadata of each project's newest issue (a project without
issues is not judged yet); the problems are reported as the rules' statuses are (warnings on the
heartbeat and in the log): the check advises, it never keeps a pair from running."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.config import PairConfig
from app.jira import JiraClient, JiraError, jql_string

# Custom field types (schema.custom, after the colon) whose values the sync compares and writes.
SUPPORTED_CUSTOM = frozenset({"textfield", "textarea", "float", "datepicker", "select", "multiselect", "userpicker",
                              "radiobuttons", "multicheckboxes"})


def field_problems(names: list[str], project: str, screen: Mapping[str, Any]) -> list[str]:
    """What is wrong with the synced `names` on a project whose edit screen is `screen` (pure)."""
    problems = []
    for name in names:
        meta = screen.get(name)
        if meta is None:
            problems.append(f"fields.{name}: not on the edit screen of {project} (Jira's edit metadata)")
            continue
        custom = str((meta.get("schema") or {}).get("custom") or "")
        if name.startswith("customfield_") and custom.rpartition(":")[2] not in SUPPORTED_CUSTOM:
            problems.append(f"fields.{name}: {meta.get('name') or name} on {project} is of type {custom or '?'}, "
                            "which the sync cannot copy")
    return problems


def field_screen_warnings(config: PairConfig, jira: JiraClient) -> list[str]:
    names = [name for name, direction in (config.fields or {}).items() if direction != "none"]
    if not names:
        return []
    problems: list[str] = []
    for project in (config.user_project_key, config.dev_project_key):
        try:
            newest = next(iter(jira.search(f"project = {jql_string(project)} ORDER BY created DESC", fields=["summary"],
                                           page_size=1)), None)
            if newest is not None:
                problems += field_problems(names, project, jira.edit_metadata(str(newest["key"])))
        except JiraError as error:
            problems.append(f"fields: the edit metadata of {project} could not be read: {error}")
    return problems

"""At a worker's start (and in `plan`): is each synced field there, settable, and of a type the
sync can copy, on both projects? Two of Jira's answers judge it: the edit metadata of each
project's newest issue (a project without issues is judged by its create metadata instead), and
the create metadata of the Dev project for the issue type Dev issues are created as, for the
fields sent at creation (`toDev`, `both`). The problems are reported as the rules' statuses are
(warnings on the heartbeat and in the log): the check advises, it never keeps a pair from running.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.config import PairConfig
from app.jira import JiraClient, JiraError, jql_string

# Custom field types (schema.custom, after the colon) whose values the sync compares and writes.
SUPPORTED_CUSTOM = frozenset({"textfield", "textarea", "float", "datepicker", "select", "multiselect", "userpicker",
                              "radiobuttons", "multicheckboxes"})
EDIT_METADATA = "Jira's edit metadata"
CREATE_METADATA = "Jira's create metadata"


def field_problems(names: list[str], project: str, screen: Mapping[str, Any], where: str | None = None) -> list[str]:
    """What is wrong with the synced `names` on the screen `screen` (field id -> Jira's field
    metadata), `where` naming it (default: the project's edit screen). Pure."""
    where = where or f"the edit screen of {project} ({EDIT_METADATA})"
    problems = []
    for name in names:
        meta = screen.get(name)
        if meta is None:
            problems.append(f"fields.{name}: not on {where}")
            continue
        verbs = meta.get("operations")
        if isinstance(verbs, list) and "set" not in verbs:
            problems.append(f"fields.{name}: cannot be set on {where} (its operations: {', '.join(verbs) or 'none'})")
        custom = str((meta.get("schema") or {}).get("custom") or "")
        if name.startswith("customfield_") and custom.rpartition(":")[2] not in SUPPORTED_CUSTOM:
            problems.append(f"fields.{name}: {meta.get('name') or name} on {project} is of type {custom or '?'}, "
                            "which the sync cannot copy")
    return problems


def field_screen_warnings(config: PairConfig, jira: JiraClient) -> list[str]:
    """Every problem of the pair's synced fields on both projects' screens, each once."""
    directions = {name: direction for name, direction in (config.fields or {}).items() if direction != "none"}
    if not directions:
        return []
    names = list(directions)
    to_dev = [name for name, direction in directions.items() if direction in ("toDev", "both")]
    dev, issue_type = config.dev_project_key, config.dev_issue_type
    problems: list[str] = []
    dev_by_create = False  # the Dev project had no issue: its create screen judged every field already
    for project in dict.fromkeys((config.user_project_key, dev)):
        try:
            found, by_create = _edit_problems(jira, project, names, issue_type if project == dev else None)
            problems += found
            dev_by_create = dev_by_create or (by_create and project == dev)
        except JiraError as error:
            problems.append(f"fields: the metadata of {project} could not be read: {error}")
    if to_dev and not dev_by_create:
        try:
            screen = jira.create_metadata(dev, issue_type)
            if screen is None:
                problems.append(_no_issue_type(dev, issue_type))
            else:
                problems += field_problems(to_dev, dev, screen, f"the create screen of {dev} for {issue_type} "
                                           f"({CREATE_METADATA}): Dev issues are created without it, an edit "
                                           "after the creation sets it")
        except JiraError as error:
            problems.append(f"fields: the create metadata of {dev} could not be read: {error}")
    return list(dict.fromkeys(problems))


def _edit_problems(jira: JiraClient, project: str, names: list[str], issue_type: str | None) -> tuple[list[str], bool]:
    """The problems on the project's edit screen, read from its newest issue; without an issue, on
    its create screen instead (for `issue_type`, else for any of the project's issue types), and
    whether it was so."""
    newest = next(iter(jira.search(f"project = {jql_string(project)} ORDER BY created DESC", fields=["summary"],
                                   page_size=1)), None)
    if newest is not None:
        return field_problems(names, project, jira.edit_metadata(str(newest["key"]))), False
    types = [issue_type] if issue_type is not None else jira.create_issue_types(project)
    screen: dict[str, Any] = {}
    for name in types:
        found = jira.create_metadata(project, name)
        if found is None:
            return [_no_issue_type(project, name)], True
        screen = {**found, **screen}
    shown = issue_type or "any issue type"
    return field_problems(names, project, screen, f"the create screen of {project} for {shown} ({CREATE_METADATA}; "
                                                  f"{project} has no issue yet whose edit metadata to read)"), True


def _no_issue_type(project: str, issue_type: str) -> str:
    return f"fields: {project} has no issue type {issue_type!r} to create issues as ({CREATE_METADATA})"

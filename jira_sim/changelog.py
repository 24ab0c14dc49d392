"""Changelogs: every change of an issue's fields is one history entry (author, time, one item per
field), as Jira keeps them; comments, properties and links write none.

:func:`record` compares the issue before and after a write and appends the entry. Item shapes
follow Jira's: ``field`` (the name Jira writes: ``summary``, ``status``, ``Component``, ``Fix
Version``, a custom field's name), ``fieldtype`` (``jira`` or ``custom``), ``fieldId`` (Cloud
only), raw ``from``/``to`` (ids, account ids, dates) and readable ``fromString``/``toString``. Components and
versions get one item per value added or removed.

Two readings, as Atlassian documents them: ``GET /issue/{key}/changelog`` pages oldest first
(``startAt``/``maxResults``/``total``/``isLast``/``values``, at most :data:`PAGE_CAP` a page; Cloud
only), and ``expand=changelog`` on an issue gives the most recent first, at most
:data:`EXPANDED_CAP` of them with ``total`` counting all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from jira_sim import values
from jira_sim.formats import adf_to_text
from jira_sim.model import ChangeItem, History, Issue
from jira_sim.site import PRIORITIES, RESOLUTIONS, Site

PAGE_CAP = 100
EXPANDED_CAP = 100


def record(site: Site, before: Issue, after: Issue, author: str) -> Issue:
    """Append the history entry for ``before`` -> ``after`` (none when no field changed); returns
    the stored issue. ``updated`` is not moved again: the write itself moved it."""
    items = changes(site, before, after)
    if not items:
        return after
    history = History(str(site.next_id("changelog")), author, after.updated, tuple(items))
    logged = replace(after, changelog=(*after.changelog, history))
    # Stored without a new index version: search never answers with changelogs, and the write
    # that made the change was indexed already (a second version would shift what holds fall back to).
    site.issues[logged.id] = logged
    return logged


def changes(site: Site, before: Issue, after: Issue) -> list[ChangeItem]:
    items: list[ChangeItem] = []
    if before.summary != after.summary:
        items.append(ChangeItem("summary", "jira", "summary", None, before.summary, None, after.summary))
    if before.description != after.description:
        items.append(ChangeItem("description", "jira", "description", None, _text(before.description), None,
                                _text(after.description)))
    if before.priority != after.priority:
        items.append(ChangeItem("priority", "jira", "priority", PRIORITIES[before.priority], before.priority,
                                PRIORITIES[after.priority], after.priority))
    if before.status != after.status:
        items.append(ChangeItem("status", "jira", "status", site.status_ids.get(before.status), before.status,
                                site.status_ids.get(after.status), after.status))
    if before.resolution != after.resolution:
        items.append(ChangeItem("resolution", "jira", "resolution", _id(RESOLUTIONS, before.resolution),
                                before.resolution, _id(RESOLUTIONS, after.resolution), after.resolution))
    if before.assignee != after.assignee:
        items.append(ChangeItem("assignee", "jira", "assignee", before.assignee, _display(site, before.assignee),
                                after.assignee, _display(site, after.assignee)))
    if before.labels != after.labels:
        items.append(ChangeItem("labels", "jira", "labels", None, " ".join(before.labels) or None, None,
                                " ".join(after.labels) or None))
    if before.duedate != after.duedate:
        items.append(ChangeItem("duedate", "jira", "duedate", *values.date_strings(before.duedate),
                                *values.date_strings(after.duedate)))
    items += _named_items(site, after, "Component", "components", before.components, after.components)
    items += _named_items(site, after, "Fix Version", "fixVersions", before.fix_versions, after.fix_versions)
    items += _custom_items(site, before, after)
    return items


def _named_items(site: Site, issue: Issue, label: str, field_id: str, old: tuple[str, ...],
                 new: tuple[str, ...]) -> list[ChangeItem]:
    setup = site.catalog.project(issue.project_key)
    lookup = setup.component if field_id == "components" else setup.version

    def id_of(name: str) -> str | None:
        found = lookup(name, None)
        return found.id if found else None

    removed = [ChangeItem(label, "jira", field_id, id_of(n), n, None, None) for n in old if n not in new]
    added = [ChangeItem(label, "jira", field_id, None, None, id_of(n), n) for n in new if n not in old]
    return removed + added


def _custom_items(site: Site, before: Issue, after: Issue) -> list[ChangeItem]:
    items = []
    for field in site.catalog.fields_of(after.project_key):
        old, new = before.custom.get(field.id), after.custom.get(field.id)
        if (old or None) == (new or None):
            continue
        display: Callable[[str], str] = lambda account: _display(site, account) or account  # noqa: E731
        items.append(ChangeItem(field.name, "custom", field.id, *values.custom_strings(field, old, display),
                                *values.custom_strings(field, new, display)))
    return items


def _text(document: dict[str, Any] | None) -> str | None:
    return adf_to_text(document) if document is not None else None


def _id(table: dict[str, str], name: str | None) -> str | None:
    return table[name] if name else None


def _display(site: Site, account: str | None) -> str | None:
    user = site.users.get(account) if account else None
    return user.display_name if user else None


def history_json(history: History, user: Callable[[str], Any], time: Callable[[Any], Any],
                 field_ids: bool = True) -> dict[str, Any]:
    """One history as Jira answers it. `fieldId` is in Cloud's OpenAPI (ChangeDetails); Data Center's
    documentation does not promise it, so a Data Center site leaves it out (the worse case): a
    reader has the field's name only."""
    items = [{"field": i.field, "fieldtype": i.fieldtype, "fieldId": i.field_id, "from": i.from_value,
              "fromString": i.from_string, "to": i.to_value, "toString": i.to_string} for i in history.items]
    if not field_ids:
        for item in items:
            del item["fieldId"]
    return {"id": history.id, "author": user(history.author), "created": time(history.created), "items": items}


def page(issue: Issue, start: int, limit: int) -> tuple[list[History], int]:
    """Oldest first: the histories of one page and the total."""
    return list(issue.changelog[start:start + min(limit, PAGE_CAP)]), len(issue.changelog)


def recent(issue: Issue) -> list[History]:
    """Most recent first, at most :data:`EXPANDED_CAP` (``expand=changelog``)."""
    return list(reversed(issue.changelog))[:EXPANDED_CAP]


def expanded(issue: Issue, user: Callable[[str], Any], time: Callable[[Any], Any],
             field_ids: bool = True) -> dict[str, Any]:
    """The ``changelog`` member of an issue read with ``expand=changelog``."""
    histories = recent(issue)
    return {"startAt": 0, "maxResults": len(histories), "total": len(issue.changelog),
            "histories": [history_json(h, user, time, field_ids) for h in histories]}

"""Evaluating a parsed JQL :class:`Query` against issues, for one caller at one moment.

Dates are read in the caller's time zone at minute precision, as Jira does:
``updated >= "2026/11/28 16:20"`` means 16:20:00.000 in the caller's zone. Relative values
(``-5m``, ``-2h``, ``-1d``, ``-1w``) count back from now. Unknown projects, statuses or keys are
errors (400), as in Jira.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from app.simulator.jql import Clause, JqlError, Query
from app.simulator.model import Issue, User
from app.simulator.site import Site
from app.simulator.timefmt import zone

_RELATIVE = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ABSOLUTE = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")


@dataclass(frozen=True)
class Compiled:
    predicates: tuple[Callable[[Issue], bool], ...]
    order: tuple[tuple[str, bool], ...]
    bounded: bool

    def matches(self, issue: Issue) -> bool:
        return all(predicate(issue) for predicate in self.predicates)

    def sort(self, issues: list[Issue]) -> list[Issue]:
        ordered = sorted(issues, key=lambda i: i.id)  # stable base order
        for field, ascending in reversed(self.order or (("created", False),)):
            ordered.sort(key=_sort_value(field), reverse=not ascending)
        return ordered


def _sort_value(field: str) -> Callable[[Issue], object]:
    if field == "key":
        return lambda i: (i.project_key, int(i.key.rsplit("-", 1)[1]))
    if field == "id":
        return lambda i: i.id
    return lambda i: getattr(i, field)


def parse_date(text: str, now: datetime, time_zone: str) -> datetime:
    """A JQL date value as an aware instant."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        sign, amount, unit = relative.groups()
        delta = timedelta(**{_UNITS[unit]: int(amount)})
        return now - delta if sign == "-" else now + delta
    for pattern in _ABSOLUTE:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=zone(time_zone))
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")


def compile_query(query: Query, site: Site, caller: User, now: datetime) -> Compiled:
    """Validate values against the site and build predicates; raises :class:`JqlError`."""
    predicates = tuple(_predicate(clause, site, caller, now) for clause in query.clauses)
    return Compiled(predicates, query.order, bool(query.clauses))


def _predicate(clause: Clause, site: Site, caller: User, now: datetime) -> Callable[[Issue], bool]:
    if clause.field in ("updated", "created"):
        moment = parse_date(clause.values[0], now, caller.time_zone)
        compare = {">=": lambda v: v >= moment, ">": lambda v: v > moment,
                   "<=": lambda v: v <= moment, "<": lambda v: v < moment}[clause.op]
        return lambda issue: compare(getattr(issue, clause.field))
    if clause.field == "project":
        wanted = {_project_key(site, caller, value) for value in clause.values}
        accessor = lambda issue: issue.project_key  # noqa: E731
    elif clause.field == "status":
        wanted = {_status(site, value) for value in clause.values}
        accessor = lambda issue: issue.status.lower()  # noqa: E731
    else:
        wanted = {_issue_id(site, value) for value in clause.values}
        accessor = lambda issue: issue.id  # noqa: E731
    if clause.op in ("=", "in"):
        return lambda issue: accessor(issue) in wanted
    return lambda issue: accessor(issue) not in wanted


def _project_key(site: Site, caller: User, value: str) -> str:
    for project in site.projects.values():
        if value.upper() == project.key or value == project.id or value.lower() == project.name.lower():
            if caller.can_see(project.key):
                return project.key
    raise JqlError(f"The value '{value}' does not exist for the field 'project'.")


def _status(site: Site, value: str) -> str:
    known = {name.lower() for p in site.projects.values() for name, _ in p.workflow.statuses}
    known |= {status_id for status_id in site.status_ids.values()}
    if value.lower() not in known:
        raise JqlError(f"The value '{value}' does not exist for the field 'status'.")
    by_id = {status_id: name.lower() for name, status_id in site.status_ids.items()}
    return by_id.get(value, value.lower())


def _issue_id(site: Site, value: str) -> int:
    if value.isdigit() and int(value) in site.issues:
        return int(value)
    if not _KEY.match(value.upper()):
        raise JqlError(f"The issue key '{value}' for field 'key' is invalid.")
    issue = site.issue(value)
    if issue is None:
        raise JqlError(f"An issue with key '{value}' does not exist for field 'key'.")
    return issue.id

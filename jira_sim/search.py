"""Search: JQL evaluated over the (lagging) index, for one caller at one moment, then one page.

Dates are read in the caller's time zone at minute precision, as Jira does:
``updated >= "2026/11/28 16:20"`` means 16:20:00.000 in the caller's zone. Relative values
(``-5m``, ``-2h``, ``-1d``, ``-1w``) count back from now. Unknown projects, statuses, keys or ids
(and those the caller may not see) are errors (400), as in Jira; ``key``, ``issuekey``, ``issue``
and ``id`` are one clause that takes keys and ids.

Cloud's enhanced search pages with an opaque ``nextPageToken`` (absent on the last page), takes
``reconcileIssues`` (at most 50 issue ids matched on their current version) and
caps ``maxResults`` at :data:`CLOUD_PAGE_CAP` when fields are requested (5000 for ids only);
Data Center pages with ``startAt``/``total`` and caps at :data:`DC_PAGE_CAP`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jira_sim.errors import JiraApiError
from jira_sim.formats import zone
from jira_sim.jql import Clause, JqlError, Query, parse
from jira_sim.model import Issue, User
from jira_sim.site import Site

CLOUD_PAGE_CAP = 100
CLOUD_ID_ONLY_CAP = 5000
DC_PAGE_CAP = 1000
DEFAULT_PAGE = 50
MAX_RECONCILE = 50  # "API can accept a maximum of 50 reconcile issues" (search-and-reconcile guide)
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
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


def _sort_value(field: str) -> Callable[[Issue], Any]:
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
        compare: Callable[[datetime], bool] = {
            ">=": lambda v: v >= moment, ">": lambda v: v > moment, "<=": lambda v: v <= moment, "<": lambda v: v < moment,
        }[clause.op]
        return lambda issue: compare(getattr(issue, clause.field))
    wanted: set[str] | set[int]
    accessor: Callable[[Issue], str | int]
    if clause.field == "project":
        wanted = {_project_key(site, caller, value) for value in clause.values}
        accessor = lambda issue: issue.project_key  # noqa: E731
    elif clause.field == "status":
        wanted = {_status(site, value) for value in clause.values}
        accessor = lambda issue: issue.status.lower()  # noqa: E731
    else:
        wanted = {_issue_id(site, caller, value, clause.name or "key") for value in clause.values}
        accessor = lambda issue: issue.id  # noqa: E731
    if clause.op in ("=", "in"):
        return lambda issue: accessor(issue) in wanted
    return lambda issue: accessor(issue) not in wanted


def _project_key(site: Site, caller: User, value: str) -> str:
    for project in site.projects.values():
        named = value.upper() == project.key or value == project.id or value.lower() == project.name.lower()
        if named and caller.can_see(project.key):
            return project.key
    raise JqlError(f"The value '{value}' does not exist for the field 'project'.")


def _status(site: Site, value: str) -> str:
    known = {name.lower() for p in site.projects.values() for name, _ in p.workflow.statuses}
    known |= {status_id for status_id in site.status_ids.values()}
    if value.lower() not in known:
        raise JqlError(f"The value '{value}' does not exist for the field 'status'.")
    by_id = {status_id: name.lower() for name, status_id in site.status_ids.items()}
    return by_id.get(value, value.lower())


def _issue_id(site: Site, caller: User, value: str, name: str) -> int:
    """The id an issue key or id names; one the caller may not see does not exist, as in Jira."""
    if not value.isdigit() and not _KEY.match(value.upper()):
        raise JqlError(f"The issue key '{value}' for field '{name}' is invalid.")
    issue = site.issue(value)
    if issue is None or not caller.can_see(issue.project_key):
        raise JqlError(f"An issue with key '{value}' does not exist for field '{name}'.")
    return issue.id


def run_query(site: Site, caller: User, jql: str, require_bounded: bool, reconcile: tuple[int, ...] = ()) -> list[Issue]:
    """Every indexed issue matching ``jql`` that the caller may see, in the query's order.

    The ``reconcile`` issues (Cloud's ``reconcileIssues``) are matched on their current version,
    not the indexed one: read-after-write for them alone.
    """
    now = site.now()
    try:
        compiled = compile_query(parse(jql), site, caller, now)
    except JqlError as error:
        raise JiraApiError(400, [str(error)]) from error
    if require_bounded and not compiled.bounded:
        raise JiraApiError(400, [UNBOUNDED])
    candidates = {issue.id: issue for issue in site.index.visible(now)}
    for issue_id in reconcile:
        current = site.issues.get(issue_id)
        candidates.pop(issue_id, None)
        if current is not None:
            candidates[issue_id] = current
    found = [i for i in candidates.values() if caller.can_see(i.project_key) and compiled.matches(i)]
    return compiled.sort(found)


def reconcile_ids(values: list[Any]) -> tuple[int, ...]:
    """``reconcileIssues`` as issue ids: integers (GET: repeated or comma-separated), at most :data:`MAX_RECONCILE`."""
    parts = [part.strip() if isinstance(part, str) else part
             for value in values for part in (value.split(",") if isinstance(value, str) else [value])]
    ids = []
    for part in parts:
        if isinstance(part, bool) or not str(part).isdigit():
            raise JiraApiError(400, [f"The value '{part}' is not valid for reconcileIssues: issue ids are numbers."])
        ids.append(int(part))
    if len(ids) > MAX_RECONCILE:
        raise JiraApiError(400, [f"reconcileIssues accepts at most {MAX_RECONCILE} issue ids, not {len(ids)}."])
    return tuple(ids)


def page_size(requested: int, cap: int) -> int:
    """Jira silently answers with fewer issues than asked when ``requested`` exceeds the cap."""
    return min(requested, cap)


def cloud_cap(fields: list[str]) -> int:
    return CLOUD_ID_ONLY_CAP if set(fields) <= {"id", "key"} else CLOUD_PAGE_CAP


def make_token(jql: str, offset: int) -> str:
    raw = json.dumps({"o": offset, "q": _fingerprint(jql)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(jql: str, token: str | None) -> int:
    """The offset a ``nextPageToken`` stands for; 400 when it is foreign or malformed."""
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(data["o"])
        if data["q"] != _fingerprint(jql) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError) as error:
        raise JiraApiError(400, ["The provided nextPageToken is invalid or does not belong to this query."]) from error


def _fingerprint(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:12]

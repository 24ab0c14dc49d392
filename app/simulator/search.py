"""Search over the (lagging) index: JQL → ordered issues → one page.

Cloud's enhanced search pages with an opaque ``nextPageToken`` (absent on the last page) and
caps ``maxResults`` at :data:`CLOUD_PAGE_CAP` when fields are requested (5000 for ids only);
Data Center pages with ``startAt``/``total`` and caps at :data:`DC_PAGE_CAP`.
"""

from __future__ import annotations

import base64
import hashlib
import json

from app.simulator.errors import JiraApiError
from app.simulator.jql import JqlError, parse
from app.simulator.jql_eval import compile_query
from app.simulator.model import Issue, User
from app.simulator.site import Site

CLOUD_PAGE_CAP = 100
CLOUD_ID_ONLY_CAP = 5000
DC_PAGE_CAP = 1000
DEFAULT_PAGE = 50
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


def run_query(site: Site, caller: User, jql: str, require_bounded: bool) -> list[Issue]:
    """Every indexed issue matching ``jql`` that the caller may see, in the query's order."""
    now = site.now()
    try:
        compiled = compile_query(parse(jql), site, caller, now)
    except JqlError as error:
        raise JiraApiError(400, [str(error)]) from error
    if require_bounded and not compiled.bounded:
        raise JiraApiError(400, [UNBOUNDED])
    found = [i for i in site.index.visible(now) if caller.can_see(i.project_key) and compiled.matches(i)]
    return compiled.sort(found)


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

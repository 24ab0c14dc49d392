"""REST: ``POST /issue/bulkfetch`` (Cloud only; Data Center has no such resource and answers 404).

As the Platform OpenAPI describes *getIssues* / ``BulkFetchIssueRequestBean``: the body names
``issueIdsOrKeys`` (required, 1 to :data:`BULK_FETCH_CAP`, ids and keys mixed; else 400), and may
name ``fields`` (a list, ``*navigable`` by default, ``*all``, names, ``-name`` exclusions),
``properties`` (at most :data:`PROPERTIES_CAP` keys), ``expand`` and ``fieldsByKeys``; any other
member is 400 (the bean allows no additional properties). The answer is ``{"issues": [...],
"issueErrors": [...]}``, the issues in ascending id order, each once. An id or key that names no
issue the caller may see is left out of both lists ("Issues which aren't found or that the user
doesn't have permission to view won't be returned in this list"); ``issueErrors`` is for retriable
per-issue errors, which the simulator never has, so it is always empty. The issues are read from
the store, like ``GET /issue``, never from the search index: an edit the index has not caught up
with (``index_lag_seconds``, held changes) is already in the answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from jira_sim.errors import JiraApiError
from jira_sim.model import Issue
from jira_sim.render import issue_json, select_fields
from jira_sim.routes_common import API, ctx, json_body, property_map, site
from jira_sim.site import Site

blueprint = Blueprint("bulk", __name__, url_prefix=API)
BULK_FETCH_CAP = 100  # "You can request up to 100 issues"; 400 beyond
PROPERTIES_CAP = 5  # "A maximum of 5 issue property keys can be specified"
MEMBERS = frozenset({"issueIdsOrKeys", "fields", "fieldsByKeys", "properties", "expand"})


@blueprint.post("/issue/bulkfetch")
def bulk_fetch(version: str) -> ResponseReturnValue:
    if site().deployment != "cloud":
        raise JiraApiError(404, ["null for uri: " + request.url])
    c = ctx(version)
    body = json_body()
    wanted = _checked(body)
    with site().lock:
        found = _visible(site(), wanted)
        chosen = select_fields(list(body.get("fields") or []), "*navigable")
        issues = []
        for issue in found:
            document = issue_json(c, issue, chosen)
            if body.get("properties"):
                document["properties"] = property_map(issue, list(body["properties"]))
            issues.append(document)
    return jsonify({"issues": issues, "issueErrors": []})


def _checked(body: dict[str, Any]) -> list[str]:
    unknown = sorted(set(body) - MEMBERS)
    if unknown:
        raise JiraApiError(400, [f"Unrecognized field \"{unknown[0]}\"."])  # sim wording
    wanted = body.get("issueIdsOrKeys")
    if not isinstance(wanted, list) or not all(isinstance(item, str | int) for item in wanted):
        raise JiraApiError(400, ["issueIdsOrKeys must be a list of issue ids or keys."])  # sim wording
    if not wanted:
        raise JiraApiError(400, ["No issue IDs or keys were given."])  # sim wording
    if len(wanted) > BULK_FETCH_CAP:
        raise JiraApiError(400, [f"At most {BULK_FETCH_CAP} issues can be requested at once, "
                                 f"{len(wanted)} were."])  # sim wording
    for member in ("fields", "properties", "expand"):
        value = body.get(member)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise JiraApiError(400, [f"{member} must be a list of strings."])  # sim wording
    if len(body.get("properties") or []) > PROPERTIES_CAP:
        raise JiraApiError(400, [f"At most {PROPERTIES_CAP} issue property keys can be requested."])  # sim wording
    return [str(item) for item in wanted]


def _visible(jira: Site, wanted: list[str]) -> list[Issue]:
    """The issues named that the caller may see, each once, in ascending id order."""
    found = {}
    for key_or_id in wanted:
        issue = jira.issue(key_or_id)
        if issue is not None and g.caller.can_see(issue.project_key):
            found[issue.id] = issue
    return [found[issue_id] for issue_id in sorted(found)]

"""What every REST route shares: who is calling, what they may see, the request's parameters.

Authentication, as each deployment accepts it:

- Cloud: HTTP basic with the account's email address and an API token. Cloud has no personal
  access tokens, so a bearer PAT is refused, and so is a login by account id.
- Data Center: a bearer personal access token, or HTTP basic with the user name (the
  account id here) or, as many sites allow, the email address.

Never logs or echoes credentials.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import current_app, g, request

from jira_sim.errors import JiraApiError, forbidden_project, not_found_issue
from jira_sim.model import Issue, Project, User
from jira_sim.render import Ctx
from jira_sim.site import Site

API = "/rest/api/<any('2','3','latest'):version>"


def authenticate(site: Site, authorization: str | None) -> User | None:
    """The user the ``Authorization`` header proves, or None."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    cloud = site.deployment == "cloud"
    if scheme.lower() == "bearer":
        return None if cloud else site.user_by_pat(credentials.strip())
    if scheme.lower() != "basic":
        return None
    try:
        login, _, secret = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = site.user_by_email(login) or (None if cloud else site.users.get(login))
    if user is None or not user.api_token:
        return None
    return user if hmac.compare_digest(user.api_token, secret) else None


def site() -> Site:
    return current_app.config["SIM_SITE"]


def ctx(version: str) -> Ctx:
    return Ctx(site(), g.get("caller"), "2" if version == "latest" else version, request.url_root.rstrip("/"))


def visible_issue(key_or_id: str) -> Issue:
    """The issue, 404 when unknown, 403 when its project is hidden from the caller."""
    issue = site().issue(key_or_id)
    if issue is None:
        raise not_found_issue()
    if not g.caller.can_see(issue.project_key):
        raise JiraApiError(403, ["You do not have the permission to see the specified issue."])
    return issue


def visible_project(key_or_id: str) -> Project:
    found = site().projects.get(key_or_id.upper()) or next(
        (p for p in site().projects.values() if p.id == key_or_id), None)
    if found is None:
        raise JiraApiError(404, [f"No project could be found with key '{key_or_id}'."])
    if not g.caller.can_see(found.key):
        raise forbidden_project(found.key)
    return found


def json_body() -> dict:
    if not request.is_json:
        raise JiraApiError(415, ["Unsupported Media Type: send Content-Type: application/json."])
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise JiraApiError(400, ["Unexpected character or missing request body: a JSON object is required."])
    return data


def issue_reference(ref: dict) -> Issue:
    """``{"key": ..}`` or ``{"id": ..}`` as found in link payloads."""
    key_or_id = ref.get("key") or ref.get("id")
    if not key_or_id:
        raise JiraApiError(400, ["An issue key or id is required."])
    return visible_issue(str(key_or_id))


def field_list() -> list[str]:
    return request.args.getlist("fields")


def property_map(issue: Issue, wanted: list[str]) -> dict:
    """The ``properties`` member Jira adds when asked (``*all`` or key names)."""
    everything = "*all" in wanted
    return {k: v for k, v in issue.properties.items() if everything or k in wanted}


def split_list(values: list) -> list[str]:
    """Repeated and comma-separated parameters flattened (``a,b`` + ``c`` -> a, b, c)."""
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def int_param(value: object, name: str, default: int) -> int:
    """A non-negative integer parameter; 400 in Jira's shape when it is not one."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise JiraApiError(400, [f"The value '{value}' is not valid for {name}."])
    return number

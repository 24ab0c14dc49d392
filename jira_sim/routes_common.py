"""What every REST route shares: who is calling, what they may see, the request's parameters.

Authentication, as each deployment accepts it:

- Cloud: HTTP basic with the account's email address and an API token. Cloud has no personal
  access tokens, so a bearer PAT proves nobody, and neither does a login by account id.
- Data Center: a bearer personal access token, or HTTP basic with the user name (the
  account id here) or, as many sites allow, the email address.

A revoked API token or PAT (``/_sim/users/<id>/revoke``) proves nobody. Credentials that prove
nobody are a failed login: every answer then carries ``X-Seraph-LoginReason:
AUTHENTICATED_FAILED`` (a proven caller gets ``OK``). What a caller who is nobody gets
(:func:`refusal`):

- Data Center: 401 everywhere, except ``serverInfo`` without credentials.
- Cloud treats them as the anonymous user, who may browse no project: reads answer as for
  someone who sees nothing (GET issue 404, bulkfetch no issues, a search naming a project 400 "The value 'X' does
  not exist for the field 'project'."), writes, ``/myself``, ``/user`` and ``/rest/auth/1/session`` answer 401, and
  ``serverInfo`` answers unless the credentials were wrong (401, per its OpenAPI description).

Anything the caller may not see answers 404, exactly as if it did not exist. Never logs or
echoes credentials.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request

from jira_sim.errors import JiraApiError, not_found_issue, unauthorized
from jira_sim.model import Issue, Project, User
from jira_sim.render import Ctx
from jira_sim.site import Site

API = "/rest/api/<any('2','3','latest'):version>"
ANONYMOUS = User("", "Anonymous", "", projects=())  # sees no project
_LOGIN_REQUIRED = re.compile(r"^/rest/(api/[^/]+/(myself|user)|auth/1/session)$")
_READ_BY_POST = re.compile(r"^/rest/api/[^/]+/(search(/jql)?|issue/bulkfetch)$")


@dataclass(frozen=True)
class Login:
    """What the ``Authorization`` header proved: a user, or nobody (``failed`` when credentials were sent)."""

    user: User | None
    failed: bool = False

    @property
    def reason(self) -> str | None:
        """The ``X-Seraph-LoginReason`` Jira answers with (None without credentials)."""
        return "OK" if self.user else "AUTHENTICATED_FAILED" if self.failed else None


def authenticate(site: Site, authorization: str | None) -> Login:
    if not authorization:
        return Login(None)
    user = _proven_user(site, authorization)
    return Login(user) if user else Login(None, failed=True)


def _proven_user(site: Site, authorization: str) -> User | None:
    scheme, _, credentials = authorization.partition(" ")
    cloud = site.deployment == "cloud"
    if scheme.lower() == "bearer":
        user = None if cloud else site.user_by_pat(credentials.strip())
        return user if user and "pat" not in user.revoked else None
    if scheme.lower() != "basic":
        return None
    try:
        login, _, secret = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = site.user_by_email(login) or (None if cloud else site.users.get(login))
    if user is None or not user.api_token or "apiToken" in user.revoked:
        return None
    return user if hmac.compare_digest(user.api_token, secret) else None


def refusal(deployment: str, login: Login, method: str, path: str) -> JiraApiError | None:
    """The 401 a caller who is nobody gets for ``method path`` (see the module docstring), or None."""
    if login.user is not None:
        return None
    if path.endswith("/serverInfo"):
        return unauthorized() if login.failed else None
    if deployment == "datacenter" or _LOGIN_REQUIRED.match(path):
        return unauthorized()
    reading = method in ("GET", "HEAD") or (method == "POST" and _READ_BY_POST.match(path))
    return None if reading else unauthorized()


def site() -> Site:
    answer: Site = current_app.config["SIM_SITE"]
    return answer


def ctx(version: str) -> Ctx:
    return Ctx(site(), g.get("caller"), "2" if version == "latest" else version, request.url_root.rstrip("/"))


def visible_issue(key_or_id: str) -> Issue:
    """The issue; 404 when it is unknown or its project is hidden from the caller, as Jira answers both."""
    issue = site().issue(key_or_id)
    if issue is None or not g.caller.can_see(issue.project_key):
        raise not_found_issue()
    return issue


def visible_project(key_or_id: str) -> Project:
    """The project; 404 when it is unknown or hidden from the caller."""
    found = site().projects.get(key_or_id.upper()) or next(
        (p for p in site().projects.values() if p.id == key_or_id), None)
    if found is None or not g.caller.can_see(found.key):
        raise JiraApiError(404, [f"No project could be found with key '{key_or_id}'."])
    return found


def json_body() -> dict[str, Any]:
    if not request.is_json:
        raise JiraApiError(415, ["Unsupported Media Type: send Content-Type: application/json."])
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise JiraApiError(400, ["Unexpected character or missing request body: a JSON object is required."])
    return data


def issue_reference(ref: dict[str, Any]) -> Issue:
    """``{"key": ..}`` or ``{"id": ..}`` as found in link payloads."""
    key_or_id = ref.get("key") or ref.get("id")
    if not key_or_id:
        raise JiraApiError(400, ["An issue key or id is required."])
    return visible_issue(str(key_or_id))


def field_list() -> list[str]:
    return request.args.getlist("fields")


def property_map(issue: Issue, wanted: list[str]) -> dict[str, Any]:
    """The ``properties`` member Jira adds when asked (``*all`` or key names)."""
    everything = "*all" in wanted
    return {k: v for k, v in issue.properties.items() if everything or k in wanted}


def split_list(values: list[Any]) -> list[str]:
    """Repeated and comma-separated parameters flattened (``a,b`` + ``c`` -> a, b, c)."""
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def int_param(value: object, name: str, default: int) -> int:
    """A non-negative integer parameter; 400 in Jira's shape when it is not one."""
    if value in (None, ""):
        return default
    try:
        number = int(value) if isinstance(value, (int, float, str)) else -1
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise JiraApiError(400, [f"The value '{value}' is not valid for {name}."])
    return number

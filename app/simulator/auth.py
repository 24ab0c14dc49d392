"""Who is calling, as each deployment accepts it.

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

from app.simulator.errors import JiraApiError
from app.simulator.model import User
from app.simulator.site import Site


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


def unauthorized() -> JiraApiError:
    return JiraApiError(
        401,
        ["You are not authenticated. Authentication required to perform this operation."],
        headers={"WWW-Authenticate": 'Basic realm="protected-area"'},
    )


def forbidden_project(project_key: str) -> JiraApiError:
    return JiraApiError(403, [f"You do not have permission to view project '{project_key}'."])

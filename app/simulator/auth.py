"""Who is calling: HTTP basic (email + API token) or a bearer personal access token.

Never logs or echoes credentials. Data Center basic auth also accepts the user name
(the account id) instead of the email address.
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
    if scheme.lower() == "bearer":
        return site.user_by_pat(credentials.strip())
    if scheme.lower() != "basic":
        return None
    try:
        login, _, secret = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = site.user_by_email(login) or site.users.get(login)
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

"""Jira credentials as `requests` auth objects whose repr and str never show the secret."""

from __future__ import annotations

from typing import Any

from requests.auth import AuthBase, _basic_auth_str
from requests.models import PreparedRequest


def _reveal(secret: Any) -> str:
    """The plain value of a str or a pydantic SecretStr (anything with get_secret_value)."""
    getter = getattr(secret, "get_secret_value", None)
    return getter() if callable(getter) else str(secret)


class BasicAuth(AuthBase):
    """Jira Cloud basic auth: account email + API token."""

    def __init__(self, email: str, token: Any) -> None:
        self.email = email
        self.__token = _reveal(token)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = _basic_auth_str(self.email, self.__token)
        return request

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BasicAuth) and (self.email, self.__token) == (other.email, other.__token)

    def __hash__(self) -> int:
        return hash(("basic", self.email))

    def __repr__(self) -> str:
        return f"BasicAuth(email={self.email!r}, token='**********')"

    __str__ = __repr__


class BearerAuth(AuthBase):
    """Jira Data Center personal access token (also usable with Cloud OAuth bearer tokens)."""

    def __init__(self, token: Any) -> None:
        self.__token = _reveal(token)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.__token}"
        return request

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BearerAuth) and self.__token == other.__token

    def __hash__(self) -> int:
        return hash("bearer")

    def __repr__(self) -> str:
        return "BearerAuth(token='**********')"

    __str__ = __repr__


def auth_for(auth_type: str, email: str | None, token: Any) -> AuthBase:
    """`basic` -> BasicAuth(email, token); `pat` -> BearerAuth(token)."""
    if auth_type == "pat":
        return BearerAuth(token)
    if auth_type == "basic":
        if not email:
            raise ValueError("basic auth needs the account email")
        return BasicAuth(email, token)
    raise ValueError(f"unknown Jira auth type {auth_type!r} (expected 'basic' or 'pat')")

"""Who may read the health service's protected answers: the dashboard, `/metrics`, `/health?detail=1`.

The rule (`decide`, pure over plain values):
- With credentials configured (HEALTH_AUTH_TOKEN, and/or HEALTH_AUTH_USER with
  HEALTH_AUTH_PASSWORD), a request passes when it carries `Authorization: Bearer <token>` or
  HTTP basic `user:password` matching one of them; anything else is UNAUTHORIZED (401, with a
  challenge per configured scheme). Loopback callers get no exception: a proxy on the same host
  would otherwise open everything to everyone.
- With none configured, a request passes only from a loopback peer that carries no
  forwarding header (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`): a proxy that says it
  forwarded someone is not the loopback's own user. Anyone else is FORBIDDEN (403): there are
  no credentials to ask for.

Secrets are compared in constant time over their SHA-256 digests, so neither their content
nor their length shows in the answer time. Nothing here logs; the caller logs the verdict's
`reason`, which never carries a credential.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

REALM = "jira-sync"
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    UNAUTHORIZED = "no valid credentials"  # 401: credentials exist and the request lacks them
    FORBIDDEN = "not a loopback client and no credentials configured"  # 403

    @property
    def reason(self) -> str:
        return self.value


@dataclass(frozen=True)
class HealthAuth:
    """The configured credentials (none: loopback only). `repr` never shows a secret."""

    token: SecretStr | None = None
    user: str | None = None
    password: SecretStr | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> HealthAuth:
        return cls(token=settings.health_auth_token, user=settings.health_auth_user,
                   password=settings.health_auth_password)

    @property
    def configured(self) -> bool:
        return self.token is not None or self.user is not None

    @property
    def schemes(self) -> tuple[str, ...]:
        """The accepted schemes, basic first: a browser prompts for the first one it knows."""
        return tuple(name for name, on in (("Basic", self.user is not None), ("Bearer", self.token is not None)) if on)

    def challenges(self) -> list[str]:
        """One WWW-Authenticate value per accepted scheme."""
        extra = {"Basic": ', charset="UTF-8"', "Bearer": ""}
        return [f'{scheme} realm="{REALM}"{extra[scheme]}' for scheme in self.schemes]


@dataclass(frozen=True)
class Caller:
    """What the rule looks at in a request: the peer address, the credentials, forwarding.

    `scheme` is the Authorization header's scheme in lower case ("basic", "bearer") or None;
    `secret` is the bearer token, `user`/`secret` the basic pair.
    """

    remote_addr: str | None
    forwarded: bool = False
    scheme: str | None = None
    user: str | None = None
    secret: str | None = None

    @classmethod
    def of(cls, request: Any) -> Caller:
        """From a Flask/Werkzeug request (its parsed `authorization`, its headers)."""
        caller = cls(remote_addr=request.remote_addr, forwarded=forwarded(request.headers))
        authorization = request.authorization  # None when absent or malformed
        if authorization is None:
            return caller
        if authorization.type == "basic":
            return replace(caller, scheme="basic", user=authorization.username, secret=authorization.password)
        return replace(caller, scheme=authorization.type, secret=authorization.token)


def decide(auth: HealthAuth, caller: Caller) -> Verdict:
    """May `caller` read the protected answers? See the module docstring for the rule."""
    if not auth.configured:
        return Verdict.ALLOWED if is_loopback(caller.remote_addr) and not caller.forwarded else Verdict.FORBIDDEN
    if caller.scheme == "bearer" and auth.token is not None:
        return Verdict.ALLOWED if _same(caller.secret, auth.token) else Verdict.UNAUTHORIZED
    if caller.scheme == "basic" and auth.user is not None and auth.password is not None:
        # Both compared, always: which half was wrong must not show in the time taken.
        user_ok = _same(caller.user, SecretStr(auth.user))
        password_ok = _same(caller.secret, auth.password)
        return Verdict.ALLOWED if user_ok & password_ok else Verdict.UNAUTHORIZED
    return Verdict.UNAUTHORIZED


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 and IPv4-mapped loopback; anything unparseable (a unix socket) is not."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def forwarded(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name) is not None for name in FORWARDING_HEADERS)


def startup_notice(auth: HealthAuth, host: str) -> tuple[bool, str]:
    """(is it a warning, the line to log) at start: which callers the protected answers serve."""
    protected = "the dashboard, /metrics and /health?detail=1"
    if auth.configured:
        return False, f"{protected} require {' or '.join(auth.schemes)} credentials"
    line = f"no HEALTH_AUTH_TOKEN or HEALTH_AUTH_USER set: {protected} answer loopback clients only"
    if host == "localhost" or is_loopback(host):
        return False, line
    return True, f"{line}; every other client gets 403 (the health service listens on {host})"


def _same(given: str | None, expected: SecretStr) -> bool:
    return hmac.compare_digest(_digest(given or ""), _digest(expected.get_secret_value()))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()

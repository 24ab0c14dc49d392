"""Which Jira flavour a site is, and the REST prefix that goes with it.

The flavour is the server's word, never the host name's: Jira Cloud is also reached through
custom domains, proxies and the gateway `https://api.atlassian.com/ex/jira/{cloudId}`, and
`GET /rest/api/2/serverInfo` answers on both products (anonymously) with its `deploymentType`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Deployment = Literal["cloud", "datacenter"]
DEPLOYMENTS: tuple[str, ...] = ("cloud", "datacenter")
SERVER_INFO_PATH = "/rest/api/2/serverInfo"  # the one path both products answer

_BY_DEPLOYMENT_TYPE: dict[str, Deployment] = {"cloud": "cloud", "server": "datacenter", "datacenter": "datacenter"}


def as_deployment(name: str) -> Deployment:
    """A configured deployment name as a Deployment; ValueError for any other name."""
    if name not in DEPLOYMENTS:
        raise ValueError(f"unknown Jira deployment {name!r} (one of {', '.join(DEPLOYMENTS)})")
    return _BY_DEPLOYMENT_TYPE[name]


def deployment_of(server_info: Mapping[str, Any]) -> Deployment:
    """The flavour a `serverInfo` answer names: `Cloud` -> cloud, `Server`/`DataCenter` -> datacenter.

    Raises ValueError for an answer that is not Jira's (a proxy's page, another product).
    """
    kind = str(server_info.get("deploymentType") or "").replace(" ", "").lower()
    if kind not in _BY_DEPLOYMENT_TYPE:
        raise ValueError(f"the site's serverInfo names no Jira deployment (deploymentType {kind or 'missing'!r})")
    return _BY_DEPLOYMENT_TYPE[kind]


def api_prefix(deployment: str) -> str:
    """Cloud speaks REST v3 (ADF bodies); Data Center speaks REST v2 (plain/wiki strings)."""
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"unknown Jira deployment {deployment!r} (expected one of {DEPLOYMENTS})")
    return "/rest/api/3" if deployment == "cloud" else "/rest/api/2"

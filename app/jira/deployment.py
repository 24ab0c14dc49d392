"""Which Jira flavour a site is, and the REST prefix that goes with it."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

Deployment = Literal["cloud", "datacenter"]
DEPLOYMENTS: tuple[str, ...] = ("cloud", "datacenter")


def infer_deployment(base_url: str) -> Deployment:
    """Cloud sites live under *.atlassian.net (and the jira-dev staging domain); anything else is Data Center."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host.endswith(".atlassian.net") or host.endswith(".jira-dev.com"):
        return "cloud"
    return "datacenter"


def api_prefix(deployment: str) -> str:
    """Cloud speaks REST v3 (ADF bodies); Data Center speaks REST v2 (plain/wiki strings)."""
    if deployment not in DEPLOYMENTS:
        raise ValueError(f"unknown Jira deployment {deployment!r} (expected one of {DEPLOYMENTS})")
    return "/rest/api/3" if deployment == "cloud" else "/rest/api/2"

"""Jira REST client for Cloud (v3, ADF) and Data Center (v2), with retries and typed errors."""

from app.jira.adf import adf_to_text, text_to_adf
from app.jira.auth import BasicAuth, BearerAuth, auth_for
from app.jira.client import JiraClient, Site
from app.jira.deployment import deployment_of
from app.jira.errors import (
    JiraAuthError,
    JiraBadRequest,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraPayloadTooLarge,
    JiraRateLimited,
    JiraServerError,
    JiraUnavailable,
    SearchPaginationError,
    TransitionUnavailable,
)
from app.jira.jql import jql_datetime, jql_string
from app.jira.transitions import Transition

__all__ = [
    "BasicAuth",
    "BearerAuth",
    "JiraAuthError",
    "JiraBadRequest",
    "JiraClient",
    "JiraError",
    "JiraForbidden",
    "JiraNotFound",
    "JiraPayloadTooLarge",
    "JiraRateLimited",
    "JiraServerError",
    "JiraUnavailable",
    "SearchPaginationError",
    "Site",
    "Transition",
    "TransitionUnavailable",
    "adf_to_text",
    "auth_for",
    "deployment_of",
    "jql_datetime",
    "jql_string",
    "text_to_adf",
]

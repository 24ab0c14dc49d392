"""Pydantic models of one pair config file, in the original service's camelCase format.

Python attributes are snake_case; JSON keys are the camelCase aliases (both accepted).
Validation is strict (no "5" for 5, no "yes" for true) and unknown keys are errors; the
loader strips documentation keys (`_*`, `$schema`) before validating.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.config.addresses import refused_host
from app.config.bounds import PRIORITY_RANGE, interval_problems, priority_problem
from app.config.errors import Loc, printable
from app.vocabulary import SyncDirection

PAIR_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
PAIR_NAME_RULE = "1-48 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"
# The bundle's own supervisord programs (app.bundle.render, app.demo): no pair may take their names.
BUNDLE_PROGRAM_NAMES = frozenset({"health", "leases", "watchdog", "mongodb", "jira-sim", "demo-actor"})
PROJECT_KEY_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
DEFAULT_INTERVAL_SECONDS = 300.0
DEFAULT_FULL_SCAN_SECONDS = 3600.0

# What a commentTemplate may say (app.sync.actions.CommentContext fills them in).
TEMPLATE_PLACEHOLDERS = ("sourceKey", "targetKey", "sourceStatus", "targetStatus", "sourceUrl", "targetUrl")
TEMPLATE_REFERENCE = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")

TargetProject = Literal["dev", "user"]
FieldDirection = Literal["both", "toDev", "toUser", "none"]
# The fields a pair may sync by name (README "Fields"); custom fields go by id.
SYNCABLE_FIELDS = ("summary", "description", "priority", "labels", "duedate", "assignee", "components",
                   "fixVersions")
CUSTOM_FIELD_ID = re.compile(r"^customfield_[0-9]+$")
FallbackBehavior = Literal["ignore", "default_to_closed", "sync_to_resolved"]


class _ConfigModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
        field_title_generator=lambda name, info: to_camel(name),
    )


def field_name_known(name: str) -> bool:
    """Whether a pair may sync the field `name` (its custom type is checked against Jira at start)."""
    return name in SYNCABLE_FIELDS or bool(CUSTOM_FIELD_ID.fullmatch(name))


def pair_name_problem(name: str) -> str | None:
    """Why `name` cannot name a pair (it becomes a supervisord section header), else None."""
    if name in BUNDLE_PROGRAM_NAMES:
        taken = ", ".join(sorted(BUNDLE_PROGRAM_NAMES))
        return f"invalid pair name {name!r}: the bundle's own programs are named {taken}"
    if PAIR_NAME_PATTERN.fullmatch(name):
        return None
    shown = repr(name if len(name) <= 60 else name[:57] + "...")
    return f"invalid pair name {shown}: use {PAIR_NAME_RULE} (it names the supervisord program)"


def template_problem(template: str) -> str | None:
    """Why `template` cannot be a commentTemplate (a `${...}` that is no placeholder), else None.

    An UPPER_CASE `${NAME}` is a literal here: the loader has already refused it unescaped
    (app.config.envsubst), so only the escape `$${NAME}` leaves one in a template.
    """
    unknown = [name for name in TEMPLATE_REFERENCE.findall(template)
               if name not in TEMPLATE_PLACEHOLDERS and not ENV_NAME.fullmatch(name)]
    if not unknown:
        return None
    name = unknown[0]
    guess = difflib.get_close_matches(name, TEMPLATE_PLACEHOLDERS, n=1, cutoff=0.6)
    hint = f" (did you mean ${{{guess[0]}}}?)" if guess else ""
    shown = printable(name if len(name) <= 40 else name[:37] + "...")
    known = ", ".join(f"${{{placeholder}}}" for placeholder in TEMPLATE_PLACEHOLDERS)
    return f"unknown placeholder ${{{shown}}}{hint}; known: {known}"


def _raise_at(model: str, problems: list[tuple[Loc, str]]) -> None:
    """Raise one ValidationError carrying each (location, message) problem."""
    if problems:
        details = [
            InitErrorDetails(type=PydanticCustomError("config_conflict", message), loc=loc, input=None)
            for loc, message in problems
        ]
        raise ValidationError.from_exception_data(model, details)


def credential_problems(deployment: str, auth_type: str, email: str | None) -> list[tuple[Loc, str]]:
    """What a deployment refuses in these credentials; checked offline when `deployment` is
    configured, and by the worker once the server has named it."""
    problems: list[tuple[Loc, str]] = []
    if deployment == "cloud" and email and "@" not in email:
        problems.append((("email",), "must be an email address on Jira Cloud"))
    if deployment == "cloud" and auth_type == "pat":
        problems.append((("authType",), "Jira Cloud has no personal access tokens: use basic (email + API token)"))
    return problems


class JiraConfig(_ConfigModel):
    base_url: str = Field(description="Jira site, e.g. https://team.atlassian.net (http or https).")
    email: str | None = Field(
        None, description="Login of the sync user (Cloud: an email; Data Center: the user name); required for basic."
    )
    api_token: SecretStr = Field(description='API token (basic) or personal access token (pat); use "${ENV}".')
    auth_type: Literal["basic", "pat"] = Field("basic", description="basic = email + API token; pat = Bearer.")
    deployment: Literal["cloud", "datacenter"] | None = Field(
        None, description="Default: what the site's /rest/api/2/serverInfo says (deploymentType), asked at start."
    )
    time_zone: str | None = Field(
        None,
        description="IANA zone for JQL dates; default: the API user's zone from /myself, which is the one "
        "Jira reads them in (set this only when /myself reports none).",
    )
    allow_private_address: bool = Field(
        False,
        description="The baseUrl is meant to be a loopback or private address (a Data Center site on the "
        "company network, a test site): no warning then. Link-local and cloud metadata addresses stay refused.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            host, parts = None, None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not contain credentials; use email and apiToken")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        refused = refused_host(host)
        if refused:
            raise ValueError(refused)
        return value.rstrip("/")

    @field_validator("email")
    @classmethod
    def _usable_login(cls, value: str | None) -> str | None:
        if value is not None and (not value or any(char.isspace() for char in value)):
            raise ValueError("must be a login without spaces (an email on Cloud, the user name on Data Center)")
        return value

    @field_validator("api_token")
    @classmethod
    def _usable_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if not token:
            raise ValueError("must not be empty")
        if any(char.isspace() or ord(char) < 32 for char in token):
            raise ValueError("must not contain whitespace or control characters (a trailing newline?)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError("unknown time zone; use an IANA name such as 'Europe/Berlin' or 'UTC'") from None
        return value

    @model_validator(mode="after")
    def _basic_needs_email(self) -> JiraConfig:
        problems: list[tuple[Loc, str]] = []
        if self.auth_type == "basic" and not self.email:
            problems.append((("email",), "required when authType is 'basic' (email + API token)"))
        if self.deployment is not None:
            problems += credential_problems(self.deployment, self.auth_type, self.email)
        _raise_at("JiraConfig", problems)
        return self


class RuleConditions(_ConfigModel):
    require_mapping: bool = Field(True, description="Act only when the issue already has a partner.")
    on_status_change: bool | None = Field(None, description="Default: defaultBehavior.onlyOnStatusChange.")


class RuleActions(_ConfigModel):
    create_issue: bool = Field(False, description="Create the Dev issue for a User issue that has none.")
    sync_status: bool = Field(False, description="Move the partner issue to the target status.")
    sync_attachments: bool | None = Field(
        None, description="Copy attachments not copied yet; default: defaultBehavior.syncAttachments on creation."
    )
    add_cross_link: bool = Field(False, description="Link the two issues (a Jira issue link).")
    add_comment: bool = Field(False, description="Post commentTemplate on the partner (on creation: the User issue).")
    comment_template: str | None = Field(
        None,
        description="Placeholders: " + ", ".join(f"${{{name}}}" for name in TEMPLATE_PLACEHOLDERS)
        + "; any other ${...} is an error ($${NAME} writes a literal ${NAME}).",
    )
    target_status: str | None = Field(None, min_length=1, description="Overrides the rule's targetStatus.")

    @field_validator("comment_template")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        problem = None if value is None else template_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Rule(_ConfigModel):
    id: str = Field(min_length=1, description="Unique within the file.")
    source_status: str = Field(min_length=1, description="Status name that triggers the rule; * = any.")
    target_project: TargetProject = Field(description="The side the actions change: dev or user.")
    target_status: str | None = Field(None, min_length=1, description="Status the partner is moved to.")
    sync_direction: SyncDirection = Field(
        description="Which side's changes fire the rule: user_to_dev, dev_to_user, both or none (never)."
    )
    enabled: bool = Field(True, description="A disabled rule is skipped.")
    priority: int = Field(
        100, description=f"The first matching rule by priority wins; lower runs first ({PRIORITY_RANGE[0]} to "
        f"{PRIORITY_RANGE[1]}).",
    )
    description: str | None = Field(None, description="Free text for people.")
    conditions: RuleConditions = Field(RuleConditions(), description="When the rule may act.")
    actions: RuleActions = Field(RuleActions(), description="What the rule does.")

    @field_validator("priority")
    @classmethod
    def _sane_priority(cls, value: int) -> int:
        problem = priority_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @property
    def effective_target_status(self) -> str | None:
        """The status the partner is moved to: actions.targetStatus, else the rule's targetStatus."""
        return self.actions.target_status or self.target_status


class DefaultBehavior(_ConfigModel):
    sync_attachments: bool = Field(True, description="Copy attachments when a rule creates the Dev issue.")
    add_cross_links: bool = Field(True, description="Put a link back to the User issue in the Dev description.")
    only_on_status_change: bool = Field(True, description="Rules fire on status changes, not on other edits.")
    skip_intermediate_statuses: bool = Field(True, description="A status no rule matches does nothing.")
    fallback_behavior: FallbackBehavior = Field(
        "ignore",
        description="Without a matching rule (and skipIntermediateStatuses off): ignore, "
        "default_to_closed (partner to Closed) or sync_to_resolved (partner to Resolved).",
    )


class CommentSync(_ConfigModel):
    """Comment sync between paired issues (README "Comments"); absent from the file = none."""

    to_dev: Literal["all", "public", "none"] = Field(
        "all", description="Comments of the User issue copied to its Dev issue: all, public (only those a customer "
        "can see; outside a service project every unrestricted comment) or none.",
    )
    to_user: Literal["internal", "public", "none"] = Field(
        "internal", description="How Dev comments land on the User issue: internal notes, public replies (a "
        "customer sees and is emailed them) or not at all.",
    )
    follow_edits: bool = Field(True, description="An edit of an original changes its copy; a deleted original "
                               "deletes its copy.")
    restricted: Literal["skip", "keep"] = Field(
        "skip", description="Comments restricted to a role or group: skip them, or keep the same restriction on the "
        "copy (skipped when the partner's project has no such role).",
    )


class PairConfig(_ConfigModel):
    name: str | None = Field(None, description="Pair name; default: the file name without .json.")
    description: str | None = Field(None, description="Free text for people.")
    jira: JiraConfig = Field(description="The Jira site and the sync user's credentials.")
    user_project_key: str = Field(description="Support-facing project, e.g. ABSUP.")
    dev_project_key: str = Field(description="Development project, e.g. ABDEV.")
    sync_interval_minutes: float | None = Field(
        None, gt=0, description="Between two passes; default 5 minutes, at least 5 seconds, at most 1 day."
    )
    sync_interval_seconds: float | None = Field(None, gt=0, description="Instead of syncIntervalMinutes.")
    full_scan_interval_minutes: float | None = Field(
        None, gt=0, description="Between two full scans (ids, statuses, `updated` of both projects) that catch "
        "changes the search index showed too late for the window; default 60 minutes, at least 1 minute, at most "
        "1 week, and not shorter than the sync interval.",
    )
    full_scan_interval_seconds: float | None = Field(None, gt=0, description="Instead of fullScanIntervalMinutes.")
    initial_sync_enabled: bool = Field(
        True, description="On the first run, act on issues already in a rule's status; else only record them."
    )
    default_behavior: DefaultBehavior = Field(DefaultBehavior(), description="Defaults the rules fall back on.")
    rules: list[Rule] = Field(min_length=1, description="Status rules, at least one.")
    dev_issue_type: str = Field("Bug", min_length=1, description="Issue type of created Dev issues.")
    comments: CommentSync | None = Field(None, description="Copy comments between paired issues; absent = no "
                                         "comment sync.")
    fields: dict[str, FieldDirection] | None = Field(
        None, description="Fields that follow the pair, each both, toDev, toUser or none: summary, description, "
        "priority, labels, duedate, assignee, components, fixVersions, or a custom field by id (customfield_10042) "
        "of a common type; absent = no field sync.",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        problem = None if value is None else pair_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldDirection] | None) -> dict[str, FieldDirection] | None:
        unknown = [name for name in (value or {}) if not field_name_known(name)]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}: one of {', '.join(SYNCABLE_FIELDS)}, or a custom "
                             "field id such as customfield_10042")
        return value

    @field_validator("user_project_key", "dev_project_key")
    @classmethod
    def _project_key(cls, value: str) -> str:
        if not PROJECT_KEY_PATTERN.fullmatch(value):
            raise ValueError("must be a Jira project key: A-Z, 0-9 and '_', starting with a letter")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PairConfig:
        problems: list[tuple[Loc, str]] = []
        if self.user_project_key == self.dev_project_key:
            problems.append((("devProjectKey",), "must differ from userProjectKey"))
        both = [interval for interval in ("sync_interval", "full_scan_interval")
                if getattr(self, f"{interval}_minutes") is not None and getattr(self, f"{interval}_seconds") is not None]
        for interval in both:
            minutes, seconds = to_camel(f"{interval}_minutes"), to_camel(f"{interval}_seconds")
            problems.append(((seconds,), f"set {minutes} or {seconds}, not both"))
        if not both:
            problems += interval_problems(self._configured("sync_interval"), self._configured("full_scan_interval"),
                                          self.interval_seconds)
        first_index: dict[str, int] = {}
        for index, rule in enumerate(self.rules):
            if rule.id in first_index:
                problems.append((("rules", index, "id"), f"duplicate rule id (also rules[{first_index[rule.id]}])"))
            first_index.setdefault(rule.id, index)
        _raise_at("PairConfig", problems)
        return self

    def _configured(self, interval: str) -> tuple[str, float] | None:
        """(JSON key, value) of the `interval` ("sync_interval" or "full_scan_interval") the file sets, else None."""
        for unit in ("seconds", "minutes"):
            value = getattr(self, f"{interval}_{unit}")
            if value is not None:
                return to_camel(f"{interval}_{unit}"), value
        return None

    @property
    def interval_seconds(self) -> float:
        """Seconds between passes: syncIntervalSeconds, else syncIntervalMinutes * 60, else 300."""
        if self.sync_interval_seconds is not None:
            return self.sync_interval_seconds
        if self.sync_interval_minutes is not None:
            return self.sync_interval_minutes * 60
        return DEFAULT_INTERVAL_SECONDS

    @property
    def full_scan_seconds(self) -> float:
        """Seconds between full scans: fullScanIntervalSeconds, else fullScanIntervalMinutes * 60, else 3600."""
        if self.full_scan_interval_seconds is not None:
            return self.full_scan_interval_seconds
        if self.full_scan_interval_minutes is not None:
            return self.full_scan_interval_minutes * 60
        return DEFAULT_FULL_SCAN_SECONDS

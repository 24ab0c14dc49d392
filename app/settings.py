"""Process-wide settings, read from the environment in one place.

Every default the bundle relies on lives here with a one-line reason. Pair-specific
settings come from the pair's config file (app.config), never from here.

Two groups: `Settings`, which every program of the bundle reads, holds no secret; the launcher
withholds secrets from the programs that do not need them (app.bundle.launch), so a secret in
this group could make a program's settings invalid where it is withheld (the dashboard login
once left the lease keeper and the watchdog FATAL). `HealthAuthSettings`, the health service's
credentials, is read only by the health service, which keeps them (and by `run`, to refuse a
bad login before anything starts). A secret may come from a file (`NAME_FILE`, app.secret_files).
"""

from __future__ import annotations

import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from app.redaction import remember
from app.runtime_settings import DEFAULT_CONFIG_DIR, DEFAULT_RUNTIME_DIR, bundle_id_file, effective_bundle_id
from app.secret_files import SecretFileError, file_variable, secret_value

EMBEDDED = "embedded"  # MONGO_URI=embedded asks for the embedded dev-only server
EXIT_BAD_SETTINGS = 127  # as app.bundle.launch's refusals: the program did not start


class FileVariables(PydanticBaseSettingsSource):
    """The fields a settings class lists in `from_files`, read from the file NAME_FILE names."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        names: tuple[str, ...] = getattr(self.settings_cls, "from_files", ())
        values = {name: secret_value(os.environ, name.upper()) for name in names
                  if os.environ.get(file_variable(name.upper()))}
        remember(value for value in values.values() if value)  # not in the environment, still never logged
        return values


class _Group(BaseSettings):
    # An error names the variable and the reason, never the value: MONGO_URI and the health
    # credentials are secrets, and a model-level error would otherwise print every input.
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", hide_input_in_errors=True)
    from_files: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # A NAME_FILE value wins over nothing only: both set is refused (app.secret_files).
        return init_settings, FileVariables(settings_cls), env_settings


class Settings(_Group):
    """What every program of the bundle reads. No secret belongs here (see the module docstring)."""

    from_files: ClassVar[tuple[str, ...]] = ("mongo_uri",)

    config_dir: Path = Field(Path(DEFAULT_CONFIG_DIR), description="Directory scanned for sync-*.json pair files.")
    mongo_uri: str | None = Field(
        None, description="MongoDB connection string (or MONGO_URI_FILE, a file holding it). `run` refuses to start "
        "without one; `embedded` runs the embedded MongoDB-wire server, dev only: its data is not kept.",
    )
    mongo_control_db: str = Field("jira_sync", description="Shared database holding the heartbeats.")
    mongo_database_prefix: str = Field(
        "", description="Prefix of every pair's own database name, for bundles sharing one MongoDB."
    )
    mongo_timeout_ms: int = Field(
        1500, description="Server-selection timeout of the workers' and commands' MongoDB connections."
    )
    embedded_mongo_port: int = Field(27017, description="Loopback port of the embedded server.")
    health_host: str = Field("127.0.0.1", description="Bind address of the health service.")
    health_port: int = Field(8080, description="Port of /health, /metrics and the dashboard.")
    heartbeat_interval: float = Field(10.0, gt=0, description="Seconds between two heartbeats of a worker.")
    heartbeat_stale_after: float | None = Field(
        None, description="Seconds after which a heartbeat is stale; default 3 x heartbeat_interval."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Python logging level name."
    )
    log_format: Literal["json", "text"] = Field("json", description="json for machines, text for people.")
    runtime_dir: Path = Field(
        Path(DEFAULT_RUNTIME_DIR), description="Where supervisord.conf, its socket, pid file and embedded data go."
    )
    supervisor_timeout: float = Field(1.0, gt=0, description="Seconds allowed for one supervisord RPC call.")
    watchdog_cooldown_min: float = Field(30.0, description="First wait before bringing a FATAL program back.")
    watchdog_cooldown_max: float = Field(600.0, description="Cap of the growing FATAL cool-down.")
    bundle_id: str | None = Field(
        None, description="This bundle's name among the bundles sharing one MongoDB (pair leases); default: the "
        "host name plus a suffix drawn at start, unique even for two bundles on one host.",
    )
    lease_seconds: float = Field(
        30.0, ge=5, description="How long a pair's lease outlives its holder's last renewal before another bundle takes it.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _default_stale_after(self) -> Settings:
        self.heartbeat_stale_after = self.stale_after
        return self

    @property
    def stale_after(self) -> float:
        """Seconds after which a heartbeat is stale: HEARTBEAT_STALE_AFTER, else 3 x heartbeat_interval."""
        return 3 * self.heartbeat_interval if self.heartbeat_stale_after is None else self.heartbeat_stale_after

    @property
    def bundle_id_file(self) -> Path:
        return bundle_id_file(self.runtime_dir)

    @property
    def effective_bundle_id(self) -> str:
        """BUNDLE_ID, else the one `run` drew for this runtime directory, else the host's name."""
        return effective_bundle_id(self.bundle_id, self.runtime_dir)

    @property
    def embedded_mongo(self) -> bool:
        """The embedded server runs (MONGO_URI=embedded, or unset where a command allows that)."""
        return not self.mongo_uri or self.mongo_uri.strip().lower() == EMBEDDED

    @property
    def effective_mongo_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.embedded_mongo_port}/" if self.embedded_mongo else str(self.mongo_uri)

    def pair_database(self, pair: str) -> str:
        """The name of a pair's own database (the original service used the pair name itself)."""
        return f"{self.mongo_database_prefix}{pair}"

    @property
    def supervisor_socket(self) -> Path:
        return self.runtime_dir.absolute() / "supervisor.sock"

    @property
    def supervisord_conf(self) -> Path:
        return self.runtime_dir.absolute() / "supervisord.conf"


class HealthAuthSettings(_Group):
    """The health service's credentials: read by the health service alone, which keeps them."""

    from_files: ClassVar[tuple[str, ...]] = ("health_auth_token", "health_auth_password")

    health_auth_token: SecretStr | None = Field(
        None, description="Bearer token (or HEALTH_AUTH_TOKEN_FILE, a file holding it) that opens the dashboard, "
        "/metrics and /health?detail=1. With neither it nor HEALTH_AUTH_USER set, those answer loopback clients only.",
    )
    health_auth_user: str | None = Field(
        None, description="HTTP basic user name that opens the same (a person's browser); needs HEALTH_AUTH_PASSWORD.",
    )
    health_auth_password: SecretStr | None = Field(
        None, description="HTTP basic password of HEALTH_AUTH_USER (or HEALTH_AUTH_PASSWORD_FILE, a file holding it).",
    )

    @field_validator("health_auth_token", "health_auth_user", "health_auth_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `HEALTH_AUTH_TOKEN=` in an env file means "not set", never "the empty secret".
        return None if value == "" else value

    @field_validator("health_auth_user")
    @classmethod
    def _user_without_colon(cls, value: str | None) -> str | None:
        if value is not None and ":" in value:
            raise ValueError("HEALTH_AUTH_USER may not contain ':' (HTTP basic credentials are user:password)")
        return value

    @model_validator(mode="after")
    def _user_and_password_together(self) -> HealthAuthSettings:
        if (self.health_auth_user is None) != (self.health_auth_password is None):
            raise ValueError("HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go together: set both or neither")
        return self


def settings_problems(error: ValidationError | SecretFileError) -> list[str]:
    """One line per bad setting: the variable and the reason, never the value (pure)."""
    if isinstance(error, SecretFileError):
        return [str(error)]
    return [f"{'.'.join(str(part) for part in problem['loc']).upper() or 'environment'}: {problem['msg']}"
            for problem in error.errors()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; environment changes after the first call are not seen."""
    return Settings()


def program_settings(log: logging.Logger) -> Settings:
    """`get_settings()` for a program the bundle runs, its logging set up (app.logs.early_logging):
    settings that do not load are one error record on `log` naming each variable and why (never
    its value, never a traceback), and the program exits EXIT_BAD_SETTINGS. Each program checks
    its own: the launcher they start through imports only the standard library (app.bundle.launch)."""
    try:
        return get_settings()
    except (ValidationError, SecretFileError) as error:
        log.error("settings: %s", "; ".join(settings_problems(error)))
        sys.exit(EXIT_BAD_SETTINGS)

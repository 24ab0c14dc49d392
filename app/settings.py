"""Process-wide settings, read from the environment in one place.

Every default the bundle relies on lives here with a one-line reason. Pair-specific
settings come from the pair's config file (app.config), never from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.runtime_settings import DEFAULT_RUNTIME_DIR, bundle_id_file, effective_bundle_id


class Settings(BaseSettings):
    # An error names the variable and the reason, never the value: MONGO_URI and the health
    # credentials are secrets, and a model-level error would otherwise print every input.
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", hide_input_in_errors=True)

    config_dir: Path = Field(Path("config"), description="Directory scanned for sync-*.json pair files.")
    mongo_uri: str | None = Field(
        None, description="MongoDB connection string; unset runs the embedded MongoDB-wire server."
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
    health_auth_token: SecretStr | None = Field(
        None, description="Bearer token that opens the dashboard, /metrics and /health?detail=1. With neither it nor "
        "HEALTH_AUTH_USER set, those answer loopback clients only.",
    )
    health_auth_user: str | None = Field(
        None, description="HTTP basic user name that opens the same (a person's browser); needs HEALTH_AUTH_PASSWORD.",
    )
    health_auth_password: SecretStr | None = Field(None, description="HTTP basic password of HEALTH_AUTH_USER.")
    heartbeat_interval: float = Field(10.0, gt=0, description="Seconds between two heartbeats of a worker.")
    heartbeat_stale_after: float | None = Field(
        None, description="Seconds after which a heartbeat is stale; default 3 x heartbeat_interval."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Python logging level name."
    )
    log_format: Literal["json", "text"] = Field("json", description="json for machines, text for people.")
    runtime_dir: Path = Field(
        DEFAULT_RUNTIME_DIR, description="Where supervisord.conf, its socket, pid file and embedded data go."
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
    def _user_and_password_together(self) -> "Settings":
        if (self.health_auth_user is None) != (self.health_auth_password is None):
            raise ValueError("HEALTH_AUTH_USER and HEALTH_AUTH_PASSWORD go together: set both or neither")
        return self

    @model_validator(mode="after")
    def _default_stale_after(self) -> "Settings":
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
        return not self.mongo_uri

    @property
    def effective_mongo_uri(self) -> str:
        return self.mongo_uri or f"mongodb://127.0.0.1:{self.embedded_mongo_port}/"

    def pair_database(self, pair: str) -> str:
        """The name of a pair's own database (the original service used the pair name itself)."""
        return f"{self.mongo_database_prefix}{pair}"

    @property
    def supervisor_socket(self) -> Path:
        return self.runtime_dir.absolute() / "supervisor.sock"

    @property
    def supervisord_conf(self) -> Path:
        return self.runtime_dir.absolute() / "supervisord.conf"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; environment changes after the first call are not seen."""
    return Settings()

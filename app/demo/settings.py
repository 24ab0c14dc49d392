"""Where the demo lives and who acts in it: its settings, its pairs, its two users.

The tokens are the simulator's seeded users' (jira_sim.seed). They are handed to the
programs through the environment supervisord inherits, never written to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.settings import EMBEDDED, Settings
from jira_sim.seed import BOT, HUMAN

DEMO_PAIRS = (("sync-ab", "ABSUP", "ABDEV"), ("sync-cd", "CDSUP", "CDDEV"))
DEMO_TOKEN_VARIABLE = "JIRA_DEMO_TOKEN"  # what the demo's pair configs reference
DEMO_TOKEN = BOT.api_token  # the simulator's seeded bot user
DEMO_BOT_EMAIL = BOT.email
DEMO_HUMAN_TOKEN_VARIABLE = "DEMO_HUMAN_TOKEN"  # what the scripted person (app.demo.actor) reads
DEMO_HUMAN_TOKEN = HUMAN.api_token  # the simulator's seeded human user
DEMO_HUMAN_EMAIL = HUMAN.email
DEMO_SYNC_INTERVAL_SECONDS = 5
SEED_FILE = "jira-seed.json"


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    demo_jira_port: int = Field(8081, description="Loopback port of the demo's simulated Jira site.")
    demo_actor_every: float = Field(4.0, gt=0, description="Seconds between two moves of the demo's scripted person.")


class DemoDirectories(Protocol):
    """Where the demo's files go: Settings fits, and so does the cluster demo's layout."""

    @property
    def runtime_dir(self) -> Path: ...
    @property
    def config_dir(self) -> Path: ...


def demo_settings(settings: Settings) -> Settings:
    """The bundle settings of the demo: its own runtime and config directories, and always the
    embedded MongoDB, so that a demo started beside production never writes into its databases."""
    demo_dir = Path(settings.runtime_dir).absolute() / "demo"
    return settings.model_copy(update={"runtime_dir": demo_dir, "config_dir": demo_dir / "config",
                                       "mongo_uri": EMBEDDED})


def seed_path(settings: DemoDirectories) -> Path:
    """The simulator's seed, written by app.demo.files and read by the `jira-sim` program."""
    return Path(settings.runtime_dir).absolute() / SEED_FILE

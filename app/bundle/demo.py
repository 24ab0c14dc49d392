"""`entrypoint.py demo`: the same bundle against a simulated Jira site, on embedded defaults.

Everything lives under RUNTIME_DIR/demo: the simulator's seed, two pair configs pointing at
the simulator on loopback, and the bundle's runtime. The simulator is one more supervisord
program (`jira-sim`), started before the workers; a scripted person (`demo-actor`, started after
them) moves issues through WORKFLOW.md every few seconds. The demo tokens (the sync bot's and
the person's) are put in the environment supervisord hands to its children, never in a file.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.bundle.render import PRIORITY_SIMULATOR, PRIORITY_WORKER, Program

DEMO_PAIRS = (("sync-ab", "ABSUP", "ABDEV"), ("sync-cd", "CDSUP", "CDDEV"))
DEMO_TOKEN_VARIABLE = "JIRA_DEMO_TOKEN"
DEMO_TOKEN = "sim-token-bot"  # the simulator's seeded bot user (app.simulator.seed)
DEMO_BOT_EMAIL = "sync-bot@example.test"
# The scripted person (app.bundle.demo_actor) acts as the simulator's seeded human user.
DEMO_HUMAN_TOKEN_VARIABLE = "DEMO_HUMAN_TOKEN"  # the name app.bundle.demo_actor reads
DEMO_HUMAN_TOKEN = "sim-token-human"
DEMO_HUMAN_EMAIL = "human@example.test"
DEMO_SYNC_INTERVAL_SECONDS = 5
PRIORITY_DEMO_ACTOR = PRIORITY_WORKER + 100  # starts after the workers it feeds, stops before them
SEED_FILE = "jira-seed.json"
# Package data; config/sync-rules.example.json (what README tells operators to copy) links to it.
EXAMPLE_CONFIG = files("app.config") / "sync-rules.example.json"


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    demo_jira_port: int = Field(8081, description="Loopback port of the demo's simulated Jira site.")
    demo_actor_every: float = Field(4.0, gt=0, description="Seconds between two moves of the demo's scripted person.")


def demo_settings(settings):
    """The bundle settings of the demo: its own runtime and config directories, and always the
    embedded MongoDB, so that a demo started beside production never writes into its databases."""
    demo_dir = Path(settings.runtime_dir).absolute() / "demo"
    return settings.model_copy(update={"runtime_dir": demo_dir, "config_dir": demo_dir / "config", "mongo_uri": None})


def demo_pair_config(name: str, user_key: str, dev_key: str, base_url: str) -> dict:
    """A pair config for the simulator, made from the shipped config/sync-rules.example.json, so
    the demo runs exactly the rules an operator starts from (its `_` documentation keys dropped)."""
    example = _without_doc_keys(json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8")))
    example.pop("syncIntervalMinutes", None)  # the demo sets syncIntervalSeconds; one of the two
    return {
        **example,
        "name": name,
        "description": f"Demo: support project {user_key} <-> development project {dev_key}",
        "jira": {
            "baseUrl": base_url,
            "email": DEMO_BOT_EMAIL,
            "apiToken": "${" + DEMO_TOKEN_VARIABLE + "}",
            "authType": "basic",
            "deployment": "cloud",
        },
        "userProjectKey": user_key,
        "devProjectKey": dev_key,
        "syncIntervalSeconds": DEMO_SYNC_INTERVAL_SECONDS,
    }


def _without_doc_keys(value):
    """`value` without the keys the loader ignores (`_...` documentation and `$schema`), at any depth."""
    if isinstance(value, dict):
        return {k: _without_doc_keys(v) for k, v in value.items() if not k.startswith(("_", "$"))}
    if isinstance(value, list):
        return [_without_doc_keys(item) for item in value]
    return value


def simulator_program(port: int, seed_file: Path, python: str = sys.executable) -> Program:
    return Program(
        name="jira-sim",
        command=(python, "-m", "app.simulator", "--host", "127.0.0.1", "--port", str(port),
                 "--seed", str(seed_file), "--deployment", "cloud"),
        priority=PRIORITY_SIMULATOR,
        startsecs=1,
        stopwaitsecs=5,
    )


def actor_program(jira_port: int, every: float, python: str = sys.executable) -> Program:
    """The scripted person; its token comes from DEMO_HUMAN_TOKEN in the inherited environment."""
    return Program(
        name="demo-actor",
        command=(python, "-m", "app.bundle.demo_actor", "--jira", f"http://127.0.0.1:{jira_port}",
                 "--pairs", ",".join(f"{user}:{dev}" for _, user, dev in DEMO_PAIRS),
                 "--email", DEMO_HUMAN_EMAIL, "--every", f"{every:g}"),
        priority=PRIORITY_DEMO_ACTOR,
        autorestart=True,
        startsecs=1,
        stopwaitsecs=5,
    )


def demo_extra_programs(
    settings, jira_port: int, python: str = sys.executable, actor_every: float | None = None
) -> list[Program]:
    """The programs the demo adds to the bundle (same list for `demo` and `reload --demo`):
    the simulated site and the scripted person moving issues on it."""
    every = actor_every if actor_every is not None else DemoSettings().demo_actor_every
    return [simulator_program(jira_port, Path(settings.runtime_dir).absolute() / SEED_FILE, python),
            actor_program(jira_port, every, python)]


def write_demo_files(settings, jira_port: int) -> list[Path]:
    """Write the simulator seed and the demo pair configs; returns the config files written."""
    from app.simulator.seed import demo_seed

    runtime_dir = Path(settings.runtime_dir).absolute()
    config_dir = Path(settings.config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    seed = demo_seed(pairs=[(user, dev) for _, user, dev in DEMO_PAIRS])
    (runtime_dir / SEED_FILE).write_text(json.dumps(seed, indent=2, default=str), encoding="utf-8")
    base_url = f"http://127.0.0.1:{jira_port}"
    written = []
    for name, user_key, dev_key in DEMO_PAIRS:
        path = config_dir / f"{name}.json"
        path.write_text(json.dumps(demo_pair_config(name, user_key, dev_key, base_url), indent=2) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written

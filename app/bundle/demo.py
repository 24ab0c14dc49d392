"""`entrypoint.py demo`: the same bundle against a simulated Jira site, on embedded defaults.

Everything lives under RUNTIME_DIR/demo: the simulator's seed, two pair configs pointing at
the simulator on loopback, and the bundle's runtime. The simulator is one more supervisord
program (`jira-sim`), started before the workers. The demo token is put in the environment
supervisord hands to its children, never in a file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.bundle.render import PRIORITY_SIMULATOR, Program

DEMO_PAIRS = (("sync-ab", "ABSUP", "ABDEV"), ("sync-cd", "CDSUP", "CDDEV"))
DEMO_TOKEN_VARIABLE = "JIRA_DEMO_TOKEN"
DEMO_TOKEN = "sim-token-bot"  # the simulator's seeded bot user (app.simulator.seed)
DEMO_BOT_EMAIL = "sync-bot@example.test"
SEED_FILE = "jira-seed.json"


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    demo_jira_port: int = Field(8081, description="Loopback port of the demo's simulated Jira site.")


def demo_settings(settings):
    """The bundle settings of the demo: its own runtime and config directories."""
    demo_dir = Path(settings.runtime_dir).absolute() / "demo"
    return settings.model_copy(update={"runtime_dir": demo_dir, "config_dir": demo_dir / "config"})


def demo_pair_config(name: str, user_key: str, dev_key: str, base_url: str) -> dict:
    """A pair config in the seed format, modelled on shared/examples/sync-ab.json."""
    return {
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
        "syncIntervalSeconds": 5,
        "initialSyncEnabled": True,
        "defaultBehavior": {
            "syncAttachments": True, "addCrossLinks": True,
            "onlyOnStatusChange": True, "skipIntermediateStatuses": True,
        },
        "rules": [
            _rule("user-will-do", "Will Do", "dev", "user_to_dev", 1, requireMapping=False,
                  actions={"createIssue": True, "syncAttachments": True, "addCrossLink": True,
                           "addComment": True, "commentTemplate": "Dev issue created: ${targetKey}"}),
            _rule("user-reopened", "Reopened", "dev", "user_to_dev", 2,
                  actions={"syncStatus": True, "targetStatus": "Reopened"}),
            _rule("dev-in-progress", "In Progress", "user", "dev_to_user", 3,
                  actions={"syncStatus": True, "targetStatus": "In Progress"}),
            _rule("dev-closed", "Closed", "user", "dev_to_user", 4,
                  actions={"syncStatus": True, "targetStatus": "Resolved", "addCrossLink": True,
                           "addComment": True, "commentTemplate": "Fixed in ${sourceKey}"}),
            _rule("dev-cancelled", "Cancelled", "user", "dev_to_user", 5,
                  actions={"syncStatus": True, "targetStatus": "Cancelled"}),
            _rule("dev-reopened", "Reopened", "user", "dev_to_user", 6,
                  actions={"syncStatus": True, "targetStatus": "Reopened", "addComment": True,
                           "commentTemplate": "${sourceKey} was reopened and needs more work"}),
        ],
    }


def _rule(rule_id, source_status, target_project, direction, priority, requireMapping=True, actions=None):
    conditions = {"requireMapping": requireMapping}
    if target_project == "user":
        conditions["onStatusChange"] = True
    return {
        "id": rule_id, "sourceStatus": source_status, "targetProject": target_project,
        "syncDirection": direction, "enabled": True, "priority": priority,
        "conditions": conditions, "actions": actions or {},
    }


def simulator_program(port: int, seed_file: Path, python: str = sys.executable) -> Program:
    return Program(
        name="jira-sim",
        command=(python, "-m", "app.simulator", "--host", "127.0.0.1", "--port", str(port),
                 "--seed", str(seed_file), "--deployment", "cloud"),
        priority=PRIORITY_SIMULATOR,
        startsecs=1,
        stopwaitsecs=5,
    )


def demo_extra_programs(settings, jira_port: int, python: str = sys.executable) -> list[Program]:
    """The programs the demo adds to the bundle (same list for `demo` and `reload --demo`)."""
    return [simulator_program(jira_port, Path(settings.runtime_dir).absolute() / SEED_FILE, python)]


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

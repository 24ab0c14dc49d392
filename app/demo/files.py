"""The demo's files: the simulator's seed and one pair config per demo pair.

The pair configs are made from the shipped example config (package data of app.config, the
file README tells operators to copy as config/sync-rules.example.json), so the demo runs
exactly the rules an operator starts from.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.config.source import strip_documentation
from app.demo.settings import DEMO_BOT_EMAIL, DEMO_PAIRS, DEMO_SYNC_INTERVAL_SECONDS, DEMO_TOKEN_VARIABLE, DemoDirectories, seed_path

EXAMPLE_CONFIG = files("app.config") / "sync-rules.example.json"


def demo_pair_config(name: str, user_key: str, dev_key: str, base_url: str) -> dict[str, Any]:
    """A pair config for the simulator: the example's rules and defaults, its documentation keys dropped."""
    example = strip_documentation(json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8")))
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
            "allowPrivateAddress": True,  # the simulated site listens on loopback
        },
        "userProjectKey": user_key,
        "devProjectKey": dev_key,
        "syncIntervalSeconds": DEMO_SYNC_INTERVAL_SECONDS,
    }


def write_demo_files(settings: DemoDirectories, jira_port: int) -> list[Path]:
    """Write the simulator seed and the demo pair configs; returns the config files written."""
    from jira_sim.seed import demo_seed

    config_dir = Path(settings.config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    seed = demo_seed(pairs=[(user, dev) for _, user, dev in DEMO_PAIRS], service_desk=True)
    seed_path(settings).write_text(json.dumps(seed, indent=2, default=str), encoding="utf-8")
    base_url = f"http://127.0.0.1:{jira_port}"
    written = []
    for name, user_key, dev_key in DEMO_PAIRS:
        path = config_dir / f"{name}.json"
        path.write_text(json.dumps(demo_pair_config(name, user_key, dev_key, base_url), indent=2) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written

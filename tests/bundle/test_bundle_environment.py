"""The bundle as `.env.consolidated.example` configures it: every variable it lists set to a valid
value other than its default, through the real `python entrypoint.py run` under supervisord.

The example is parsed, not copied: a variable added to it without a value chosen here fails the
test, so each new setting is started once with every program of the bundle. (A withheld secret
once made the lease keeper's and the watchdog's settings invalid: the dashboard login of the
README left them FATAL and nothing synced.)
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests

from app.demo.settings import DemoSettings
from app.jira import BasicAuth, JiraClient
from app.secret_files import FILE_SUFFIX
from app.settings import HealthAuthSettings, Settings
from jira_sim.seed import BOT, HUMAN, demo_seed
from jira_sim.server import SimulatorServer
from testbed.bundle import Bundle, pair_config
from testbed.ports import free_port
from testbed.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.consolidated.example"
PAIRS = {"sync-ab": ("ABSUP", "ABDEV", "JIRA_AB_TOKEN"), "sync-cd": ("CDSUP", "CDDEV", "JIRA_CD_TOKEN")}
LOGIN = ("ops-e2e", f"pw-{uuid.uuid4().hex}")
METRICS_TOKEN = f"tok-{uuid.uuid4().hex}"
SYNC_TIMEOUT = 60


def example_variables(text: str) -> list[str]:
    """Every `NAME=value` line of the example, commented out (`# NAME=value`) or not."""
    return re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def non_default_values(bundle: Bundle, mongo_uri: str, db_prefix: str, secrets_dir: Path) -> dict[str, str]:
    """A valid value, none of them the default, for each variable the example lists (of a pair
    `X` and `X_FILE`, one: they supply the same secret)."""
    (secrets_dir / "jira_cd_token").write_text(BOT.api_token + "\n")  # as `echo token > file` writes it
    (secrets_dir / "health_auth_token").write_text(METRICS_TOKEN)
    return {
        "JIRA_AB_TOKEN": BOT.api_token,
        "JIRA_CD_TOKEN_FILE": str(secrets_dir / "jira_cd_token"),
        "CONFIG_DIR": str(bundle.config_dir),
        "MONGO_URI": mongo_uri,
        "MONGO_CONTROL_DB": f"{db_prefix}_control",
        "MONGO_DATABASE_PREFIX": f"{db_prefix}-",
        "MONGO_TIMEOUT_MS": "2500",
        "EMBEDDED_MONGO_PORT": str(free_port()),
        "HEALTH_HOST": "localhost",
        "HEALTH_PORT": str(bundle.health_port),
        "HEALTH_AUTH_TOKEN_FILE": str(secrets_dir / "health_auth_token"),
        "HEALTH_AUTH_USER": LOGIN[0],
        "HEALTH_AUTH_PASSWORD": LOGIN[1],
        "HEARTBEAT_INTERVAL": "1",
        "HEARTBEAT_STALE_AFTER": "9",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "RUNTIME_DIR": str(bundle.runtime_dir),
        "SUPERVISOR_TIMEOUT": "2.5",
        "WATCHDOG_COOLDOWN_MIN": "2",
        "WATCHDOG_COOLDOWN_MAX": "4",
        "BUNDLE_ID": f"env-{uuid.uuid4().hex[:8]}",
        "LEASE_SECONDS": "12",
        "DEMO_JIRA_PORT": str(free_port()),
        "DEMO_ACTOR_EVERY": "2.5",
    }


def defaults() -> dict[str, object]:
    return {name.upper(): field.default for model in (Settings, HealthAuthSettings, DemoSettings)
            for name, field in model.model_fields.items()}


def twin(name: str) -> str:
    return name.removesuffix(FILE_SUFFIX) if name.endswith(FILE_SUFFIX) else name + FILE_SUFFIX


@pytest.fixture
def sim():
    server = SimulatorServer(demo_seed(pairs=[(user, dev) for user, dev, _ in PAIRS.values()])).start()
    yield server
    server.stop()


def test_every_variable_of_the_example_set_every_program_runs_and_the_pairs_sync(tmp_path, mongo_uri, db_prefix,
                                                                                   mongo_client, sim):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    bundle = Bundle(tmp_path, mongo_uri, f"{db_prefix}_control")
    values = non_default_values(bundle, mongo_uri, db_prefix, secrets_dir)
    listed = example_variables(EXAMPLE.read_text())
    missing = [name for name in listed if name not in values and twin(name) not in values]
    assert missing == [], f"choose a valid non-default value for {missing} (listed in {EXAMPLE.name})"
    both = [name for name in values if twin(name) in values]
    assert both == [], f"{both}: a variable and its {FILE_SUFFIX} twin supply the same secret; set one"
    known = defaults()
    same = [name for name, value in values.items() if name in known and str(known[name]) == value]
    assert same == [], f"{same} set to the default: the test would not notice the variable being ignored"

    for stem, (user_key, dev_key, token) in PAIRS.items():
        bundle.write_config(stem, pair_config(stem, sim.url, user_key, dev_key, token))
    bundle.env = {key: value for key, value in bundle.env.items() if key not in listed and twin(key) not in listed}
    bundle.env.update(values)
    bundle.start()
    try:
        running = dict.fromkeys(sorted({"health", "leases", "watchdog", *PAIRS}), "RUNNING")

        def every_program_running():
            states = bundle.states()
            assert states == running, states
            return states

        wait_for(every_program_running, 60, what="every program RUNNING")

        human = JiraClient(sim.url, BasicAuth(*HUMAN.basic_auth), deployment="cloud")
        accepted = {}
        for user_key, _, _ in PAIRS.values():
            key = human.create_issue({"project": {"key": user_key}, "issuetype": {"name": "Bug"},
                                      "summary": f"accepted in {user_key}"})["key"]
            human.transition_to(key, "Will Do")
            accepted[key] = user_key
        for key in accepted:
            links = wait_for(lambda key=key: human.issue_links(key), SYNC_TIMEOUT, what=f"a Dev issue linked to {key}")
            partner = links[0].get("inwardIssue") or links[0].get("outwardIssue")
            assert partner["key"].startswith(PAIRS[f"sync-{accepted[key][:2].lower()}"][1])

        base = f"http://127.0.0.1:{bundle.health_port}"
        detail = wait_for(lambda: requests.get(f"{base}/health?detail=1", auth=LOGIN, timeout=5).json()
                          if requests.get(f"{base}/health?detail=1", auth=LOGIN, timeout=5).status_code == 200 else None,
                          SYNC_TIMEOUT, what="/health 200 for the login")
        assert {worker["name"] for worker in detail["workers"]} == set(PAIRS)
        assert detail["cluster"]["bundle"] == values["BUNDLE_ID"]
        assert requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                            timeout=5).status_code == 200
        assert requests.get(f"{base}/metrics", timeout=5).status_code == 401
        assert bundle.states() == running, "and they stay up"
    finally:
        assert bundle.stop() == 0
    lines = [line for line in bundle.logs().splitlines() if line.strip()]
    assert [line for line in lines if line.lstrip().startswith("{")] == [], "LOG_FORMAT=text: lines for people"
    assert any(" INFO spawned: 'health' with pid " in line for line in lines), "supervisord's own, as it writes them"
    assert METRICS_TOKEN not in bundle.logs() and BOT.api_token not in bundle.logs() and LOGIN[1] not in bundle.logs()

"""The README tells the truth: its two commands, its configuration reference, CI's command."""

from __future__ import annotations

import re
from pathlib import Path

from app.config.models import PairConfig
from app.health.assess import STOPPED_STATES
from tools.reference import main as reference_main
from tools.reference import pair_rows, settings_rows, with_reference

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_exactly_the_two_setup_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert README.index("```sh") < README.index("## ")
    assert first_block == [
        "python3 -m venv .venv && .venv/bin/pip install -e '.[embedded]' && .venv/bin/python entrypoint.py demo",
        "./scripts/test",
    ]


def test_ci_runs_the_readme_test_command_and_nothing_else():
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert commands[-1] == "exec ./scripts/test"


def test_configuration_reference_matches_the_models():
    assert with_reference(README) == README, "run: python -m tools.reference"
    assert reference_main(["--check"]) == 0


def test_reference_lists_every_key_and_variable():
    documented = set(re.findall(r"^\| `([^`]+)` \|", README, re.M))
    assert {row.key for row in pair_rows()} <= documented
    assert {row.key for row in settings_rows()} <= documented
    assert {"userProjectKey", "rules[].actions.commentTemplate", "jira.apiToken", "MONGO_URI"} <= documented
    assert all(row.description for row in pair_rows()), "every key explains itself"
    nested = {name for name in PairConfig.model_fields}
    assert len(pair_rows()) > len(nested)


def test_health_table_gives_every_value_a_migrating_monitor_sees():
    rows = {(key, value): when for key, value, when in
            re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$", README, re.M)}
    assert set(rows) == {("status", "healthy"), ("status", "degraded"), ("workers[].status", "running"),
                         ("workers[].status", "stopped"), ("workers[].status", "error")}
    assert all(state in rows["workers[].status", "stopped"] for state in STOPPED_STATES)

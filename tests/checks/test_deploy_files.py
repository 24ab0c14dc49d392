"""Deployment files: compose structure, Dockerfile, env example, all consistent with the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from app.bundle.render import WORKER_STOPWAITSECS, health_program, watchdog_program
from app.cli import build_parser
from app.demo.settings import DemoSettings
from app.settings import HealthAuthSettings, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.consolidated.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[str]]:
    """Instruction -> its arguments (continuation lines joined), in file order."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.setdefault(keyword.upper(), []).append(rest.strip())
    return instructions


def cli_commands() -> set[str]:
    subparsers = next(action for action in build_parser()._actions if action.dest == "command")
    return set(subparsers.choices)


def seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(float(value) * units[unit] for value, unit in re.findall(r"(\d+(?:\.\d+)?)([smh])", duration))


def python_probe(test: list[str]) -> str:
    """The code of a `python -c CODE` health probe; compiling it proves it is valid Python."""
    assert test[0] == "CMD" and test[1:3] == ["python", "-c"], test
    compile(test[3], "<healthcheck>", "exec")
    return test[3]


def test_compose_sync_service(compose):
    service = compose["services"]["jira-sync"]

    assert service["container_name"] == "jira-sync"
    assert service["restart"] == "unless-stopped"
    assert service["depends_on"] == {"mongo": {"condition": "service_healthy"}}
    assert "./config:/app/config:ro" in service["volumes"]
    assert service["ports"] == ["127.0.0.1:8080:8080"], "the health port stays on the host's loopback by default"
    assert service["env_file"] == ".env.consolidated"
    assert service["environment"]["CONFIG_DIR"] == "/app/config"
    assert "MONGO_URI" not in service["environment"], "it would silently override .env.consolidated"
    env_example = (ROOT / ".env.consolidated.example").read_text()
    assert "\nMONGO_URI=mongodb://mongo:27017/\n" in env_example, "the example points the sync at the mongo service"
    assert "/health/live" in python_probe(service["healthcheck"]["test"])


def test_compose_publishes_nothing_beyond_loopback_and_says_how_to(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert "ports" not in compose["services"]["mongo"], "MongoDB is reached over the compose network only"
    text = (ROOT / "docker-compose.consolidated.yml").read_text()
    comment = text[text.index("    ports:"):text.index('- "127.0.0.1:8080:8080"')]
    assert "HEALTH_AUTH_TOKEN" in comment and '"8080:8080"' in comment and "TLS" in comment
    assert compose["services"]["jira-sync"]["environment"]["HEALTH_HOST"] == "0.0.0.0", "reachable from the bridge"


def test_compose_mongo_service(compose):
    mongo = compose["services"]["mongo"]

    assert mongo["image"] == "mongo:7"
    assert mongo["container_name"] == "mongo-consolidated"
    assert mongo["restart"] == "unless-stopped"
    assert mongo["healthcheck"]["test"][:2] == ["CMD", "mongosh"]
    assert any(volume.endswith(":/data/db") for volume in mongo["volumes"])


def test_stop_grace_period_covers_a_clean_shutdown(compose):
    # supervisord stops groups one after another: one worker using its whole stopwaitsecs,
    # then health and the watchdog, must fit before docker sends SIGKILL.
    needed = WORKER_STOPWAITSECS + health_program(Settings()).stopwaitsecs + watchdog_program().stopwaitsecs
    assert seconds(compose["services"]["jira-sync"]["stop_grace_period"]) > needed


def test_no_secret_is_written_into_the_compose_file(compose):
    text = (ROOT / "docker-compose.consolidated.yml").read_text()
    assert not re.search(r"(?i)token\s*[:=]\s*\S", text)
    assert not any("TOKEN" in key for key in compose["services"]["jira-sync"]["environment"])


def test_dockerfile_entrypoint_and_compose_command_are_cli_commands(compose, dockerfile):
    [entrypoint] = dockerfile["ENTRYPOINT"]
    [cmd] = dockerfile["CMD"]

    assert json.loads(entrypoint) == ["python", "entrypoint.py"]
    assert (ROOT / "entrypoint.py").is_file()
    assert json.loads(cmd) == ["run"]
    assert compose["services"]["jira-sync"]["command"] == ["run"]
    assert {"run", "validate", "render", "reload", "status", "plan", "demo"} <= cli_commands()


def test_dockerfile_base_user_install_and_probe(dockerfile):
    assert dockerfile["FROM"] == ["python:3.11-slim"]
    [user] = dockerfile["USER"]
    assert user not in ("root", "0")
    assert any('pip install ".[embedded]"' in run for run in dockerfile["RUN"])
    [healthcheck] = dockerfile["HEALTHCHECK"]
    probe = json.loads(healthcheck[healthcheck.index("CMD") + 3:].strip())
    assert "/health/live" in python_probe(["CMD", *probe])


def test_every_file_the_dockerfile_copies_exists(dockerfile):
    for copy in dockerfile["COPY"]:
        *sources, _destination = copy.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"


def test_env_example_documents_every_setting_and_the_token_pattern():
    text = (ROOT / ".env.consolidated.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))

    for model in (Settings, HealthAuthSettings, DemoSettings):
        for name in model.model_fields:
            assert name.upper() in documented, f"{name.upper()} is read by {model.__name__} but not in the example"
    assert "JIRA_AB_TOKEN" in documented and "${JIRA_AB_TOKEN}" in text
    for line in text.splitlines():
        if line and not line.startswith("#") and "TOKEN" in line:
            assert line.endswith("=replace-me"), line

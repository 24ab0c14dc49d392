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


PUBLISHED_HEALTH_PORT = "127.0.0.1:${HEALTH_PORT:-8080}:${HEALTH_PORT:-8080}"


def env_file_values(path: Path) -> dict[str, str]:
    """NAME=value lines of a compose env file (comments and blank lines skipped)."""
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as (excludes, pattern) in file order, Docker's syntax: `*` and `?` stay within one
    path segment, `**` spans any, `!` re-includes; the last matching rule decides."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rules.append((not negated, re.compile(regex)))
    return rules


def ignored_by(rules: list[tuple[bool, re.Pattern]], name: str) -> bool:
    """Whether a path is left out of the build context: it, or a directory above it, matches last an
    excluding rule (Docker leaves a directory's contents out with it, unless a rule brings them back)."""
    parts = name.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for excludes, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            excluded = excludes
    return excluded


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
    assert service["ports"] == [PUBLISHED_HEALTH_PORT], "the health port stays on the host's loopback by default"
    assert service["environment"]["CONFIG_DIR"] == "/app/config"
    env_example = (ROOT / ".env.consolidated.example").read_text()
    assert "\nMONGO_URI=mongodb://mongo:27017/\n" in env_example, "the example points the sync at the mongo service"
    assert "/health/live" in python_probe(service["healthcheck"]["test"])


def test_compose_defaults_come_first_and_the_operators_file_wins(compose):
    """Compose's `environment:` overrides `env_file:`, and of several env files the last wins: the
    defaults (the mongo service, a stable bundle name) go in a committed file before .env.consolidated,
    and nothing an operator may set is pinned in `environment:`."""
    service = compose["services"]["jira-sync"]
    defaults_file, operators_file = service["env_file"]
    defaults = env_file_values(ROOT / defaults_file)

    assert operators_file == ".env.consolidated"
    assert defaults["MONGO_URI"] == "mongodb://mongo:27017/", "by default the compose file's own mongo service"
    assert "mongo" in compose["services"] and any(v.endswith(":/data/db") for v in compose["services"]["mongo"]["volumes"])
    assert defaults["BUNDLE_ID"], "a stable name: a restarted or recreated container resumes its leases at once"
    assert set(defaults) == {"MONGO_URI", "BUNDLE_ID"}, "no secret and nothing else in the committed defaults"
    pinned = set(service["environment"])
    assert pinned == {"CONFIG_DIR", "HEALTH_HOST"}, "only what the image's layout fixes"
    settings = {name.upper() for name in Settings.model_fields}
    assert not pinned & (settings - {"CONFIG_DIR", "HEALTH_HOST"})


def test_the_healthcheck_follows_health_port_and_is_the_images(compose, dockerfile):
    """A HEALTH_PORT set in .env.consolidated moves the health service; the probes follow it."""
    compose_probe = python_probe(compose["services"]["jira-sync"]["healthcheck"]["test"])
    [healthcheck] = dockerfile["HEALTHCHECK"]
    image_probe = json.loads(healthcheck[healthcheck.index("CMD") + 3:].strip())[2]

    assert compose_probe == image_probe
    assert "os.environ.get('HEALTH_PORT', '8080')" in compose_probe and ":8080/" not in compose_probe
    assert "HEALTH_PORT" not in compose["services"]["jira-sync"]["environment"], "it would override .env.consolidated"
    assert PUBLISHED_HEALTH_PORT == "127.0.0.1:${HEALTH_PORT:-8080}:${HEALTH_PORT:-8080}"


def test_secret_files_example_is_complete_and_commented_out():
    """The compose file documents Docker secrets for the *_FILE convention, off by default (a missing
    file would stop `up`); scripts/container-check uncomments exactly these lines."""
    text = (ROOT / "docker-compose.consolidated.yml").read_text()

    assert "    # secrets:\n    #   - jira_ab_token\n" in text
    assert "# secrets:\n#   jira_ab_token:\n#     file: ./secrets/jira_ab_token\n" in text
    assert "JIRA_AB_TOKEN_FILE=/run/secrets/jira_ab_token" in text and "10001" in text
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env.consolidated" in ignored and "/secrets/" in ignored


def test_dockerignore_keeps_secrets_and_local_state_out_and_lets_every_copy_through(dockerfile):
    rules = dockerignore_rules()

    for local in (".env.consolidated", "secrets/jira_ab_token", "runtime/supervisord.conf", ".venv/bin/python",
                  ".git/HEAD", "tests/test_deploy_files.py", "test-artifacts/x.log", ".pytest_cache/v/x",
                  ".hypothesis/examples/x", "config/sync-ab.json", "app/__pycache__/settings.cpython-311.pyc"):
        assert ignored_by(rules, local), f"{local} would enter the build context"
    for copy in dockerfile["COPY"]:
        *sources, _destination = copy.split()
        for source in sources:
            for path in [ROOT / source, *(ROOT / source).rglob("*")]:
                name = path.relative_to(ROOT).as_posix()
                if "__pycache__" not in name:
                    assert not ignored_by(rules, name), f"the Dockerfile copies {name}, which .dockerignore leaves out"


def test_compose_publishes_nothing_beyond_loopback_and_says_how_to(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert "ports" not in compose["services"]["mongo"], "MongoDB is reached over the compose network only"
    text = (ROOT / "docker-compose.consolidated.yml").read_text()
    comment = text[text.index("    ports:"):text.index(f'- "{PUBLISHED_HEALTH_PORT}"')]
    assert "HEALTH_AUTH_TOKEN" in comment and '"8080:8080"' in comment and "TLS" in comment
    assert "HEALTH_PORT" in comment and ".env too" in comment, "compose fills in ${HEALTH_PORT} from .env, not env_file"
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
    # a value on the line of a key or variable named *token (the secrets example's `jira_ab_token:`
    # opens a block naming a file, which is the point)
    assert not re.search(r"(?i)token[ \t]*[:=][ \t]*\S", text)
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

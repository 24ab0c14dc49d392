"""The temporary copy of the repository the check runs in, and the operator's edits to it.

The copy is the work tree as git sees it (tracked and untracked, not ignored), without anything an
operator or developer keeps locally: .env.consolidated, secrets/, runtime/ and pair files other
than the shipped example. The edits are the README's "Running it" steps, done literally.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

LOCAL_ONLY = re.compile(r"^(\.env\.consolidated|secrets/.*|runtime/.*|config/sync-(?!rules\.)[^/]*\.json)$")
COMPOSE_FILE = "docker-compose.consolidated.yml"
OVERRIDE_FILE = "deploy/container-check/docker-compose.check.yml"
PROJECT = "jira-sync-check"  # compose project name: its containers, volume and labels
BOT_ACCOUNT = "sim-sync-bot"
BOT_EMAIL = "sync-bot@example.test"
HUMAN_EMAIL = "human@example.test"
SECRET_FILE = "secrets/jira_ab_token"
SECRET_PATH_IN_CONTAINER = "/run/secrets/jira_ab_token"


def free_port(preferred: int | None = None, avoid: tuple[int, ...] = ()) -> int:
    """`preferred` when nothing listens there on 127.0.0.1, else a port the system hands out."""
    if preferred is not None and preferred not in avoid:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", preferred)) != 0:
                return preferred
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]  # (host, port) for AF_INET
        if port not in avoid:
            return port


@dataclass
class Operator:
    """What the operator chose and wrote; the check reads these back to probe the container."""

    root: Path
    health_port: int
    mongo_port: int
    jira_port: int
    token: str = field(default_factory=lambda: "tok-" + secrets.token_hex(12))
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    human_token: str = field(default_factory=lambda: "human-" + secrets.token_hex(8))
    pairs: list[tuple[str, str, str]] = field(default_factory=list)  # (name, user project, dev project)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.jira_port}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}"

    @property
    def env_file(self) -> Path:
        return self.root / ".env.consolidated"

    @property
    def secrets_seen(self) -> list[str]:
        """Every secret value the check handed out so far (a rotated token is added to it)."""
        return [self.token, self.password, self.human_token, *self.old_tokens]

    old_tokens: list[str] = field(default_factory=list)


def copy_repository(source: Path, target: Path) -> None:
    """The work tree as git lists it, minus LOCAL_ONLY; links are copied as links."""
    listed = subprocess.run(["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        path = source / name
        if LOCAL_ONLY.match(name) or not (path.exists() or path.is_symlink()):
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            destination.symlink_to(path.readlink())
        else:
            shutil.copy2(path, destination)


def drop_published_ports(compose_text: str) -> str:
    """The jira-sync service without `ports:`: docker-compose 1.29 refuses published ports on the host's
    network (docker-py: "host" network_mode is incompatible with port_bindings), and an override can
    add ports but not remove them. On the host's network the container's HEALTH_PORT is the host's."""
    kept, skipping = [], False
    for line in compose_text.splitlines(keepends=True):
        if line.startswith("    ports:"):
            skipping = True
            continue
        if skipping and line.startswith("      "):
            continue
        skipping = False
        kept.append(line)
    return "".join(kept)


class SeedUser(TypedDict):
    accountId: str
    displayName: str
    emailAddress: str
    apiToken: str
    pat: str
    timeZone: str


class SeedProject(TypedDict):
    key: str
    name: str
    lead: str
    issueTypes: list[str]
    workflow: str


class Seed(TypedDict):
    """jira_sim.seed's format, as much of it as the check writes."""

    users: list[SeedUser]
    projects: list[SeedProject]
    issues: list[object]  # always empty: the check's issues are created over HTTP


def simulator_seed(pairs: list[tuple[str, str, str]], token: str, human_token: str) -> Seed:
    """The simulated site (jira_sim.seed's format): the sync bot, a person, two projects per pair."""
    users: list[SeedUser] = [
        {"accountId": BOT_ACCOUNT, "displayName": "Sync Bot", "emailAddress": BOT_EMAIL, "apiToken": token,
         "pat": "pat-" + token, "timeZone": "UTC"},
        {"accountId": "sim-human", "displayName": "Hannah Human", "emailAddress": HUMAN_EMAIL,
         "apiToken": human_token, "pat": "pat-" + human_token, "timeZone": "UTC"},
    ]
    projects: list[SeedProject] = []
    for _, user_key, dev_key in pairs:
        projects.append({"key": user_key, "name": f"{user_key} support", "lead": "sim-human",
                         "issueTypes": ["Task", "Bug", "Story"], "workflow": "user"})
        projects.append({"key": dev_key, "name": f"{dev_key} development", "lead": "sim-human",
                         "issueTypes": ["Bug", "Task", "Story"], "workflow": "dev"})
    return {"users": users, "projects": projects, "issues": []}


def check_pairs(count: int) -> list[tuple[str, str, str]]:
    """sync-ab (ABSUP/ABDEV, the README's pair), then sync-p02 … (P02SUP/P02DEV …)."""
    pairs = [("sync-ab", "ABSUP", "ABDEV")]
    pairs += [(f"sync-p{n:02d}", f"P{n:02d}SUP", f"P{n:02d}DEV") for n in range(2, count + 1)]
    return pairs


def write_pair_file(operator: Operator, name: str, user_key: str, dev_key: str) -> Path:
    """`cp config/sync-rules.example.json config/<name>.json`, then the edits the README asks for:
    the Jira site, the sync user, the project keys; a short interval so the check need not wait
    five minutes. Every pair reads the one bot's token, as pairs on one site may."""
    example = operator.root / "config" / "sync-rules.example.json"
    target = operator.root / "config" / f"{name}.json"
    shutil.copyfile(example, target)
    config = json.loads(target.read_text(encoding="utf-8"))
    config["jira"]["baseUrl"] = operator.base_url
    config["jira"]["email"] = BOT_EMAIL
    config["userProjectKey"], config["devProjectKey"] = user_key, dev_key
    config["description"] = f"Support project {user_key} <-> development project {dev_key}"
    config.pop("syncIntervalMinutes", None)
    config["syncIntervalSeconds"] = 5
    target.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return target


def append_env(operator: Operator, text: str) -> None:
    """`echo … >> .env.consolidated` (and the README's printf line)."""
    with operator.env_file.open("a", encoding="utf-8") as env:
        env.write(text)


def set_env(operator: Operator, name: str, value: str) -> None:
    """NAME=value in .env.consolidated: the line the file has for it edited (as in an editor), else appended."""
    lines = operator.env_file.read_text(encoding="utf-8").splitlines() if operator.env_file.exists() else []
    at = [n for n, line in enumerate(lines) if line.startswith(f"{name}=")]
    if at:
        lines[at[0]] = f"{name}={value}"
        operator.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        append_env(operator, f"{name}={value}\n")


def readme_copies_env_example(root: Path) -> bool:
    """Whether the README's "Running it" starts .env.consolidated from the example (else it echoes into it)."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.find("## Running it"):]
    block = section[:section.find("```", section.find("```") + 3)]
    return "cp .env.consolidated.example .env.consolidated" in block


def enable_secret_file(operator: Operator) -> str | None:
    """The compose file's documented `secrets:` example, uncommented as its comment says; the token
    moves from .env.consolidated into secrets/jira_ab_token. None, or why it could not be done."""
    compose = operator.root / COMPOSE_FILE
    text = compose.read_text(encoding="utf-8")
    service_block = "    # secrets:\n    #   - jira_ab_token\n"
    top_block = "# secrets:\n#   jira_ab_token:\n#     file: ./secrets/jira_ab_token\n"
    if service_block not in text or top_block not in text:
        return f"{COMPOSE_FILE} no longer holds the documented secrets example"
    text = text.replace(service_block, "    secrets:\n      - jira_ab_token\n")
    text = text.replace(top_block, "secrets:\n  jira_ab_token:\n    file: ./secrets/jira_ab_token\n")
    compose.write_text(text, encoding="utf-8")
    write_secret_file(operator, operator.token)
    lines = [line for line in operator.env_file.read_text(encoding="utf-8").splitlines()
             if not line.startswith("JIRA_AB_TOKEN=")]
    lines.append(f"JIRA_AB_TOKEN_FILE={SECRET_PATH_IN_CONTAINER}")
    operator.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return None


def write_secret_file(operator: Operator, token: str) -> None:
    """`install -m 0440 -g 10001 /dev/stdin secrets/jira_ab_token` the first time; a rotation writes
    the same file in place (`printf … > file`): Docker bind-mounts the file itself, so a file
    replaced by a rename would leave the container reading the old one."""
    path = operator.root / SECRET_FILE
    path.parent.mkdir(exist_ok=True)
    fresh = not path.exists()
    path.write_text(token + "\n", encoding="utf-8")
    if fresh:
        path.chmod(0o440)
        shutil.chown(path, group=10001)

"""The container engine: Debian's docker.io and docker-compose from apt, dockerd started without a
bridge (host networking only), and the stand-ins for the two base images no registry serves here."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

APT_PACKAGES = ("docker.io", "docker-compose", "debootstrap")
DOCKERD_LOG = Path("/var/log/jira-sync-check-dockerd.log")
CACHE_DIR = Path("/var/cache/jira-sync-check")
RECIPES = Path("deploy/container-check")  # relative to the repository root


def run(args: list[str], *, timeout: float = 600, cwd: Path | None = None, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`args` with output captured as text; a timeout is a failed result (rc 124), never an exception."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env, input=input)
    except subprocess.TimeoutExpired as expired:
        def text(data: bytes | str | None) -> str:
            return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")
        return subprocess.CompletedProcess(args, 124, text(expired.stdout), text(expired.stderr) + f"\ntimed out after {timeout:.0f}s")


def missing_packages() -> list[str]:
    done = run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *APT_PACKAGES])
    installed = {line.split()[0] for line in done.stdout.splitlines() if line.endswith("install ok installed")}
    return [name for name in APT_PACKAGES if name not in installed]


def install_engine() -> str:
    """Install what is missing from apt; returns what it did."""
    missing = missing_packages()
    if not missing:
        return "docker.io, docker-compose and debootstrap installed"
    update = run(["apt-get", "update", "-qq"], timeout=600)
    install = run(["apt-get", "install", "-y", "-qq", *missing], timeout=1200,
                  env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    if install.returncode != 0:
        raise RuntimeError(f"apt-get install {' '.join(missing)} failed: {(update.stderr + install.stderr)[-800:]}")
    return f"installed from apt: {', '.join(missing)}"


def engine_answers() -> bool:
    return run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=30).returncode == 0


def start_dockerd() -> str:
    """dockerd when it is not running: no bridge, no iptables rules, no IP forwarding (every
    container of the check uses the host's network and 127.0.0.1)."""
    if engine_answers():
        return "dockerd already running"
    log = DOCKERD_LOG.open("ab")
    subprocess.Popen(["dockerd", "--bridge=none", "--iptables=false", "--ip-forward=false"],
                     stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if engine_answers():
            return f"dockerd started (--bridge=none --iptables=false; log {DOCKERD_LOG})"
        time.sleep(0.5)
    raise RuntimeError(f"dockerd did not answer within 60 s; see {DOCKERD_LOG}")


def build_standins(repo: Path) -> str:
    """python:3.11-slim (debootstrap, cached in CACHE_DIR) and mongo:7 (nx-27017 on it)."""
    python = run([str(repo / RECIPES / "python-standin"), str(CACHE_DIR)], timeout=1800)
    if python.returncode != 0:
        raise RuntimeError(f"python stand-in: {python.stderr[-1500:]}")
    mongo = run(["docker", "build", "--network", "host", "-t", "mongo:7", str(repo / RECIPES / "mongo")], timeout=900)
    if mongo.returncode != 0:
        raise RuntimeError(f"mongo stand-in: {(mongo.stdout + mongo.stderr)[-1500:]}")
    return "python:3.11-slim and mongo:7 stand-ins built"


def have_tools() -> list[str]:
    return [tool for tool in ("docker", "docker-compose", "debootstrap") if shutil.which(tool) is None]

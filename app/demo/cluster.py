"""`demo --bundles N`: the demo as N bundles on one MongoDB, to watch the pair leases at work.

What the bundles share runs outside all of them, as children of this command, so that any one
bundle can be killed and the others carry on: the embedded MongoDB, the simulated Jira site and
the scripted person. Each bundle is `run` in a session of its own (`pkill -9 -s` of it is the
loss of a whole container), with its own RUNTIME_DIR, HEALTH_PORT and BUNDLE_ID (`demo-1`, …),
and the same pair files. A bundle that dies is reported, not restarted: its pairs move to the
others. Ctrl-C (or SIGTERM) stops the bundles cleanly, then the shared parts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

from app.demo.files import write_demo_files
from app.demo.programs import actor_argv, simulator_argv
from app.demo.settings import (
    DEMO_HUMAN_TOKEN,
    DEMO_HUMAN_TOKEN_VARIABLE,
    DEMO_PAIRS,
    DEMO_TOKEN,
    DEMO_TOKEN_VARIABLE,
    DemoSettings,
    seed_path,
)
from app.embedded_mongo import server_command, wait_until_reachable
from app.settings import Settings

HEALTH_PORT_STEP = 100  # bundle i answers on HEALTH_PORT + 100 * i: clear of the simulator's 8081
STOP_SECONDS = 120  # a bundle's clean stop: its workers finish the issue they are on


@dataclass(frozen=True)
class ClusterLayout:
    root: Path
    bundles: int
    mongo_port: int
    jira_port: int
    health_port: int
    actor_every: float
    lease_seconds: float

    @property
    def mongo_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"

    @property
    def jira_url(self) -> str:
        return f"http://127.0.0.1:{self.jira_port}"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    def name(self, index: int) -> str:
        return f"demo-{index + 1}"

    def bundle_health_port(self, index: int) -> int:
        return self.health_port + HEALTH_PORT_STEP * index


def cluster_layout(settings: Settings, bundles: int, jira_port: int | None = None) -> ClusterLayout:
    """Where the cluster demo lives: RUNTIME_DIR/demo-cluster, on the demo's ports (pure)."""
    demo = DemoSettings()
    return ClusterLayout(Path(settings.runtime_dir).absolute() / "demo-cluster", bundles, settings.embedded_mongo_port,
                         jira_port or demo.demo_jira_port, settings.health_port, demo.demo_actor_every,
                         settings.lease_seconds)


def bundle_environment(layout: ClusterLayout, index: int, environ: Mapping[str, str]) -> dict[str, str]:
    """Bundle `index`'s environment: the shared MongoDB and pair files, its own runtime and port (pure)."""
    return {**environ, "MONGO_URI": layout.mongo_uri, "CONFIG_DIR": str(layout.config_dir),
            "RUNTIME_DIR": str(layout.root / layout.name(index)), "HEALTH_PORT": str(layout.bundle_health_port(index)),
            "BUNDLE_ID": layout.name(index), DEMO_TOKEN_VARIABLE: DEMO_TOKEN}


def cluster_banner(layout: ClusterLayout, sessions: Mapping[str, int]) -> list[str]:
    """What to look at and what to try (pure); `sessions`: bundle name -> its session, which
    all its processes share (supervisord gives each program a process group of its own)."""
    lines = [f"demo: {layout.bundles} bundles on one MongoDB ({layout.mongo_uri}), simulated Jira at {layout.jira_url}/,",
             f"      pairs {', '.join(name for name, _, _ in DEMO_PAIRS)} from {layout.config_dir}; a scripted person moves "
             f"an issue every {layout.actor_every:g} s"]
    for index in range(layout.bundles):
        name = layout.name(index)
        lines.append(f"  {name}  dashboard http://127.0.0.1:{layout.bundle_health_port(index)}/   "
                     f"lose it whole (every process at once): pkill -9 -s {sessions[name]}")
    lines += ["  each pair is active in one bundle and standby in the others; lose one and its pairs sync in another",
              f"  once its leases ran out ({layout.lease_seconds:g} s and the skew allowance); the dashboards' cluster "
              "section shows who holds what",
              "  stop       Ctrl-C"]
    return lines


class DemoCluster:
    """The running cluster demo: shared children, then the bundles; `stop` in reverse."""

    def __init__(self, layout: ClusterLayout, environ: Mapping[str, str] = os.environ) -> None:
        self.layout = layout
        self.environ = {key: value for key, value in environ.items() if key != DEMO_HUMAN_TOKEN_VARIABLE}
        self.shared: list[subprocess.Popen[bytes]] = []
        self.bundles: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> DemoCluster:
        layout = self.layout
        layout.root.mkdir(parents=True, exist_ok=True)
        (layout.root / "mongo-data").mkdir(exist_ok=True)
        files = _FileSettings(layout.root, layout.config_dir)
        write_demo_files(files, layout.jira_port)
        self._shared(server_command(layout.mongo_port, layout.root / "mongo-data"))
        wait_until_reachable(layout.mongo_uri)
        self._shared(simulator_argv(layout.jira_port, seed_path(files)))
        _wait_for_jira(layout.jira_url)
        for index in range(layout.bundles):
            self.bundles[layout.name(index)] = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "run"], env=bundle_environment(layout, index, self.environ),
                start_new_session=True)
        self._shared(actor_argv(layout.jira_port, layout.actor_every),
                     env={**self.environ, DEMO_HUMAN_TOKEN_VARIABLE: DEMO_HUMAN_TOKEN})
        return self

    def sessions(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.bundles.items()}  # each leads its own

    def watch(self, stop: threading.Event) -> None:
        """Until `stop`: say once when a bundle has gone."""
        reported: set[str] = set()
        while not stop.wait(1):
            for name, process in self.bundles.items():
                if process.poll() is not None and name not in reported:
                    reported.add(name)
                    print(f"demo: bundle {name} exited ({process.returncode}); the others take over its pairs", flush=True)

    def stop(self) -> None:
        for process in self.bundles.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.bundles.values():
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for process in reversed(self.shared):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _shared(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        # A session of its own: Ctrl-C reaches this command only, which stops the bundles first.
        self.shared.append(subprocess.Popen(argv, env=env or self.environ, start_new_session=True))


@dataclass(frozen=True)
class _FileSettings:
    """The two places app.demo.files writes to (a DemoDirectories)."""

    runtime_dir: Path
    config_dir: Path


def _wait_for_jira(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}/rest/api/2/serverInfo", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the simulated Jira at {url} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def run_cluster(settings: Settings, bundles: int, jira_port: int | None = None) -> int:
    cluster = DemoCluster(cluster_layout(settings, bundles, jira_port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        cluster.start()
        for line in cluster_banner(cluster.layout, cluster.sessions()):
            print(line, flush=True)
        cluster.watch(stop)
    finally:
        cluster.stop()
    return 0

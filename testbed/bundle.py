"""The whole bundle as an operator runs it: `python entrypoint.py run` under real supervisord.

A `Bundle` owns a temporary config dir and runtime dir, starts the entrypoint as a child
process (supervisord execs in its place), and offers what an operator would do next:
curl /health, supervisorctl, reload, edit or delete config files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import requests

from app.config.bounds import SYNC_INTERVAL
from app.supervisord import ProcessInfo, SupervisorRPC
from jira_sim.seed import BOT
from testbed.original import ORIGINAL_SYNC_AB
from testbed.ports import free_port
from testbed.waiting import terminate, wait_for

ROOT = Path(__file__).resolve().parents[1]


def pair_config(name: str, base_url: str, user_key: str, dev_key: str, token_env: str, **overrides: Any) -> dict[str, Any]:
    """A pair config in the original format, modelled on the original tests/data/sync-ab.json."""
    example = json.loads(ORIGINAL_SYNC_AB)
    config = {
        **example,
        "name": name,
        "userProjectKey": user_key,
        "devProjectKey": dev_key,
        "jira": {
            "baseUrl": base_url,
            "email": BOT.email,
            "apiToken": "${" + token_env + "}",
            "authType": "basic",
            "deployment": "cloud",
            "allowPrivateAddress": True,  # the simulator listens on loopback
        },
        "syncIntervalSeconds": SYNC_INTERVAL.low,  # as fast as a pair may sync
    }
    config.pop("syncIntervalMinutes", None)
    config.update(overrides)
    return config


def write_config_dir(directory: Path, token_env: str, pairs: dict[str, tuple[str, str, str]]) -> Path:
    """`directory` with one valid config per pair (file stem -> (name, User key, Dev key)) and
    `sync-bad.json`, whose interval is text: a health service shows it under invalidConfigs."""
    directory.mkdir()
    for stem, (name, user_key, dev_key) in pairs.items():
        config = pair_config(name, "http://127.0.0.1:9", user_key, dev_key, token_env)
        (directory / f"{stem}.json").write_text(json.dumps(config))
    bad = pair_config("sync-bad", "http://127.0.0.1:9", "BADSUP", "BADDEV", token_env,
                      syncIntervalSeconds="every now and then")
    (directory / "sync-bad.json").write_text(json.dumps(bad))
    return directory


class Bundle:
    def __init__(self, tmp_path: Path, mongo_uri: str | None, control_db: str, env: dict[str, str] | None = None,
                 launcher: Sequence[str] = ()):
        """`mongo_uri` None runs the embedded MongoDB (MONGO_URI=embedded); `launcher` is put before
        `python entrypoint.py run` (e.g. a confinement to run it in)."""
        self.launcher = tuple(launcher)
        self.config_dir = tmp_path / "config"
        # Not under tmp_path: pytest's (with xdist's popen-gwN) makes supervisord's socket path too long.
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="rt-"))
        weakref.finalize(self, shutil.rmtree, self.runtime_dir, True)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.health_port = free_port()
        self.log_path = tmp_path / "bundle.log"
        self.env = {
            **os.environ,
            "CONFIG_DIR": str(self.config_dir),
            "RUNTIME_DIR": str(self.runtime_dir),
            "MONGO_CONTROL_DB": control_db,
            # pair databases named after the control db's test prefix, so the test drops them
            "MONGO_DATABASE_PREFIX": control_db.split("_")[0] + "-",
            "HEALTH_PORT": str(self.health_port),
            "HEARTBEAT_INTERVAL": "1",
            "HEARTBEAT_STALE_AFTER": "8",  # beats every 1 s; room for a loaded 2-core machine
            "WATCHDOG_COOLDOWN_MIN": "2",
            "WATCHDOG_COOLDOWN_MAX": "4",
            "LOG_FORMAT": "json",
            **(env or {}),
        }
        self.env.pop("MONGO_URI_FILE", None)
        if mongo_uri:
            self.env["MONGO_URI"] = mongo_uri
        else:  # `run` refuses no MONGO_URI: the embedded dev-only server is asked for by name
            self.env["MONGO_URI"] = "embedded"
            self.env["EMBEDDED_MONGO_PORT"] = str(free_port())
        self.process: subprocess.Popen[bytes] | None = None

    # -- configs -----------------------------------------------------------------------------

    def write_config(self, name: str, config: dict[str, Any] | str | bytes) -> Path:
        path = self.config_dir / f"{name}.json"
        if isinstance(config, dict):
            path.write_text(json.dumps(config, indent=2))
        elif isinstance(config, str):
            path.write_text(config)
        else:
            path.write_bytes(config)
        return path

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Bundle:
        self._log = self.log_path.open("ab")
        process = self.process = subprocess.Popen(
            [*self.launcher, sys.executable, str(ROOT / "entrypoint.py"), "run"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        def answering() -> dict[str, ProcessInfo]:
            if process.poll() is not None:
                raise AssertionError(f"the bundle exited with {process.returncode}: {self.logs()[-2000:]}")
            return self.rpc().process_states()

        wait_for(answering, 30, what="supervisord to answer")
        return self

    def processes(self) -> list[psutil.Process]:
        """Every process of this bundle, found by its runtime directory in their environment (a
        child supervisord spawned a moment ago is no orphan of this list). Not by BUNDLE_ID:
        tests running beside this one may name their bundles alike."""
        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get("RUNTIME_DIR") == str(self.runtime_dir):
                    found.append(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        return found

    def kill(self) -> None:
        """kill -9 of every process of the bundle: supervisord first (it spawns no more), then the rest."""
        if self.process is None:
            raise RuntimeError("the bundle was never started")
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for process in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()

    def crash(self) -> None:
        """Every process of the bundle gone at one instant, as when a container or its node dies:
        frozen first, so that none acts on supervisord's death (a worker would release its lease)."""
        for process in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                process.suspend()
        self.kill()

    def stop(self) -> int | None:
        if self.process is None:
            return None
        status = terminate(self.process, timeout=60)
        self._log.close()
        return status

    def cli(self, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """A command run as an operator would beside this bundle (`env`: values to change)."""
        return subprocess.run(
            [sys.executable, str(ROOT / "entrypoint.py"), *args],
            cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout,
        )

    # -- observation -------------------------------------------------------------------------

    @property
    def bundle_id(self) -> str:
        """The identity `run` drew (or BUNDLE_ID), as this bundle's programs know it."""
        return self.env.get("BUNDLE_ID") or (self.runtime_dir / "bundle-id").read_text().strip()

    def rpc(self) -> SupervisorRPC:
        return SupervisorRPC(self.runtime_dir.absolute() / "supervisor.sock", timeout=2)

    def states(self) -> dict[str, str]:
        return {name: info.statename for name, info in self.rpc().process_states().items()}

    def program(self, name: str) -> ProcessInfo:
        """Program `name` as one answer of supervisord: its state and pid read together (a kill -9
        is reaped and the program spawned again between two separate calls)."""
        return self.rpc().process_states()[name]

    def pid(self, name: str) -> int:
        return self.program(name).pid

    def environments(self, name: str) -> list[dict[str, str]]:
        """The environment of program `name` and of every process it started (gunicorn's workers)."""
        process = psutil.Process(self.pid(name))
        return [member.environ() for member in (process, *process.children(recursive=True))]

    def health(self, timeout: float = 3) -> requests.Response:
        """The detailed `/health` (a loopback caller needs no credentials when none are set)."""
        return requests.get(f"http://127.0.0.1:{self.health_port}/health?detail=1", timeout=timeout)

    def wait_healthy(self, timeout: float = 60) -> dict[str, Any]:
        def healthy() -> dict[str, Any] | None:
            response = self.health()
            return response.json() if response.status_code == 200 else None

        answer: dict[str, Any] = wait_for(healthy, timeout, what="/health 200")
        return answer

    def wait_syncing(self, timeout: float = 60) -> dict[str, Any]:
        """/health 200 with every pair active here and past a pass (not standby: a single
        bundle's pairs are also healthy in the moment between their holders)."""
        def syncing() -> dict[str, Any] | None:
            response = self.health()
            body = response.json() if response.status_code == 200 else {}
            workers = body.get("workers") or []
            active = workers and all((w.get("lease") or {}).get("state") == "active" and w.get("lastPass") for w in workers)
            return body if active else None

        answer: dict[str, Any] = wait_for(syncing, timeout, what="every pair active here after a pass")
        return answer

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

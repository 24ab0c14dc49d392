"""A real supervisord for tests: rendered by app.bundle.render, run in a temporary directory."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from app.bundle.render import Program, render_supervisord_conf
from app.bundle.runtime import supervisord_executable
from app.settings import Settings
from app.supervisord import SupervisorRPC, SupervisorUnavailable
from testbed.waiting import terminate, wait_for


def sleeper(name: str, fingerprint: str = "0", seconds: int = 1000) -> Program:
    """A program that just runs, RUNNING at once (startsecs=0), stopping fast."""
    return Program(
        name=name,
        command=("sleep", str(seconds)),
        environment={"PAIR_CONFIG_FINGERPRINT": fingerprint},
        startsecs=0,
        stopwaitsecs=5,
    )


class Supervisord:
    """supervisord in the foreground as a child of the test, with its socket in `runtime_dir`."""

    def __init__(self, runtime_dir: Path) -> None:
        self.settings = Settings(runtime_dir=runtime_dir, mongo_uri="mongodb://unused.invalid/")
        self.process: subprocess.Popen | None = None
        self.log = runtime_dir / "supervisord.out"

    @property
    def conf(self) -> Path:
        return self.settings.supervisord_conf

    def rpc(self, timeout: float = 2.0) -> SupervisorRPC:
        return SupervisorRPC(self.settings.supervisor_socket, timeout=timeout, wait_timeout=20)

    def write(self, programs: Sequence[Program]) -> None:
        self.settings.runtime_dir.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(render_supervisord_conf(programs, self.settings))

    def start(self, programs: Sequence[Program]) -> Supervisord:
        self.write(programs)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([supervisord_executable(), "-c", str(self.conf)],
                                            stdout=out, stderr=subprocess.STDOUT)
        wait_for(self._ready, what="supervisord to answer on its socket")
        names = {program.name for program in programs}
        wait_for(lambda: self._all_running(names), what=f"{sorted(names)} RUNNING")
        return self

    def stop(self) -> int:
        """SIGTERM, as docker stop sends it; returns supervisord's exit status."""
        return terminate(self.process, timeout=30) or 0

    def _ready(self) -> bool:
        try:
            return self.rpc().state() == "RUNNING"
        except SupervisorUnavailable:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            return False

    def _all_running(self, names) -> bool:
        states = self.rpc().process_states()
        return all(name in states and states[name].statename == "RUNNING" for name in names)

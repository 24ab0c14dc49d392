"""A real supervisord with a handful of stand-in programs, in a temporary directory.

For tests of the parts that talk to supervisord (health sources, watchdog) without the whole
bundle: each program is a plain command (`sleep`, `false`) under the given name.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.supervisord import SupervisorRPC, SupervisorUnavailable
from testbed.waiting import terminate

CONFIG = """\
[unix_http_server]
file={socket}
chmod=0700

[supervisord]
nodaemon=true
logfile={dir}/supervisord.log
pidfile={dir}/supervisord.pid
childlogdir={dir}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

PROGRAM = """
[program:{name}]
command={command}
startsecs={startsecs}
startretries=0
autorestart=true
stopwaitsecs=2
stdout_logfile={dir}/{name}.log
redirect_stderr=true
"""


class TinySupervisord:
    """`programs` maps a program name to (command, startsecs); `extra` is appended to the config
    file. `{dir}` in either stands for the server's directory (which holds `supervisor.sock`)."""

    def __init__(self, programs: dict[str, tuple[str, int]], extra: str = "") -> None:
        # A short directory of its own: unix socket paths are limited to ~100 characters.
        self.dir = Path(tempfile.mkdtemp(prefix="sv", dir="/tmp"))
        self.socket = self.dir / "supervisor.sock"
        text = CONFIG.format(socket=self.socket, dir=self.dir)
        for name, (command, startsecs) in programs.items():
            command = command.replace("{dir}", str(self.dir))
            text += PROGRAM.format(name=name, command=command, startsecs=startsecs, dir=self.dir)
        self.conf = self.dir / "supervisord.conf"
        self.conf.write_text(text + extra.format(dir=self.dir))
        self._process: subprocess.Popen | None = None

    def rpc(self, timeout: float = 2.0) -> SupervisorRPC:
        return SupervisorRPC(self.socket, timeout=timeout)

    def start(self) -> TinySupervisord:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                self.rpc().process_states()
                return self
            except SupervisorUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def wait_for_state(self, name: str, statename: str, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while True:
            info = self.rpc().process_states()[name]
            if info.statename == statename:
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} is {info.statename}, not {statename}, after {timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        terminate(self._process)
        self._process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

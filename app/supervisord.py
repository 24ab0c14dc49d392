"""supervisord's XML-RPC interface over its unix socket, with a timeout on every call.

The health service, the watchdog, `reload` and `status` all read supervisord through this
class. A socket that is missing, refuses, or stops answering raises SupervisorUnavailable
within the timeout instead of hanging the caller.
"""

from __future__ import annotations

import http.client
import socket
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import Faults

from app.vocabulary import UNKNOWN

# Calls that wait on a process transition (stop with wait) may take up to its stopwaitsecs.
DEFAULT_WAIT_TIMEOUT = 60.0


class SupervisorUnavailable(Exception):
    """supervisord could not be reached or did not answer in time."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"supervisord unavailable: {reason}")


class SupervisorFault(Exception):
    """supervisord answered with an XML-RPC fault (e.g. BAD_NAME, ALREADY_STARTED)."""

    def __init__(self, method: str, code: int, text: str) -> None:
        self.method = method
        self.code = code
        self.text = text
        super().__init__(f"{method}: fault {code}: {text}")


@dataclass(frozen=True)
class ProcessInfo:
    """One process as supervisord reports it (`getAllProcessInfo`)."""

    name: str
    group: str
    statename: str
    pid: int
    description: str
    start: int
    now: int
    spawnerr: str
    exitstatus: int

    @classmethod
    def from_rpc(cls, info: dict[str, Any]) -> ProcessInfo:
        return cls(**{name: info.get(name, default) for name, default in _PROCESS_INFO_DEFAULTS.items()})

    @property
    def key(self) -> str:
        """The name supervisorctl uses: `name`, or `group:name` inside a multi-process group."""
        return self.name if self.group == self.name else f"{self.group}:{self.name}"


_PROCESS_INFO_DEFAULTS = {
    "name": "", "group": "", "statename": UNKNOWN, "pid": 0, "description": "",
    "start": 0, "now": 0, "spawnerr": "", "exitstatus": 0,
}


class _UnixSocketConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _UnixSocketTransport(xmlrpc.client.Transport):
    """One fresh connection per call: supervisord's server closes idle ones on its own terms."""

    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__()
        self._socket_path = socket_path
        self._timeout = timeout

    def make_connection(self, host: str | tuple[str, dict[str, str]]) -> http.client.HTTPConnection:  # noqa: ARG002 - the host part of the URL is ignored
        self.close()
        connection = _UnixSocketConnection(self._socket_path, self._timeout)
        self._connection = (host, connection)
        return connection


class SupervisorRPC:
    """A client of one supervisord; every call is bounded by `timeout` seconds of silence."""

    def __init__(self, socket_path: Path | str, timeout: float = 1.0,
                 wait_timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
        self.socket_path = str(socket_path)
        self.timeout = timeout
        self.wait_timeout = wait_timeout

    def _call(self, method: str, *args: object, timeout: float | None = None) -> Any:
        transport = _UnixSocketTransport(self.socket_path, timeout or self.timeout)
        proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=transport, allow_none=True)
        try:
            return getattr(proxy, method)(*args)
        except xmlrpc.client.Fault as fault:
            raise SupervisorFault(method, fault.faultCode, fault.faultString) from None
        except TimeoutError:
            raise SupervisorUnavailable(f"no answer within {timeout or self.timeout:g}s on {self.socket_path}") from None
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as error:
            raise SupervisorUnavailable(f"{type(error).__name__}: {error}") from None
        finally:
            transport.close()

    def state(self) -> str:
        """supervisord's own state name (RUNNING, SHUTDOWN, ...)."""
        return str(self._call("supervisor.getState")["statename"])

    def process_states(self) -> dict[str, ProcessInfo]:
        """Every process supervisord knows, keyed by its supervisorctl name."""
        infos = (ProcessInfo.from_rpc(info) for info in self._call("supervisor.getAllProcessInfo"))
        return {info.key: info for info in infos}

    def start(self, name: str, wait: bool = False) -> bool:
        return bool(self._call("supervisor.startProcess", name, wait, timeout=self._timeout_for(wait)))

    def stop(self, name: str, wait: bool = True) -> bool:
        return bool(self._call("supervisor.stopProcess", name, wait, timeout=self._timeout_for(wait)))

    def restart(self, name: str) -> bool:
        """Stop (waiting, tolerating an already stopped process), then start."""
        try:
            self.stop(name, wait=True)
        except SupervisorFault as fault:
            if fault.code != Faults.NOT_RUNNING:
                raise
        return self.start(name)

    def signal(self, name: str, sig: str | int) -> bool:
        return bool(self._call("supervisor.signalProcess", name, str(sig)))

    def reload_config(self) -> tuple[list[str], list[str], list[str]]:
        """Re-read the config file; returns supervisord's (added, changed, removed) group names."""
        [[added, changed, removed]] = self._call("supervisor.reloadConfig")
        return list(added), list(changed), list(removed)

    def add_group(self, name: str) -> bool:
        """Start managing a group present in the (reloaded) config; autostart programs start."""
        return bool(self._call("supervisor.addProcessGroup", name))

    def remove_group(self, name: str) -> bool:
        """Stop every process of the group (waiting), then forget the group."""
        self._call("supervisor.stopProcessGroup", name, True, timeout=self.wait_timeout)
        return bool(self._call("supervisor.removeProcessGroup", name))

    def _timeout_for(self, wait: bool) -> float:
        return max(self.timeout, self.wait_timeout) if wait else self.timeout

"""Waiting on things that happen in other processes: polling a condition, stopping a child."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = "condition") -> Any:
    """Poll `predicate` until it returns a truthy value and return it; an exception counts as
    "not yet". Raise AssertionError naming `what` (and the last answer) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except Exception as error:  # noqa: BLE001 - keep polling; report the last error on timeout
            last = error
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def terminate(process: subprocess.Popen[Any] | None, timeout: float = 15.0) -> int | None:
    """SIGTERM (as docker stop sends it), SIGKILL after `timeout`; the exit status."""
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode

"""supervisord's main loop, restarting a program that died at once instead of up to 2 s later.

supervisord learns of a child's death from SIGCHLD, but its handler only records the signal:
since Python 3.5 (PEP 475) the `poll()` at the top of its loop is resumed after a signal, so the
exit is reaped when the poll's 1 s timeout runs out (or another program happens to write a log
line); and the loop starts programs again (`transition()`) before it reaps, so the restart
waits for the next turn and its poll, another second. After a kill -9 a worker was spawned again
1.0-1.9 s later, most of the 3 s in which `/health` must say 200 again.

Two additions, both on supervisord's own extension points, make that immediate:
- `SignalWake`: a pipe registered with `signal.set_wakeup_fd`, in the socket map supervisord
  polls (where its own HTTP server's sockets are), so any signal it handles ends the poll;
- `PromptSupervisor`: when a reap found a child, the process groups' transitions run again in
  the same turn, so an exited program that restarts is spawned before the loop polls again.

Nothing else changes: backoff, startsecs, startretries and FATAL are supervisord's, and a
restart still happens only where supervisord's own transition would start the program.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

from supervisor.medusa import asyncore_25 as asyncore
from supervisor.options import ServerOptions
from supervisor.supervisord import Supervisor


class SignalWake:
    """A dispatcher (the interface supervisord's loop calls on its socket map) whose fd becomes
    readable when a signal with a Python handler arrives; reading only drains it."""

    def __init__(self, socket_map: dict[int, Any]) -> None:
        self._socket_map = socket_map
        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        os.set_blocking(self._write_fd, False)
        signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        socket_map[self.fd] = self

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def handle_read_event(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self.fd, 512):
                pass

    def handle_error(self) -> None:  # nothing to recover: the next signal writes again
        pass

    def close(self) -> None:
        signal.set_wakeup_fd(-1)
        self._socket_map.pop(self.fd, None)
        for fd in (self.fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class PromptServerOptions(ServerOptions):  # type: ignore[misc]  # supervisor ships no annotations
    """supervisord's options, its signal handlers also waking its loop (SignalWake)."""

    signal_wake: SignalWake | None = None

    def setsignals(self) -> None:
        super().setsignals()
        self.close_signal_wake()  # a SIGHUP reload sets the handlers again
        self.signal_wake = SignalWake(self.get_socket_map())

    def close_signal_wake(self) -> None:
        if self.signal_wake is not None:
            self.signal_wake.close()
            self.signal_wake = None


class PromptSupervisor(Supervisor):  # type: ignore[misc]
    """supervisord, starting again in the same turn of its loop a program it has just reaped."""

    def reap(self, once: bool = False, recursionguard: int = 0) -> None:
        running = len(self.options.pidhistory)
        super().reap(once=once, recursionguard=recursionguard)
        # The recursion reaps every child; the outermost call acts once for all of them.
        if recursionguard == 0 and len(self.options.pidhistory) < running:
            for group in sorted(self.process_groups.values()):
                group.transition()


def go(options: PromptServerOptions) -> None:
    """supervisord.go with PromptSupervisor: run until shutdown or a reload."""
    with contextlib.suppress(asyncore.ExitNow):  # how supervisord's loop ends
        PromptSupervisor(options).main()

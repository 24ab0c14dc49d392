"""app.bundle.supervisord_loop on supervisord's own classes and a real child process: a program
that dies is started again in the turn of the loop that reaps it, and a child's death wakes the
loop's poll. Neither is a timing: each asserts a state or a readable fd after one step."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from supervisor.states import ProcessStates
from supervisor.supervisord import Supervisor

from app.bundle.supervisord_loop import PromptServerOptions, PromptSupervisor

PROGRAM = "sleeper"


def supervisor_options(tmp_path: Path) -> PromptServerOptions:
    config = tmp_path / "supervisord.conf"
    config.write_text(
        "[supervisord]\n"
        f"logfile={tmp_path / 'supervisord.log'}\npidfile={tmp_path / 'supervisord.pid'}\n"
        f"childlogdir={tmp_path}\nnodaemon=true\nsilent=true\n"
        f"[program:{PROGRAM}]\ncommand={sys.executable} -c \"import time; time.sleep(60)\"\n"
        "autorestart=true\nstartsecs=0\nstdout_logfile=NONE\nredirect_stderr=true\n",
        encoding="utf-8",
    )
    options = PromptServerOptions()
    options.realize(["-c", str(config)])
    options.make_logger()
    return options


@pytest.fixture
def options(tmp_path: Path) -> Iterator[PromptServerOptions]:
    options = supervisor_options(tmp_path)
    yield options
    options.close_signal_wake()
    for pid in list(options.pidhistory):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    for handled in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR2):
        signal.signal(handled, signal.SIG_DFL)
    options.close_logger()


def running_program(supervisor: Supervisor) -> object:
    for config in supervisor.options.process_group_configs:
        supervisor.add_process_group(config)
    process = supervisor.process_groups[PROGRAM].processes[PROGRAM]
    process.spawn()
    process.transition()  # startsecs=0: RUNNING at once
    assert process.get_state() == ProcessStates.RUNNING
    return process


def kill_and_wait_until_reapable(pid: int) -> None:
    """SIGKILL `pid` and return once it is a zombie, leaving the reaping to supervisord."""
    os.kill(pid, signal.SIGKILL)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


@pytest.mark.parametrize("supervisor_class, state_after_reap", [
    (Supervisor, ProcessStates.EXITED),  # supervisord's own: started again only at the next turn
    (PromptSupervisor, ProcessStates.STARTING),
])
def test_a_program_that_died_is_started_again_in_the_turn_that_reaps_it(options, supervisor_class, state_after_reap):
    supervisor = supervisor_class(options)
    process = running_program(supervisor)
    old_pid = process.pid

    kill_and_wait_until_reapable(old_pid)
    supervisor.reap()

    assert process.get_state() == state_after_reap
    if supervisor_class is PromptSupervisor:
        assert process.pid not in (0, old_pid)


def test_a_childs_death_wakes_the_loops_poll(options):
    supervisor = PromptSupervisor(options)
    process = running_program(supervisor)
    options.setsignals()
    socket_map = options.get_socket_map()
    wake = options.signal_wake
    assert wake is not None and socket_map[wake.fd] is wake
    for fd, dispatcher in socket_map.items():  # what the loop registers before each poll
        if dispatcher.readable():
            options.poller.register_readable(fd)

    kill_and_wait_until_reapable(process.pid)
    readable, _ = options.poller.poll(30)  # supervisord's own loop waits 1 s; 30 s: no wake at all

    assert wake.fd in readable
    wake.handle_read_event()
    assert options.poller.poll(0) == ([], [])  # drained: the loop does not spin


def test_the_wake_is_undone_on_close(options):
    options.setsignals()
    wake = options.signal_wake
    assert wake is not None

    options.close_signal_wake()

    assert wake.fd not in options.get_socket_map()
    assert signal.set_wakeup_fd(-1) == -1  # no wakeup fd was left installed

"""SupervisorRPC against a real supervisord (rendered by our template) and against dead sockets."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import psutil
import pytest
from supervisor.xmlrpc import Faults

from app.supervisord import SupervisorFault, SupervisorRPC, SupervisorUnavailable
from testbed.waiting import wait_for
from tests.support.supervisord import Supervisord, sleeper


@pytest.fixture
def supervisord(tmp_path) -> Iterator[Supervisord]:
    server = Supervisord(tmp_path / "rt").start([sleeper("alpha"), sleeper("beta")])
    yield server
    server.stop()


def test_process_states_lists_every_program_with_its_pid(supervisord):
    states = supervisord.rpc().process_states()

    assert set(states) == {"alpha", "beta"}
    alpha = states["alpha"]
    assert (alpha.name, alpha.group, alpha.statename) == ("alpha", "alpha", "RUNNING")
    assert psutil.Process(alpha.pid).cmdline() == ["sleep", "1000"]
    assert alpha.now >= alpha.start > 0


def test_stop_and_start_one_program_leaves_the_other_running(supervisord):
    rpc = supervisord.rpc()
    beta_pid = rpc.process_states()["beta"].pid

    assert rpc.stop("alpha") is True
    assert rpc.process_states()["alpha"].statename == "STOPPED"
    rpc.start("alpha")
    wait_for(lambda: rpc.process_states()["alpha"].statename == "RUNNING", what="alpha RUNNING again")

    assert rpc.process_states()["beta"].pid == beta_pid


def _restarted(rpc, name, old_pid):
    info = rpc.process_states()[name]
    return info.statename == "RUNNING" and info.pid not in (0, old_pid)


def test_restart_gives_a_new_process(supervisord):
    rpc = supervisord.rpc()
    before = rpc.process_states()["alpha"].pid

    rpc.restart("alpha")

    wait_for(lambda: _restarted(rpc, "alpha", before), what="alpha RUNNING with a new pid")
    assert not psutil.pid_exists(before) or psutil.Process(before).status() == psutil.STATUS_ZOMBIE


def test_signal_reaches_the_program(supervisord):
    rpc = supervisord.rpc()
    before = rpc.process_states()["alpha"].pid

    assert rpc.signal("alpha", "KILL") is True

    # Killed, then brought back by autorestart=true under a new pid.
    wait_for(lambda: _restarted(rpc, "alpha", before), what="alpha restarted after SIGKILL")


def test_an_unknown_program_is_a_fault_with_its_code(supervisord):
    with pytest.raises(SupervisorFault) as raised:
        supervisord.rpc().stop("nope")

    assert raised.value.code == Faults.BAD_NAME
    assert raised.value.method == "supervisor.stopProcess"


def test_sigterm_stops_supervisord_and_every_program(tmp_path):
    server = Supervisord(tmp_path / "rt").start([sleeper("alpha")])
    pid = server.rpc().process_states()["alpha"].pid

    assert server.stop() == 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_missing_socket_is_unavailable(tmp_path):
    with pytest.raises(SupervisorUnavailable) as raised:
        SupervisorRPC(tmp_path / "absent.sock", timeout=0.5).process_states()

    assert "absent.sock" in raised.value.reason or "No such file" in raised.value.reason


def test_a_socket_that_never_answers_times_out(tmp_path):
    path = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)  # accepts connections into its backlog, never reads nor replies
    try:
        started = time.monotonic()
        with pytest.raises(SupervisorUnavailable) as raised:
            SupervisorRPC(path, timeout=0.3).process_states()
        elapsed = time.monotonic() - started
    finally:
        listener.close()

    assert elapsed < 2.0
    assert "no answer within 0.3s" in raised.value.reason


def test_a_socket_file_nobody_listens_on_is_unavailable(tmp_path):
    path = tmp_path / "stale.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.close()  # the file stays, as after a crash

    with pytest.raises(SupervisorUnavailable):
        SupervisorRPC(path, timeout=0.3).state()
    assert os.path.exists(path)

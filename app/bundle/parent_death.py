"""A program of the bundle ends with the supervisord that started it (Linux).

supervisord puts each program in a process group of its own, so when supervisord itself dies
(kill -9, a crash) outside a container, nothing takes its programs with it: a worker would go
on syncing unsupervised and renewing its pair's lease, and no other bundle could take the pair
over. The launcher therefore asks the kernel, before it execs a program, to send it SIGTERM
when its parent dies (prctl PR_SET_PDEATHSIG, kept across execve): the program stops as on
`supervisorctl stop`, and a worker releases its lease for the other bundles at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def stop_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Have `signum` sent to this process when its parent dies. True when the program may
    start (asked, or not to be had on this system); False when the parent is already gone."""
    parent = os.getppid()
    if not sys.platform.startswith("linux"):
        return True
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return True  # no death signal to be had: run as before
    return os.getppid() == parent  # it died before the request took hold

"""The words every layer shares, defined once: the two sides of a pair, how status names
compare, the rule wildcard and directions, and supervisord's process states with the sets of
them the code tests.

Like supervisor's own `states.py`, this module imports nothing but the standard library, so that
any module (the config linter, the sync, the health service, the programs) may import it
without an import cycle.
"""

from __future__ import annotations

from typing import Literal

# --- The two sides of a pair ------------------------------------------------------------------

Side = Literal["user", "dev"]
SIDES: tuple[Side, Side] = ("user", "dev")


def other_side(side: Side) -> Side:
    """The partner side of `side` (user <-> dev)."""
    return "dev" if side == "user" else "user"


def copy_direction(target: Side) -> str:
    """How a copy towards `target` is named in counters, metrics and events (comments and fields
    alike): user_to_dev or dev_to_user, as a rule's syncDirection says it."""
    return f"{other_side(target)}_to_{target}"


# --- Status names and rules -------------------------------------------------------------------

def normalize_status(status: str | None) -> str:
    """Status names compare trimmed and case-insensitively ("  in progress" == "In Progress")."""
    return (status or "").strip().casefold()


# A rule's sourceStatus that matches any status.
WILDCARD = "*"

SyncDirection = Literal["user_to_dev", "dev_to_user", "both", "none"]

# The directions a rule may have for an issue on each side to be considered ("none" never fits).
DIRECTIONS_FOR_SIDE: dict[Side, frozenset[SyncDirection]] = {
    "user": frozenset({"user_to_dev", "both"}),
    "dev": frozenset({"dev_to_user", "both"}),
}

# --- supervisord's process states (supervisor.states.ProcessStates, by name) -------------------

STOPPED = "STOPPED"
STARTING = "STARTING"
RUNNING = "RUNNING"
BACKOFF = "BACKOFF"
STOPPING = "STOPPING"
EXITED = "EXITED"
FATAL = "FATAL"
UNKNOWN = "UNKNOWN"

# Stopped on purpose or ended by itself: health reports the program "stopped", as the original
# service said of a worker that exited (FATAL and BACKOFF, failing to start, are errors there).
STOPPED_STATES = frozenset({STOPPED, EXITED, STOPPING})
# Failing to start: supervisord's `spawnerr` says why.
FAILING_TO_START_STATES = frozenset({FATAL, BACKOFF})
# Left stopped after a restart the watchdog asked for: it starts the program again.
RESTART_PENDING_STATES = frozenset({STOPPED, EXITED})
# Will not run unless someone acts (an operator's stop, or a FATAL the watchdog has not yet
# brought back): the lease keeper does not hold such a worker's pair. EXITED, STARTING and
# BACKOFF are on their way back by themselves.
NOT_SERVING_STATES = frozenset({STOPPED, FATAL})

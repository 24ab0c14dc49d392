"""Bring a running supervisord to a newly rendered program list without touching the rest.

`plan_reload` is the pure decision: what supervisord runs now, what the new render wants and
which sections supervisord found changed (a pair's section changes when its config file does,
because the file's fingerprint is in its environment as PAIR_CONFIG_FINGERPRINT). `apply_reload`
executes that plan through SupervisorRPC. Programs in neither list keep running untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from supervisor.xmlrpc import Faults

from app.bundle.rpc import SupervisorFault, SupervisorRPC

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadPlan:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    restart: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove or self.restart)


@dataclass
class ReloadOutcome:
    plan: ReloadPlan
    failures: dict[str, str] = field(default_factory=dict)


def plan_reload(
    running: Iterable[str], desired: Sequence[str], changed: Iterable[str] = ()
) -> ReloadPlan:
    """Decide which programs to add, remove and restart.

    running: the group names supervisord manages now; desired: the program names of the new
    render; changed: the groups whose section differs (supervisord's reloadConfig answer).
    A desired program that is not running is added (whether new or removed by hand earlier);
    a running one that is no longer desired is removed; a changed one that stays is restarted
    with its new section. Order follows `desired` (render order) and then `running`.
    """
    running_set, desired_set, changed_set = set(running), set(desired), set(changed)
    add = tuple(name for name in desired if name not in running_set)
    remove = tuple(sorted(running_set - desired_set))
    restart = tuple(name for name in desired if name in running_set and name in changed_set)
    return ReloadPlan(add=add, remove=remove, restart=restart)


def running_groups(rpc: SupervisorRPC) -> set[str]:
    return {info.group for info in rpc.process_states().values()}


def apply_reload(rpc: SupervisorRPC, desired: Sequence[str]) -> ReloadOutcome:
    """reloadConfig (the new file must already be written), then carry out the plan.

    A changed group is replaced (stop, remove, add) because supervisord keeps running a group
    on its old section until it is added again. A failing step is recorded per program and
    the others still go on. Raises SupervisorUnavailable when supervisord cannot be reached.
    """
    running = running_groups(rpc)
    _added, changed, _removed = rpc.reload_config()
    plan = plan_reload(running, desired, changed)
    outcome = ReloadOutcome(plan)
    for name in plan.remove:
        _step(outcome, name, "remove", lambda n=name: rpc.remove_group(n))
    for name in plan.restart:
        _step(outcome, name, "restart", lambda n=name: (rpc.remove_group(n), rpc.add_group(n)))
    for name in plan.add:
        _step(outcome, name, "add", lambda n=name: rpc.add_group(n))
    return outcome


def _step(outcome: ReloadOutcome, name: str, action: str, call) -> None:
    try:
        call()
        log.info("reload: %s %s", action, name)
    except SupervisorFault as fault:
        if action == "add" and fault.code == Faults.ALREADY_ADDED:
            return
        outcome.failures[name] = f"{action}: {fault}"
        log.error("reload: %s %s failed: %s", action, name, fault)

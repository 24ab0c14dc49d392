"""Bring a running supervisord to a newly scanned config directory without touching the rest.

Two pure decisions, on either side of the one thing only supervisord can say (which sections of
the new file differ from what it runs):

- `keep_running`: which running pairs keep their last good config. A running pair is never
  stopped because its file went bad (saved half-written) or because another file now clashes
  with it (a copy with the same name, a symlink to it, a second pair on its projects): its
  section is rendered again exactly as supervisord runs it, and the problem is reported. Only
  a valid file naming the pair replaces it, and only its file's removal (or renaming the pair
  inside it) removes it.
- `settle_scan`: the scan with every new pair refused that would act on a project of a kept
  pair (whose file may no longer name it), until no further running pair has to be kept.
- `bundle_interpreter`: the Python the running programs were rendered with, so that a `reload`
  run by another spelling of it (`python3` where `run` was `python`) renders the same sections
  and restarts nothing whose file did not change.
- `plan_reload`: which programs to add, remove and restart, from what supervisord runs now,
  the programs of the new render and the sections supervisord found changed (a pair's section
  changes when its config file does, because the file's fingerprint is in its environment as
  PAIR_CONFIG_FINGERPRINT). A kept pair is never restarted.

`apply_reload` executes the plan through SupervisorRPC. Programs in neither list keep running
untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from supervisor.xmlrpc import Faults

from app.bundle.render import LAUNCHER_MODULE, Program, worker_config_path, worker_projects
from app.config import ConfigError, LoadResult
from app.config.loader import refuse_claimed
from app.supervisord import SupervisorFault, SupervisorRPC

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


@dataclass(frozen=True)
class Kept:
    """A running pair that keeps its last good config: its section as supervisord runs it, and
    the problems of its file that keep the new version out."""

    program: Program
    problems: tuple[ConfigError, ...]


def keep_running(running: Mapping[str, Program], scan: LoadResult) -> dict[str, Kept]:
    """The running pairs that keep their last good config, by name.

    running: the pair programs supervisord runs now, as last rendered (`Program`s whose command
    names a config file); scan: the new load of the config directory. A running pair is kept
    when no valid file names it and its own file is still there with a problem.
    """
    valid = {pair.name for pair in scan.pairs}
    kept: dict[str, Kept] = {}
    for name, program in sorted(running.items()):
        path = worker_config_path(program)
        problems = tuple(error for error in scan.errors if str(Path(error.file).absolute()) == path)
        if path is not None and name not in valid and problems:
            kept[name] = Kept(program, problems)
    return kept


def settle_scan(running: Mapping[str, Program], scan: LoadResult) -> tuple[LoadResult, dict[str, Kept]]:
    """The scan as `reload` applies it, and the pairs it keeps (pure).

    A kept pair goes on syncing its projects, so a new or changed file naming one of them is
    refused (app.config.loader.refuse_claimed); should that refuse the file of another running
    pair, that pair is kept in turn, and so on until nothing changes (each round only adds).
    """
    kept = keep_running(running, scan)
    while True:
        settled = refuse_claimed(scan, {name: worker_projects(pair.program) for name, pair in kept.items()})
        again = keep_running(running, settled)
        if again.keys() == kept.keys():
            return settled, again
        kept = again


def bundle_interpreter(running: Mapping[str, Program]) -> str | None:
    """The interpreter of the running bundle: every program is started through the launcher by
    it (app.bundle.render.launched). None when nothing was rendered yet."""
    for _name, program in sorted(running.items()):
        if program.command[1:3] == ("-m", LAUNCHER_MODULE):
            return program.command[0]
    return None


def plan_reload(
    running: Iterable[str], desired: Sequence[str], changed: Iterable[str] = (), kept: Iterable[str] = ()
) -> ReloadPlan:
    """Decide which programs to add, remove and restart.

    running: the group names supervisord manages now; desired: the program names of the new
    render; changed: the groups whose section differs (supervisord's reloadConfig answer).
    A desired program that is not running is added (whether new or removed by hand earlier);
    a running one that is no longer desired is removed; a changed one that stays is restarted
    with its new section, unless it is `kept` (its section is its old one; should supervisord
    still see a difference, the running process is left alone rather than started on a file
    with a problem). Order follows `desired` (render order) and then `running`.
    """
    running_set, desired_set, changed_set = set(running), set(desired), set(changed) - set(kept)
    add = tuple(name for name in desired if name not in running_set)
    remove = tuple(sorted(running_set - desired_set))
    restart = tuple(name for name in desired if name in running_set and name in changed_set)
    return ReloadPlan(add=add, remove=remove, restart=restart)


def running_groups(rpc: SupervisorRPC) -> set[str]:
    return {info.group for info in rpc.process_states().values()}


def apply_reload(rpc: SupervisorRPC, desired: Sequence[str], kept: Iterable[str] = ()) -> ReloadOutcome:
    """reloadConfig (the new file must already be written), then carry out the plan.

    A changed group is replaced (stop, remove, add) because supervisord keeps running a group
    on its old section until it is added again. A failing step is recorded per program and
    the others still go on. Raises SupervisorUnavailable when supervisord cannot be reached.
    """
    running = running_groups(rpc)
    _added, changed, _removed = rpc.reload_config()
    plan = plan_reload(running, desired, changed, kept)
    outcome = ReloadOutcome(plan)
    for name in plan.remove:
        _step(outcome, name, "remove", partial(rpc.remove_group, name))
    for name in plan.restart:
        _step(outcome, name, "restart", partial(_replace_group, rpc, name))
    for name in plan.add:
        _step(outcome, name, "add", partial(rpc.add_group, name))
    return outcome


def _replace_group(rpc: SupervisorRPC, name: str) -> None:
    rpc.remove_group(name)
    rpc.add_group(name)


def _step(outcome: ReloadOutcome, name: str, action: str, call: Callable[[], object]) -> None:
    try:
        call()
        log.info("reload: %s %s", action, name)
    except SupervisorFault as fault:
        if action == "add" and fault.code == Faults.ALREADY_ADDED:
            return
        outcome.failures[name] = f"{action}: {fault}"
        log.error("reload: %s %s failed: %s", action, name, fault)

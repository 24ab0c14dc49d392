"""The programs the demo adds to the bundle: the simulated Jira site and the scripted person.

The simulator starts before the workers that call it; the person starts after the workers it
feeds and stops before them. Its token reaches it through the inherited environment, the only
secret the launcher (app.bundle.launch) leaves it; the simulator gets none.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.bundle.render import PRIORITY_SIMULATOR, PRIORITY_WORKER, Program, launched
from app.demo.settings import DEMO_HUMAN_EMAIL, DEMO_HUMAN_TOKEN_VARIABLE, DEMO_PAIRS, DemoDirectories, DemoSettings, seed_path

PRIORITY_DEMO_ACTOR = PRIORITY_WORKER + 100


def simulator_argv(port: int, seed_file: Path | str, python: str = sys.executable) -> tuple[str, ...]:
    return (python, "-m", "jira_sim", "--host", "127.0.0.1", "--port", str(port), "--seed", str(seed_file),
            "--deployment", "cloud")


def actor_argv(jira_port: int, every: float, python: str = sys.executable) -> tuple[str, ...]:
    return (python, "-m", "app.demo.actor", "--jira", f"http://127.0.0.1:{jira_port}",
            "--pairs", ",".join(f"{user}:{dev}" for _, user, dev in DEMO_PAIRS), "--email", DEMO_HUMAN_EMAIL,
            "--every", f"{every:g}")


def simulator_program(port: int, seed_file: Path | str, python: str = sys.executable) -> Program:
    return Program(
        name="jira-sim",
        command=launched(simulator_argv(port, seed_file, python), python=python),
        priority=PRIORITY_SIMULATOR,
        startsecs=1,
        stopwaitsecs=5,
    )


def actor_program(jira_port: int, every: float, python: str = sys.executable) -> Program:
    """The scripted person; its token comes from DEMO_HUMAN_TOKEN in the inherited environment."""
    return Program(
        name="demo-actor",
        command=launched(actor_argv(jira_port, every, python), [DEMO_HUMAN_TOKEN_VARIABLE], python),
        priority=PRIORITY_DEMO_ACTOR,
        autorestart=True,
        startsecs=1,
        stopwaitsecs=5,
    )


def demo_extra_programs(
    settings: DemoDirectories, jira_port: int, python: str = sys.executable, actor_every: float | None = None
) -> list[Program]:
    """The programs the demo adds to the bundle (same list for `demo` and `reload --demo`)."""
    every = actor_every if actor_every is not None else DemoSettings().demo_actor_every
    return [simulator_program(jira_port, seed_path(settings), python), actor_program(jira_port, every, python)]

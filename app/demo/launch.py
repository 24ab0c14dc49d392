"""What `demo` does before it hands over to `run`, and the bundle that `--demo` points at.

`prepare` writes the demo's files into its own runtime directory, starts its sync state afresh
(the simulator always starts from its seed) and puts the demo's settings and tokens into this
process's environment, which supervisord and so every program inherit. Nothing here execs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import MutableMapping
from dataclasses import dataclass

from app.bundle.render import Program
from app.demo.files import write_demo_files
from app.demo.programs import demo_extra_programs
from app.demo.settings import (
    DEMO_HUMAN_EMAIL,
    DEMO_HUMAN_TOKEN,
    DEMO_HUMAN_TOKEN_VARIABLE,
    DEMO_TOKEN,
    DEMO_TOKEN_VARIABLE,
    DemoSettings,
    demo_settings,
)
from app.settings import EMBEDDED, Settings


@dataclass(frozen=True)
class DemoLaunch:
    settings: Settings  # of the demo's bundle
    jira_port: int
    actor_every: float
    extra_programs: list[Program]


def prepare(base_settings: Settings, jira_port: int | None = None, environ: MutableMapping[str, str] = os.environ) -> DemoLaunch:
    """Write the demo's seed and pair configs and set the environment its programs read."""
    settings = demo_settings(base_settings)
    demo = DemoSettings()
    port = jira_port or demo.demo_jira_port
    settings.runtime_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(settings.runtime_dir / "mongo-data", ignore_errors=True)  # the simulator starts fresh too
    write_demo_files(settings, port)
    environ[DEMO_TOKEN_VARIABLE] = DEMO_TOKEN
    environ[DEMO_HUMAN_TOKEN_VARIABLE] = DEMO_HUMAN_TOKEN
    environ["RUNTIME_DIR"] = str(settings.runtime_dir)
    environ["CONFIG_DIR"] = str(settings.config_dir)
    environ["MONGO_URI"] = EMBEDDED  # the demo always runs on the embedded MongoDB, said explicitly
    environ.pop("MONGO_URI_FILE", None)
    extra = demo_extra_programs(settings, port, actor_every=demo.demo_actor_every)
    return DemoLaunch(settings, port, demo.demo_actor_every, extra)


def launch_banner(launch: DemoLaunch) -> list[str]:
    """What a newcomer reads first: where to look, and how to stop."""
    settings, port = launch.settings, launch.jira_port
    return [
        f"demo: simulated Jira at http://127.0.0.1:{port}/, configs in {settings.config_dir}",
        f"  actor      a scripted person (program demo-actor) moves an issue every {launch.actor_every:g} s: opens support",
        "             issues, accepts them, works the Dev issues the sync creates, reopens some",
        f"  dashboard  http://127.0.0.1:{settings.health_port}/",
        f"  health     curl http://127.0.0.1:{settings.health_port}/health",
        f"  programs   supervisorctl -c {settings.supervisord_conf} status",
        "  logs       every program (the actor's moves included) logs JSON lines to this terminal",
        f"  issues     http://127.0.0.1:{port}/rest/api/3/search/jql?jql=project=ABDEV"
        f" as {DEMO_HUMAN_EMAIL} (its token: jira_sim.seed)",
        "  stop       Ctrl-C",
    ]


def demo_profile(base_settings: Settings, environ: MutableMapping[str, str] = os.environ) -> tuple[Settings, list[Program]]:
    """The settings and extra programs of a running demo's bundle, for `reload --demo` and `status --demo`."""
    settings = demo_settings(base_settings)
    environ.setdefault(DEMO_TOKEN_VARIABLE, DEMO_TOKEN)  # the demo's configs reference it
    return settings, demo_extra_programs(settings, DemoSettings().demo_jira_port)

"""`demo [--jira-port P]`: write the demo's files, say where to look, then run the bundle like `run`."""

from __future__ import annotations

from typing import NoReturn

from app.cli.run import run_bundle
from app.demo.launch import banner, prepare
from app.settings import get_settings


def main(args) -> NoReturn:
    launch = prepare(get_settings(), args.jira_port)
    for line in banner(launch):
        print(line)
    run_bundle(launch.settings, launch.extra_programs)

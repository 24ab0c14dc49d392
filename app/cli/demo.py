"""`demo [--jira-port P] [--bundles N]`: write the demo's files, say where to look, then run the
bundle like `run`; with N > 1, N bundles on one MongoDB (app.demo.cluster)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from app.cli.run import run_bundle
from app.demo.launch import launch_banner, prepare
from app.settings import get_settings


def main(args: argparse.Namespace) -> NoReturn:
    if args.bundles > 1:
        from app.demo.cluster import run_cluster

        raise SystemExit(run_cluster(get_settings(), args.bundles, args.jira_port))
    launch = prepare(get_settings(), args.jira_port)
    for line in launch_banner(launch):
        print(line)
    run_bundle(launch.settings, launch.extra_programs)

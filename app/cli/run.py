"""`run`: validate (naming every file, good or bad), render into RUNTIME_DIR, exec supervisord."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import sys
from typing import NoReturn

from app.bundle.render import Program
from app.bundle.runtime import draw_bundle_identity, exec_supervisord, socket_path_problem, write_runtime
from app.cli.bundle import render_bundle
from app.cli.validate import validate_lines
from app.config import load_configs
from app.settings import Settings, get_settings


def main(args: argparse.Namespace) -> NoReturn:
    run_bundle(get_settings())


def run_bundle(settings: Settings, extra_programs: Sequence[Program] = ()) -> NoReturn:
    """The start-up log names every config file; the bad ones get no program, the good ones run.
    Exit 2 when supervisord could not start at all (RUNTIME_DIR too long for its socket)."""
    problem = socket_path_problem(settings.supervisor_socket)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    result = load_configs(settings.config_dir)
    for line in validate_lines(result):
        print(line)
    _, text = render_bundle(settings, result, report=None, extra_programs=extra_programs)
    conf = write_runtime(settings, text)
    bundle = draw_bundle_identity(settings)
    print(f"supervisord.conf written to {conf}; starting supervisord as bundle {bundle}", flush=True)
    exec_supervisord(conf)

"""`run`: validate (naming every file, good or bad), render into RUNTIME_DIR, exec supervisord."""

from __future__ import annotations

import sys
from typing import NoReturn

from app.bundle.runtime import draw_bundle_identity, exec_supervisord, socket_path_problem, write_runtime
from app.cli.bundle import render_bundle
from app.cli.validate import validate_lines
from app.config import load_configs
from app.settings import EMBEDDED, HealthAuthSettings, Settings, get_settings

NO_MONGO_URI = (
    "MONGO_URI is not set: the bundle would keep its mappings, watermarks and failures in the embedded "
    "dev-only MongoDB inside RUNTIME_DIR, lost with the container. Set MONGO_URI (or MONGO_URI_FILE) to your "
    "MongoDB (the compose file's mongo service: mongodb://mongo:27017/), or MONGO_URI=embedded to run the "
    "embedded server on purpose (dev only, data not kept)."
)


def mongo_uri_problem(settings: Settings) -> str | None:
    """Why `run` refuses these settings' MongoDB, or None (pure): unset is a mistake, `embedded` a choice."""
    return NO_MONGO_URI if settings.mongo_uri is None else None


def main(args) -> NoReturn:
    run_bundle(get_settings())


def run_bundle(settings: Settings, extra_programs=()) -> NoReturn:
    """The start-up log names every config file; the bad ones get no program, the good ones run.
    Exit 2 when the bundle must not start: no MONGO_URI (its data would be kept nowhere), a
    health login that cannot work, RUNTIME_DIR too long for supervisord's socket."""
    HealthAuthSettings()  # read here too, so that a bad login stops `run`, not the health program
    problem = mongo_uri_problem(settings) or socket_path_problem(settings.supervisor_socket)
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
    if settings.embedded_mongo:
        print(f"MONGO_URI={EMBEDDED}: the embedded MongoDB runs in this bundle; dev only, data not kept", flush=True)
    exec_supervisord(conf)

"""`run`: validate (naming every file, good or bad), render into RUNTIME_DIR, exec supervisord."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from pydantic import ValidationError

from app.bundle.render import Program
from app.bundle.runtime import draw_bundle_identity, exec_supervisord, socket_path_problem, write_runtime
from app.cli import report_settings
from app.cli.bundle import render_bundle
from app.cli.validate import validate_lines
from app.config import load_configs
from app.logs import configure_logging
from app.secret_files import SecretFileError
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


def main(args: argparse.Namespace) -> NoReturn:
    run_bundle(get_settings())


def run_bundle(settings: Settings, extra_programs: Sequence[Program] = ()) -> NoReturn:
    """The start-up log names every config file; the bad ones get no program, the good ones run.
    Exit 2 when the bundle must not start: no MONGO_URI (its data would be kept nowhere), a
    health login that cannot work, RUNTIME_DIR too long for supervisord's socket."""
    try:
        HealthAuthSettings()  # read here too, so that a bad login stops `run`, not the health program
    except (ValidationError, SecretFileError) as error:
        report_settings(error)
        raise SystemExit(2) from None
    problem = mongo_uri_problem(settings) or socket_path_problem(settings.supervisor_socket)
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    say = announcer(settings)
    result = load_configs(settings.config_dir)
    for line in validate_lines(result):
        say(line)
    _, text = render_bundle(settings, result, report=None, extra_programs=extra_programs)
    conf = write_runtime(settings, text)
    bundle = draw_bundle_identity(settings)
    say(f"supervisord.conf written to {conf}; starting supervisord as bundle {bundle}")
    if settings.embedded_mongo:
        say(f"WARNING MONGO_URI={EMBEDDED}: the embedded MongoDB runs in this bundle; dev only, data not kept")
    exec_supervisord(conf, settings.log_format)


def line_level(line: str) -> int:
    """The level of one of `run`'s lines by its first word (`ERROR …`, `WARNING …`), else INFO (pure)."""
    word = line.split(" ", 1)[0]
    return {"ERROR": logging.ERROR, "WARNING": logging.WARNING}.get(word, logging.INFO)


def announcer(settings: Settings) -> Callable[[str], None]:
    """How `run` says a line: printed for people (LOG_FORMAT=text), else one JSON log record each
    (program `run`), like every other line of the bundle."""
    if settings.log_format == "text":
        return lambda line: print(line, flush=True)
    configure_logging("run", settings.log_level, settings.log_format)
    log = logging.getLogger("app.cli.run")
    return lambda line: log.log(line_level(line), line)

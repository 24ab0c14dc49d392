"""Logging set-up: one JSON object per line (or plain text for people), every line naming its pair
and its program (the supervisord program that wrote it: SUPERVISOR_PROCESS_NAME, else the role).

An exception nothing caught, in the main thread or any other, is logged as one CRITICAL record
with its traceback inside (one JSON line), not printed by Python as a raw traceback.

Secrets never reach a log line because no module logs a config's `jira` section, a header or a
request body; the Jira client redacts its own errors (app.jira); and should a secret's value
come through anyway (pasted into a base URL, say), app.redaction hides it in the finished line.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from types import TracebackType
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from app.redaction import install as install_redaction

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(pair)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(program)s %(name)s %(pair)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


class _PairFilter(logging.Filter):
    """Stamps every record with the pair (or process role) this process serves, and its program."""

    def __init__(self, pair: str, program: str | None = None) -> None:
        super().__init__()
        self.pair = pair
        self.program = program or os.environ.get("SUPERVISOR_PROCESS_NAME") or pair

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "pair"):
            record.pair = self.pair
        if not hasattr(record, "program"):
            record.program = self.program
        return True


def json_formatter() -> logging.Formatter:
    """The formatter of JSON lines: time, level, program, logger, pair, message and any extra."""
    return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES)


def write_json(handler: logging.Handler, role: str) -> None:
    """Make a handler another library set up (gunicorn's) write the bundle's JSON lines for `role`."""
    handler.addFilter(_PairFilter(role))
    handler.setFormatter(json_formatter())
    install_redaction(handler)


def configure_logging(pair: str, level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Route the root logger to `stream` (stdout by default) in the chosen format, tagging lines with `pair`.

    `pair` is the pair name for a worker and the role (health, watchdog, cli) elsewhere.
    Extra fields passed as `logger.info(msg, extra={...})` become JSON keys. Uncaught
    exceptions (sys.excepthook, threading.excepthook) are logged through the same handler.
    """
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.addFilter(_PairFilter(pair))
    handler.setFormatter(logging.Formatter(TEXT_FORMAT) if fmt == "text" else json_formatter())
    install_redaction(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # urllib3 logs full URLs at DEBUG; keep it quiet so JQL and hosts do not flood the pair's log.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    sys.excepthook = log_uncaught
    threading.excepthook = lambda args: log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, args.thread)


def early_logging(role: str, stream: TextIO | None = None) -> None:
    """`configure_logging` from LOG_LEVEL and LOG_FORMAT as the environment gives them, before
    the settings are read: a program whose settings do not load says so in one JSON line too,
    not in a raw traceback (a value it cannot use falls back to the default here)."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    fmt = "text" if os.environ.get("LOG_FORMAT", "").lower() == "text" else "json"
    configure_logging(role, level if level in logging.getLevelNamesMapping() else "INFO", fmt, stream)


def log_uncaught(kind: type[BaseException], error: BaseException | None, traceback: TracebackType | None,
                 thread: threading.Thread | None = None) -> None:
    """Log an exception nothing caught as one CRITICAL record; Ctrl-C stays Python's own."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error or kind(), traceback)
        return
    where = f" in thread {thread.name}" if thread is not None else ""
    logging.getLogger("app.uncaught").critical("uncaught %s%s", kind.__name__, where,
                                               exc_info=(kind, error or kind(), traceback))

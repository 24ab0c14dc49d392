"""Logging set-up: one JSON object per line (or plain text for people), every line naming its pair.

An exception nothing caught, in the main thread or any other, is logged as one CRITICAL record
with its traceback inside (one JSON line), not printed by Python as a raw traceback.

Secrets never reach a log line because no module logs a config's `jira` section, a header or a
request body; the Jira client redacts its own errors (app.jira); and should a secret's value
come through anyway (pasted into a base URL, say), app.redaction hides it in the finished line.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from pythonjsonlogger.json import JsonFormatter

from app.redaction import install as install_redaction

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(pair)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(pair)s %(message)s"


class _PairFilter(logging.Filter):
    """Stamps every record with the pair (or process role) this process serves."""

    def __init__(self, pair: str) -> None:
        super().__init__()
        self.pair = pair

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "pair"):
            record.pair = self.pair
        return True


def configure_logging(pair: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route the root logger to stdout in the chosen format, tagging lines with `pair`.

    `pair` is the pair name for a worker and the role (health, watchdog, cli) elsewhere.
    Extra fields passed as `logger.info(msg, extra={...})` become JSON keys. Uncaught
    exceptions (sys.excepthook, threading.excepthook) are logged through the same handler.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_PairFilter(pair))
    if fmt == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
        )
    install_redaction(handler)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # urllib3 logs full URLs at DEBUG; keep it quiet so JQL and hosts do not flood the pair's log.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    sys.excepthook = log_uncaught
    threading.excepthook = lambda args: log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, args.thread)


def log_uncaught(kind: type[BaseException], error: BaseException | None, traceback: TracebackType | None,
                 thread: threading.Thread | None = None) -> None:
    """Log an exception nothing caught as one CRITICAL record; Ctrl-C stays Python's own."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error or kind(), traceback)
        return
    where = f" in thread {thread.name}" if thread is not None else ""
    logging.getLogger("app.uncaught").critical("uncaught %s%s", kind.__name__, where,
                                               exc_info=(kind, error or kind(), traceback))

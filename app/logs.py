"""Logging set-up: one JSON object per line (or plain text for people), every line naming its pair.

Secrets never reach a log line because no module logs a config's `jira` section, a header or a
request body; the Jira client redacts its own errors (app.jira).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

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
    Extra fields passed as `logger.info(msg, extra={...})` become JSON keys.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_PairFilter(pair))
    if fmt == "text":
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    else:
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # urllib3 logs full URLs at DEBUG; keep it quiet so JQL and hosts do not flood the pair's log.
    logging.getLogger("urllib3").setLevel(logging.WARNING)

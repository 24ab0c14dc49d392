"""gunicorn's own log lines (start-up, worker boots, errors) in the bundle's format: with
LOG_FORMAT=json one JSON object each, like every other line of the bundle (app.logs); with
`text`, gunicorn's own human lines. The health program passes `--logger-class` with this class.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn import glogging

from app.logs import early_logging, write_json
from app.settings import program_settings

ROLE = "health"


class BundleLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn ships no annotations
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        early_logging(ROLE)  # settings that do not load are one line in the bundle's format
        if program_settings(logging.getLogger("app.health")).log_format != "json":
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                write_json(handler, ROLE)

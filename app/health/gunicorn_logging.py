"""gunicorn's own log lines (start-up, worker boots, errors) in the bundle's format: with
LOG_FORMAT=json one JSON object each, like every other line of the bundle (app.logs); with
`text`, gunicorn's own human lines. The health program passes `--logger-class` with this class.
"""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

from app.logs import write_json
from app.settings import get_settings

ROLE = "health"


class BundleLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn ships no annotations
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if get_settings().log_format != "json":
            return
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                write_json(handler, ROLE)

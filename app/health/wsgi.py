"""gunicorn entry point: `gunicorn app.health.wsgi:app` serves the health service from settings."""

from __future__ import annotations

import logging

from app.health.app import create_app
from app.health.auth import HealthAuth, startup_notice
from app.health.sources import HealthSource
from app.logs import configure_logging, early_logging
from app.settings import HealthAuthSettings, program_settings

early_logging("health")
settings = program_settings(logging.getLogger(__name__))
configure_logging("health", settings.log_level, settings.log_format)
auth = HealthAuth.from_settings(HealthAuthSettings())  # read here only: the health service keeps them
warning, notice = startup_notice(auth, settings.health_host)
logging.getLogger(__name__).log(logging.WARNING if warning else logging.INFO, notice)
stale_after = settings.heartbeat_stale_after
assert stale_after is not None, "Settings fills it in (three heartbeat intervals) when it is unset"
source = HealthSource.from_settings(settings)
app = create_app(source, stale_after=stale_after, auth=auth, tracer=source.tracer(), machinery=source.machinery)

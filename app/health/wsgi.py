"""gunicorn entry point: `gunicorn app.health.wsgi:app` serves the health service from settings."""

from __future__ import annotations

from app.health.app import create_app
from app.health.sources import HealthSource
from app.logs import configure_logging
from app.settings import get_settings

settings = get_settings()
configure_logging("health", settings.log_level, settings.log_format)
app = create_app(HealthSource.from_settings(settings), stale_after=settings.heartbeat_stale_after)

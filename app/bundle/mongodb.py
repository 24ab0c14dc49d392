"""`python -m app.bundle.mongodb ARGS`: the embedded MongoDB-wire server (nx-27017) with ARGS
(app.embedded_mongo.server_command), its log lines in the bundle's format: one JSON object each
with LOG_FORMAT=json. nx-27017 configures logging only where nothing did before it.
"""

from __future__ import annotations

import logging
import sys

from app.logs import configure_logging, early_logging
from app.settings import program_settings


def main(argv: list[str] | None = None) -> None:
    """nx-27017's own main, after the bundle's logging set-up (its basicConfig then does nothing)."""
    from nx_27017.nx_27017 import main as serve

    early_logging("mongodb")
    settings = program_settings(logging.getLogger("app.bundle.mongodb"))
    configure_logging("mongodb", settings.log_level, settings.log_format)
    sys.argv = ["nx-27017", *(sys.argv[1:] if argv is None else argv)]
    serve()


if __name__ == "__main__":
    main()

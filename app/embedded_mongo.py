"""The embedded MongoDB-wire server (nx-27017): how to start it, how to wait for it.

Used by the rendered `mongodb` program (MONGO_URI=embedded: dev, demo) and by the test
fixtures; production points MONGO_URI at a real MongoDB instead. `python -m app.embedded_mongo
ARGS` runs nx-27017 with ARGS, its log lines in the bundle's format (one JSON object each with
LOG_FORMAT=json): nx-27017 configures logging only where nothing did before it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pymongo
import pymongo.errors


def server_command(port: int, data_dir: Path, python: str = sys.executable) -> list[str]:
    """The argv that runs the embedded server in the foreground on loopback."""
    data_dir = data_dir.absolute()
    return [
        python, "-m", "app.embedded_mongo",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--data-dir", str(data_dir),
        # It refuses to start while its pid file names a live process, and defaults to /tmp:
        # one pid and log file per data directory keeps several instances apart.
        "--pid-file", str(data_dir / "nx-27017.pid"),
        "--log-file", str(data_dir / "nx-27017.log"),
    ]


def wait_until_reachable(uri: str, timeout: float = 20.0) -> None:
    """Block until a ping succeeds, or raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError as error:
            if time.monotonic() > deadline:
                raise TimeoutError(f"MongoDB at {uri} not reachable after {timeout:.0f}s: {error}") from error
            time.sleep(0.1)
        finally:
            client.close()


def main(argv: list[str] | None = None) -> None:
    """nx-27017's own main, after the bundle's logging set-up (its basicConfig then does nothing)."""
    from nx_27017.nx_27017 import main as serve

    from app.logs import configure_logging, early_logging
    from app.settings import get_settings

    early_logging("mongodb")
    settings = get_settings()
    configure_logging("mongodb", settings.log_level, settings.log_format)
    sys.argv = ["nx-27017", *(sys.argv[1:] if argv is None else argv)]
    serve()


if __name__ == "__main__":
    main()

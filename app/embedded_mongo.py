"""The embedded MongoDB-wire server (nx-27017): how to start it, how to wait for it.

Used by the rendered `mongodb` program (MONGO_URI=embedded: dev, demo) and by the test
fixtures; production points MONGO_URI at a real MongoDB instead. The server runs through
app.bundle.mongodb, which gives its log lines the bundle's format.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors


def server_command(port: int, data_dir: Path, python: str = sys.executable) -> list[str]:
    """The argv that runs the embedded server in the foreground on loopback."""
    data_dir = data_dir.absolute()
    return [
        python, "-m", "app.bundle.mongodb",
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
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError as error:
            if time.monotonic() > deadline:
                raise TimeoutError(f"MongoDB at {uri} not reachable after {timeout:.0f}s: {error}") from error
            time.sleep(0.1)
        finally:
            client.close()


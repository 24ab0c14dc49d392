"""A MongoDB for tests: the one MONGO_URI names, else an embedded server on a free port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pymongo

from app.embedded_mongo import server_command, wait_until_reachable
from app.mongo import MongoClient
from testbed.ports import free_port
from testbed.waiting import terminate


class EmbeddedMongo:
    """One nx-27017 process on loopback; can be stopped and started again on the same port."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> EmbeddedMongo:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            server_command(self.port, self.data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_reachable(self.uri)
        return self

    def stop(self) -> None:
        terminate(self._process, timeout=10)
        self._process = None


def external_mongo_uri() -> str | None:
    """The real mongod MONGO_URI names; None when unset or `embedded` (the fixtures start one)."""
    uri = os.environ.get("MONGO_URI") or None
    return None if uri is None or uri.strip().lower() == "embedded" else uri


def drop_databases(mongo_uri: str, prefix: str) -> None:
    """Drop every database whose name starts with `prefix` (a test's own); a MongoDB that is
    away by then leaves them, and nothing else, behind."""
    client: MongoClient = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=2000)
    try:
        for name in client.list_database_names():
            if name.startswith(prefix):
                client.drop_database(name)
    except pymongo.errors.PyMongoError:
        pass
    finally:
        client.close()

"""RUNTIME_DIR, BUNDLE_ID and CONFIG_DIR for a program that imports only the standard library.

app.settings.Settings takes these settings' default and fallbacks from here, and the standby
worker (app.sync.standby) reads the first two through `StandbySettings.from_environ`: a standby
worker imports nothing but the standard library so that it costs about a bare interpreter
(pydantic alone would add several MB to each of them, one per pair this bundle does not hold),
and of the standard library not even pathlib, typing or dataclasses, a few milliseconds of CPU
each for every standby (tests/unit/test_lean_imports.py).
The launcher every program starts through (app.bundle.launch) reads CONFIG_DIR through
`configured_config_dir`, for the same reason and for time: one launcher per pair starting at once.
tests/unit/test_runtime_settings.py checks that both read the same environment the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from app.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from pathlib import Path

# Strings: Settings makes them Paths (app.settings), the standby and the launcher need no pathlib.
DEFAULT_RUNTIME_DIR = "runtime"
DEFAULT_CONFIG_DIR = "config"
BUNDLE_ID_FILE_NAME = "bundle-id"


def bundle_id_file(runtime_dir: Path) -> Path:
    """Where `run` writes the identity it drew for the bundle of `runtime_dir`."""
    return runtime_dir.absolute() / BUNDLE_ID_FILE_NAME


def effective_bundle_id(configured: str | None, runtime_dir: str | os.PathLike[str]) -> str:
    """BUNDLE_ID, else the one `run` drew for this runtime directory, else the host's name."""
    if configured:
        return configured
    try:
        with open(os.path.join(runtime_dir, BUNDLE_ID_FILE_NAME), encoding="utf-8") as file:
            drawn = file.read().strip()
    except OSError:
        drawn = ""
    return drawn or _host_name()


def _host_name() -> str:
    # Imported here: in a bundle `run` has drawn the identity, and socket costs every standby worker
    # and every launcher a few milliseconds of start-up for nothing.
    import socket

    return socket.gethostname()


def _variable(environ: Mapping[str, str], name: str) -> str | None:
    # Settings reads the environment case-insensitively (`runtime_dir=...` counts too).
    if name in environ:
        return environ[name]
    return next((value for key, value in environ.items() if key.upper() == name), None)


class StandbySettings(Record):
    """What a standby worker needs: where the tickets are (`runtime_dir`, as written: Settings
    has the same directory as a Path), and whose tickets it waits for (`bundle_id`)."""

    __slots__ = ("runtime_dir", "bundle_id")

    def __init__(self, runtime_dir: str, bundle_id: str) -> None:
        self.runtime_dir = runtime_dir
        self.bundle_id = bundle_id

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StandbySettings:
        raw_runtime_dir = _variable(environ, "RUNTIME_DIR")
        runtime_dir = DEFAULT_RUNTIME_DIR if raw_runtime_dir is None else raw_runtime_dir
        return cls(runtime_dir, effective_bundle_id(_variable(environ, "BUNDLE_ID"), runtime_dir))


def configured_config_dir(environ: Mapping[str, str]) -> Path:
    """CONFIG_DIR as Settings reads it: the directory of the pair files."""
    from pathlib import Path  # the launcher's secret scan walks it with pathlib (app.config.source)

    raw = _variable(environ, "CONFIG_DIR")
    return Path(DEFAULT_CONFIG_DIR if raw is None else raw)

"""RUNTIME_DIR, BUNDLE_ID and CONFIG_DIR for a program that imports only the standard library.

app.settings.Settings takes these settings' default and fallbacks from here, and the standby
worker (app.sync.standby) reads the first two through `StandbySettings.from_environ`: a standby
worker imports nothing but the standard library so that it costs about a bare interpreter
(pydantic alone would add several MB to each of them, one per pair this bundle does not hold).
The launcher every program starts through (app.bundle.launch) reads CONFIG_DIR through
`configured_config_dir`, for the same reason and for time: one launcher per pair starting at once.
tests/unit/test_runtime_settings.py checks that both read the same environment the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

DEFAULT_RUNTIME_DIR = Path("runtime")
DEFAULT_CONFIG_DIR = Path("config")
BUNDLE_ID_FILE_NAME = "bundle-id"


def bundle_id_file(runtime_dir: Path) -> Path:
    """Where `run` writes the identity it drew for the bundle of `runtime_dir`."""
    return runtime_dir.absolute() / BUNDLE_ID_FILE_NAME


def effective_bundle_id(configured: str | None, runtime_dir: Path) -> str:
    """BUNDLE_ID, else the one `run` drew for this runtime directory, else the host's name."""
    if configured:
        return configured
    try:
        drawn = bundle_id_file(runtime_dir).read_text(encoding="utf-8").strip()
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


class StandbySettings(NamedTuple):
    """What a standby worker needs: where the tickets are, and whose tickets it waits for."""

    runtime_dir: Path
    bundle_id: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StandbySettings:
        raw_runtime_dir = _variable(environ, "RUNTIME_DIR")
        runtime_dir = DEFAULT_RUNTIME_DIR if raw_runtime_dir is None else Path(raw_runtime_dir)
        return cls(runtime_dir, effective_bundle_id(_variable(environ, "BUNDLE_ID"), runtime_dir))


def configured_config_dir(environ: Mapping[str, str]) -> Path:
    """CONFIG_DIR as Settings reads it: the directory of the pair files."""
    raw = _variable(environ, "CONFIG_DIR")
    return DEFAULT_CONFIG_DIR if raw is None else Path(raw)

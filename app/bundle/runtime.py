"""The runtime directory on disk and the hand-over to supervisord (the only I/O of `run`)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import NoReturn

from app.atomic_files import write_atomically
from app.settings import Settings

# supervisord binds its control socket as "<file>.<pid>" before renaming it to <file>, and a
# Unix socket's path holds at most 107 bytes on Linux; a pid has up to 7 digits.
SOCKET_PATH_MAX = 107 - len(".4194304")


def socket_path_problem(socket_path: Path) -> str | None:
    """Why supervisord could not listen at `socket_path` (too long a path), or None (pure)."""
    length = len(os.fsencode(str(socket_path)))
    if length <= SOCKET_PATH_MAX:
        return None
    return (f"RUNTIME_DIR: the control socket {socket_path} would be {length} bytes long; supervisord can listen "
            f"on at most {SOCKET_PATH_MAX}: choose a shorter RUNTIME_DIR")


def write_runtime(settings: Settings, conf_text: str) -> Path:
    """Create RUNTIME_DIR (and the embedded MongoDB's data dir), write supervisord.conf atomically."""
    runtime_dir = Path(settings.runtime_dir).absolute()
    runtime_dir.mkdir(parents=True, exist_ok=True)
    if settings.embedded_mongo:
        (runtime_dir / "mongo-data").mkdir(exist_ok=True)
    conf = Path(settings.supervisord_conf)
    write_atomically(conf, conf_text)
    return conf


def draw_bundle_identity(settings: Settings, environ: MutableMapping[str, str] = os.environ) -> str:
    """This bundle's identity for its programs and its tools: BUNDLE_ID, else the host name and a
    suffix drawn now (two bundles on one host differ). Written to RUNTIME_DIR/bundle-id, which
    `status` reads, and put into the environment supervisord hands to every program."""
    identity = settings.bundle_id or f"{socket.gethostname()}-{secrets.token_hex(3)}"
    settings.bundle_id_file.write_text(identity + "\n", encoding="utf-8")
    environ["BUNDLE_ID"] = identity
    environ["RUNTIME_DIR"] = str(Path(settings.runtime_dir).absolute())
    return identity


def supervisord_executable() -> str:
    """supervisord from PATH, else the one installed next to this interpreter (a venv not on PATH)."""
    return shutil.which("supervisord") or str(Path(sys.executable).with_name("supervisord"))


def exec_supervisord(conf: Path, log_format: str = "json") -> NoReturn:
    """Replace this process with supervisord in the foreground (PID 1 in the container), its
    own log lines in `log_format` (app.bundle.supervisord_main).

    supervisord then owns the signals: SIGTERM or SIGINT stops every program in reverse
    priority order, each within its stopwaitsecs, and supervisord exits.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "app.bundle.supervisord_main", "--log-format", log_format,
                              "-c", str(conf)])

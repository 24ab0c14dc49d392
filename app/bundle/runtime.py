"""The runtime directory on disk and the hand-over to supervisord (the only I/O of `run`)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn


def write_runtime(settings, conf_text: str) -> Path:
    """Create RUNTIME_DIR (and the embedded MongoDB's data dir), write supervisord.conf atomically."""
    runtime_dir = Path(settings.runtime_dir).absolute()
    runtime_dir.mkdir(parents=True, exist_ok=True)
    if settings.embedded_mongo:
        (runtime_dir / "mongo-data").mkdir(exist_ok=True)
    conf = Path(settings.supervisord_conf)
    staging = conf.with_name(conf.name + ".tmp")
    staging.write_text(conf_text, encoding="utf-8")
    os.replace(staging, conf)
    return conf


def supervisord_executable() -> str:
    """supervisord from PATH, else the one installed next to this interpreter (a venv not on PATH)."""
    return shutil.which("supervisord") or str(Path(sys.executable).with_name("supervisord"))


def exec_supervisord(conf: Path) -> NoReturn:
    """Replace this process with supervisord in the foreground (PID 1 in the container).

    supervisord then owns the signals: SIGTERM or SIGINT stops every program in reverse
    priority order, each within its stopwaitsecs, and supervisord exits.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    executable = supervisord_executable()
    os.execvp(executable, [executable, "-c", str(conf)])

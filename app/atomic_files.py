"""`write_atomically`: a file that a reader finds whole, old or new, never half written.

Standard library only: the lease keeper's tickets and a worker's failed-start record are read by
the standby worker, which imports nothing else (tests/unit/test_lean_imports.py).
"""

from __future__ import annotations

import os


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path`, making its directory if missing: into a staging file beside
    it, named for this process so that two writers never share one, then renamed over it."""
    target = os.fspath(path)
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    staging = f"{target}.{os.getpid()}.tmp"
    with open(staging, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(staging, target)

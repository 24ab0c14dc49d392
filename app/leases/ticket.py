"""The hand-off between a bundle's keeper and its pair workers: one small JSON file per pair.

The keeper writes `<RUNTIME_DIR>/leases/<pair>.json` when it acquires a pair's lease for this
bundle (`hold`, with the lease's fence) and when it hands the pair over to another bundle
(`release`). A standby worker only polls this file, so it needs nothing but the standard
library (its RSS stays that of a bare interpreter) until there is a lease to act on; the
worker then proves the lease in MongoDB itself before it acts. Writes are atomic (a rename).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import NamedTuple

HOLD = "hold"
RELEASE = "release"


class Ticket(NamedTuple):
    """The keeper's word about one pair: `owner` holds it with `fence`; `state` hold or release."""

    pair: str
    owner: str
    fence: int
    state: str = HOLD


def ticket_path(runtime_dir: Path | str, pair: str) -> Path:
    return Path(runtime_dir) / "leases" / f"{pair}.json"


def write_ticket(runtime_dir: Path | str, ticket: Ticket) -> None:
    path = ticket_path(runtime_dir, ticket.pair)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(ticket._asdict()), encoding="utf-8")
    os.replace(staging, path)


def read_ticket(runtime_dir: Path | str, pair: str) -> Ticket | None:
    """The pair's ticket, or None when there is none (or it cannot be read: treated as none)."""
    try:
        data = json.loads(ticket_path(runtime_dir, pair).read_text(encoding="utf-8"))
        return Ticket(str(data["pair"]), str(data["owner"]), int(data["fence"]), str(data.get("state", HOLD)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_tickets(runtime_dir: Path | str) -> list[Ticket]:
    """Every readable ticket of the bundle, by pair."""
    paths = sorted((Path(runtime_dir) / "leases").glob("*.json"))
    return [ticket for path in paths if (ticket := read_ticket(runtime_dir, path.stem)) is not None]


def remove_ticket(runtime_dir: Path | str, pair: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        ticket_path(runtime_dir, pair).unlink()

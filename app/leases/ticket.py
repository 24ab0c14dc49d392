"""The hand-off between a bundle's keeper and its pair workers: one small JSON file per pair.

The keeper writes `<RUNTIME_DIR>/leases/<pair>.json` when it acquires a pair's lease for this
bundle (`hold`, with the lease's fence) and when it hands the pair over to another bundle
(`release`). A standby worker only polls this file, so it needs nothing but the standard
library (its RSS stays that of a bare interpreter) until there is a lease to act on; the
worker then proves the lease in MongoDB itself before it acts. Writes are atomic (app.atomic_files).
Of the standard library, not even pathlib, typing or dataclasses (tests/unit/test_lean_imports.py):
every standby worker imports this module.
"""

from __future__ import annotations

import contextlib
import json
import os

from app.atomic_files import write_atomically
from app.records import Record

HOLD = "hold"
RELEASE = "release"
DIRECTORY = "leases"
SUFFIX = ".json"


class Ticket(Record):
    """The keeper's word about one pair: `owner` holds it with `fence`; `state` hold or release."""

    __slots__ = ("pair", "owner", "fence", "state")

    def __init__(self, pair: str, owner: str, fence: int, state: str = HOLD) -> None:
        self.pair = pair
        self.owner = owner
        self.fence = fence
        self.state = state

    def as_document(self) -> dict[str, str | int]:
        return {"pair": self.pair, "owner": self.owner, "fence": self.fence, "state": self.state}


def ticket_path(runtime_dir: str | os.PathLike[str], pair: str) -> str:
    return os.path.join(runtime_dir, DIRECTORY, pair + SUFFIX)


def write_ticket(runtime_dir: str | os.PathLike[str], ticket: Ticket) -> None:
    write_atomically(ticket_path(runtime_dir, ticket.pair), json.dumps(ticket.as_document()))


def read_ticket(runtime_dir: str | os.PathLike[str], pair: str) -> Ticket | None:
    """The pair's ticket, or None when there is none (or it cannot be read: treated as none)."""
    try:
        with open(ticket_path(runtime_dir, pair), encoding="utf-8") as file:
            data = json.loads(file.read())
        return Ticket(str(data["pair"]), str(data["owner"]), int(data["fence"]), str(data.get("state", HOLD)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_tickets(runtime_dir: str | os.PathLike[str]) -> list[Ticket]:
    """Every readable ticket of the bundle, by pair."""
    try:
        names = sorted(os.listdir(os.path.join(runtime_dir, DIRECTORY)))
    except OSError:
        return []
    pairs = [name.removesuffix(SUFFIX) for name in names if name.endswith(SUFFIX) and name != SUFFIX]
    return [ticket for pair in pairs if (ticket := read_ticket(runtime_dir, pair)) is not None]


def remove_ticket(runtime_dir: str | os.PathLike[str], pair: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(ticket_path(runtime_dir, pair))

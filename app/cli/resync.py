"""`resync <ISSUE-KEY>`: the pair's active worker re-reads the issue and its partner at its next
pass and does what its rules say from their current state (nothing when nothing differs); a
pending failure of either is retried at once. Refused when the key belongs to no pair, the pair
is stopped, or no bundle holds it (app.cli.requesting)."""

from __future__ import annotations

import argparse
import sys

import pymongo.errors

from app.cli.requesting import Refused, ask_and_wait, check_served, pair_of_key, report
from app.config import load_configs
from app.instants import utc_now
from app.leases.store import LeaseStore
from app.mongo import connect
from app.settings import Settings, get_settings
from app.supervisord import SupervisorRPC, SupervisorUnavailable
from app.sync.requests import RequestKind


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    configs = load_configs(settings.config_dir)
    key = args.key.strip().upper()
    try:
        target = pair_of_key(configs, key)
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    return serve(settings, target.pair.name, RequestKind.RESYNC, key, args.wait)


def serve(settings: Settings, pair: str, kind: RequestKind, key: str | None, timeout: float) -> int:
    """Check that a bundle will serve the request, leave it, wait and report (resync and retry)."""
    try:
        process = SupervisorRPC(settings.supervisor_socket, timeout=settings.supervisor_timeout).process_states().get(pair)
    except SupervisorUnavailable:
        process = None  # another bundle may hold the pair: the lease decides
    client = connect(settings, appname=f"jira-sync-{kind.value}")
    try:
        now = utc_now()
        holder = check_served(pair, LeaseStore(client[settings.mongo_control_db]).lease(pair), process, now)
        request = ask_and_wait(client[settings.pair_database(pair)].requests, kind, key, now, timeout)
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    except pymongo.errors.PyMongoError as error:
        print(f"MongoDB unreachable ({type(error).__name__}): nothing was asked", file=sys.stderr)
        return 1
    finally:
        client.close()
    return report(request, holder, timeout)

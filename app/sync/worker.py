"""One pair's active worker: `python -m app.sync.worker --config FILE [--fence N]`.

In a bundle it is what app.sync.standby becomes (same process) once the bundle's keeper holds
the pair's lease with fence N. It proves that lease and keeps renewing it (app.leases.held),
loads its config, connects to its own database, checks Jira, then loops sync passes while a
thread beats into the control database; every Jira write asks the lease guard first and every
database write carries the fence. When the lease is lost or the keeper hands the pair over, it
finishes the issue it is on and turns back into the standby worker (exec). Run on its own
(no --fence) it takes the pair's lease if nobody holds it.

Exit codes: 0 after a requested stop (the lease is released for the next holder at once), 1
when the start-up check fails or the settings do not load (one line naming each variable), 2
for a config file that does not load, 3 when it crashed (an exception nothing expected: logged
as one JSON line, and its last beat says why, so that `/health` shows more than supervisord's
"Exited too quickly"). Each of 1-3 is recorded as a
failed start (app.sync.start_backoff): supervisord starts the worker again, and its standby
waits a doubling time (2 s up to 5 min) before it becomes the active worker again.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pymongo
from pydantic import ValidationError

from app.config import ConfigFileError, PairConfig, load_pair_file
from app.config.addresses import private_host
from app.config.errors import format_loc
from app.config.lint import status_problems
from app.config.loader import config_projects
from app.config.models import credential_problems
from app.heartbeats import HeartbeatStore, HeartbeatThread, WorkerState
from app.jira import JiraClient, JiraError
from app.leases.claims import ProjectClaims, ProjectTaken
from app.leases.decide import skew_allowance
from app.leases.guard import LeaseGuard, LeaseLost
from app.leases.held import HeldLease, LeaseNotHeld
from app.leases.store import LeaseStore
from app.logs import configure_logging, early_logging
from app.mongo import connect
from app.redaction import remember
from app.runtime_settings import StandbySettings
from app.secret_files import SecretFileError
from app.settings import Settings, get_settings, settings_problems
from app.sync import requests
from app.sync.audit import lease_taken_event
from app.sync.engine import Engine
from app.sync.field_screens import field_screen_warnings
from app.sync.loop import SyncLoop
from app.sync.metrics import WorkerMetrics
from app.sync.model import PassSummary
from app.sync.start_backoff import backoff_seconds, record_failure
from app.sync.store import FenceLost, PairStore
from app.sync.token_reread import rereading_token

log = logging.getLogger(__name__)

EXIT_STARTUP_FAILED = 1
EXIT_BAD_CONFIG = 2
EXIT_CRASHED = 3
FAILED_STARTS = frozenset({EXIT_STARTUP_FAILED, EXIT_BAD_CONFIG, EXIT_CRASHED})


class StartupCheckFailed(Exception):
    """Jira refused the pair's credentials or one of its projects is missing."""


def warn_if_cleartext(base_url: str) -> None:
    """The token travels in every request: say so when it would cross a network unencrypted."""
    parts = urlsplit(base_url)
    if parts.scheme == "http" and private_host(parts.hostname or "") != "loopback":
        log.warning("jira.baseUrl is plain http: the API token is sent unencrypted", extra={"host": parts.hostname})


def connect_jira(config: PairConfig, write_guard: Callable[[], float] | None = None) -> tuple[JiraClient, dict[str, Any]]:
    """The pair's Jira client, once the site said what it is and the credentials and both
    projects are proven; returns it with `/myself`. Raises StartupCheckFailed. `write_guard`
    allows each of its writes (app.leases.guard).

    The checks make no retries: a start-up that fails exits at once and is recorded as a failed
    start, so the next start waits a doubling time (app.sync.start_backoff) instead of looping.
    """
    quick = {"max_retries": 0, "timeout": (2, 2)}
    try:
        site = JiraClient.discover_site(config.jira, **quick)
        problems = credential_problems(site.deployment, config.jira.auth_type, config.jira.email)
        if problems:
            raise StartupCheckFailed("; ".join(f"jira.{loc[0]}: {message}" for loc, message in problems))
        checking = JiraClient.from_config(config.jira, site=site, **quick)
        myself = checking.myself()
        for key in (config.user_project_key, config.dev_project_key):
            checking.project(key)
    except JiraError as error:
        raise StartupCheckFailed(f"Jira check failed: {error}") from error
    return JiraClient.from_config(config.jira, site=site, write_guard=write_guard), myself


def rule_status_warnings(config: PairConfig, jira: JiraClient) -> list[str]:
    """The rules' statuses checked against the statuses each project has (app.config.lint),
    each problem logged once as a warning. A project whose statuses cannot be read is not
    judged: the check advises, it never keeps a pair from running."""
    statuses: dict[str, set[str]] = {}
    for key in dict.fromkeys((config.user_project_key, config.dev_project_key)):
        try:
            statuses[key] = {status["name"] for issue_type in jira.project_statuses(key)
                             for status in issue_type.get("statuses", ()) if status.get("name")}
        except JiraError as error:
            log.warning("could not read the statuses of project %s to check the rules: %s", key, error)
    problems = [f"{format_loc(loc)}: {message}" for loc, message in status_problems(config, statuses)]
    for problem in problems:
        log.warning("config warning: %s", problem)
    return problems


def field_warnings(config: PairConfig, jira: JiraClient) -> list[str]:
    """The synced fields checked against both projects' edit screens and the Dev project's create
    screen (app.sync.field_screens), each problem logged once as a warning."""
    problems = field_screen_warnings(config, jira)
    for problem in problems:
        log.warning("config warning: %s", problem)
    return problems


def pair_name(config: PairConfig) -> str:
    """The name the loader gave the pair (its file's, unless the file names it)."""
    if config.name is None:
        raise ValueError("a pair config without a name: load it with app.config.load_pair_file")
    return config.name


def pair_engine(config: PairConfig, jira: JiraClient, client: pymongo.MongoClient[Any], settings: Settings,
                myself: Mapping[str, Any], fence: int | None = None) -> Engine:
    """The pair's Engine as its worker runs it (and `plan` previews it).

    State lives in the pair's own database: WORKER_DATABASE_NAME (supervisord.conf sets it), else
    the settings' name for the pair. JQL dates are written in the configured time zone, else in
    the API user's profile zone from `myself`, which is the zone Jira reads them in; a configured
    zone that differs from the profile's is worth a warning.
    """
    profile_zone = myself.get("timeZone")
    if config.jira.time_zone and profile_zone and config.jira.time_zone != profile_zone:
        log.warning(
            "jira.timeZone differs from the API user's profile zone, in which Jira reads JQL dates",
            extra={"configured": config.jira.time_zone, "profile": profile_zone},
        )
    store = PairStore(client[os.environ.get("WORKER_DATABASE_NAME") or settings.pair_database(pair_name(config))], fence)
    return Engine(config=config, jira=jira, store=store, time_zone=config.jira.time_zone or profile_zone,
                  bundle=settings.effective_bundle_id)


def run_worker(config_path: Path, settings: Settings, fence: int | None = None) -> int:
    try:
        pair = load_pair_file(config_path)
    except ConfigFileError as error:
        configure_logging(config_path.stem, settings.log_level, settings.log_format)
        for problem in error.errors:
            log.error("config error: %s", problem)
        return EXIT_BAD_CONFIG
    config = pair.config
    remember([config.jira.api_token.get_secret_value()])  # whatever field it might come through
    configure_logging(pair.name, settings.log_level, settings.log_format)
    warn_if_cleartext(config.jira.base_url)
    for warning in pair.warnings:
        log.warning("config warning: %s", warning)

    client = connect(settings, appname="jira-sync-worker")
    skew = skew_allowance(settings.lease_seconds)
    guard = LeaseGuard(settings.lease_seconds, skew)
    held = HeldLease(LeaseStore(client[settings.mongo_control_db]), pair.name, settings.effective_bundle_id, guard,
                     renew_every=min(settings.heartbeat_interval, settings.lease_seconds / 3),
                     runtime_dir=settings.runtime_dir.absolute())
    try:
        fence = held.take(fence, skew)
    except LeaseNotHeld as error:
        log.info("not this bundle's to sync: %s", error)
        client.close()
        return become_standby(config_path, fence or 0)
    except pymongo.errors.PyMongoError as error:
        log.error("start-up check failed: %s", error)
        return EXIT_STARTUP_FAILED
    heartbeat = HeartbeatThread(
        HeartbeatStore(client[settings.mongo_control_db]), pair.name, settings.heartbeat_interval,
        bundle=settings.effective_bundle_id,
    ).start()
    warnings = [warning.shown() for warning in pair.warnings]
    if warnings:
        heartbeat.warn(warnings)  # shown even when the start-up check fails
    try:
        return _serve(config_path, config, client, heartbeat, settings, warnings, held)
    except Exception as error:  # noqa: BLE001 - a crash is reported where people look, then the process ends
        log.critical("worker crashed", exc_info=True)
        heartbeat.fail(f"worker crashed: {type(error).__name__}: {error}")
        held.release()  # at once: no one renews it now, and another bundle may take the pair
        return EXIT_CRASHED


def _serve(config_path: Path, config: PairConfig, client: pymongo.MongoClient[Any], heartbeat: HeartbeatThread,
           settings: Settings, warnings: list[str], held: HeldLease) -> int:
    """Start-up checks, then the sync loop until a stop is requested or the lease ends; the exit
    code. The config's `warnings` and those of the rule check ride in every heartbeat."""
    guard, fence = held.guard, held.fence
    try:
        # Before any Jira request: a pair of another bundle's config directory may act on a project
        # of this one (app.leases.claims).
        ProjectClaims(client[settings.mongo_control_db], held.store).claim_all(
            held.pair, fence, config_projects(config), skew_allowance(settings.lease_seconds))
        jira, myself = connect_jira(config, write_guard=guard.write_window)
        engine = pair_engine(config, jira, client, settings, myself, fence)
        engine.store.ensure_indexes()
        engine.store.claim()
    except (StartupCheckFailed, ProjectTaken, pymongo.errors.PyMongoError, FenceLost) as error:
        log.error("start-up check failed: %s", error)
        heartbeat.fail(str(error))
        held.release()
        return EXIT_STARTUP_FAILED
    heartbeat.warn([*warnings, *rule_status_warnings(config, jira), *field_warnings(config, jira)])
    try:  # the trace shows where the pair moved; a MongoDB hiccup here must not stop the worker
        engine.record(lease_taken_event(held.store.lease(held.pair), fence))
    except pymongo.errors.PyMongoError as error:
        log.warning("could not record the lease taken: %s", error)

    metrics = WorkerMetrics(request_counts=lambda: jira.status_counts)
    run_pass = rereading_token(engine.run_pass, config_path, jira, config.jira.api_token.get_secret_value())
    loop = SyncLoop(_stepping_down(run_pass, guard), heartbeat, config.interval_seconds, metrics=metrics,
                    also_stop=lambda: guard.lost or held.handing_over(), wake=_request_waiting(engine.store))
    held.on_lost = loop.request_stop
    signalled = threading.Event()

    def stop_on_signal(*_signal_args: object) -> None:
        signalled.set()
        loop.request_stop()

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    log.info("worker started", extra={"interval_s": config.interval_seconds, "database": engine.store.db.name,
                                      "deployment": jira.deployment, "site": jira.site_url, "fence": fence})
    heartbeat.enter(WorkerState.RUNNING)
    loop.run()
    # Held until the process it becomes has its handlers: a stop arriving during the exec is kept.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    # A signal means stop, even when the lease went too: supervisord (or its death, through
    # PR_SET_PDEATHSIG) asked, and a standby started now would outlive a dead supervisord.
    stepping_down = (guard.lost or held.handing_over()) and not signalled.is_set()
    reason = guard.lost_reason or "handed over"
    held.release()  # at once, for the next holder (a no-op when the lease was lost)
    if stepping_down:
        log.info("worker steps down", extra={"reason": reason, "fence": fence})
        client.close()
        return become_standby(config_path, fence)
    log.info("worker stopped")
    return 0


def _stepping_down(run_pass: Callable[[Callable[[], bool]], PassSummary],
                   guard: LeaseGuard) -> Callable[[Callable[[], bool]], PassSummary]:
    """The pass, with a lost lease or fence ending it as the loss of the lease."""
    def run(should_stop: Callable[[], bool]) -> PassSummary:
        try:
            return run_pass(should_stop)
        except (LeaseLost, FenceLost) as error:
            guard.lose(str(error))
            raise
    return run


def _request_waiting(store: PairStore) -> Callable[[], bool]:
    """Whether an operator's request waits (the loop then ends its sleep); False when MongoDB
    does not answer (the next pass reports that)."""
    def waiting() -> bool:
        try:
            return requests.any_waiting(store.db.requests)
        except pymongo.errors.PyMongoError:
            return False
    return waiting


def become_standby(config_path: Path, after_fence: int) -> int:
    """Turn this process back into the standby worker (same pid), waiting for a newer lease."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "app.sync.standby", "--config", str(config_path),
                              "--after-fence", str(after_fence)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sync.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path, help="the pair's sync-*.json file")
    parser.add_argument("--fence", type=int, help="the fence of the lease the bundle's keeper holds for this pair")
    args = parser.parse_args(argv)
    early_logging(args.config.stem)
    # The standby execs this with the stop signals blocked; one pending now ends the process at
    # once, as a stop before start-up should.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        settings = get_settings()
    except (ValidationError, SecretFileError) as error:  # said in one line, as a failed start
        log.error("settings: %s", "; ".join(settings_problems(error)))
        runtime_dir, code = StandbySettings.from_environ(os.environ).runtime_dir, EXIT_STARTUP_FAILED
    else:
        runtime_dir, code = str(settings.runtime_dir), run_worker(args.config, settings, args.fence)
    if code in FAILED_STARTS:  # the next start waits (app.sync.start_backoff): no crash loop
        failures = record_failure(runtime_dir, args.config.stem, time.time())
        log.info("start failed", extra={"exit_code": code, "failures_in_a_row": failures.count,
                                        "next_start_in_s": backoff_seconds(failures.count)})
    return code


if __name__ == "__main__":
    sys.exit(main())

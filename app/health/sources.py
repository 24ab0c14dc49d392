"""The I/O edge of the health service: reads configs, supervisord and MongoDB into a snapshot.

supervisord and MongoDB are read concurrently and each is given at most `budget` seconds, so
`/health` answers within a second even when one of them hangs or is gone; whatever did not
answer in time becomes `Unavailable(reason)` and the assessment says so. The config directory
scan is cached for `config_ttl` seconds. This module reads only: it never writes anywhere.

MongoDB costs a few reads of the control database (heartbeats, leases) and one per pair whose
failures must be read: a pair whose worker's fresh beat already says it owes nothing is not read
(app.health.pending says when), so a healthy bundle's /health reads no pair's database however
many pairs it runs. The pairs that are read are read `PAIR_READERS` at a time, each in one round
trip while it owes fewer than `FAILURES_SHOWN`.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors

from app.bundle.launch import withheld_from
from app.config import ConfigError, LoadResult, load_configs
from app.health.assess import HealthSnapshot
from app.health.liveness import Liveness, liveness
from app.health.pending import none_pending_by_beat
from app.heartbeats import Heartbeat, HeartbeatStore, ProcessLike, Unavailable
from app.instants import utc_now
from app.leases.store import LeaseStore
from app.leases.twins import read_twin_reason
from app.leases.view import Cluster
from app.supervisord import SupervisorRPC, SupervisorUnavailable
from app.sync.failures import Failure, count_pending, read_pending
from app.trace.reader import Tracer

DEFAULT_BUDGET = 0.8  # seconds per source; leaves room under the 1 s promise for the rest
FAILURES_SHOWN = 50  # per pair, oldest first: every owed change after a fault, short of a whole backlog
PAIR_READERS = 4  # pairs' databases read at once: 30 pairs owing failures stay well inside the budget


class HealthSource:
    """A callable returning a fresh HealthSnapshot each time it is called.

    `supervisor` needs `process_states()` (app.supervisord.SupervisorRPC); `mongo_client` is a
    pymongo MongoClient whose timeouts should not exceed `budget` (see `health_mongo_client`);
    `pair_database` names a pair's own database as the bundle renders it (Settings.pair_database).
    `stale_after` is the heartbeat age /health judges stale: a pair whose worker's beat, no older,
    says it owes nothing is not read (app.health.pending); None: every pair's database is read.
    """

    def __init__(
        self,
        *,
        config_dir: Path | str,
        supervisor: Any,
        mongo_client: Any,
        control_db: str,
        budget: float = DEFAULT_BUDGET,
        config_ttl: float = 5.0,
        load: Callable[[Path | str], LoadResult] = load_configs,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        pair_database: Callable[[str], str] = lambda pair: pair,
        bundle: str | None = None,
        lease_seconds: float = 30.0,
        embedded_mongo: bool = False,
        runtime_dir: Path | str | None = None,
        stale_after: float | None = None,
    ) -> None:
        self._stale_after = stale_after
        self._embedded_mongo = embedded_mongo
        self._runtime_dir = runtime_dir
        self._pair_database = pair_database
        self._control_db = control_db
        self._bundle, self._lease_seconds = bundle, lease_seconds
        self._leases = LeaseStore(mongo_client[control_db])
        self._config_dir = config_dir
        self._supervisor = supervisor
        self._mongo = mongo_client
        self._heartbeats = HeartbeatStore(mongo_client[control_db], bundle=bundle)
        self._budget = budget
        self._config_ttl = config_ttl
        self._load = load
        self._clock = clock
        self._monotonic = monotonic
        self._configs: tuple[float, LoadResult] | None = None
        # More threads than sources: a hung source keeps its thread until its own timeout.
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health-source")
        self._pair_readers = ThreadPoolExecutor(max_workers=PAIR_READERS, thread_name_prefix="health-pair")

    @classmethod
    def from_settings(cls, settings: Any, budget: float = DEFAULT_BUDGET) -> HealthSource:
        """The source of the health service: it runs without the tokens (app.bundle.launch), so the
        files are judged with the variables withheld from it taken as set."""
        withheld = withheld_from(os.environ)
        return cls(
            config_dir=settings.config_dir,
            supervisor=SupervisorRPC(settings.supervisor_socket, timeout=min(settings.supervisor_timeout, budget)),
            mongo_client=health_mongo_client(
                settings.effective_mongo_uri, min(settings.mongo_timeout_ms / 1000, budget)
            ),
            control_db=settings.mongo_control_db,
            budget=budget,
            pair_database=settings.pair_database,
            load=functools.partial(load_configs, withheld=withheld),
            bundle=settings.effective_bundle_id,
            lease_seconds=settings.lease_seconds,
            embedded_mongo=settings.embedded_mongo,
            runtime_dir=settings.runtime_dir.absolute(),
            stale_after=settings.heartbeat_stale_after,
        )

    def __call__(self) -> HealthSnapshot:
        configs = self._config_scan()
        pairs = [pair.name for pair in configs.pairs]
        deadline = self._monotonic() + self._budget
        processes = self._pool.submit(self._supervisor.process_states)
        mongo = self._pool.submit(self._read_mongo, pairs, processes, deadline)
        process_states = self._result(processes, deadline, "supervisord")
        mongo_state = self._result(mongo, deadline, "MongoDB")
        heartbeats, pending, failures, cluster = mongo_state if isinstance(mongo_state, tuple) else (mongo_state,) * 4
        return HealthSnapshot(
            now=self._clock(),
            pairs=pairs,
            config_errors=list(configs.errors),
            processes=process_states,
            heartbeats=heartbeats,
            failures_pending=pending,
            failures=failures,
            cluster=cluster,
            embedded_mongo=self._embedded_mongo,
            secrets=frozenset(pair.config.jira.api_token.get_secret_value() for pair in configs.pairs
                              if not pair.withheld),
        )

    def tracer(self) -> Tracer:
        """Issue traces and recent activity over this source's client and config scan."""
        return Tracer(self._mongo, self._pair_database, self._control_db, self._config_scan, self._clock)

    def machinery(self) -> Liveness:
        """`/health/live`'s verdict: supervisord alone, read within the budget."""
        deadline = self._monotonic() + self._budget
        try:
            processes = self._result(self._pool.submit(self._supervisor.process_states), deadline, "supervisord")
        except Exception as error:  # noqa: BLE001 - a fault (e.g. supervisord shutting down) is an answer too
            processes = Unavailable(_describe(error))
        return liveness(processes, read_twin_reason(self._runtime_dir) if self._runtime_dir is not None else None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pair_readers.shutdown(wait=False, cancel_futures=True)
        self._mongo.close()

    def _config_scan(self) -> LoadResult:
        now = self._monotonic()
        if self._configs is None or now - self._configs[0] > self._config_ttl:
            try:
                result = self._load(self._config_dir)
            except Exception as error:  # noqa: BLE001 - a scan that blows up is reported, not raised
                result = LoadResult(pairs=[], errors=[ConfigError(str(self._config_dir), "", _describe(error))])
            self._configs = (now, result)
        return self._configs[1]

    def _read_mongo(self, pairs: list[str], processes: Future[Any], deadline: float) -> tuple[
            dict[str, Heartbeat], dict[str, int], dict[str, list[Failure]], Cluster | None]:
        heartbeats = self._heartbeats.all()
        cluster = None if self._bundle is None else Cluster.read(self._leases, self._bundle, self._lease_seconds)
        owing_nothing = self._owing_nothing(pairs, heartbeats, cluster, processes, deadline)
        to_read = [pair for pair in pairs if pair not in owing_nothing]
        read = dict(zip(to_read, self._pair_readers.map(self._read_failures, to_read), strict=True))
        pending = {pair: read[pair][0] if pair in read else 0 for pair in pairs}
        oldest = {pair: shown for pair, (count, shown) in read.items() if count}
        return heartbeats, pending, oldest, cluster

    def _owing_nothing(self, pairs: list[str], heartbeats: dict[str, Heartbeat], cluster: Cluster | None,
                       processes: Future[Any], deadline: float) -> set[str]:
        """The pairs whose worker's beat says they owe nothing (app.health.pending)."""
        if self._stale_after is None:
            return set()
        states = self._process_states(processes, deadline)
        if states is None:
            return set()
        now, owing_nothing = self._clock(), set()
        for pair in pairs:
            process = states.get(pair)
            lease = cluster.view(pair, now, process.statename if process else None) if cluster else None
            if none_pending_by_beat(heartbeats.get(pair), process, lease, now, self._stale_after):
                owing_nothing.add(pair)
        return owing_nothing

    def _process_states(self, processes: Future[Any], deadline: float) -> dict[str, ProcessLike] | None:
        """supervisord's answer, if it comes within the first half of the budget (None: not, or it
        failed); the rest of the budget is left to reading every pair, as without beats."""
        try:
            states: dict[str, ProcessLike] = processes.result(
                timeout=max(0.0, deadline - self._budget / 2 - self._monotonic()))
        except Exception:  # noqa: BLE001 - supervisord's fault is reported by its own read
            return None
        return states

    def _read_failures(self, pair: str) -> tuple[int, list[Failure]]:
        """The pair's count of pending failures and the oldest `FAILURES_SHOWN` of them: one round
        trip unless it owes that many or more."""
        collection = self._mongo[self._pair_database(pair)].failures
        shown = read_pending(collection, FAILURES_SHOWN)
        return (len(shown) if len(shown) < FAILURES_SHOWN else count_pending(collection)), shown

    def _result(self, future: Future[Any], deadline: float, source: str) -> Any:
        try:
            return future.result(timeout=max(0.0, deadline - self._monotonic()))
        except FutureTimeout:
            future.cancel()
            return Unavailable(f"{source} did not answer within {self._budget:g} s")
        except SupervisorUnavailable as error:
            return Unavailable(error.reason)
        except pymongo.errors.PyMongoError as error:
            return Unavailable(_describe(error))


def health_mongo_client(uri: str, budget: float = DEFAULT_BUDGET) -> pymongo.MongoClient[Any]:
    """A client that gives up within `budget` seconds instead of pymongo's default 30."""
    timeout_ms = max(1, int(budget * 1000))
    return pymongo.MongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=timeout_ms,
        appname="jira-sync-health",
        connect=False,  # gunicorn may fork after import; connect in the process that serves
    )


def _describe(error: BaseException) -> str:
    # pymongo appends the whole topology description; the first clause says what went wrong.
    text = str(error).split(", Timeout:")[0].split(" (configured timeouts")[0]
    return f"{type(error).__name__}: {text}"[:300]

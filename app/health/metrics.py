"""`/metrics`: the health snapshot as Prometheus families, built fresh at every scrape.

Workers cannot be scraped (separate processes under supervisord), so each one carries its
cumulative counters in its heartbeat's `metrics` document (app.sync.metrics). This collector
turns one HealthSnapshot — the same read `/health` judges — into families: the workers'
counters as they reported them, plus what only the health service knows (heartbeat age,
pending failures, process and source reachability, invalid configs). A pair whose worker has
not reported metrics yet simply has no counter samples; its gauges are still there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from app.health.assess import HealthSnapshot, PairVerdict, assess
from app.heartbeats import DurationHistogram, Heartbeat, Unavailable, WorkerTotals
from app.leases.view import Cluster

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "jira_sync"


class HealthCollector(Collector):
    """Reads `snapshot_source()` once per scrape; `stale_after` as for /health (pair_up)."""

    def __init__(self, snapshot_source: Callable[[], HealthSnapshot], stale_after: float) -> None:
        self._snapshot_source = snapshot_source
        self._stale_after = stale_after

    def collect(self) -> Iterator[Metric]:
        snapshot = self._snapshot_source()
        yield from metric_families(snapshot, self._stale_after)


def metric_families(snapshot: HealthSnapshot, stale_after: float) -> list[Metric]:
    """Every family for one snapshot (pure: no I/O, the same snapshot gives the same families)."""
    report = assess(snapshot, stale_after)
    heartbeats = {} if isinstance(snapshot.heartbeats, Unavailable) else snapshot.heartbeats
    beats = {pair: heartbeats[pair] for pair in snapshot.pairs if pair in heartbeats}
    families = _worker_families({pair: beat.metrics for pair, beat in beats.items() if beat.metrics is not None})
    families += _pair_gauges(snapshot, beats, report.pairs)
    families += _service_gauges(snapshot)
    families += _lease_families(snapshot)
    return families


def metrics_registry(snapshot_source: Callable[[], HealthSnapshot], stale_after: float) -> CollectorRegistry:
    """A registry of its own holding only the HealthCollector (no process/GC defaults: the
    health process's own numbers are not what an operator of the pairs watches)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(snapshot_source, stale_after))
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    """The text exposition format (version 0.0.4) of one fresh collection."""
    return generate_latest(registry)


def _worker_families(worker_metrics: Mapping[str, WorkerTotals]) -> list[Metric]:
    passes = CounterMetricFamily(f"{PREFIX}_passes", "Sync passes run since the worker started.", labels=["pair"])
    failed = CounterMetricFamily(f"{PREFIX}_passes_failed", "Sync passes that failed (an error or a failed change).",
                                 labels=["pair"])
    actions = CounterMetricFamily(f"{PREFIX}_actions", "Actions applied to Jira, by kind.", labels=["pair", "kind"])
    items = CounterMetricFamily(f"{PREFIX}_pass_items", "Issues processed, status changes seen, changes failed and "
                                "failures retried, summed over passes.", labels=["pair", "item"])
    requests = CounterMetricFamily(f"{PREFIX}_jira_requests", "HTTP requests sent to Jira by answer status "
                                   "(retries included; 'dropped' = no answer).", labels=["pair", "status"])
    duration = HistogramMetricFamily(f"{PREFIX}_pass_duration_seconds", "Duration of sync passes.", labels=["pair"])
    comments = CounterMetricFamily(f"{PREFIX}_comments", "Comments copied, edited, deleted and skipped, by direction.",
                                   labels=["pair", "event", "direction"])
    fields = CounterMetricFamily(f"{PREFIX}_fields", "Field values written to the partner (updated) and the "
                                 "conflicts among them, by direction.", labels=["pair", "event", "direction"])
    for pair, totals in worker_metrics.items():
        passes.add_metric([pair], totals.passes_total)
        failed.add_metric([pair], totals.passes_failed)
        for kind, value in sorted(totals.actions.items()):
            actions.add_metric([pair, kind], value)
        for item, value in totals.items.items():
            items.add_metric([pair, item], value)
        for status, value in sorted(totals.jira_requests.items()):
            requests.add_metric([pair, status], value)
        for name, value in sorted(totals.comments.items()):
            event, _, direction = name.partition(".")
            comments.add_metric([pair, event, direction], value)
        for name, value in sorted(totals.fields.items()):
            event, _, direction = name.partition(".")
            fields.add_metric([pair, event, direction], value)
        histogram = totals.pass_duration
        if histogram.le or histogram.count:
            duration.add_metric([pair], _buckets(histogram), sum_value=histogram.sum)
    return [passes, failed, actions, items, duration, requests, comments, fields]


def _buckets(histogram: DurationHistogram) -> list[tuple[str, float]]:
    bounds = [(_bound(le), float(count)) for le, count in zip(histogram.le, histogram.counts, strict=False)]
    return bounds + [("+Inf", float(histogram.count))]


def _bound(value: float) -> str:
    return repr(float(value))


def _pair_gauges(snapshot: HealthSnapshot, beats: Mapping[str, Heartbeat], verdicts: Sequence[PairVerdict]) -> list[Metric]:
    up = GaugeMetricFamily(f"{PREFIX}_pair_up", "1 when the pair is healthy as /health judges it, else 0.",
                           labels=["pair"])
    age = GaugeMetricFamily(f"{PREFIX}_heartbeat_age_seconds", "Seconds since the pair's worker last beat.",
                            labels=["pair"])
    pending = GaugeMetricFamily(f"{PREFIX}_failures_pending", "Failed changes waiting for a retry or given up.",
                                labels=["pair"])
    for verdict in verdicts:
        up.add_metric([verdict.name], 1 if verdict.healthy else 0)
        if verdict.failures_pending is not None:
            pending.add_metric([verdict.name], verdict.failures_pending)
    for pair, beat in beats.items():
        age.add_metric([pair], round(beat.age(snapshot.now), 3))
    return [up, age, pending]


def _lease_families(snapshot: HealthSnapshot) -> list[Metric]:
    """Where each pair runs: 1 for the bundle holding it (the cluster as this bundle reads it),
    and how often each pair moved to another bundle."""
    cluster = snapshot.cluster if isinstance(snapshot.cluster, Cluster) else None
    if cluster is None:
        return []
    active = GaugeMetricFamily(f"{PREFIX}_pair_active", "1 when the bundle holds the pair's lease (syncs it).",
                               labels=["pair", "bundle"])
    handovers = CounterMetricFamily(f"{PREFIX}_lease_handovers", "Times the pair's lease moved to another bundle.",
                                    labels=["pair"])
    processes = snapshot.processes if isinstance(snapshot.processes, Mapping) else {}
    for pair in snapshot.pairs:
        view = cluster.view(pair, snapshot.now, getattr(processes.get(pair), "statename", None))
        for bundle in sorted(set(cluster.bundles) | {cluster.me}):
            active.add_metric([pair, bundle], 1.0 if view.holder == bundle and view.state != "unheld" else 0.0)
        handovers.add_metric([pair], view.handovers)
    return [active, handovers]


def _service_gauges(snapshot: HealthSnapshot) -> list[Metric]:
    configs = GaugeMetricFamily(f"{PREFIX}_configs_invalid", "Config files that did not load (no program runs "
                                "for them).", value=len({error.file for error in snapshot.config_errors}))
    pairs = GaugeMetricFamily(f"{PREFIX}_pairs_configured", "Valid pair configs.", value=len(snapshot.pairs))
    mongodb = GaugeMetricFamily(f"{PREFIX}_mongodb_up", "1 when MongoDB answered the health service.",
                                value=0 if isinstance(snapshot.heartbeats, Unavailable) else 1)
    supervisor = GaugeMetricFamily(f"{PREFIX}_supervisor_up", "1 when supervisord answered the health service.",
                                   value=0 if isinstance(snapshot.processes, Unavailable) else 1)
    return [configs, pairs, mongodb, supervisor]

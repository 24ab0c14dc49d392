"""`/metrics` of the health service, parsed back with prometheus_client's own text parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from app.config import ConfigError
from app.health.app import create_app
from app.health.assess import HealthSnapshot, Unavailable
from app.heartbeats import Heartbeat, HeartbeatStore, HeartbeatThread, LastPass, WorkerState, WorkerTotals
from app.supervisord import ProcessInfo
from app.sync.loop import SyncLoop
from app.sync.metrics import WorkerMetrics
from app.sync.model import PassSummary

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
STALE_AFTER = 30.0

WORKER_METRICS = {
    "passes_total": 7, "passes_failed": 2,
    "actions": {"create": 3, "transition": 5, "comment": 4, "attachments": 1, "link": 3},
    "items": {"processed": 40, "changes": 9, "failed": 2, "retried": 1},
    "pass_duration": {"le": [0.5, 1.0, 5.0], "counts": [4, 6, 7], "sum": 6.5, "count": 7},
    "jira_requests": {"200": 120, "201": 6, "429": 4, "dropped": 1},
    "comments": {"copied.user_to_dev": 5, "copied.dev_to_user": 2, "skipped.dev_to_user": 1},
    "fields": {"updated.toDev": 4, "conflicts.toUser": 1},
}


def process(name: str, state: str = "RUNNING") -> ProcessInfo:
    return ProcessInfo(name=name, group=name, statename=state, pid=321, description="", start=0, now=0,
                       spawnerr="", exitstatus=0)


def snapshot(**overrides) -> HealthSnapshot:
    values = dict(
        now=NOW,
        pairs=["sync-ab", "sync-xy"],
        processes={"sync-ab": process("sync-ab"), "sync-xy": process("sync-xy", "FATAL")},
        heartbeats={
            "sync-ab": Heartbeat("sync-ab", NOW - timedelta(seconds=4.5), WorkerState.SLEEPING,
                                 metrics=WorkerTotals.from_document(WORKER_METRICS),
                                 last_pass=LastPass(ok=True)),
            "sync-xy": Heartbeat("sync-xy", NOW - timedelta(seconds=90), WorkerState.FAILED),  # never finished a pass
        },
        failures_pending={"sync-ab": 2, "sync-xy": 0},
        config_errors=[ConfigError("sync-bad.json", "jira", "Field required"),
                       ConfigError("sync-bad.json", "rules", "Field required"),
                       ConfigError("sync-worse.json", "", "not JSON")],
    )
    values.update(overrides)
    return HealthSnapshot(**values)


def scrape(given: HealthSnapshot) -> tuple[str, dict[str, dict[tuple, float]]]:
    """The response's content type and {sample name: {sorted label items: value}}."""
    response = create_app(lambda: given, stale_after=STALE_AFTER).test_client().get("/metrics")
    assert response.status_code == 200
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return response.headers["Content-Type"], samples


def test_content_type_is_the_prometheus_text_format():
    content_type, _ = scrape(snapshot())

    assert content_type.startswith("text/plain; version=0.0.4")


def test_worker_counters_appear_per_pair_with_their_labels():
    _, samples = scrape(snapshot())

    assert samples["jira_sync_passes_total"] == {(("pair", "sync-ab"),): 7}
    assert samples["jira_sync_passes_failed_total"] == {(("pair", "sync-ab"),): 2}
    assert samples["jira_sync_actions_total"] == {
        (("kind", kind), ("pair", "sync-ab")): value for kind, value in WORKER_METRICS["actions"].items()}
    assert samples["jira_sync_jira_requests_total"][(("pair", "sync-ab"), ("status", "429"))] == 4
    assert samples["jira_sync_jira_requests_total"][(("pair", "sync-ab"), ("status", "dropped"))] == 1
    assert samples["jira_sync_pass_items_total"][(("item", "processed"), ("pair", "sync-ab"))] == 40
    assert samples["jira_sync_comments_total"] == {
        (("direction", "user_to_dev"), ("event", "copied"), ("pair", "sync-ab")): 5,
        (("direction", "dev_to_user"), ("event", "copied"), ("pair", "sync-ab")): 2,
        (("direction", "dev_to_user"), ("event", "skipped"), ("pair", "sync-ab")): 1,
    }
    assert samples["jira_sync_fields_total"] == {
        (("direction", "toDev"), ("event", "updated"), ("pair", "sync-ab")): 4,
        (("direction", "toUser"), ("event", "conflicts"), ("pair", "sync-ab")): 1,
    }


def test_pass_duration_is_a_histogram_with_cumulative_buckets_and_inf():
    _, samples = scrape(snapshot())

    buckets = {dict(labels)["le"]: value for labels, value in samples["jira_sync_pass_duration_seconds_bucket"].items()}
    assert buckets == {"0.5": 4, "1.0": 6, "5.0": 7, "+Inf": 7}
    assert samples["jira_sync_pass_duration_seconds_count"] == {(("pair", "sync-ab"),): 7}
    assert samples["jira_sync_pass_duration_seconds_sum"] == {(("pair", "sync-ab"),): 6.5}


def test_health_gauges_cover_every_pair_and_the_service():
    _, samples = scrape(snapshot())

    assert samples["jira_sync_pair_up"] == {(("pair", "sync-ab"),): 1, (("pair", "sync-xy"),): 0}
    assert samples["jira_sync_heartbeat_age_seconds"] == {(("pair", "sync-ab"),): 4.5, (("pair", "sync-xy"),): 90}
    assert samples["jira_sync_failures_pending"] == {(("pair", "sync-ab"),): 2, (("pair", "sync-xy"),): 0}
    assert samples["jira_sync_configs_invalid"] == {(): 2}  # files, not problems
    assert samples["jira_sync_pairs_configured"] == {(): 2}
    assert samples["jira_sync_mongodb_up"] == {(): 1}
    assert samples["jira_sync_supervisor_up"] == {(): 1}


def test_unreachable_sources_are_down_and_no_pair_is_up():
    _, samples = scrape(snapshot(processes=Unavailable("socket gone"), heartbeats=Unavailable("refused"),
                                 failures_pending=Unavailable("refused"), failures=Unavailable("refused")))

    assert samples["jira_sync_mongodb_up"] == {(): 0}
    assert samples["jira_sync_supervisor_up"] == {(): 0}
    assert set(samples["jira_sync_pair_up"].values()) == {0}
    assert "jira_sync_passes_total" not in samples  # no heartbeat read, so nothing to report
    assert "jira_sync_heartbeat_age_seconds" not in samples


def test_every_scrape_reads_a_fresh_snapshot():
    seen = iter([snapshot(), snapshot(heartbeats={"sync-ab": Heartbeat("sync-ab", NOW, metrics=WorkerTotals.from_document({
        **WORKER_METRICS, "passes_total": 8}))})])
    client = create_app(lambda: next(seen), stale_after=STALE_AFTER).test_client()

    first, second = (client.get("/metrics").get_data(as_text=True) for _ in range(2))

    assert 'jira_sync_passes_total{pair="sync-ab"} 7.0' in first
    assert 'jira_sync_passes_total{pair="sync-ab"} 8.0' in second


def test_counters_travel_from_a_worker_loop_through_mongodb_to_metrics(mongo_client, db_prefix):
    store = HeartbeatStore(mongo_client[f"{db_prefix}_control"])
    loop = SyncLoop(
        lambda _should_stop: PassSummary(started_at=NOW, counts={"processed": 2, "actions.transition": 1}),
        HeartbeatThread(store, "sync-ab", interval=60), interval=60,
        metrics=WorkerMetrics(request_counts=lambda: {"200": 11, "429": 3}),
    )
    loop.run_once()
    beat_at = store.get("sync-ab").beat_at

    _, samples = scrape(snapshot(now=beat_at, pairs=["sync-ab"], processes={"sync-ab": process("sync-ab")},
                                 heartbeats=store.all(), failures_pending={}, config_errors=[]))

    assert samples["jira_sync_passes_total"] == {(("pair", "sync-ab"),): 1}
    assert samples["jira_sync_actions_total"] == {(("kind", "transition"), ("pair", "sync-ab")): 1}
    assert samples["jira_sync_jira_requests_total"] == {
        (("pair", "sync-ab"), ("status", "200")): 11, (("pair", "sync-ab"), ("status", "429")): 3}
    assert samples["jira_sync_pair_up"] == {(("pair", "sync-ab"),): 1}

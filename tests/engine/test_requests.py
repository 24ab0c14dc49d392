"""An operator's requests in the pair's database (app.sync.requests), on the real MongoDB the
fixtures start: asked, seen waiting by the worker, finished with an outcome the command reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.sync import requests
from app.sync.requests import RequestKind
from app.sync.store import PairStore

NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def test_a_request_waits_until_served_then_reads_as_done_with_its_outcome(mongo_client, db_prefix):
    store = PairStore(mongo_client[f"{db_prefix}-ab"], fence=1)
    store.ensure_indexes()
    collection = store.db.requests
    first = requests.ask(collection, RequestKind.RESYNC, "ABSUP-1", NOW)
    second = requests.ask(collection, RequestKind.RETRY, None, NOW + timedelta(seconds=1))
    assert [r.id for r in store.waiting_requests()] == [first.id, second.id]
    assert requests.any_waiting(collection)

    store.finish_request(first.id, "ABSUP-1 (Will Do) re-read; 0 action(s) taken", NOW + timedelta(seconds=2))
    done = requests.read(collection, first.id)
    assert done is not None and done.done and done.done_at == NOW + timedelta(seconds=2)
    assert done.outcome == "ABSUP-1 (Will Do) re-read; 0 action(s) taken"
    assert [r.id for r in store.waiting_requests()] == [second.id]
    store.finish_request(second.id, "0 given-up failure(s) due now", NOW)
    assert not requests.any_waiting(collection)
    assert (requests.read(collection, second.id) or first).kind is RequestKind.RETRY

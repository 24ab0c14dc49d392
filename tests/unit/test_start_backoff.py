"""A worker that keeps failing to start backs off by itself: the record and the waits (pure), and
the record on disk."""

from __future__ import annotations

from app.sync.start_backoff import (
    FIRST_DELAY,
    MAX_DELAY,
    STABLE_AFTER,
    StartFailures,
    after_failure,
    backoff_seconds,
    read_failures,
    record_failure,
    wait_before_start,
)


def test_the_wait_doubles_per_failure_in_a_row_up_to_its_cap():
    assert [backoff_seconds(count) for count in (0, 1, 2, 3)] == [0.0, FIRST_DELAY, 2 * FIRST_DELAY, 4 * FIRST_DELAY]
    assert backoff_seconds(50) == MAX_DELAY


def test_a_failure_long_after_the_last_starts_the_count_over():
    second = after_failure(after_failure(None, 100.0), 101.0)

    later = 101.0 + backoff_seconds(2) + STABLE_AFTER + 1

    assert second == StartFailures(2, 101.0)
    assert after_failure(second, later) == StartFailures(1, later)
    assert wait_before_start(second, 102.0) == backoff_seconds(2) - 1
    assert wait_before_start(None, 102.0) == wait_before_start(second, 200.0) == 0.0


def test_the_record_survives_the_process_and_a_broken_one_is_none(tmp_path):
    assert record_failure(tmp_path, "sync-ab", 10.0) == StartFailures(1, 10.0)
    assert record_failure(tmp_path, "sync-ab", 11.0) == read_failures(tmp_path, "sync-ab") == StartFailures(2, 11.0)
    assert repr(read_failures(tmp_path, "sync-ab")) == "StartFailures(count=2, last_at=11.0)"

    (tmp_path / "start-failures" / "sync-ab.json").write_text("{", encoding="utf-8")
    assert read_failures(tmp_path, "sync-ab") is None
    assert read_failures(tmp_path, "sync-cd") is None

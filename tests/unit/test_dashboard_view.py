"""The dashboard without a browser: display values (pure) and the HTML the route serves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.config import ConfigError
from app.health.app import create_app
from app.health.assess import HealthSnapshot, Unavailable, assess
from app.health.dashboard import dashboard_view, display_time, human_duration
from app.heartbeats import Heartbeat, LastPass, WorkerState, WorkerTotals
from app.supervisord import ProcessInfo
from app.sync.failures import Failure

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "tok-MARKER-91ab-never-shown"


def running(name: str) -> ProcessInfo:
    return ProcessInfo(name=name, group=name, statename="RUNNING", pid=321, description="", start=0, now=0,
                       spawnerr="", exitstatus=0)


def snapshot(**overrides) -> HealthSnapshot:
    values = dict(
        now=NOW,
        pairs=["sync-ab"],
        processes={"sync-ab": running("sync-ab")},
        heartbeats={"sync-ab": Heartbeat("sync-ab", NOW - timedelta(seconds=3), WorkerState.SLEEPING, last_pass=LastPass(
            started_at=NOW - timedelta(seconds=65), finished_at=NOW - timedelta(seconds=63), duration_s=2.04,
            ok=True, counts={"actions.transition": 2, "processed": 9, "changes": 2, "failures_pending": 1}),
            metrics=WorkerTotals.from_document(
                {"passes_total": 40, "passes_failed": 0, "actions": {"create": 3, "transition": 7}}))},
        failures_pending={"sync-ab": 1},
        failures={"sync-ab": [Failure.from_document({
            "issue_key": "ABSUP-7", "from_status": "To Do", "to_status": "Will Do", "attempts": 3,
                               "given_up": False, "last_error": "Jira said 400",
                               "next_attempt_at": NOW + timedelta(minutes=2)})]},
    )
    values.update(overrides)
    return HealthSnapshot(**values)


def page(given: HealthSnapshot) -> str:
    response = create_app(lambda: given, stale_after=30).test_client().get("/")
    assert response.status_code == 200  # the page itself works; its content says what is wrong
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (0.04, "0.0 s"), (2.04, "2.0 s"), (12, "12 s"), (60, "1 min"), (185, "3 min 5 s"),
    (7440, "2 h 4 min"), (3 * 86400 + 3600, "3 d 1 h"), (-5, "0.0 s"),
])
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


def test_times_on_the_reports_day_drop_the_date():
    assert display_time("2025-03-01T11:59:57.000Z", NOW) == "11:59:57 UTC"
    assert display_time("2025-02-28T23:00:00.000Z", NOW) == "2025-02-28 23:00:00 UTC"
    assert display_time(None, NOW) == "—"


def test_view_of_a_pair_reads_like_a_person_would_say_it():
    view = dashboard_view(assess(snapshot(), 30))

    pair = view["pairs"][0]
    assert (pair["name"], pair["state"], pair["heartbeat"]["age"]) == (
        "sync-ab", {"tone": "ok", "label": "Healthy"}, "3.0 s ago")
    assert pair["last_pass"]["ago"] == "1 min 3 s ago" and pair["last_pass"]["duration"] == "2.0 s"
    assert pair["last_pass"]["counts"] == [("issues", 9), ("changes", 2), ("transition", 2)]
    assert pair["since_start"] == [("passes", 40), ("create", 3), ("transition", 7)]
    assert pair["failures"] == [{"issue_key": "ABSUP-7", "transition": "To Do → Will Do", "attempts": 3,
                                 "given_up": False, "error": "Jira said 400",
                                 "next_attempt_at": "2025-03-01T12:02:00.000Z", "next_attempt": "retry in 2 min"}]
    assert view["status"] == {"tone": "ok", "label": "All pairs healthy"}


def test_the_page_shows_pairs_failures_configs_and_sources():
    html = page(snapshot(config_errors=[ConfigError("sync-bad.json", "rules", "List should have at least 1 item")]))

    for text in ("sync-ab", "Healthy", "since start", "create <b>3</b>", "ABSUP-7", "Jira said 400", "retry in 2 min", "sync-bad.json",
                 "List should have at least 1 item", "MongoDB", "supervisord", "2025-03-01 12:00:00 UTC"):
        assert text in html


def test_a_pairs_config_warnings_are_shown_with_it_and_it_stays_healthy():
    warning = "rules[0].sourceStatus: 'Wil Do' is not a status of project ABSUP, so rule 'accept' never fires"
    warned = Heartbeat("sync-ab", NOW - timedelta(seconds=3), WorkerState.SLEEPING, warnings=(warning,),
                       last_pass=LastPass(ok=True))

    report = assess(snapshot(heartbeats={"sync-ab": warned}), 30)
    html = page(snapshot(heartbeats={"sync-ab": warned}))

    assert dashboard_view(report)["pairs"][0]["warnings"] == [warning]
    assert "&#39;Wil Do&#39; is not a status of project ABSUP" in html and "Healthy" in html


def test_unreachable_sources_and_a_sick_pair_are_named():
    html = page(snapshot(processes=Unavailable("connection refused on supervisor.sock"),
                         heartbeats=Unavailable("MongoDB did not answer within 0.8 s")))

    assert "unreachable" in html and "connection refused on supervisor.sock" in html
    assert "MongoDB did not answer within 0.8 s" in html
    assert "Unhealthy" in html


def test_everything_from_configs_and_jira_is_escaped():
    hostile = "<script>alert('x')</script>"
    html = page(snapshot(
        config_errors=[ConfigError(f"sync-{hostile}.json", hostile, hostile)],
        failures={"sync-ab": [Failure.from_document({"issue_key": hostile, "last_error": hostile, "attempts": 1})]},
    ))

    assert hostile not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_a_token_in_an_error_text_never_reaches_the_page():
    leaky = f"401 Unauthorized for Basic {TOKEN}"
    html = page(snapshot(
        heartbeats={"sync-ab": Heartbeat("sync-ab", NOW, WorkerState.FAILED, last_error=leaky)},
        failures={"sync-ab": [Failure.from_document({"issue_key": "ABSUP-1", "last_error": leaky, "attempts": 1})]},
        secrets=frozenset({TOKEN}),
    ))

    assert TOKEN not in html
    assert "401 Unauthorized for Basic ***" in html


def test_zero_pairs_says_what_to_do():
    html = page(snapshot(pairs=[], processes={}, heartbeats={}, failures_pending={}, failures={}))

    assert "No valid pair is configured" in html
    assert "Unhealthy" in html  # the overall badge: zero pairs is not healthy


def test_the_page_refreshes_itself():
    html = page(snapshot())

    assert '<meta http-equiv="refresh" content="5">' in html  # without JavaScript
    assert '<body data-refresh-seconds="5">' in html and '<script src="static/dashboard.js" defer></script>' in html
    script = create_app(snapshot, stale_after=30).test_client().get("/static/dashboard.js").get_data(as_text=True)
    assert "document.body.dataset.refreshSeconds" in script and "setInterval(refresh, seconds * 1000)" in script


def test_the_page_has_no_inline_script_or_style_for_its_content_security_policy_to_allow():
    html = page(snapshot())

    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="static/dashboard.js" defer>']
    assert "<style" not in html and " style=" not in html and "javascript:" not in html
    assert re.search(r"<[^>]+ on[a-z]+=", html) is None, "no inline event handler"
    assert '<link rel="stylesheet" href="static/dashboard.css">' in html


def beat_with_activity(last_pass_counts: dict[str, int], totals: dict[str, object]) -> Heartbeat:
    """sync-ab sleeping after a good pass that counted `last_pass_counts`, with `totals` since start."""
    return Heartbeat("sync-ab", NOW - timedelta(seconds=3), WorkerState.SLEEPING, last_pass=LastPass(
        started_at=NOW - timedelta(seconds=65), finished_at=NOW - timedelta(seconds=63), duration_s=2.0, ok=True,
        counts={"processed": 2, **last_pass_counts}),
        metrics=WorkerTotals.from_document({"passes_total": 4, **totals}))


def test_comment_activity_is_shown_per_pair_for_the_last_pass_and_since_start():
    beat = beat_with_activity({"comments.copied.user_to_dev": 2, "comments.skipped.dev_to_user": 1},
                              {"comments": {"copied.user_to_dev": 5, "deleted.dev_to_user": 1}})
    view = dashboard_view(assess(snapshot(heartbeats={"sync-ab": beat}), 30))

    pair = view["pairs"][0]
    assert ("comments copied user → dev", 2) in pair["last_pass"]["counts"]
    assert ("comments skipped dev → user", 1) in pair["last_pass"]["counts"]
    assert pair["since_start"][-2:] == [("comments copied user → dev", 5), ("comments deleted dev → user", 1)]
    assert "comments copied user → dev" in page(snapshot(heartbeats={"sync-ab": beat}))


def test_field_activity_is_shown_per_pair_for_the_last_pass_and_since_start():
    beat = beat_with_activity({"fields.updated.user_to_dev": 3, "fields.conflicts.dev_to_user": 1},
                              {"fields": {"updated.user_to_dev": 7, "conflicts.dev_to_user": 2}})
    view = dashboard_view(assess(snapshot(heartbeats={"sync-ab": beat}), 30))

    pair = view["pairs"][0]
    assert ("fields updated user → dev", 3) in pair["last_pass"]["counts"]
    assert ("fields conflicts dev → user", 1) in pair["last_pass"]["counts"]
    assert pair["since_start"][-2:] == [("fields conflicts dev → user", 2), ("fields updated user → dev", 7)]
    assert "fields conflicts dev → user" in page(snapshot(heartbeats={"sync-ab": beat}))

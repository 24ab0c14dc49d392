"""The dashboard as a person sees it: headless Debian Chromium (driven by Playwright) against the
real health app served over HTTP, fed by a real HealthSource over a real supervisord and MongoDB,
with HTTP basic credentials configured (the browser logs in as a person would) and the
Content-Security-Policy of every answer in force: a page that broke it would show it here.

Screenshots (desktop and phone) are kept under test-artifacts/ for people to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from werkzeug.serving import make_server

from app.health.app import create_app
from app.health.auth import HealthAuth
from app.health.sources import HealthSource, health_mongo_client
from app.heartbeats import Heartbeat, HeartbeatStore, LastPass, WorkerState
from app.supervisord import SupervisorRPC
from app.sync.failures import FailedChange, FailureKind, failed_again
from app.sync.store import PairStore
from testbed.bundle import ROOT, write_config_dir
from tests.support.tiny_supervisord import TinySupervisord

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
TOKEN = "tok-MARKER-d45h-never-shown"
PHONE = {"width": 390, "height": 844}
LOGIN = {"username": "ops", "password": "pw-dashboard-3c9e71"}
# Collects what the page's Content-Security-Policy refused, before any script of the page runs.
CSP_PROBE = ("window.__cspViolations = [];"
             "document.addEventListener('securitypolicyviolation',"
             " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (Debian package 'chromium'; scripts/test installs it when run as root)",
                allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError  # noqa: E402 - only once a browser exists
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture
def pairs(db_prefix):
    return {"ab": f"{db_prefix}-ab", "xy": f"{db_prefix}-xy"}


@pytest.fixture
def config_dir(tmp_path, pairs, monkeypatch):
    monkeypatch.setenv("DASHBOARD_TEST_TOKEN", TOKEN)
    return write_config_dir(tmp_path / "config", "DASHBOARD_TEST_TOKEN", {
        f"sync-{short}": (name, f"{short.upper()}SUP", f"{short.upper()}DEV") for short, name in pairs.items()})


@pytest.fixture
def supervisord(pairs):
    server = TinySupervisord({pairs["ab"]: ("sleep 600", 0), pairs["xy"]: ("false", 1)}).start()
    server.wait_for_state(pairs["ab"], "RUNNING")
    server.wait_for_state(pairs["xy"], "FATAL")
    yield server
    server.cleanup()


@pytest.fixture
def state(mongo_client, db_prefix, pairs):
    """Heartbeats and a failure as workers write them: `ab` syncing fine with one failed change
    pending, `xy` stopped at start-up by a refused token (whose text must not show)."""
    now = datetime.now(UTC)
    control = f"{db_prefix}_control"
    beats = HeartbeatStore(mongo_client[control])
    beats.write(Heartbeat(pairs["ab"], now, pid=4242, state=WorkerState.SLEEPING, failures_pending=1, last_pass=LastPass(
        started_at=now - timedelta(seconds=4), finished_at=now - timedelta(seconds=2.8), duration_s=1.2, ok=True,
        counts={"processed": 14, "changes": 3, "actions.create": 1, "actions.transition": 2, "failures_pending": 1},
    )))
    beats.write(Heartbeat(pairs["xy"], now, pid=77, state=WorkerState.FAILED,
                          last_error=f"Jira check failed: 401 for token {TOKEN}"))
    change = FailedChange("10001", "ABSUP-7", "user", "To Do", "Will Do")
    PairStore(mongo_client[pairs["ab"]]).record_failure(
        failed_again(None, "change-1", FailureKind.CHANGE, change, "Jira said 400: Field 'priority' cannot be set", now))
    return control


@pytest.fixture
def dashboard_url(config_dir, supervisord, mongo_uri, state) -> Iterator[str]:
    budget = 5.0  # what the page shows is under test here, not the time bound; a loaded machine needs room
    source = HealthSource(config_dir=config_dir, supervisor=SupervisorRPC(supervisord.socket, timeout=budget),
                          mongo_client=health_mongo_client(mongo_uri, budget), control_db=state, budget=budget)
    auth = HealthAuth(user=LOGIN["username"], password=SecretStr(LOGIN["password"]))
    server = make_server("127.0.0.1", 0, create_app(source, stale_after=30.0, auth=auth, tracer=source.tracer()),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)
    source.close()


@pytest.fixture
def playwright():
    with sync_playwright() as running:
        yield running


def launch(playwright, profile: Path, **options):
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, **options)
    context.add_init_script(CSP_PROBE)
    return context


@pytest.fixture
def browser(playwright, tmp_path):
    context = launch(playwright, tmp_path / "chromium-profile", http_credentials=LOGIN)
    try:
        yield context
    finally:
        context.close()


def open_dashboard(browser, url: str, viewport: dict) -> Page:
    page = browser.new_page()
    page.set_viewport_size(viewport)
    page.goto(url)
    return page


def csp_violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_a_person_sees_every_pair_its_failures_and_the_invalid_config(browser, dashboard_url, pairs):
    page = open_dashboard(browser, dashboard_url, {"width": 1280, "height": 900})

    healthy = page.locator(f'tr[data-pair="{pairs["ab"]}"]')
    expect(healthy.get_by_role("rowheader")).to_contain_text(pairs["ab"])
    expect(healthy).to_contain_text("Healthy")
    expect(healthy).to_contain_text("ABSUP-7 To Do → Will Do")
    expect(healthy).to_contain_text("Jira said 400: Field 'priority' cannot be set")
    expect(healthy).to_contain_text("issues 14")
    failed = page.locator(f'tr[data-pair="{pairs["xy"]}"]')
    expect(failed).to_contain_text("Unhealthy")
    expect(failed).to_contain_text("process FATAL")
    expect(failed).to_contain_text("Jira check failed: 401 for token ***")
    invalid = page.locator("table.invalid")
    expect(invalid).to_contain_text("sync-bad.json")
    expect(invalid).to_contain_text("syncIntervalSeconds")
    expect(page.locator('[data-source="MongoDB"]')).to_contain_text("reachable")
    expect(page.locator('[data-source="supervisord"]')).to_contain_text("reachable")
    expect(page.locator("#overall")).to_contain_text("Degraded")
    assert page.get_by_role("columnheader").all_inner_texts()[:6] == [
        "PAIR", "STATE", "HEARTBEAT", "LAST PASS", "PENDING FAILURES", "LAST ERROR"]
    assert TOKEN not in page.content()
    # The style file applied (a badge has its colours), and nothing was refused.
    assert page.locator("#overall").evaluate("badge => getComputedStyle(badge).borderRadius") == "999px"
    assert csp_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)


def test_on_a_phone_rows_become_cards_and_nothing_overflows(browser, dashboard_url, pairs):
    page = open_dashboard(browser, dashboard_url, PHONE)
    expect(page.locator(f'tr[data-pair="{pairs["xy"]}"]')).to_contain_text("Unhealthy")

    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    card = page.locator(f'tr[data-pair="{pairs["ab"]}"]')
    assert card.evaluate("row => getComputedStyle(row).display") == "block"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert card.locator('td[data-label="Pending failures"]').evaluate(
        "cell => getComputedStyle(cell, '::before').content") == '"Pending failures"'
    assert TOKEN not in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)


def test_the_page_refreshes_itself_with_what_changed(browser, dashboard_url, mongo_client, pairs):
    page = open_dashboard(browser, dashboard_url, {"width": 1280, "height": 900})
    row = page.locator(f'tr[data-pair="{pairs["ab"]}"]')
    expect(row).to_contain_text("1 pending")
    page.evaluate("window.__sameDocument = true")  # gone if the page were simply reloaded

    change = FailedChange("10002", "ABSUP-8", "user", "Will Do", "Cancelled")
    PairStore(mongo_client[pairs["ab"]]).record_failure(failed_again(
        None, "change-2", FailureKind.CHANGE, change, "no transition to Cancelled", datetime.now(UTC)))

    expect(row).to_contain_text("no transition to Cancelled", timeout=12_000)
    expect(row).to_contain_text("2 pending")
    assert page.evaluate("window.__sameDocument") is True
    assert csp_violations(page) == [], "the refresh (fetch, DOMParser) runs under the policy"


def test_without_credentials_the_browser_is_asked_for_them_and_shown_nothing(playwright, tmp_path, dashboard_url):
    context = launch(playwright, tmp_path / "anonymous-profile")
    try:
        page = context.new_page()
        answers = []
        page.on("response", lambda answer: answers.append(answer))
        # A headless browser cannot show the login prompt: it gives up on the challenge instead.
        with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
            page.goto(dashboard_url)

        [answer] = [answer for answer in answers if answer.url == dashboard_url]
        assert answer.status == 401
        assert answer.headers["www-authenticate"] == 'Basic realm="jira-sync", charset="UTF-8"'
        assert "Sync pairs" not in answer.text() and "ABSUP-7" not in answer.text()
    finally:
        context.close()


def test_a_person_searches_an_issue_and_reads_what_happened_to_it(browser, dashboard_url, pairs):
    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        page = open_dashboard(browser, dashboard_url, viewport)
        expect(page.locator(f'[data-activity="{pairs["ab"]}"]')).to_contain_text("nothing written to Jira")
        page.fill("#trace-key", "absup-7")
        page.click("form.search button")

        expect(page.locator("h1")).to_contain_text("What happened to ABSUP-7?")
        section = page.locator(f'section.trace[data-pair="{pairs["ab"]}"]')
        expect(section).to_contain_text("Jira said 400: Field 'priority' cannot be set")
        expect(section).to_contain_text("next retry at")
        expect(section.locator("a.jira")).to_have_attribute("href", "http://127.0.0.1:9/browse/ABSUP-7")
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        assert TOKEN not in page.content()
        assert csp_violations(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-trace-{name}.png"), full_page=True)

        page.fill("#trace-key", "not a key")
        page.click("form.search button")
        expect(page.locator(".attention")).to_contain_text("is not an issue key")
        page.close()

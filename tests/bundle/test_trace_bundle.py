""""What happened to X?" answered through real bundles: two bundles on one MongoDB (the pair's
lease moves from one to the other in the middle), the simulated Jira over HTTP, the commands an
operator types (`trace`, `resync`, `retry`), and the dashboard in headless Chromium.

One scenario serves every case, as the bundles are slow to start: an issue created and followed
both ways, a move no rule matched, a pairing the original service made (adopted), a failure
retried then given up then healed by `retry`, the hand-over, an issue the sync never saw, and the
refusals. Screenshots of the trace page (desktop and phone) land in test-artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests

from app.jira import BasicAuth, JiraClient
from app.leases.store import LeaseStore
from jira_sim.seed import BOT
from testbed.bundle import ROOT, Bundle, pair_config
from testbed.waiting import wait_for
from tests.support.footprint import OriginalService

PASS_TIMEOUT = 45  # a pass every 5 s on a loaded machine
LEASE = 10
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
# Collects what the page's Content-Security-Policy refused (as tests/engine/test_dashboard_browser.py does).
CSP_PROBE = ("window.__cspViolations = [];"
             "document.addEventListener('securitypolicyviolation',"
             " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")


def start(tmp_path, mongo_uri, db_prefix, sim, name: str) -> Bundle:
    bundle = Bundle(tmp_path / name, mongo_uri, f"{db_prefix}_control",
                    env={"JIRA_AB_TOKEN": BOT.api_token, "BUNDLE_ID": name, "LEASE_SECONDS": str(LEASE)})
    bundle.write_config("sync-ab", pair_config("sync-ab", sim.url, "ABSUP", "ABDEV", "JIRA_AB_TOKEN",
                                               comments={"toDev": "all", "toUser": "internal"}))
    return bundle.start()


def status_of(human: JiraClient, key: str) -> str:
    return human.get_issue(key, fields=["status"])["fields"]["status"]["name"]


def becomes(human: JiraClient, key: str, status: str) -> None:
    wait_for(lambda: status_of(human, key) == status, PASS_TIMEOUT, what=f"{key} to become {status}")


def new_issue(human: JiraClient, summary: str) -> str:
    key: str = human.create_issue({"project": {"key": "ABSUP"}, "issuetype": {"name": "Bug"}, "summary": summary})["key"]
    return key


def trace(bundle: Bundle, *args: str) -> str:
    done = bundle.cli("trace", *args)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def lines_of(bundle: Bundle, key: str) -> list[dict]:
    done = bundle.cli("trace", key, "--json")
    assert done.returncode == 0, done.stderr
    [pair] = json.loads(done.stdout)["pairs"]
    return pair["lines"]


def dev_keys(human: JiraClient) -> list[str]:
    return [issue["key"] for issue in human.search('project = "ABDEV" ORDER BY key ASC', fields=["summary"])]


def set_faults(sim, **faults) -> None:
    requests.post(f"{sim.url}/_sim/config", json={"faults": faults}, timeout=5).raise_for_status()


def test_what_happened_to_an_issue_from_the_cli_and_the_dashboard(tmp_path, mongo_uri, mongo_client, db_prefix,
                                                                    sim, human):
    original = OriginalService(JiraClient(sim.url, BasicAuth(*BOT.basic_auth), deployment="cloud"), sim.url)
    old_key = new_issue(human, "made by the original service")
    human.transition_to(old_key, "Will Do")
    old = original.accept(old_key)

    first = start(tmp_path, mongo_uri, db_prefix, sim, "bundle-a")
    second = None
    try:
        first.wait_syncing(timeout=90)
        # Created, then followed both ways (User -> Dev by creation, Dev -> User by status).
        created = new_issue(human, "created by the sync")
        human.transition_to(created, "Will Do")
        mappings = mongo_client[f"{db_prefix}-sync-ab"].mappings
        mapping = wait_for(lambda: mappings.find_one({"user_key": created}), PASS_TIMEOUT, what="the Dev issue")
        dev = mapping["dev_key"]
        human.transition_to(dev, "In Progress")
        becomes(human, created, "In Progress")
        # The original's pair: a Dev move makes the sync adopt it (its link lines) and follow.
        human.transition_to(old.dev_key, "In Progress")
        becomes(human, old.user_key, "In Progress")

        # The lease moves to a second bundle in the middle.
        second = start(tmp_path, mongo_uri, db_prefix, sim, "bundle-b")
        first.stop()
        leases = LeaseStore(mongo_client[f"{db_prefix}_control"])
        wait_for(lambda: (leases.lease("sync-ab") or None) and leases.lease("sync-ab").owner == "bundle-b",
                 PASS_TIMEOUT, what="bundle-b to hold the pair")
        second.wait_syncing(timeout=90)
        human.transition_to(dev, "Done")  # no rule for Done (an intermediate status, skipped)
        wait_for(lambda: "[dev] In Progress → Done" in trace(second, dev), PASS_TIMEOUT, what="the Done move seen")
        human.transition_to(dev, "Closed", resolution="Done")
        becomes(human, created, "Resolved")
        # A comment copied: where it came from, in the trace of both issues.
        human.add_comment(created, "The customer adds: it smells of toner")
        wait_for(lambda: any("smells of toner" in json.dumps(c["body"]) for c in human.comments(dev)), PASS_TIMEOUT,
                 what="the comment copied to the Dev issue")
        assert f"comment copied on {dev}" in trace(second, dev)

        out = trace(second, created)
        assert f"pair sync-ab: {created} [user] ↔ {dev}" in out
        assert f"partner {dev}, pairing created" in out
        assert "rule 'user-will-do' matched" in out and "create" in out
        assert "rule 'dev-in-progress' matched" in out and "rule 'dev-closed' matched" in out
        assert "no rule applied: no rule; intermediate status skipped" in out
        done_move = out.split("[dev] In Progress → Done", 1)[1].splitlines()
        assert "no rule applied: no rule; intermediate status skipped" in done_move[1], "Done matched no rule"
        assert "nothing written to Jira" in done_move[2]
        assert "lease handed over: bundle bundle-a → bundle-b" in out
        assert "[bundle bundle-a]" in out and "[bundle bundle-b]" in out
        assert f"/browse/{created}" in out and f"/browse/{dev}" in out
        lines = lines_of(second, created)
        kinds = [line["kind"] for line in lines]
        assert kinds[0] == "pairing" and "lease" in kinds
        timed = [line["at"] for line in lines if line["at"]]
        assert timed == sorted(timed), "oldest first"
        lease_at = next(line["at"] for line in lines if line["kind"] == "lease" and "handed over" in line["text"])
        assert any(line["at"] < lease_at for line in lines if line["kind"] == "acted"), "acts before the hand-over"
        assert any(line["at"] > lease_at for line in lines if line["kind"] == "acted"), "and after it"
        assert "pairing adopted" in trace(second, old.user_key)

        # A failure retried (by resync, at once) then given up, then healed by `retry`.
        failing = new_issue(human, "its partner refuses to move")
        human.transition_to(failing, "Will Do")
        failing_dev = wait_for(lambda: (mappings.find_one({"user_key": failing}) or {}).get("dev_key"), PASS_TIMEOUT,
                               what="the second Dev issue")
        user_id = human.get_issue(failing, fields=["status"])["id"]
        set_faults(sim, error_rate=1.0, error_status=400, path_contains=f"/issue/{user_id}/transitions")
        human.transition_to(failing_dev, "In Progress")
        failures = mongo_client[f"{db_prefix}-sync-ab"].failures
        wait_for(lambda: failures.find_one({"issue_key": failing_dev}), PASS_TIMEOUT, what="the failure")
        for _ in range(12):  # MAX_ATTEMPTS is 8
            if (failures.find_one({"issue_key": failing_dev}) or {}).get("given_up"):
                break
            done = second.cli("resync", failing_dev)
            assert done.returncode == 0, done.stderr
            assert "pending failure(s) retried now" in done.stdout
        out = trace(second, failing_dev)
        assert "failed: " in out and "given up" in out and "`jira-sync retry` tries now" in out
        set_faults(sim, error_rate=0.0, path_contains="")
        done = second.cli("retry", "sync-ab", failing_dev)
        assert done.returncode == 0 and "1 given-up failure(s) due now" in done.stdout, done.stderr + done.stdout
        becomes(human, failing, "In Progress")
        wait_for(lambda: failures.find_one({"issue_key": failing_dev}) is None, PASS_TIMEOUT, what="the failure healed")
        out = trace(second, failing_dev)
        assert "(by retry" in out and "transition: done" in out

        # resync of an issue in step: nothing differs, nothing is written; no second Dev issue.
        before = (dev_keys(human), len(human.comments(created)), len(human.comments(dev)))
        done = second.cli("resync", created)
        assert done.returncode == 0 and "0 action(s) taken" in done.stdout, done.stderr + done.stdout
        assert (dev_keys(human), len(human.comments(created)), len(human.comments(dev))) == before
        assert "operator's resync" in trace(second, created)

        dashboard(second, created, dev)
    finally:
        if second is not None:
            second.stop()
        first.stop()

    # No bundle holds the pair now: the refusals, and an issue the sync never saw.
    unseen = new_issue(human, "after the bundles stopped")
    human.transition_to(unseen, "Will Do")
    out = trace(first, unseen)
    assert f"the sync has never seen {unseen}" in out
    assert "the next pass would, by rule 'user-will-do':" in out and "create" in out.lower()
    refused = first.cli("resync", unseen)
    assert refused.returncode == 1 and "no bundle holds pair sync-ab's lease" in refused.stderr
    refused = first.cli("resync", "ZZZ-1")
    assert refused.returncode == 1 and "ZZZ-1 belongs to no pair" in refused.stderr
    assert first.cli("trace", "ZZZ-1").returncode == 1
    # MongoDB away, then Jira away: the trace says which.
    gone = first.cli("trace", created, env={"MONGO_URI": "mongodb://127.0.0.1:9/", "MONGO_TIMEOUT_MS": "300"})
    assert "MongoDB unreachable" in gone.stdout, gone.stderr
    sim.stop()
    gone = first.cli("trace", unseen)
    assert "Jira unreachable or refusing" in gone.stdout, gone.stderr


def dashboard(bundle: Bundle, created: str, dev: str) -> None:
    """The search box, the trace page with both Jira links, the recent activity linking to traces."""
    base = f"http://127.0.0.1:{bundle.health_port}/"
    page = requests.get(base, timeout=10).text
    assert 'id="trace-key"' in page and "Recent activity" in page and "trace?key=ABSUP-" in page
    answer = requests.get(f"{base}trace", params={"key": created.lower()}, timeout=10)
    assert answer.status_code == 200 and 'href="http://127.0.0.1' in answer.text
    assert f"/browse/{created}" in answer.text and f"/browse/{dev}" in answer.text
    assert requests.get(f"{base}trace", params={"key": "not a key"}, timeout=10).status_code == 400
    if not CHROMIUM.exists():
        return
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
                page = browser.new_page(viewport=viewport)
                page.add_init_script(CSP_PROBE)
                page.goto(base)
                activity = page.locator('[data-activity="sync-ab"] a').first
                expect(activity).to_have_attribute("href", re.compile(r"^trace\?key=AB(SUP|DEV)-\d+$"))
                page.fill("#trace-key", created.lower())
                page.click("form.search button")  # a GET form: the policy's form-action must allow it
                expect(page.locator("h1")).to_contain_text(f"What happened to {created}?")
                section = page.locator('section.trace[data-pair="sync-ab"]')
                expect(section.locator("a.jira")).to_have_count(2)
                expect(section).to_contain_text("lease handed over")
                expect(section).to_contain_text("pairing created")
                assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
                assert page.evaluate("window.__cspViolations") == []
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"trace-{name}.png"), full_page=True)
                page.goto(base)
                page.screenshot(path=str(ARTIFACTS / f"dashboard-activity-{name}.png"), full_page=True)
                assert page.evaluate("window.__cspViolations") == []
                page.close()
        finally:
            browser.close()

"""Field sync (issue 20) of every supported type, through the real engine and the simulator over
HTTP, on Cloud and on Data Center (where the wire forms differ: a paragraph is ADF on Cloud, a
user is named by accountId on Cloud and by name on Data Center): custom text, paragraph, number,
date, single and multi select (by option value), user picker, and the assignee, components and
fix versions (by name: each project has its own ids). A change arrives with the partner's own
ids, the next pass writes nothing, and a value the partner cannot take is a pending `field`
failure with Jira's reason while the other fields of the change go through."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from app.jira.adf import adf_to_text
from app.sync.failures import FailureKind
from jira_sim.seed import BOT, HUMAN
from jira_sim.server import SimulatorServer
from testbed.sync import SyncHarness

CUSTOM = {"text": {"kind": "text"}, "paragraph": {"kind": "textarea"}, "number": {"kind": "number"},
          "date": {"kind": "date"}, "select": {"kind": "select", "options": ["Minor", "Major", "Critical"]},
          "multi": {"kind": "multiselect", "options": ["Linux", "macOS", "Windows"]}, "user": {"kind": "user"}}


@pytest.fixture
def site(any_sim):
    return any_sim  # the demo site, on each deployment in turn


class Pair:
    """A pair syncing every supported field `both` ways, the custom fields by their names here."""

    def __init__(self, site: SimulatorServer, mongo_client: Any, db_prefix: str, tmp_path: Any) -> None:
        def admin(method: str, path: str, **body: Any) -> Any:  # before the harness: its config needs the ids
            answer = requests.request(method, f"{site.url}/_sim/{path}", json=body, timeout=10)
            answer.raise_for_status()
            return answer.json()

        self.ids = {name: admin("POST", "fields", name=name.title(), projects=["ABSUP", "ABDEV"], **spec)["id"]
                    for name, spec in CUSTOM.items()}
        admin("PATCH", "projects/ABSUP", components=["Legacy", "API", "UI"], versions=["0.9", "1.0", "2.0"])
        admin("PATCH", "projects/ABDEV", components=["UI", "API"], versions=["2.0", "1.0"])
        fields = {"summary": "both", "assignee": "both", "components": "both", "fixVersions": "both",
                  **{field_id: "both" for field_id in self.ids.values()}}
        self.deployment = site.site.deployment
        self.harness = SyncHarness(site, mongo_client[f"{db_prefix}-{self.deployment}"], tmp_path,
                                   deployment=self.deployment, fields=fields)
        self.harness.sync()

    @property
    def cloud(self) -> bool:
        return self.deployment == "cloud"

    def user(self, account: str) -> dict[str, str]:
        return {"accountId": account} if self.cloud else {"name": account}

    def paragraph(self, text: str) -> Any:
        return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": text}]}]} if self.cloud else text

    def accepted(self, **fields: Any) -> tuple[str, str]:
        user_key = self.harness.new_user_issue(status="Will Do", **fields)
        self.harness.sync()
        dev_key = self.harness.dev_key(user_key)
        assert dev_key
        self.harness.sync()
        return user_key, dev_key

    def edit(self, key: str, **fields: Any) -> None:
        self.harness.admin("POST", "clock/advance", seconds=5)
        self.harness.human.edit_issue(key, {self.ids.get(name, name): value for name, value in fields.items()})

    def read(self, key: str) -> dict[str, Any]:
        names = ["summary", "assignee", "components", "fixVersions", *self.ids.values()]
        raw = self.harness.human.get_issue(key, fields=names)["fields"]
        return {next((n for n, i in self.ids.items() if i == name), name): value for name, value in raw.items()}

    def project_ids(self, project: str, what: str) -> dict[str, str]:
        return {item["name"]: item["id"] for item in self.harness.admin("GET", f"projects/{project}")[what]}

    def field_puts(self) -> list[str]:
        return [w for w in self.harness.bot_writes() if w.startswith("PUT ") and "/transitions" not in w]

    def field_failures(self) -> list[Any]:
        return [f for f in self.harness.store.pending_failures() if f.kind is FailureKind.FIELD]


@pytest.fixture
def pair(site, mongo_client, db_prefix, tmp_path) -> Pair:
    return Pair(site, mongo_client, db_prefix, tmp_path)


def person(value: Any) -> str | None:
    return None if value is None else value.get("accountId") or value.get("name")


def text_of(value: Any) -> str | None:
    return adf_to_text(value) if isinstance(value, dict) else value


def test_every_type_reaches_the_other_side_with_its_own_ids_and_is_not_written_again(pair):
    user_key, dev_key = pair.accepted()
    pair.edit(user_key, text="REF-7", paragraph=pair.paragraph("Steps: plug it in"), number=5, date="2027-03-01",
              select={"value": "Major"}, multi=[{"value": "Windows"}, {"value": "Linux"}], user=pair.user(BOT.account_id),
              assignee=pair.user(HUMAN.account_id), components=[{"name": "UI"}, {"name": "API"}],
              fixVersions=[{"name": "2.0"}])
    pair.harness.reset_requests()
    pair.harness.sync()

    dev = pair.read(dev_key)
    assert (dev["text"], text_of(dev["paragraph"]), dev["number"], dev["date"]) == ("REF-7", "Steps: plug it in", 5,
                                                                                   "2027-03-01")
    assert isinstance(dev["paragraph"], dict) is pair.cloud, "ADF on Cloud's v3, a string on Data Center's v2"
    assert dev["select"]["value"] == "Major" and sorted(o["value"] for o in dev["multi"]) == ["Linux", "Windows"]
    assert (person(dev["user"]), person(dev["assignee"])) == (BOT.account_id, HUMAN.account_id)
    dev_components, dev_versions = pair.project_ids("ABDEV", "components"), pair.project_ids("ABDEV", "versions")
    assert sorted((c["name"], c["id"]) for c in dev["components"]) == sorted(dev_components.items())
    assert [(v["name"], v["id"]) for v in dev["fixVersions"]] == [("2.0", dev_versions["2.0"])]
    assert dev_versions["2.0"] != pair.project_ids("ABSUP", "versions")["2.0"], "the projects have their own ids"
    assert len(pair.field_puts()) == 1, "every field in one PUT"

    pair.harness.reset_requests()
    for _ in range(2):
        pair.harness.sync()
    assert pair.field_puts() == [], "the baseline knows the sync's own write"


def test_a_dev_edit_and_a_clearing_reach_the_user_side(pair):
    user_key, dev_key = pair.accepted()
    pair.edit(user_key, select={"value": "Minor"}, multi=[{"value": "macOS"}], components=[{"name": "API"}],
              user=pair.user(HUMAN.account_id))
    pair.harness.sync()
    pair.edit(dev_key, select={"value": "Critical"}, multi=None, components=[], user=None, number=2.5,
              paragraph=pair.paragraph("Dev's steps"), fixVersions=[{"name": "1.0"}])
    pair.harness.sync()

    user = pair.read(user_key)
    assert user["select"]["value"] == "Critical" and user["multi"] is None and user["components"] == []
    assert user["user"] is None and user["number"] == 2.5 and text_of(user["paragraph"]) == "Dev's steps"
    assert [(v["name"], v["id"]) for v in user["fixVersions"]] == [("1.0", pair.project_ids("ABSUP", "versions")["1.0"])]
    pair.harness.reset_requests()
    pair.harness.sync()
    assert pair.field_puts() == []


def test_a_created_dev_issue_carries_every_type_and_nothing_is_written_after(pair):
    user_key = pair.harness.new_user_issue(status="Will Do", **{
        pair.ids["text"]: "REF-1", pair.ids["paragraph"]: pair.paragraph("First steps"), pair.ids["number"]: 1,
        pair.ids["date"]: "2027-01-02", pair.ids["select"]: {"value": "Minor"},
        pair.ids["multi"]: [{"value": "Linux"}], pair.ids["user"]: pair.user(BOT.account_id),
        "components": [{"name": "API"}], "fixVersions": [{"name": "1.0"}], "assignee": pair.user(HUMAN.account_id)})
    pair.harness.reset_requests()
    pair.harness.sync()
    dev_key = pair.harness.dev_key(user_key)
    assert dev_key

    dev = pair.read(dev_key)
    assert (dev["text"], text_of(dev["paragraph"]), dev["number"], dev["date"]) == ("REF-1", "First steps", 1,
                                                                                   "2027-01-02")
    assert (dev["select"]["value"], [o["value"] for o in dev["multi"]]) == ("Minor", ["Linux"])
    assert (person(dev["user"]), person(dev["assignee"])) == (BOT.account_id, HUMAN.account_id)
    assert ([c["name"] for c in dev["components"]], [v["name"] for v in dev["fixVersions"]]) == (["API"], ["1.0"])
    for _ in range(2):
        pair.harness.sync()
    assert pair.field_puts() == [], "created with every field: nothing to write after"


def test_values_the_partner_cannot_take_are_a_pending_failure_and_the_rest_goes_through(pair):
    user_key, dev_key = pair.accepted()
    pair.harness.admin("PATCH", "projects/ABDEV", optionContexts={pair.ids["select"]: ["Minor", "Major"]},
                       unassignable=[HUMAN.account_id])
    pair.edit(user_key, summary="Still goes through", text="REF-9", select={"value": "Critical"},
              components=[{"name": "Legacy"}], fixVersions=[{"name": "0.9"}], assignee=pair.user(HUMAN.account_id),
              multi=[{"value": "macOS"}])
    pair.harness.sync()

    dev = pair.read(dev_key)
    assert (dev["summary"], dev["text"], [o["value"] for o in dev["multi"]]) == ("Still goes through", "REF-9",
                                                                                  ["macOS"])
    assert (dev["select"], dev["components"], dev["fixVersions"], dev["assignee"]) == (None, [], [], None)
    [failure] = pair.field_failures()
    for words in (f"{dev_key} refused {pair.ids['select']}: Option value 'Critical' is not valid",
                  f"{dev_key} refused components: Component name 'Legacy' is not valid",
                  f"{dev_key} refused fixVersions: Version name '0.9' is not valid",
                  f"{dev_key} refused assignee: User '{HUMAN.account_id}' cannot be assigned issues."):
        assert words in failure.last_error, failure.last_error
    failed = {e["field"] for e in pair.harness.store.db.events.find({"event": "field.failed"})}
    assert failed == {pair.ids["select"], "components", "fixVersions", "assignee"}

    pair.harness.admin("PATCH", "projects/ABDEV", optionContexts={pair.ids["select"]: ["Minor", "Major", "Critical"]},
                       unassignable=[], components=["UI", "API", "Legacy"], versions=["2.0", "1.0", "0.9"])
    pair.harness.clock.advance(hours=1)  # the failure is due
    pair.harness.sync()
    dev = pair.read(dev_key)
    assert (dev["select"]["value"], [c["name"] for c in dev["components"]], [v["name"] for v in dev["fixVersions"]],
            person(dev["assignee"])) == ("Critical", ["Legacy"], ["0.9"], HUMAN.account_id)
    assert pair.field_failures() == []
    pair.harness.reset_requests()
    pair.harness.sync()
    assert pair.field_puts() == []


def test_a_created_dev_issue_leaves_out_what_dev_cannot_take_and_a_failure_says_why(pair):
    pair.harness.admin("PATCH", "projects/ABDEV", optionContexts={pair.ids["select"]: ["Minor"]},
                       unassignable=[HUMAN.account_id])
    user_key = pair.harness.new_user_issue(status="Will Do", **{
        pair.ids["text"]: "REF-2", pair.ids["select"]: {"value": "Major"}, "components": [{"name": "Legacy"}],
        "assignee": pair.user(HUMAN.account_id), "fixVersions": [{"name": "1.0"}]})
    pair.harness.sync()
    dev_key = pair.harness.dev_key(user_key)
    assert dev_key, "the Dev issue is created without what Dev cannot take"
    pair.harness.sync()

    dev = pair.read(dev_key)
    assert (dev["text"], [v["name"] for v in dev["fixVersions"]]) == ("REF-2", ["1.0"])
    assert (dev["select"], dev["components"], dev["assignee"]) == (None, [], None)
    [failure] = pair.field_failures()
    for words in (f"{dev_key} refused {pair.ids['select']}: Option value 'Major' is not valid",
                  f"{dev_key} refused components: Component name 'Legacy' is not valid",
                  f"{dev_key} refused assignee: User '{HUMAN.account_id}' cannot be assigned issues."):
        assert words in failure.last_error, failure.last_error
    assert pair.read(user_key)["select"]["value"] == "Major", "the User side keeps its value"


def test_a_custom_field_changed_on_both_sides_ends_with_the_later_change_on_either_product(pair):
    """Data Center's changelog names a custom field by its name only (no `fieldId` promised): the
    later change must still be found and win, as on Cloud."""
    user_key, dev_key = pair.accepted()
    pair.edit(user_key, text="from support", select={"value": "Minor"})
    pair.edit(dev_key, text="from development", select={"value": "Critical"})
    pair.harness.sync()

    user, dev = pair.read(user_key), pair.read(dev_key)
    assert (user["text"], dev["text"]) == ("from development", "from development")
    assert (user["select"]["value"], dev["select"]["value"]) == ("Critical", "Critical")
    conflicts = {c["field"]: c for c in pair.harness.store.db.events.find({"event": "field.conflict"})}
    assert set(conflicts) == {pair.ids["text"], pair.ids["select"]}
    assert conflicts[pair.ids["text"]]["lostValue"] == "from support"

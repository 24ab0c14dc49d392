"""Editing fields as Atlassian documents it (docs/JIRA-BEHAVIOUR.md): edit and create metadata,
`PUT /issue/{key}` with `fields` and `update` for the system fields and the common custom field
types, screens, and field errors worded as Jira words them."""

from __future__ import annotations

import pytest
import requests

from jira_sim.seed import BOT, HUMAN, SERVICE_DESK_SEED_FILE, demo_seed, read_seed_file
from jira_sim.server import SimulatorServer
from tests.support.jira_fixtures import api_base, api_session, body_text, create_issue

CUSTOM = [
    {"id": "customfield_10050", "name": "Customer reference", "kind": "text"},
    {"id": "customfield_10051", "name": "Steps", "kind": "textarea"},
    {"id": "customfield_10052", "name": "Story points", "kind": "number"},
    {"id": "customfield_10053", "name": "Go live", "kind": "date"},
    {"id": "customfield_10054", "name": "Severity", "kind": "select", "options": ["Minor", "Major", "Critical"]},
    {"id": "customfield_10055", "name": "Platforms", "kind": "multiselect", "options": ["Linux", "macOS", "Windows"]},
    {"id": "customfield_10056", "name": "Reviewer", "kind": "user"},
    {"id": "customfield_10057", "name": "Internal score", "kind": "number"},
]


def _seed() -> dict:
    seed = demo_seed()
    seed["customFields"] = CUSTOM
    for project in seed["projects"]:
        project.update({"components": ["API", "UI"], "versions": ["1.0", "2.0"],
                        "customFields": [f["id"] for f in CUSTOM], "offEdit": ["customfield_10057"],
                        "offCreate": ["customfield_10057"]})
    return seed


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request):
    server = SimulatorServer(_seed(), deployment=request.param).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cloud_sim():
    server = SimulatorServer(_seed(), deployment="cloud").start()
    try:
        yield server
    finally:
        server.stop()


def _user(server, account: str) -> dict:
    return {"accountId": account} if server.site.deployment == "cloud" else {"name": account}


def _edit(server, session, key: str, **body) -> requests.Response:
    return session.put(f"{api_base(server)}/issue/{key}", json=body)


def _fields(server, session, key: str) -> dict:
    return session.get(f"{api_base(server)}/issue/{key}").json()["fields"]


def test_editmeta_describes_the_edit_screen(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    fields = session.get(f"{api_base(sim)}/issue/{key}/editmeta").json()["fields"]
    assert "customfield_10057" not in fields  # left off the edit screen
    assert fields["summary"] == {"required": True, "schema": {"type": "string", "system": "summary"}, "name": "Summary",
                                 "key": "summary", "hasDefaultValue": False, "operations": ["set"]}
    assert fields["labels"]["operations"] == ["add", "set", "remove"]
    assert [p["name"] for p in fields["priority"]["allowedValues"]] == ["Highest", "High", "Medium", "Low", "Lowest"]
    assert [c["name"] for c in fields["components"]["allowedValues"]] == ["API", "UI"]
    assert fields["fixVersions"]["schema"] == {"type": "array", "items": "version", "system": "fixVersions"}
    assert fields["duedate"]["schema"] == {"type": "date", "system": "duedate"}
    severity = fields["customfield_10054"]
    assert severity["schema"] == {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
                                  "customId": 10054}
    assert [o["value"] for o in severity["allowedValues"]] == ["Minor", "Major", "Critical"]
    assert fields["customfield_10055"]["schema"]["items"] == "option"
    assert fields["customfield_10055"]["operations"] == ["add", "set", "remove"]
    assert fields["customfield_10056"]["schema"]["type"] == "user"
    allowed_keys = {"required", "schema", "name", "key", "autoCompleteUrl", "hasDefaultValue", "operations",
                    "allowedValues", "defaultValue", "configuration"}  # FieldMetadata has no other properties
    assert all(set(meta) <= allowed_keys for meta in fields.values())


def test_put_sets_every_common_type_and_answers_204(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    paragraph = body_text(sim, "1. open\n2. crash")
    answer = session.put(f"{api_base(sim)}/issue/{key}", params={"notifyUsers": "false"}, json={"fields": {
        "summary": "Edited", "priority": {"id": "2"}, "duedate": "2026-12-24", "assignee": _user(sim, BOT.account_id),
        "components": [{"name": "UI"}], "fixVersions": [{"name": "2.0"}], "customfield_10050": "REF-7",
        "customfield_10051": paragraph, "customfield_10052": 3.5, "customfield_10053": "2027-01-31",
        "customfield_10054": {"value": "Major"}, "customfield_10055": [{"value": "Linux"}, {"value": "Windows"}],
        "customfield_10056": _user(sim, HUMAN.account_id)}})
    assert answer.status_code == 204 and answer.content == b""
    fields = _fields(sim, session, key)
    assert (fields["summary"], fields["priority"]["name"], fields["duedate"]) == ("Edited", "High", "2026-12-24")
    assert [c["name"] for c in fields["components"]] == ["UI"] and [v["name"] for v in fields["fixVersions"]] == ["2.0"]
    assert fields["assignee"]["displayName"] == BOT.display_name
    assert (fields["customfield_10050"], fields["customfield_10051"], fields["customfield_10052"]) == ("REF-7", paragraph, 3.5)
    assert fields["customfield_10053"] == "2027-01-31" and fields["customfield_10054"]["value"] == "Major"
    assert [o["value"] for o in fields["customfield_10055"]] == ["Linux", "Windows"]
    assert fields["customfield_10056"]["displayName"] == HUMAN.display_name
    assert fields["customfield_10057"] is None  # on the issue, off the edit screen
    cleared = _edit(sim, session, key, fields={"duedate": None, "customfield_10054": None, "components": []})
    assert cleared.status_code == 204
    fields = _fields(sim, session, key)
    assert (fields["duedate"], fields["customfield_10054"], fields["components"]) == (None, None, [])


def test_update_operations_add_remove_and_set(sim):
    session = api_session()
    key = create_issue(sim, session, labels=["a", "b"])["key"]
    assert _edit(sim, session, key, update={
        "labels": [{"add": "c"}, {"remove": "a"}, {"add": "b"}],
        "components": [{"add": {"name": "API"}}, {"add": {"name": "UI"}}, {"remove": {"name": "API"}}],
        "fixVersions": [{"set": [{"name": "1.0"}]}],
        "customfield_10055": [{"add": {"value": "macOS"}}, {"add": {"value": "Linux"}}, {"remove": {"value": "macOS"}}],
        "summary": [{"set": "By update"}]}).status_code == 204
    fields = _fields(sim, session, key)
    assert fields["labels"] == ["b", "c"] and [c["name"] for c in fields["components"]] == ["UI"]
    assert [v["name"] for v in fields["fixVersions"]] == ["1.0"] and fields["summary"] == "By update"
    assert [o["value"] for o in fields["customfield_10055"]] == ["Linux"]
    assert _edit(sim, session, key, update={"labels": [{"set": ["x"]}]}).status_code == 204
    assert _fields(sim, session, key)["labels"] == ["x"]


def test_a_field_off_the_edit_screen_or_unknown_is_400_in_jira_words(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    for name in ("customfield_10057", "customfield_99999", "environment"):
        answer = _edit(sim, session, key, fields={name: 1})
        assert answer.status_code == 400
        assert answer.json() == {"errorMessages": [], "errors": {
            name: f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."}}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"duedate": "24/12/2026"}, "duedate", "Error parsing date string: 24/12/2026"),
    ({"customfield_10053": "tomorrow"}, "customfield_10053", "Error parsing date string: tomorrow"),
    ({"customfield_10054": {"value": "Blocker"}}, "customfield_10054", "Option value 'Blocker' is not valid"),
    ({"customfield_10054": {"id": "1"}}, "customfield_10054", "Option id '1' is not valid"),
    ({"components": [{"name": "Backend"}]}, "components", "Component name 'Backend' is not valid"),
    ({"fixVersions": [{"name": "9.9"}]}, "fixVersions", "Version name '9.9' is not valid"),
    ({"customfield_10050": "x" * 256}, "customfield_10050",
     "The entered text is too long. It exceeds the allowed limit of 255 characters."),
    ({"priority": {"name": "Urgent"}}, "priority", "Specify a valid priority"),
    ({"summary": ""}, "summary", "You must specify a summary of the issue."),
    ({"labels": ["two words"]}, "labels", "The label 'two words' contains spaces which is invalid."),
])
def test_bad_values_are_400_with_the_field_named(sim, fields, field, message):
    session = api_session()
    key = create_issue(sim, session)["key"]
    answer = _edit(sim, session, key, fields=fields)
    assert answer.status_code == 400 and answer.json() == {"errorMessages": [], "errors": {field: message}}


def test_every_field_error_at_once_and_nothing_changes(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    answer = _edit(sim, session, key, fields={"summary": "Changed?", "duedate": "soon", "customfield_10052": "three"})
    assert answer.status_code == 400 and set(answer.json()["errors"]) == {"duedate", "customfield_10052"}
    assert _fields(sim, session, key)["summary"] == "Printer on fire"


def test_users_are_named_as_the_deployment_names_them_and_must_be_assignable(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    other = {"name": BOT.account_id} if sim.site.deployment == "cloud" else {"accountId": BOT.account_id}
    assert _edit(sim, session, key, fields={"assignee": other}).status_code == 400
    requests.patch(f"{sim.url}/_sim/projects/ABSUP", json={"unassignable": [HUMAN.account_id]})
    answer = _edit(sim, session, key, fields={"assignee": _user(sim, HUMAN.account_id)})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"assignee": f"User '{HUMAN.account_id}' cannot be assigned issues."}
    assert _edit(sim, session, key, fields={"assignee": None}).status_code == 204


def test_a_field_in_both_fields_and_update_is_400(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    answer = _edit(sim, session, key, fields={"labels": ["a"]}, update={"labels": [{"add": "b"}]})
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["labels"]
    answer = _edit(sim, session, key, update={"summary": [{"add": "x"}]})
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["summary"]


def test_notify_users_takes_only_booleans(sim):
    session = api_session()
    key = create_issue(sim, session)["key"]
    answer = session.put(f"{api_base(sim)}/issue/{key}", params={"notifyUsers": "maybe"}, json={"fields": {"summary": "s"}})
    assert answer.status_code == 400


def test_create_takes_the_create_screen_fields(sim):
    session = api_session()
    created = create_issue(sim, session, components=[{"name": "API"}], duedate="2026-12-01",
                           customfield_10054={"value": "Critical"}, customfield_10050="REF-1")
    fields = _fields(sim, session, created["key"])
    assert [c["name"] for c in fields["components"]] == ["API"] and fields["duedate"] == "2026-12-01"
    assert fields["customfield_10054"]["value"] == "Critical" and fields["customfield_10050"] == "REF-1"
    fields_payload = {"project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}}
    off = session.post(f"{api_base(sim)}/issue", json={"fields": {**fields_payload, "customfield_10057": 1}})
    assert off.status_code == 400 and "customfield_10057" in off.json()["errors"]
    bad = session.post(f"{api_base(sim)}/issue", json={"fields": {**fields_payload, "duedate": "x", "components": [{"id": "1"}]}})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"duedate", "components"}


def test_create_metadata_per_project_and_issue_type(sim):
    session = api_session()
    base = api_base(sim)
    types = session.get(f"{base}/issue/createmeta/ABSUP/issuetypes").json()
    listed = types["issueTypes"] if sim.site.deployment == "cloud" else types["values"]
    assert [t["name"] for t in listed] == ["Task", "Bug", "Story"]
    bug = next(t["id"] for t in listed if t["name"] == "Bug")
    page = session.get(f"{base}/issue/createmeta/ABSUP/issuetypes/{bug}").json()
    fields = {f["fieldId"]: f for f in (page["fields"] if sim.site.deployment == "cloud" else page["values"])}
    assert {name for name, meta in fields.items() if meta["required"]} == {"project", "issuetype", "summary"}
    assert "customfield_10057" not in fields and "customfield_10054" in fields
    assert page["total"] == len(fields) and page["startAt"] == 0
    assert session.get(f"{base}/issue/createmeta/ABSUP/issuetypes/10000").status_code == 404  # Epic: not in ABSUP
    assert session.get(f"{base}/issue/createmeta/NOPE/issuetypes").status_code == 404


def test_the_older_create_metadata_on_cloud_only(sim):
    session = api_session()
    answer = session.get(f"{api_base(sim)}/issue/createmeta",
                         params={"projectKeys": "ABDEV", "issuetypeNames": "Bug", "expand": "projects.issuetypes.fields"})
    if sim.site.deployment == "datacenter":
        assert answer.status_code == 404  # removed in Data Center 9
        return
    (project,) = answer.json()["projects"]
    (bug,) = project["issuetypes"]
    assert (project["key"], bug["name"]) == ("ABDEV", "Bug") and bug["fields"]["summary"]["required"] is True
    bare = session.get(f"{api_base(sim)}/issue/createmeta", params={"projectKeys": "ABDEV"}).json()
    assert all("fields" not in t for t in bare["projects"][0]["issuetypes"])


def test_search_answers_with_the_fields_asked_for(cloud_sim):
    session = api_session()
    key = create_issue(cloud_sim, session, project="ABDEV", customfield_10054={"value": "Minor"}, duedate="2026-12-02")["key"]
    page = session.get(f"{api_base(cloud_sim)}/search/jql", params={
        "jql": "project = ABDEV", "fields": "summary,duedate,customfield_10054,customfield_99999"}).json()
    (issue,) = page["issues"]
    assert issue["key"] == key and set(issue["fields"]) == {"summary", "duedate", "customfield_10054"}
    assert issue["fields"]["customfield_10054"]["value"] == "Minor"


def test_the_field_list_names_custom_fields(cloud_sim):
    fields = {f["id"]: f for f in api_session().get(f"{api_base(cloud_sim)}/field").json()}
    assert fields["customfield_10054"]["custom"] is True and fields["customfield_10054"]["schema"]["customId"] == 10054
    assert fields["components"]["schema"] == {"type": "array", "items": "component", "system": "components"}


def test_admin_api_adds_fields_and_configures_screens(jira_sim):
    added = requests.post(f"{jira_sim.url}/_sim/fields", json={"name": "Team", "kind": "select", "options": ["Red", "Blue"],
                                                                "projects": ["ABDEV"]})
    assert added.status_code == 201
    field = added.json()
    assert field["id"].startswith("customfield_") and [o["value"] for o in field["options"]] == ["Red", "Blue"]
    session = api_session()
    key = create_issue(jira_sim, session, project="ABDEV")["key"]
    editmeta = session.get(f"{api_base(jira_sim)}/issue/{key}/editmeta").json()["fields"]
    assert field["id"] in editmeta
    requests.patch(f"{jira_sim.url}/_sim/projects/ABDEV", json={"offEdit": [field["id"], "priority"]})
    editmeta = session.get(f"{api_base(jira_sim)}/issue/{key}/editmeta").json()["fields"]
    assert field["id"] not in editmeta and "priority" not in editmeta
    assert _edit(jira_sim, session, key, fields={"priority": {"name": "High"}}).status_code == 400
    for bad in ({"name": "X", "kind": "cascading"}, {"name": "X", "kind": "select"}, {"kind": "text"}):
        answer = requests.post(f"{jira_sim.url}/_sim/fields", json=bad)
        assert answer.status_code == 400 and answer.json()["errorMessages"]


def test_excluding_a_custom_field_leaves_it_out_of_all_fields(cloud_sim):
    session = api_session()
    key = create_issue(cloud_sim, session)["key"]
    fields = session.get(f"{api_base(cloud_sim)}/issue/{key}", params={"fields": "*all,-customfield_10054,-duedate"}).json()["fields"]
    assert "customfield_10054" not in fields and "duedate" not in fields and "customfield_10055" in fields


def test_the_service_desk_seed_file_loads_what_it_declares():
    with SimulatorServer(read_seed_file(SERVICE_DESK_SEED_FILE)) as server:
        support = requests.get(f"{server.url}/_sim/projects/ABSUP").json()
        assert (support["projectType"], support["customers"], support["offEdit"]) == (
            "service_desk", ["sim-customer"], ["customfield_10044"])
        dev = requests.get(f"{server.url}/_sim/projects/ABDEV").json()
        assert [c["name"] for c in dev["components"]] == ["API", "UI", "Storage"] and len(dev["versions"]) == 3
        assert api_session().get(f"{server.url}/rest/api/3/project/ABSUP").json()["projectTypeKey"] == "service_desk"


def test_a_hidden_project_is_refused_as_unknown_before_its_screens_are_consulted(sim):
    requests.patch(f"{sim.url}/_sim/users/{HUMAN.account_id}", json={"projects": ["ABDEV"]})
    answer = api_session(HUMAN.basic_auth).post(f"{api_base(sim)}/issue", json={"fields": {
        "project": {"key": "ABSUP"}, "summary": "s", "issuetype": {"name": "Bug"}, "customfield_10057": 1}})
    assert answer.status_code == 400 and set(answer.json()["errors"]) == {"project"}


def test_a_project_context_offers_only_its_options(sim):
    session = api_session()
    configured = requests.patch(f"{sim.url}/_sim/projects/ABDEV", json={"optionContexts": {
        "customfield_10054": ["Minor", "Major"], "customfield_10055": ["Linux"]}})
    assert configured.json()["optionContexts"] == {"customfield_10054": ["Minor", "Major"], "customfield_10055": ["Linux"]}
    key = create_issue(sim, session, project="ABDEV")["key"]
    editmeta = session.get(f"{api_base(sim)}/issue/{key}/editmeta").json()["fields"]
    assert [o["value"] for o in editmeta["customfield_10054"]["allowedValues"]] == ["Minor", "Major"]
    refused = _edit(sim, session, key, fields={"customfield_10054": {"value": "Critical"},
                                               "customfield_10055": [{"value": "macOS"}]})
    assert refused.status_code == 400 and refused.json()["errors"] == {
        "customfield_10054": "Option value 'Critical' is not valid", "customfield_10055": "Option value 'macOS' is not valid"}
    assert _edit(sim, session, key, fields={"customfield_10054": {"value": "Major"}}).status_code == 204
    support = create_issue(sim, session, customfield_10054={"value": "Critical"})["key"]  # ABSUP offers them all
    assert _fields(sim, session, support)["customfield_10054"]["value"] == "Critical"
    for bad in ({"customfield_10050": ["x"]}, {"customfield_10054": ["Huge"]}, ["customfield_10054"]):
        answer = requests.patch(f"{sim.url}/_sim/projects/ABDEV", json={"optionContexts": bad})
        assert answer.status_code == 400 and "optionContexts" in answer.json()["errorMessages"][0]

"""A verbatim copy of the original service's config file (shared/examples/sync-ab.json).

Kept here so "existing files load unchanged" is tested on a clean clone too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_EXAMPLE = Path("/work/shared/examples/sync-ab.json")

ORIGINAL_SYNC_AB = """{
  "$schema": "./sync-rules.schema.json",
  "name": "sync-ab",
  "description": "Support project ABSUP <-> development project ABDEV",
  "jira": {
    "baseUrl": "https://team-a.atlassian.net",
    "email": "sync-bot@team-a.example",
    "apiToken": "${JIRA_AB_TOKEN}",
    "authType": "basic"
  },
  "userProjectKey": "ABSUP",
  "devProjectKey": "ABDEV",
  "syncIntervalMinutes": 5,
  "initialSyncEnabled": true,
  "defaultBehavior": {
    "syncAttachments": true,
    "addCrossLinks": true,
    "onlyOnStatusChange": true,
    "skipIntermediateStatuses": true
  },
  "rules": [
    {
      "id": "user-will-do",
      "sourceStatus": "Will Do",
      "targetProject": "dev",
      "syncDirection": "user_to_dev",
      "enabled": true,
      "priority": 1,
      "description": "A support issue accepted for work gets a Dev issue",
      "conditions": { "requireMapping": false },
      "actions": {
        "createIssue": true,
        "syncAttachments": true,
        "addCrossLink": true,
        "addComment": true,
        "commentTemplate": "Dev issue created: ${targetKey}"
      }
    },
    {
      "id": "user-reopened",
      "sourceStatus": "Reopened",
      "targetProject": "dev",
      "syncDirection": "user_to_dev",
      "enabled": true,
      "priority": 2,
      "conditions": { "requireMapping": true },
      "actions": { "syncStatus": true, "targetStatus": "Reopened" }
    },
    {
      "id": "dev-in-progress",
      "sourceStatus": "In Progress",
      "targetProject": "user",
      "syncDirection": "dev_to_user",
      "enabled": true,
      "priority": 3,
      "conditions": { "requireMapping": true, "onStatusChange": true },
      "actions": { "syncStatus": true, "targetStatus": "In Progress" }
    },
    {
      "id": "dev-closed",
      "sourceStatus": "Closed",
      "targetProject": "user",
      "syncDirection": "dev_to_user",
      "enabled": true,
      "priority": 4,
      "description": "Dev Closed resolves the support issue",
      "conditions": { "requireMapping": true, "onStatusChange": true },
      "actions": {
        "syncStatus": true,
        "targetStatus": "Resolved",
        "addCrossLink": true,
        "addComment": true,
        "commentTemplate": "Fixed in ${sourceKey}"
      }
    },
    {
      "id": "dev-cancelled",
      "sourceStatus": "Cancelled",
      "targetProject": "user",
      "syncDirection": "dev_to_user",
      "enabled": true,
      "priority": 5,
      "conditions": { "requireMapping": true, "onStatusChange": true },
      "actions": { "syncStatus": true, "targetStatus": "Cancelled" }
    },
    {
      "id": "dev-reopened",
      "sourceStatus": "Reopened",
      "targetProject": "user",
      "syncDirection": "dev_to_user",
      "enabled": true,
      "priority": 6,
      "conditions": { "requireMapping": true, "onStatusChange": true },
      "actions": {
        "syncStatus": true,
        "targetStatus": "Reopened",
        "addComment": true,
        "commentTemplate": "${sourceKey} was reopened and needs more work"
      }
    }
  ],
  "_note": "Keys starting with an underscore are documentation and are ignored."
}
"""


def test_copy_matches_the_shared_example_when_present() -> None:
    if not SHARED_EXAMPLE.exists():
        pytest.skip("shared examples are not part of this checkout")
    assert SHARED_EXAMPLE.read_text(encoding="utf-8") == ORIGINAL_SYNC_AB

"""The standby worker reads RUNTIME_DIR and BUNDLE_ID as Settings does, without pydantic."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.runtime_settings import StandbySettings, configured_config_dir
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("variables", "bundle_id_file"), [
    ({}, None),
    ({}, "drawn-by-run"),
    ({"BUNDLE_ID": "b-1"}, "drawn-by-run"),
    ({"BUNDLE_ID": ""}, "drawn-by-run"),
    ({"BUNDLE_ID": ""}, "   "),
    ({"bundle_id": "lower-case"}, None),
    ({"RUNTIME_DIR": "{tmp}/elsewhere"}, "drawn-elsewhere"),
    ({"runtime_dir": "{tmp}/elsewhere", "BUNDLE_ID": "b-2"}, None),
])
def test_standby_settings_agree_with_settings(variables, bundle_id_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default RUNTIME_DIR is relative
    for name in list(os.environ):
        if name.upper() in ("RUNTIME_DIR", "BUNDLE_ID"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    settings = Settings()
    if bundle_id_file is not None:
        settings.bundle_id_file.parent.mkdir(parents=True, exist_ok=True)
        settings.bundle_id_file.write_text(bundle_id_file, encoding="utf-8")

    standby = StandbySettings.from_environ(os.environ)

    assert Path(standby.runtime_dir) == settings.runtime_dir, "the same directory (the standby's as written)"
    assert standby.bundle_id == settings.effective_bundle_id


@pytest.mark.parametrize("variables", [{}, {"CONFIG_DIR": "/etc/jira-sync"}, {"config_dir": "relative/configs"},
                                       {"CONFIG_DIR": ""}])
def test_the_launchers_config_dir_agrees_with_settings(variables, monkeypatch):
    for name in list(os.environ):
        if name.upper() == "CONFIG_DIR":
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    assert configured_config_dir(os.environ) == Settings().config_dir


def test_the_standby_worker_imports_no_third_party_package():
    probe = ("import sys, app.sync.standby; "
             "print(sorted({name.split('.')[0] for name in sys.modules} & "
             "{'pydantic', 'pydantic_settings', 'pymongo', 'requests', 'flask', 'supervisor', 'psutil'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

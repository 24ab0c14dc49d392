"""Runs `entrypoint.py plan` (or `validate`) as an operator does: its own process, settings from
the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jira_sim.seed import BOT
from testbed.bundle import ROOT


def run_plan(config_dir: Path, mongo_uri: str, pair_db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`plan sync-ab` (or the command `args` name) for the pair files of `config_dir`, with the
    bot's token and the pair's database."""
    return subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py"), *(args or ("plan", "sync-ab"))], cwd=ROOT,
        env={**os.environ, "CONFIG_DIR": str(config_dir), "MONGO_URI": mongo_uri, "WORKER_DATABASE_NAME": pair_db,
             "JIRA_AB_TOKEN": BOT.api_token},
        capture_output=True, text=True, timeout=60,
    )

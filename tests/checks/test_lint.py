"""The code passes the linter configured in pyproject.toml (pyflakes, pycodestyle, bugbear, isort, pyupgrade,
simplify), the simulator included."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "app", "jira_sim", "tests", "testbed", "bench", "tools", "entrypoint.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Every annotation holds: mypy --strict with the pydantic plugin, as configured in
pyproject.toml ([tool.mypy]: app, jira_sim, tools, bench, testbed), finds nothing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr

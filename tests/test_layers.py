"""The import contracts in pyproject.toml ([tool.importlinter]) hold: app's packages form layers
with no cycle, the programs sit at the top, a standby worker imports only the standard library,
the simulator knows nothing of the product, and no product code imports tests or benchmarks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lint_imports_keeps_every_contract():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

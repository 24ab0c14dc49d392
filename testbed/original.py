"""The original service's pair config, kept verbatim in tests/data: "existing files load
unchanged" is tested on it."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
ORIGINAL_SYNC_AB_PATH = TESTS / "data" / "sync-ab.json"
ORIGINAL_SYNC_AB = ORIGINAL_SYNC_AB_PATH.read_text(encoding="utf-8")

"""The original service's pair config (shared/examples/sync-ab.json), kept verbatim in
tests/data so that "existing files load unchanged" is tested on a clean clone too."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ORIGINAL_SYNC_AB_PATH = TESTS / "data" / "sync-ab.json"
ORIGINAL_SYNC_AB = ORIGINAL_SYNC_AB_PATH.read_text(encoding="utf-8")
SHARED_EXAMPLE = TESTS.parents[1] / "shared" / "examples" / "sync-ab.json"

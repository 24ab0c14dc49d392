"""The original service's config file loads unchanged: our copy is the shared example."""

from __future__ import annotations

import pytest

from tests.support.original import ORIGINAL_SYNC_AB, SHARED_EXAMPLE


def test_copy_matches_the_shared_example_when_present() -> None:
    if not SHARED_EXAMPLE.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert SHARED_EXAMPLE.read_text(encoding="utf-8") == ORIGINAL_SYNC_AB

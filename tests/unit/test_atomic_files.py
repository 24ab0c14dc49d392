"""app.atomic_files.write_atomically: the file is replaced whole, and nothing is left beside it."""

from __future__ import annotations

from app.atomic_files import write_atomically


def test_a_file_is_written_in_a_directory_made_for_it_and_replaced_whole(tmp_path):
    path = tmp_path / "leases" / "sync-ab.json"

    write_atomically(path, "first")
    write_atomically(str(path), "second")

    assert path.read_text(encoding="utf-8") == "second"
    assert [p.name for p in path.parent.iterdir()] == ["sync-ab.json"]  # no staging file left

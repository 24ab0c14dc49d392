"""People-facing summary of a LoadResult: what `entrypoint.py validate` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config.loader import LoadResult


def validate_lines(result: LoadResult) -> list[str]:
    """One line per file, sorted by file: `OK <name> (<file>): <USER> <-> <DEV>, N rules`
    or `ERROR <file>: <field>: <message>` (several problems of one file joined by "; ").

    Pure; a directory without pair files gives one line saying so.
    """
    lines: dict[str, str] = {}
    for pair in result.pairs:
        config = pair.config
        count = len(config.rules)
        lines[str(pair.path)] = (
            f"OK {pair.name} ({pair.path}): {config.user_project_key} <-> {config.dev_project_key}, "
            f"{count} rule{'' if count == 1 else 's'}"
        )
    problems: dict[str, list[str]] = {}
    for error in result.errors:
        problems.setdefault(error.file, []).append(
            f"{error.field}: {error.message}" if error.field else error.message
        )
    for file, messages in problems.items():
        lines[file] = f"ERROR {file}: " + "; ".join(messages)
    if not lines:
        where = result.config_dir if result.config_dir is not None else "the config directory"
        return [f"no pair configs (sync-*.json) in {where}"]
    return [lines[file] for file in sorted(lines)]

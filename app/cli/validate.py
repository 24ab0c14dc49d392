"""`validate [--config-dir D]`: one line per config file, the loader's verdict; exit 1 on any error.

A valid pair's warnings follow its line, one `WARNING` line each, and leave the exit code
alone. `run` prints the same lines at start-up.
"""

from __future__ import annotations

from app.config import LoadResult, load_configs
from app.config.errors import printable


def main(args) -> int:
    result = load_configs(args.config_dir)
    for line in validate_lines(result):
        print(line)
    return 0 if result.ok else 1


def validate_lines(result: LoadResult) -> list[str]:
    """One line per file, sorted by file: `OK <name> (<file>): <USER> <-> <DEV>, N rules`
    or `ERROR <file>: <field>: <message>` (several problems of one file joined by "; "); after
    an OK line, one `WARNING <file>: <field>: <message>` line per warning of that pair.

    Pure; a directory without pair files gives one line saying so. File names are shown
    through `printable`: a name with a newline cannot forge a line.
    """
    lines: dict[str, list[str]] = {}
    for pair in result.pairs:
        config = pair.config
        count = len(config.rules)
        lines[str(pair.path)] = [
            f"OK {pair.name} ({printable(str(pair.path))}): {config.user_project_key} <-> {config.dev_project_key}, "
            f"{count} rule{'' if count == 1 else 's'}",
            *(f"WARNING {warning}" for warning in pair.warnings),
        ]
    problems: dict[str, list[str]] = {}
    for error in result.errors:
        problems.setdefault(error.file, []).append(error.shown())
    for file, messages in problems.items():
        lines[file] = [f"ERROR {printable(file)}: " + "; ".join(messages)]
    if not lines:
        where = printable(str(result.config_dir)) if result.config_dir is not None else "the config directory"
        return [f"no pair configs (sync-*.json) in {where}"]
    return [line for file in sorted(lines) for line in lines[file]]

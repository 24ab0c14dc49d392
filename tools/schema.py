"""The JSON Schema of a pair config file, generated from the models.

`python -m tools.schema` writes config/sync-rules.schema.json;
`python -m tools.schema --check` exits 1 when that file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.config.models import PairConfig

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "config" / "sync-rules.schema.json"
DOC_KEYS = {"^_": {"description": "Documentation; ignored by the loader."}}
SCHEMA_KEY = {"type": "string", "description": "Path or URL of this JSON Schema; ignored by the loader."}


def pair_config_schema() -> dict[str, Any]:
    """The schema editors use: the models' schema, plus `_*` and `$schema` keys on every object."""
    schema = PairConfig.model_json_schema(by_alias=True, mode="validation")
    for definition in [schema, *schema.get("$defs", {}).values()]:
        if definition.get("additionalProperties") is False:
            definition["patternProperties"] = dict(DOC_KEYS)
            definition["properties"] = {"$schema": dict(SCHEMA_KEY), **definition.get("properties", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "jira-sync pair config (config/sync-*.json)",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    """The exact text of config/sync-rules.schema.json."""
    return json.dumps(pair_config_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale, write nothing")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH)
    args = parser.parse_args(argv)
    text = schema_text()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale; run: python -m tools.schema", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

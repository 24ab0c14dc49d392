"""`retry <pair> (--all | ISSUE-KEY)`: the pair's given-up failures (every one, or one issue's)
are tried again at the active worker's next pass. Refused as `resync` is (app.cli.requesting)."""

from __future__ import annotations

import argparse
import sys

from app.cli.requesting import Refused, pair_of_key
from app.cli.resync import serve
from app.config import load_configs
from app.settings import get_settings
from app.sync.requests import RequestKind


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    configs = load_configs(settings.config_dir)
    if args.pair not in {pair.name for pair in configs.pairs}:
        known = ", ".join(pair.name for pair in configs.pairs) or "none"
        print(f"no valid pair named {args.pair!r} in {settings.config_dir} (valid pairs: {known})", file=sys.stderr)
        return 1
    key = None if args.all else args.key.strip().upper()
    if key is not None:
        try:
            target = pair_of_key(configs, key)
        except Refused as refusal:
            print(refusal, file=sys.stderr)
            return 1
        if target.pair.name != args.pair:
            print(f"{key} belongs to pair {target.pair.name}, not {args.pair}", file=sys.stderr)
            return 1
    return serve(settings, args.pair, RequestKind.RETRY, key, args.wait)

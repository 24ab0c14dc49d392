"""`render [--output F]`: supervisord.conf for the valid pairs, on stdout or into F."""

from __future__ import annotations

import argparse
import sys

from app.cli.bundle import render_bundle
from app.config import load_configs
from app.settings import get_settings


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    _, text = render_bundle(settings, load_configs(settings.config_dir), report=sys.stderr)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0

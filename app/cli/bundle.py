"""The bundle a command acts on (the real one or, with `--demo`, the demo's) and its rendering."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from app.bundle.reload import Kept
from app.bundle.render import Program, program_specs, render_supervisord_conf
from app.config import LoadResult
from app.settings import Settings, get_settings


def profile(args: argparse.Namespace) -> tuple[Settings, list[Program]]:
    """The settings and extra programs of the bundle that `reload` or `status` acts on."""
    settings = get_settings()
    if not getattr(args, "demo", False):
        return settings, []
    from app.demo.launch import demo_profile

    return demo_profile(settings)


def render_bundle(
    settings: Settings, result: LoadResult, report: TextIO | None, extra_programs: Sequence[Program] = (),
    kept: Mapping[str, Kept] = {}, python: str = sys.executable,
) -> tuple[list[Program], str]:
    """(programs, supervisord.conf text) for the valid pairs and the `kept` ones, started by the
    interpreter `python`. Each bad file gets no program and is reported on `report` (None: the
    caller has printed the loader's verdict already), a kept pair's file saying that the pair
    runs on."""
    if report is not None:
        kept_by_problem = {problem: name for name, pair in kept.items() for problem in pair.problems}
        for error in result.errors:
            name = kept_by_problem.get(error)
            outcome = f"{name} keeps running on its last good config" if name else "pair not started"
            print(f"config error ({outcome}): {error}", file=report)
    programs = program_specs(result, settings, extra_programs, python, kept=[pair.program for pair in kept.values()])
    return programs, render_supervisord_conf(programs, settings)

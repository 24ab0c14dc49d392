"""The bundle a command acts on (the real one or, with `--demo`, the demo's) and its rendering."""

from __future__ import annotations

from typing import TextIO

from app.bundle.render import Program, program_specs, render_supervisord_conf
from app.config import LoadResult
from app.settings import Settings, get_settings


def profile(args) -> tuple[Settings, list[Program]]:
    """The settings and extra programs of the bundle that `reload` or `status` acts on."""
    settings = get_settings()
    if not getattr(args, "demo", False):
        return settings, []
    from app.demo.launch import demo_profile

    return demo_profile(settings)


def render_bundle(
    settings: Settings, result: LoadResult, report: TextIO | None, extra_programs=()
) -> tuple[list[Program], str]:
    """(programs, supervisord.conf text) for the valid pairs. Each bad file gets no program and
    is reported on `report` (None: the caller has printed the loader's verdict already)."""
    if report is not None:
        for error in result.errors:
            print(f"config error (pair not started): {error}", file=report)
    programs = program_specs(result, settings, extra_programs)
    return programs, render_supervisord_conf(programs, settings)

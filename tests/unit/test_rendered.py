"""A rendered supervisord.conf reads back into the programs it was rendered from."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.bundle.render import Program, program_specs, render_supervisord_conf
from app.bundle.rendered import read_programs, read_programs_file
from app.demo.programs import demo_extra_programs
from tests.engine.test_render import PYTHON, load, make_settings, write_pair

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@+-"
words = st.text(alphabet=SAFE + "=,", min_size=1, max_size=12)
programs = st.builds(
    lambda kind, events, **values: Program(kind=kind, events=events if kind == "eventlistener" else (), **values),
    name=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True),
    command=st.lists(words, min_size=1, max_size=5).map(tuple),
    environment=st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
                                st.text(alphabet=SAFE, max_size=12), max_size=3),
    kind=st.sampled_from(["program", "eventlistener"]),
    priority=st.integers(0, 999), autorestart=st.booleans(), startsecs=st.integers(0, 60),
    startretries=st.integers(0, 9), stopsignal=st.sampled_from(["TERM", "INT", "KILL"]),
    stopwaitsecs=st.integers(0, 60), stopasgroup=st.booleans(), killasgroup=st.booleans(),
    events=st.lists(st.sampled_from(["PROCESS_STATE", "TICK_5", "TICK_60"]), max_size=2, unique=True).map(tuple),
)


@settings(max_examples=60)
@given(st.lists(programs, max_size=4, unique_by=lambda program: program.name))
def test_any_rendered_program_reads_back_equal(rendered):
    bundle_settings = make_settings(Path("/srv/jira-sync"))

    assert read_programs(render_supervisord_conf(rendered, bundle_settings)) == {p.name: p for p in rendered}


def test_the_bundles_own_rendering_reads_back_equal(tmp_path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    write_pair(config_dir, "sync-ab", "ABSUP", "ABDEV")
    settings = make_settings(tmp_path)
    rendered = program_specs(load(config_dir), settings, demo_extra_programs(settings, 18081, python=PYTHON),
                             python=PYTHON)
    path = tmp_path / "supervisord.conf"
    path.write_text(render_supervisord_conf(rendered, settings))

    assert read_programs_file(path) == {p.name: p for p in rendered}
    assert read_programs_file(tmp_path / "none.conf") == {}

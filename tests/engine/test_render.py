"""render: supervisord.conf from valid pairs, checked with supervisor's own parser and golden files."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import signal
import socket
from pathlib import Path

import hypothesis
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import EventListenerPoolConfig, ServerOptions

from app.bundle.render import (
    WORKER_STARTSECS,
    WORKER_STOPWAITSECS,
    Program,
    UnsafeProgramValue,
    check_program,
    program_specs,
    render_supervisord_conf,
    worker_program,
)
from app.config import BUNDLE_PROGRAM_NAMES, LoadedPair, load_configs
from app.config.source import path_problem
from app.demo.files import demo_pair_config
from app.demo.programs import demo_extra_programs
from app.embedded_mongo import server_command
from app.settings import Settings

GOLDEN = Path(__file__).parents[1] / "golden"
PYTHON = "/opt/venv/bin/python"
TOKEN_MARKER = "tok-MARKER-7c1e9a"
INJECTION_NAMES = ["ab]\n[program:x]", "../x", "x;rm -rf /", "Sync-AB", "", "a" * 49, "sync-ab\n", "%(ENV_HOME)s", "-ab"]


def write_pair(config_dir: Path, name: str, user: str, dev: str, file_name: str | None = None) -> Path:
    path = config_dir / (file_name or f"{name}.json")
    path.write_text(json.dumps(demo_pair_config(name, user, dev, "https://team.example.test")), encoding="utf-8")
    return path


@pytest.fixture
def config_dir(tmp_path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    write_pair(directory, "sync-ab", "ABSUP", "ABDEV")
    write_pair(directory, "sync-cd", "CDSUP", "CDDEV")
    return directory


def make_settings(tmp_path: Path, mongo_uri: str | None = None) -> Settings:
    return Settings(
        runtime_dir=tmp_path / "runtime", config_dir=tmp_path / "config", mongo_uri=mongo_uri,
        health_host="127.0.0.1", health_port=8080, log_level="INFO", embedded_mongo_port=27017,
    )


def load(config_dir: Path):
    return load_configs(config_dir, environ={"JIRA_DEMO_TOKEN": TOKEN_MARKER})


def render(tmp_path: Path, config_dir: Path, mongo_uri: str | None = None, extra=()) -> str:
    settings = make_settings(tmp_path, mongo_uri)
    return render_supervisord_conf(program_specs(load(config_dir), settings, extra, python=PYTHON), settings)


def parse(tmp_path: Path, text: str) -> ServerOptions:
    """supervisord's own reading of the file (the runtime dir must exist, as `run` creates it)."""
    (tmp_path / "runtime").mkdir(exist_ok=True)
    conf = tmp_path / "runtime" / "supervisord.conf"
    conf.write_text(text)
    options = ServerOptions()
    options.configfile = str(conf)
    options.process_config(do_usage=False)
    return options


def normalise(text: str, tmp_path: Path) -> str:
    # A fingerprint follows the example config's every edit; that it is the pair file's is checked
    # below (test_supervisor_parses_every_program_as_intended), the golden file keeps its place.
    text = re.sub(r'PAIR_CONFIG_FINGERPRINT="[0-9a-f]{64}"', 'PAIR_CONFIG_FINGERPRINT="<FINGERPRINT>"', text)
    return text.replace(str(tmp_path), "<TMP>")


@pytest.mark.parametrize(("golden", "mongo_uri"), [
    ("supervisord.embedded.conf", None),
    ("supervisord.external.conf", "mongodb://mongo:27017/"),
])
def test_rendered_file_matches_golden(tmp_path, config_dir, golden, mongo_uri):
    actual = normalise(render(tmp_path, config_dir, mongo_uri), tmp_path)
    expected = (GOLDEN / golden).read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), golden, "rendered"))
    assert actual == expected, f"rendered supervisord.conf differs from tests/golden/{golden}:\n{diff}"


def test_supervisor_parses_every_program_as_intended(tmp_path, config_dir):
    options = parse(tmp_path, render(tmp_path, config_dir))
    groups = {group.name: group for group in options.process_group_configs}

    assert options.parse_warnings == [] and options.parse_criticals == []
    assert set(groups) == {"mongodb", "health", "leases", "watchdog", "sync-ab", "sync-cd"}
    for name in ("sync-ab", "sync-cd"):
        [worker] = groups[name].process_configs
        # Started through the launcher, which keeps only the pair's own token variable, in standby.
        assert worker.command == (f"{PYTHON} -m app.bundle.launch --keep JIRA_DEMO_TOKEN --keep JIRA_DEMO_TOKEN_FILE -- "
                                  f"{PYTHON} -m app.sync.standby --config {config_dir / (name + '.json')}")
        pair = next(p for p in load(config_dir).pairs if p.name == name)
        assert worker.environment == {
            "WORKER_DATABASE_NAME": name,
            "PAIR_CONFIG_FINGERPRINT": pair.fingerprint,
            "PAIR_PROJECTS": "+".join(pair.projects),
        }
        assert worker.autorestart is RestartUnconditionally and worker.autostart is True
        assert worker.startsecs == WORKER_STARTSECS and worker.startretries == 3  # up by its first beat
        assert worker.stopsignal == signal.SIGTERM and worker.stopwaitsecs == WORKER_STOPWAITSECS
        assert worker.stopasgroup and worker.killasgroup
        assert (worker.stdout_logfile, worker.stdout_logfile_maxbytes, worker.redirect_stderr) == ("/dev/stdout", 0, True)
    [health] = groups["health"].process_configs
    assert "--bind 127.0.0.1:8080" in health.command and health.command.endswith("app.health.wsgi:app")
    assert health.command.startswith(f"{PYTHON} -m app.bundle.launch --keep HEALTH_AUTH_TOKEN --keep HEALTH_AUTH_TOKEN_FILE "
                                     "--keep HEALTH_AUTH_PASSWORD --keep HEALTH_AUTH_PASSWORD_FILE -- "
                                     f"{PYTHON} -m gunicorn ")
    assert "--workers 1 " in health.command and "--threads" in health.command
    watchdog_group = groups["watchdog"]
    assert isinstance(watchdog_group, EventListenerPoolConfig) and watchdog_group.buffer_size == 100
    [watchdog] = watchdog_group.process_configs
    assert watchdog.command == f"{PYTHON} -m app.bundle.launch -- {PYTHON} -m app.bundle.watchdog"
    assert {event.__name__ for event in watchdog_group.pool_events} == {
        "ProcessStateEvent", "Tick5Event"}
    assert watchdog.stdout_logfile is None
    assert (watchdog.stderr_logfile, watchdog.stderr_logfile_maxbytes) == ("/dev/stdout", 0)
    [keeper] = groups["leases"].process_configs
    assert keeper.command == f"{PYTHON} -m app.bundle.launch -- {PYTHON} -m app.leases.keeper"
    priorities = {name: group.priority for name, group in groups.items()}
    # supervisord starts the lowest first and stops the highest first: the keeper takes the leases before
    # the workers look for them (and takes nothing during a shutdown); the watchdog stops before anything.
    assert priorities["mongodb"] < priorities["health"] < priorities["leases"] < priorities["sync-ab"] < priorities["watchdog"]


def test_supervisord_section_logs_once_to_stdout_and_listens_on_a_private_socket(tmp_path, config_dir):
    text = render(tmp_path, config_dir)
    options = parse(tmp_path, text)

    assert options.nodaemon and options.silent  # console copy off: the log file *is* stdout
    assert (options.logfile, options.logfile_maxbytes) == ("/dev/stdout", 0)
    assert options.pidfile == str(tmp_path / "runtime" / "supervisord.pid")
    [server] = options.configroot.supervisord.server_configs
    assert server["family"] == socket.AF_UNIX  # the only server: no inet_http_server
    assert server["file"] == str(tmp_path / "runtime" / "supervisor.sock")
    assert server["chmod"] == 0o700
    assert f"serverurl=unix://{server['file']}\n" in text


def test_external_mongo_has_no_mongodb_program(tmp_path, config_dir):
    options = parse(tmp_path, render(tmp_path, config_dir, mongo_uri="mongodb://mongo:27017/"))

    assert {group.name for group in options.process_group_configs} == {"health", "leases", "watchdog", "sync-ab", "sync-cd"}


def test_embedded_mongo_keeps_its_data_in_the_runtime_dir(tmp_path, config_dir):
    options = parse(tmp_path, render(tmp_path, config_dir))
    [mongodb] = next(g for g in options.process_group_configs if g.name == "mongodb").process_configs

    assert mongodb.command.split() == [PYTHON, "-m", "app.bundle.launch", "--",
                                       *server_command(27017, tmp_path / "runtime" / "mongo-data", PYTHON)]


def test_no_token_and_no_free_text_from_a_config_reaches_the_file(tmp_path, config_dir):
    text = render(tmp_path, config_dir)

    assert TOKEN_MARKER not in text
    for pair in load(config_dir).pairs:
        config = pair.config
        assert config.jira.api_token.get_secret_value() == TOKEN_MARKER  # the marker really was loaded
        for free_text in (config.description, config.jira.email, "team.example.test", config.user_project_key):
            assert free_text not in text


@pytest.mark.parametrize("bad_name", INJECTION_NAMES)
def test_an_unsafe_pair_name_is_refused_even_past_the_loader(tmp_path, config_dir, bad_name):
    result = load(config_dir)
    forged = dataclasses.replace(result.pairs[0], name=bad_name)
    result = dataclasses.replace(result, pairs=[forged, *result.pairs[1:]])

    with pytest.raises(UnsafeProgramValue) as raised:
        program_specs(result, make_settings(tmp_path), python=PYTHON)
    assert raised.value.field == "name"


@pytest.mark.parametrize("bad_name", INJECTION_NAMES)
def test_render_itself_refuses_an_unsafe_program(tmp_path, bad_name):
    with pytest.raises(UnsafeProgramValue):
        render_supervisord_conf([Program(name=bad_name, command=("sleep", "1"))], make_settings(tmp_path))


@pytest.mark.parametrize(("field", "program"), [
    ("command", Program(name="x", command=("sleep", "1 2"))),
    ("command", Program(name="x", command=("echo", "%(ENV_HOME)s"))),
    ("command", Program(name="x", command=("echo", "a;b"))),
    ("command", Program(name="x", command=("echo", "ok\n[program:y]"))),
    ("command", Program(name="x", command=())),
    ("environment", Program(name="x", command=("true",), environment={"lower": "v"})),
    ("environment.TOKEN", Program(name="x", command=("true",), environment={"TOKEN": 'a",B="c'})),
    ("environment.TOKEN", Program(name="x", command=("true",), environment={"TOKEN": "a b"})),
])
def test_render_refuses_values_outside_the_safe_alphabet(tmp_path, field, program):
    with pytest.raises(UnsafeProgramValue) as raised:
        render_supervisord_conf([program], make_settings(tmp_path))
    assert raised.value.field == field


def test_a_config_file_name_that_cannot_be_rendered_is_a_load_error_for_that_file_only(tmp_path, config_dir):
    write_pair(config_dir, "sync-xy", "XSUP", "XDEV", file_name="sync-x y.json")

    result = load(config_dir)

    assert sorted(pair.name for pair in result.pairs) == ["sync-ab", "sync-cd"]
    [error] = result.errors
    assert error.file.endswith("sync-x y.json") and error.field == "file name"
    assert "' '" in error.message and "rename the file" in error.message
    programs = program_specs(result, make_settings(tmp_path), python=PYTHON)
    assert [program.name for program in programs][-2:] == ["sync-ab", "sync-cd"]


@hypothesis.settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20))
def test_every_config_path_the_loader_accepts_renders(name):
    assume("/" not in name and "\x00" not in name)
    path = Path("/srv/config") / f"sync-{name}.json"

    program = worker_program(LoadedPair("sync-ab", path, None, "f" * 64), "db", python=PYTHON)

    if path_problem(path) is None:
        check_program(program)
    else:
        with pytest.raises(UnsafeProgramValue):
            check_program(program)


def test_no_pair_can_take_the_name_of_a_program_of_the_bundle(tmp_path, config_dir):
    extra = demo_extra_programs(make_settings(tmp_path), 18081, python=PYTHON)
    programs = program_specs(load(config_dir), make_settings(tmp_path), extra, python=PYTHON)

    assert {program.name for program in programs} - {"sync-ab", "sync-cd"} == BUNDLE_PROGRAM_NAMES


def test_extra_programs_are_added_and_names_must_be_unique(tmp_path, config_dir):
    settings = make_settings(tmp_path)
    sim = Program(name="jira-sim", command=(PYTHON, "-m", "jira_sim"), priority=20)

    names = [p.name for p in program_specs(load(config_dir), settings, [sim], python=PYTHON)]
    assert names[-1] == "jira-sim"
    with pytest.raises(ValueError, match="duplicate program names: sync-ab"):
        program_specs(load(config_dir), settings, [Program(name="sync-ab", command=("true",))], python=PYTHON)


def test_zero_pairs_still_renders_the_bundle(tmp_path):
    (tmp_path / "config").mkdir()
    options = parse(tmp_path, render(tmp_path, tmp_path / "config"))

    assert {group.name for group in options.process_group_configs} == {"mongodb", "health", "leases", "watchdog"}

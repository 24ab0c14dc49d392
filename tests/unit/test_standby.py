"""The standby worker's command line: the shapes the bundle writes are read without argparse, as
argparse reads them; anything else goes through argparse (its usage and errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.sync.standby import file_stem, parse_arguments, rendered_arguments


@pytest.mark.parametrize("argv", [
    ["--config", "/c/sync-ab.json"], ["--config", "/c/sync-ab.json", "--after-fence", "7"],
    ["--after-fence", "7", "--config", "sync-ab.json"], ["--config", ""], ["--config", "x", "--after-fence", " 4 "],
    # Not the rendered shape: argparse reads these, as it always did.
    ["--config=x"], ["--conf", "x"], ["--config", "x", "--config", "y"], ["--config", "x", "--after-fence", "-2"],
])
def test_the_standbys_own_reading_of_its_command_line_is_argparses(argv):
    rendered = rendered_arguments(argv)

    assert rendered is None or rendered == parse_arguments(argv)


def test_the_bundles_and_a_stepping_down_workers_command_lines_skip_argparse():
    # As app.bundle.render and app.sync.worker.become_standby write them.
    assert rendered_arguments(["--config", "/c/sync-ab.json"]) == ("/c/sync-ab.json", 0)
    assert rendered_arguments(["--config", "/c/sync-ab.json", "--after-fence", "12"]) == ("/c/sync-ab.json", 12)


@pytest.mark.parametrize("path", ["/c/sync-ab.json", "sync-ab.json", "/c/sync.a.b.json", "/c/.json", "/c/x", ""])
def test_the_standby_names_a_config_file_as_the_worker_does(path):
    # The worker records a failed start under Path(config).stem, the standby reads it under this.
    assert file_stem(path) == Path(path).stem


@pytest.mark.parametrize(("argv", "error"), [
    ([], "the following arguments are required: --config"),
    (["--config", "x", "--after-fence", "a"], "invalid int value: 'a'"),
    (["--config", "-x"], "expected one argument"),
    (["--config", "x", "--fence", "3"], "unrecognized arguments"),
])
def test_a_command_line_the_standby_cannot_read_is_argparses_usage_error(argv, error, capsys):
    assert rendered_arguments(argv) is None
    with pytest.raises(SystemExit) as exit_:
        parse_arguments(argv)

    assert exit_.value.code == 2 and error in capsys.readouterr().err

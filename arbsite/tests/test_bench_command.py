"""`manage.py bench --live`: what it refuses before starting anything (the runs themselves:
tests/test_load_harness.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


def test_measuring_a_running_server_needs_someone_to_log_in_as():
    with pytest.raises(CommandError, match="--username and --password"):
        call_command("bench", "--live", "ws", "--url", "http://127.0.0.1:9")


def test_an_unreachable_server_is_a_failed_measurement_not_a_crash(tmp_path, capsys):
    with pytest.raises(CommandError, match="1 of 1 measurements failed"):
        call_command(
            "bench",
            "--live",
            "rest",
            "--url",
            "http://127.0.0.1:9",
            "--username",
            "u",
            "--password",
            "p",
            "--json-dir",
            str(tmp_path),
        )
    assert "http://127.0.0.1:9: Cannot connect" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())

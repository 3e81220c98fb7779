"""Settings as a fresh process reads them from its environment: safe defaults, private files.

Each case imports arbsite.settings in a new interpreter, as `manage.py` would, so the defaults
tested are the ones a deployment gets.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from arbsite.private_files import read_or_create_secret

ROOT = Path(__file__).resolve().parents[2]
SCRUBBED = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "ARBSITE_SIGNUP",
    "ARBSITE_INSTRUMENTS",
}


def run_settings(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after importing the settings in a fresh process, var/ in tmp_path."""
    environment = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    environment.update(DJANGO_SETTINGS_MODULE="arbsite.settings", ARBSITE_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def setting(tmp_path: Path, name: str, **env: str):
    done = run_settings(
        tmp_path, f"import json\nfrom arbsite import settings\nprint(json.dumps(settings.{name}))", **env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- instruments -----------------------------------------------------------------------------
def test_every_listed_perpetual_is_watched_unless_narrowed(tmp_path):
    assert setting(tmp_path, "DEFAULT_WATCHED_INSTRUMENTS") == ["*"]
    narrowed = setting(tmp_path, "DEFAULT_WATCHED_INSTRUMENTS", ARBSITE_INSTRUMENTS="BTC/USDT:USDT, ETH/USDT:USDT")
    assert narrowed == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    # The majors stay the priority list where an exchange cannot carry every instrument.
    assert "BTC/USDT:USDT" in setting(tmp_path, "MAJOR_INSTRUMENTS")


# --- sign-up and password reset -------------------------------------------------------------
def test_sign_up_is_closed_unless_opened(tmp_path):
    assert setting(tmp_path, "SIGNUP_OPEN") is False
    assert setting(tmp_path, "SIGNUP_OPEN", ARBSITE_SIGNUP="open") is True
    assert setting(tmp_path, "SIGNUP_OPEN", ARBSITE_SIGNUP="closed") is False


def test_a_misspelt_sign_up_setting_stops_the_start(tmp_path):
    done = run_settings(tmp_path, "from arbsite import settings", ARBSITE_SIGNUP="opne")
    assert done.returncode != 0
    assert "ARBSITE_SIGNUP must be open or closed, not 'opne'" in done.stderr


@pytest.mark.parametrize(
    ("env", "resets"),
    [
        ({}, False),  # the console: the link would be in the log
        ({"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, False),
        ({"EMAIL_HOST": "smtp.example.com"}, True),
        ({"EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend"}, True),
    ],
)
def test_password_reset_by_email_only_where_mail_is_delivered(tmp_path, env, resets):
    assert setting(tmp_path, "PASSWORD_RESET_BY_EMAIL", **env) is resets


# --- files only the owner reads -------------------------------------------------------------
MODES = textwrap.dedent("""
    import json, os, stat
    from pathlib import Path
    var = Path(os.environ["ARBSITE_VAR_DIR"])
    def mode(path):
        return oct(stat.S_IMODE(path.stat().st_mode))
    print(json.dumps({name: mode(var / name) for name in (".", "secret_key", "arbsite.sqlite3")}))
""")


def modes(done: subprocess.CompletedProcess) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_first_start_creates_its_files_private_with_no_chmod_after(tmp_path):
    """Created with their final modes under the usual umask: never readable by others, even briefly."""
    code = textwrap.dedent("""
        import os, pathlib
        os.umask(0o022)
        os.chmod = pathlib.Path.chmod = lambda *args, **kwargs: None  # a later chmod would be too late
        import django
        django.setup()
        from django.db import connection
        connection.ensure_connection()
        connection.cursor().execute("CREATE TABLE probe (id integer)")
        connection.close()
    """)
    done = run_settings(tmp_path, code + MODES)
    assert modes(done) == {".": "0o700", "secret_key": "0o600", "arbsite.sqlite3": "0o600"}
    assert len((tmp_path / "var" / "secret_key").read_text()) > 40


def test_files_an_older_version_left_readable_are_made_private(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    for name, mode in (("secret_key", 0o644), ("arbsite.sqlite3", 0o644)):
        (var / name).write_text("kept" if name == "secret_key" else "")
        (var / name).chmod(mode)
    done = run_settings(tmp_path, "import django\ndjango.setup()\n" + MODES)
    assert modes(done) == {".": "0o700", "secret_key": "0o600", "arbsite.sqlite3": "0o600"}
    assert (var / "secret_key").read_text() == "kept"


def test_a_secret_is_generated_once_and_kept(tmp_path):
    path = tmp_path / "secret_key"
    first = read_or_create_secret(path, lambda: "first")
    second = read_or_create_secret(path, lambda: pytest.fail("a second key was generated"))
    assert first == second == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left

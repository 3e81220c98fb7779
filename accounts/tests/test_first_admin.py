import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model

from accounts.bootstrap import create_first_admin

pytestmark = pytest.mark.django_db


def test_first_admin_gets_a_generated_password_once():
    username, password = create_first_admin()
    user = get_user_model().objects.get(username=username)
    assert user.is_superuser and user.is_staff
    assert user.check_password(password)
    assert len(password) >= 16
    assert create_first_admin() is None


def test_two_installs_never_share_a_password():
    _, first = create_first_admin()
    get_user_model().objects.all().delete()
    _, second = create_first_admin()
    assert first != second


def test_createsuperuser_noinput_reads_the_standard_environment(tmp_path):
    env = {
        **os.environ,
        "ARBSITE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "DJANGO_SUPERUSER_USERNAME": "root",
        "DJANGO_SUPERUSER_EMAIL": "root@example.com",
        "DJANGO_SUPERUSER_PASSWORD": "a-long-pass-phrase-42",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([*manage, "createsuperuser", "--noinput"], env=env, check=True, timeout=60)
    check = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as g;"
            "u=g().objects.get(username='root');print(u.is_superuser, u.check_password('a-long-pass-phrase-42'))",
        ],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip().splitlines()[-1] == "True True"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # generated, private

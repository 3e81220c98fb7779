"""The HTTP stack under ASGI: no middleware that drags requests into threads, static files
served, one Redis pool per process, a bad Host refused as Django refuses it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.utils.module_loading import import_string

from arbsite.asgi import application
from arbsite.tests.asgi_calls import django_requests, get

pytestmark = pytest.mark.django_db


def test_what_is_loaded_at_startup_is_kept_out_of_full_collections():
    # A full collection over every module, class and function stopped the loop for 100+ ms.
    assert gc.get_freeze_count() > 10_000


def test_every_middleware_can_run_on_the_event_loop():
    synchronous_only = [
        path for path in django_settings.MIDDLEWARE if not getattr(import_string(path), "async_capable", False)
    ]
    assert synchronous_only == []


def test_static_files_are_served_under_asgi():
    answer = get(application, "/static/css/app.css")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.body == (Path(django_settings.BASE_DIR) / "static/css/app.css").read_bytes()


def test_a_page_outside_static_is_not_taken_for_one():
    assert get(application, "/static-not").status == 404


def test_every_cache_object_shares_the_process_redis_pool(redis_url):
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first._cache._get_connection_pool(write=True) is second._cache._get_connection_pool(write=True)


def test_a_host_not_allowed_is_refused_by_django(alice):
    from rest_framework_simplejwt.tokens import AccessToken

    with django_requests() as started:
        answer = get(
            application,
            "/api/prices",
            {"Host": "evil.example", "Authorization": f"Bearer {AccessToken.for_user(alice)}"},
        )
    assert answer.status == 400
    assert len(started) == 1

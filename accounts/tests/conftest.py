"""Alert tasks run in-process in these tests, as in the single-process mode, whatever REDIS_URL
says: a test never leaves tasks on a shared broker for some worker to find later."""

from __future__ import annotations

import pytest

from arbsite.celery import app


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was

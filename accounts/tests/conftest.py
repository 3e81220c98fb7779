"""Alert tasks run in-process in these tests, as in the single-process mode, whatever REDIS_URL
says: a test never leaves tasks on a shared broker for some worker to find later. They run
inline (in the caller's thread, each queued task after the one that queued it), so a test sees
their effects in its own transaction; `background_threads` runs them on the lanes' threads, as
the single-process mode does."""

from __future__ import annotations

import pytest

from arbsite.celery import app
from lib.background import lanes


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    lanes.inline = True
    yield
    lanes.inline = False
    app.conf.task_always_eager = was


@pytest.fixture
def background_threads(_eager_celery):
    """Queued tasks on the lanes' own threads (needs a transactional database: they connect
    on their own); whatever is left is dropped at the end."""
    lanes.inline = False
    yield lanes
    lanes.shutdown()
    lanes.wait_idle(30)  # the ones running end by themselves (bounded by their own deadlines)

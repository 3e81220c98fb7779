"""Arbsite project package: settings, ASGI entry point, URLs, the Celery app."""

from arbsite.celery import app as celery_app

__all__ = ["celery_app"]

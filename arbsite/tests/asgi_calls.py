"""HTTP calls straight to the ASGI application, as daphne makes them, and whether Django's
request cycle ran for them."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def aget(app, path: str, headers: dict[str, str] | None = None) -> Answer:
    path, _, query = path.partition("?")
    sent = {"host": "localhost", **{name.lower(): value for name, value in (headers or {}).items()}}
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(name.encode(), value.encode()) for name, value in sent.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return Answer(start["status"], {name.decode().lower(): value.decode() for name, value in start["headers"]}, body)


get = async_to_sync(aget)


@contextmanager
def django_requests():
    """A list that receives one entry per request Django's handler starts while inside."""
    started: list[object] = []

    def record(sender, **kwargs) -> None:
        started.append(sender)

    request_started.connect(record)
    try:
        yield started
    finally:
        request_started.disconnect(record)

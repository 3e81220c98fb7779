"""Local stand-ins for what alerts reach outside Arbsite: a fake Telegram Bot API and a webhook
receiver. Each serves on 127.0.0.1 from its own thread and event loop, so sync tests, async
tests and Arbsite's child processes can all call it; tests wait for calls, they do not sleep."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Call:
    method: str  # a Bot API method, or the HTTP method of a webhook call
    params: dict
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class BackgroundServer:
    """An aiohttp app on a free port of 127.0.0.1, served from a thread, recording its calls."""

    def __init__(self) -> None:
        self.port = 0
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        raise NotImplementedError

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def calls_of(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout_s: float = 10.0) -> list[Call]:
        """Block until `count` calls of `method` arrived; those calls. AssertionError on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._of(method)) >= count, timeout_s):
                raise AssertionError(f"{len(self._of(method))} {method} calls, expected {count}: {self.calls}")
            return self._of(method)

    async def await_for(self, method: str, count: int = 1, timeout_s: float = 10.0) -> list[Call]:
        return await asyncio.to_thread(self.wait_for, method, count, timeout_s)

    def _of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def __enter__(self):
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self.app(), access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name=type(self).__name__, daemon=True)
        self._thread.start()
        assert ready.wait(10), "the fake server did not start"
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class FakeTelegram(BackgroundServer):
    """getMe, getUpdates and sendMessage of the Bot API, for one bot token."""

    def __init__(self, token: str, username: str = "arbsite_test_bot") -> None:
        super().__init__()
        self.token = token
        self.username = username
        self.updates: list[dict] = []
        self.fail_send: tuple[int, str] | None = None  # (error_code, description) for sendMessage
        self._next_update_id = 100

    def user_says(self, chat_id: int, text: str, username: str = "alice_tg") -> None:
        """A Telegram user sends the bot a message (fetched by getUpdates)."""
        with self._changed:
            self._next_update_id += 1
            self.updates.append(
                {
                    "update_id": self._next_update_id,
                    "message": {
                        "message_id": self._next_update_id,
                        "from": {"id": chat_id, "is_bot": False, "first_name": username, "username": username},
                        "chat": {"id": chat_id, "type": "private", "username": username},
                        "date": 1_700_000_000,
                        "text": text,
                    },
                }
            )

    def sent_to(self, chat_id: int) -> list[str]:
        return [call.params["text"] for call in self.calls_of("sendMessage") if call.params.get("chat_id") == chat_id]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        return app

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = dict(request.query)
        if request.can_read_body:
            params.update(await request.json())
        self.record(Call(method, params))
        if method == "getMe":
            return _ok({"id": 1, "is_bot": True, "first_name": "Arbsite", "username": self.username})
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._changed:
                self.updates = [update for update in self.updates if update["update_id"] >= offset]
                return _ok(list(self.updates))
        if method == "sendMessage":
            if self.fail_send:
                code, description = self.fail_send
                return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)
            return _ok({"message_id": len(self.calls), "chat": {"id": params["chat_id"]}, "text": params["text"]})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


class WebhookReceiver(BackgroundServer):
    """Records each POST; answers with `statuses` in turn (the last one repeats). With a
    `gate`, each call is recorded on arrival and answered only once the gate is set."""

    def __init__(self, statuses: tuple[int, ...] = (200,), gate: threading.Event | None = None) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.gate = gate

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._post)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            params = json.loads(body)
        except ValueError:
            params = {}
        self.record(Call("POST", params, dict(request.headers), body))
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 60)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.json_response({"received": True}, status=status)


class DrippingEndpoint:
    """An HTTP endpoint that reads the request at once, then answers one byte every
    `interval_s`: a per-read timeout never fires. Counts connections, how many were open at
    once, and the ones the client hung up on before the whole answer was out."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-Slow: " + b"." * 40 + b"\r\n\r\nok"

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.port = 0
        self.opened = 0
        self.open_now = 0
        self.most_open = 0
        self.cut_off: list[int] = []  # bytes written before the client hung up, per connection
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for_cut_offs(self, count: int, timeout_s: float) -> list[int]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.cut_off) >= count, timeout_s):
                raise AssertionError(f"{len(self.cut_off)} connections cut off, expected {count}")
            return list(self.cut_off)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._changed:
            self.opened += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        written = 0
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            for byte in self.ANSWER:
                writer.write(bytes([byte]))
                await writer.drain()
                written += 1
                if reader.at_eof():
                    break
                await asyncio.sleep(self.interval_s)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with self._changed:
                self.open_now -= 1
                if written < len(self.ANSWER):
                    self.cut_off.append(written)
                self._changed.notify_all()

    def __enter__(self) -> DrippingEndpoint:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            connections = asyncio.all_tasks(loop)
            for connection in connections:
                connection.cancel()

            async def closed() -> None:
                await asyncio.gather(*connections, return_exceptions=True)
                await server.wait_closed()

            loop.run_until_complete(closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="DrippingEndpoint", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the dripping endpoint did not start"
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def verify_signature(secret: str, headers, body: bytes, tolerance_s: int = 300) -> bool:
    """The README's webhook verification snippet, as a receiver runs it."""
    timestamp = headers["X-Arbsite-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance_s
    return fresh and hmac.compare_digest(expected, headers["X-Arbsite-Signature"])

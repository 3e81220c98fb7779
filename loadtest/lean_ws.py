"""A WebSocket client (RFC 6455, with RFC 7692 permessage-deflate) cut down to what a load
client needs: open, receive messages stamped as they come off the socket, answer pings and
closes, close.

Why not `websockets`: measured at 1,000 connections on this 2-core machine, its per-message
work (frame objects, an assembler, a queue and a task switch per message) took the two client
processes ~80 % of a core, and loop lags of 15-40 ms: the load generator took the CPU and added
the latency it was there to measure, and 5,000 connections needed more than the machine. Here
a message costs a header parse and a callback on the protocol's `data_received`.

It speaks plain `ws://` and `wss://`, always masks what it sends, and refuses nothing a
server may legally send (fragments, control frames between them, 64-bit lengths).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import ssl
import struct
import time
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

_OP_CONTINUATION, _OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0, 1, 2, 8, 9, 10
_DEFLATE_TAIL = b"\x00\x00\xff\xff"
_MAX_HANDSHAKE_BYTES = 64 << 10
CLOSE_ABNORMAL = 1006


class HandshakeError(Exception):
    """The server did not switch protocols: `status` is its HTTP status (0: no valid answer)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final, masked frame as a client must send it (RFC 6455 §5.3)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    # Clients send little (a close, a pong, a subscribe): a plain loop is fast enough.
    masked = bytes(byte ^ mask[i & 3] for i, byte in enumerate(payload))
    return header + mask + masked


class FrameReader:
    """Server frames in, whole messages out: `on_message(payload, arrival_us)` for each text or
    binary message (inflated where it was compressed), `on_control(opcode, payload)` for the
    rest. Pure: no I/O, so it is tested on bytes."""

    def __init__(self, on_message: Callable[[bytes, int], None], on_control: Callable[[int, bytes], None]) -> None:
        self.on_message = on_message
        self.on_control = on_control
        self.inflater: zlib._Decompress | None = None  # set when deflate was negotiated
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._compressed = False

    def feed(self, data: bytes, arrival_us: int) -> None:
        buffer = self._buffer
        buffer += data
        offset = 0
        end = len(buffer)
        while end - offset >= 2:
            first, second = buffer[offset], buffer[offset + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                if end - offset < 4:
                    break
                length = int.from_bytes(buffer[offset + 2 : offset + 4], "big")
                head = 4
            elif length == 127:
                if end - offset < 10:
                    break
                length = int.from_bytes(buffer[offset + 2 : offset + 10], "big")
                head = 10
            if second & 0x80:  # servers must not mask (§5.1), but unmasking costs nothing here
                head += 4
            if end - offset < head + length:
                break
            payload = bytes(buffer[offset + head : offset + head + length])
            if second & 0x80:
                key = buffer[offset + head - 4 : offset + head]
                payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            offset += head + length
            self._frame(first, payload, arrival_us)
        del buffer[:offset]

    def _frame(self, first: int, payload: bytes, arrival_us: int) -> None:
        opcode = first & 0x0F
        if opcode >= _OP_CLOSE:
            self.on_control(opcode, payload)
            return
        if opcode != _OP_CONTINUATION:
            self._fragments = []
            self._compressed = bool(first & 0x40)
        self._fragments.append(payload)
        if not first & 0x80:
            return
        message = self._fragments[0] if len(self._fragments) == 1 else b"".join(self._fragments)
        self._fragments = []
        if self._compressed and self.inflater is not None:
            message = self.inflater.decompress(message + _DEFLATE_TAIL)
        self.on_message(message, arrival_us)


class LeanConnection(asyncio.Protocol):
    """One client connection. `opened` resolves once the server switched protocols; `closed`
    resolves with the close code (1006 when the connection just dropped)."""

    def __init__(self, on_message: Callable[[bytes, int], None]) -> None:
        self.reader = FrameReader(on_message, self._on_control)
        self.transport: asyncio.Transport | None = None
        self.deflate = False
        self.subprotocol: str | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self._response = bytearray()
        self._key = ""
        self._request = b""

    @classmethod
    async def connect(
        cls,
        url: str,
        on_message: Callable[[bytes, int], None],
        *,
        headers: dict[str, str] | None = None,
        subprotocols: list[str] | None = None,
        compression: bool = True,
    ) -> LeanConnection:
        parts = urlsplit(url)
        secure = parts.scheme == "wss"
        port = parts.port or (443 if secure else 80)
        connection = cls(on_message)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1",
            f"Host: {parts.hostname}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if compression:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        if subprotocols:
            lines.append(f"Sec-WebSocket-Protocol: {', '.join(subprotocols)}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        connection._key = key
        connection._request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        loop = asyncio.get_running_loop()
        await loop.create_connection(
            lambda: connection, parts.hostname, port, ssl=ssl.create_default_context() if secure else None
        )
        await connection.opened
        return connection

    # --- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self.opened.done():
            self.reader.feed(data, time.time_ns() // 1000)
            return
        self._response += data
        end = self._response.find(b"\r\n\r\n")
        if end < 0:
            if len(self._response) > _MAX_HANDSHAKE_BYTES:
                self._fail(HandshakeError(0, "handshake answer too long"))
            return
        head, rest = bytes(self._response[:end]), bytes(self._response[end + 4 :])
        self._response = bytearray()
        try:
            self._accept(head)
        except HandshakeError as exc:
            self._fail(exc)
            return
        self.opened.set_result(None)
        if rest:
            self.reader.feed(rest, time.time_ns() // 1000)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(0, "closed before answering the upgrade"))
        if not self.closed.done():
            self.closed.set_result(CLOSE_ABNORMAL)

    # --- the protocol ----------------------------------------------------------------------
    def _accept(self, head: bytes) -> None:
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise HandshakeError(0, f"not an HTTP answer: {status_line[:80]!r}")
        status = int(parts[1])
        if status != 101:
            raise HandshakeError(status, status_line)
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(
            hashlib.sha1((self._key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise HandshakeError(status, "wrong Sec-WebSocket-Accept")
        extensions = headers.get("sec-websocket-extensions", "")
        if extensions.startswith("permessage-deflate"):
            self.deflate = True
            self.reader.inflater = zlib.decompressobj(-15)
        self.subprotocol = headers.get("sec-websocket-protocol")

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def _on_control(self, opcode: int, payload: bytes) -> None:
        if opcode == _OP_PING:
            self.send_frame(_OP_PONG, payload)
        elif opcode == _OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.closed.done():
                self.closed.set_result(code)
            self.send_frame(_OP_CLOSE, payload[:2])
            if self.transport is not None:
                self.transport.close()

    def send_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send_frame(_OP_TEXT, text.encode())

    async def close(self, timeout_s: float) -> None:
        """Close politely (1000) and wait for the server's answer, at most `timeout_s`."""
        if self.transport is None or self.closed.done():
            return
        self.send_frame(_OP_CLOSE, (1000).to_bytes(2, "big"))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout_s)
        except TimeoutError:
            self.transport.abort()

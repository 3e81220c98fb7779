"""Writing the fan-out's ready-made WebSocket frames straight to a daphne connection's socket.

Measured at 1,000 /ws connections on daphne (py-spy on `run_all`, 10 fan-outs/s), a text
send cost ~50 µs of the event loop: Channels' and daphne's send wrappers, autobahn encoding
and framing the same 24 KB text once per connection, then Twisted's write, which registers
the socket with the asyncio loop (an epoll_ctl), waits a loop turn, sends, and unregisters
(another epoll_ctl). Over half the loop went there, and a fan-out of 1,000 took ~90 ms.

Here the fan-out frames each distinct message once (`text_frame`), and a connection's
`FrameWriter` sends it with one `send()` when Twisted holds nothing unsent for it, so bytes
stay in order; otherwise, or for what the kernel did not take, it hands the bytes to
Twisted's buffer as any other write. Any other server (TLS in daphne, tests without a
socket) has no writer, and the fan-out sends text through ASGI as before.

The ASGI interface also has no back-pressure for WebSocket sends: the bytes wait in the
transport's buffer however slow the reader, so `backlog_bytes` reads that buffer's size and
the fan-out stops writing to a client that does not keep up (arbitrage.fanout).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from twisted.internet.tcp import Connection

_UNWRAP_DEPTH = 4


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final WebSocket text frame (RFC 6455 §5.2) carrying `payload` (UTF-8)."""
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


def _protocol_of(send: Callable) -> object | None:
    """daphne's send is partial(Server.handle_reply, protocol); Channels' session middleware
    wraps it in a bound method whose object keeps the original as `real_send`."""
    for _ in range(_UNWRAP_DEPTH):
        if isinstance(send, functools.partial):
            return send.args[0] if send.args else None
        owner = getattr(send, "__self__", None)
        send = getattr(owner, "real_send", None)
        if send is None:
            return None
    return None


class FrameWriter:
    """The socket under one daphne /ws connection, for frames made by `text_frame`."""

    def __init__(self, protocol, transport: Connection) -> None:
        self.protocol = protocol
        self.transport = transport

    def backlog_bytes(self) -> int:
        """Bytes written to this connection that its client has not taken yet."""
        transport = self.transport
        # twisted.internet.abstract.FileDescriptor keeps unsent bytes in these two places.
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    def write(self, frame: bytes) -> bool:
        """Sends `frame`; False when the connection is not open (it is closing: nothing sent)."""
        protocol, transport = self.protocol, self.transport
        if protocol.state != protocol.STATE_OPEN or protocol.send_queue or not transport.connected:
            return False
        if transport.disconnecting:
            return False
        sent = 0
        if not transport.dataBuffer and not transport._tempDataLen:
            try:
                sent = transport.socket.send(frame)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                # The connection is broken; Twisted notices on its next read and closes it.
                return False
            if sent == len(frame):
                return True
        transport.write(frame[sent:] if sent else frame)
        return True


def frame_writer(send: Callable) -> FrameWriter | None:
    """The writer for the connection behind an ASGI `send`; None when it is not plain daphne TCP."""
    protocol = _protocol_of(send)
    transport = getattr(protocol, "transport", None)
    if not isinstance(transport, Connection) or transport.TLS or not hasattr(protocol, "send_queue"):
        return None
    return FrameWriter(protocol, transport)

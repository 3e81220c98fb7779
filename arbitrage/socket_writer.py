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

Compression (RFC 7692 permessage-deflate): daphne never accepts it, so `accept_deflate`
installs an acceptance on daphne's WebSocket factory. It always answers
`server_no_context_takeover`, which makes every server message stand alone: the fan-out can
compress an update once (`deflate_frame`) and write the same bytes to every connection that
negotiated it, and autobahn's own compressed sends (snapshots) never refer to bytes it did not
write. A 26 KB update of 105 quotes becomes ~4 KB, so each connection costs a sixth of the
kernel copy, and each client reads a sixth.

The ASGI interface also has no back-pressure for WebSocket sends: the bytes wait in the
transport's buffer however slow the reader, so `backlog_bytes` reads that buffer's size and
the fan-out stops writing to a client that does not keep up (arbitrage.fanout).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

from twisted.internet.tcp import Connection

_UNWRAP_DEPTH = 4
_FIN_TEXT = 0x81
_FIN_RSV1_TEXT = 0xC1  # RSV1: the payload is compressed (RFC 7692 §6)
_DEFLATE_WINDOW_BITS = 15
_DEFLATE_LEVEL = 6  # 26 KB update: 3.8 KB in ~0.55 ms, once per update; level 1 gave 4.4 KB
_SYNC_FLUSH_TAIL = b"\x00\x00\xff\xff"
# Below this a message is sent as it is: deflate saves little and the frame gains a header.
MIN_DEFLATE_BYTES = 512


def _frame(first_byte: int, payload: bytes) -> bytes:
    """One unmasked, final WebSocket frame (RFC 6455 §5.2)."""
    length = len(payload)
    if length < 126:
        header = bytes((first_byte, length))
    elif length < 1 << 16:
        header = bytes((first_byte, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((first_byte, 127)) + length.to_bytes(8, "big")
    return header + payload


def text_frame(payload: bytes) -> bytes:
    """A text frame carrying `payload` (UTF-8) as it is."""
    return _frame(_FIN_TEXT, payload)


def deflate_frame(payload: bytes) -> bytes:
    """A text frame carrying `payload` compressed on its own (RFC 7692 §7.2.1): valid for every
    connection that negotiated permessage-deflate through `accept_deflate`."""
    if len(payload) < MIN_DEFLATE_BYTES:
        return text_frame(payload)
    compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -_DEFLATE_WINDOW_BITS)
    compressed = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return _frame(_FIN_RSV1_TEXT, compressed.removesuffix(_SYNC_FLUSH_TAIL))


class SharedMessages:
    """Texts sent to many connections (an update, a snapshot's pages): framed, and compressed,
    once on first use for all of them."""

    __slots__ = ("_deflated", "_framed", "texts")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._framed: list[bytes] | None = None
        self._deflated: list[bytes] | None = None

    def frames(self, deflate: bool = False) -> list[bytes]:
        if deflate:
            if self._deflated is None:
                self._deflated = [deflate_frame(text.encode()) for text in self.texts]
            return self._deflated
        if self._framed is None:
            self._framed = [text_frame(text.encode()) for text in self.texts]
        return self._framed


def accept_deflate(offers: list) -> object | None:
    """daphne's answer to a client's permessage-deflate offers: the first one that lets the
    server use a full window, with server_no_context_takeover; none (no compression) otherwise."""
    from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept

    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer) and offer.request_max_window_bits in (0, _DEFLATE_WINDOW_BITS):
            return PerMessageDeflateOfferAccept(offer, no_context_takeover=True)
    return None


def install_deflate() -> None:
    """Makes every daphne server in this process accept permessage-deflate (`accept_deflate`).
    daphne builds its factory when it starts and sets no compression option, and autobahn copies
    the factory's options to each connection, so the acceptance goes on the factory's class."""
    from daphne.ws_protocol import WebSocketFactory

    if getattr(WebSocketFactory, "_arbsite_deflate", False):
        return
    original_init = WebSocketFactory.__init__

    def __init__(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self.setProtocolOptions(perMessageCompressionAccept=accept_deflate)

    WebSocketFactory.__init__ = __init__
    WebSocketFactory._arbsite_deflate = True


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
        # Negotiated through accept_deflate: `deflate_frame`s are valid on this connection.
        self.deflate = getattr(protocol, "_perMessageCompress", None) is not None

    def backlog_bytes(self) -> int:
        """Bytes written to this connection that its client has not taken yet."""
        transport = self.transport
        # twisted.internet.abstract.FileDescriptor keeps unsent bytes in these two places.
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    def write(self, frame: bytes) -> bool:
        """Sends `frame` (from `deflate_frame` if `self.deflate`, else from `text_frame`); False
        when the connection is not open (it is closing: nothing sent)."""
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

"""Frames written straight to a daphne connection's socket: exact bytes, in order, never lost."""

from __future__ import annotations

import json
import socket

import pytest
from twisted.internet.tcp import Connection
from wsproto.connection import Connection as WsConnection
from wsproto.connection import ConnectionType
from wsproto.events import TextMessage

from arbitrage.socket_writer import FrameWriter, accept_deflate, deflate_frame, text_frame


@pytest.mark.parametrize(
    ("payload", "header"),
    [
        (b"Hello", bytes((0x81, 0x05))),  # RFC 6455 §5.7's single-frame unmasked text message
        (b"x" * 125, bytes((0x81, 125))),
        (b"x" * 256, bytes((0x81, 0x7E, 0x01, 0x00))),  # 16-bit length, as in §5.7
        (b"x" * 65535, bytes((0x81, 0x7E, 0xFF, 0xFF))),
        (b"x" * 65536, bytes((0x81, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0))),  # 64-bit length, as in §5.7
    ],
)
def test_text_frames_have_the_rfc_header_for_each_length(payload, header):
    assert text_frame(payload) == header + payload


def _decoded(data: bytes) -> list[str]:
    """What a WebSocket client makes of the bytes a server sent."""
    client = WsConnection(ConnectionType.CLIENT)
    client.receive_data(data)
    return [event.data for event in client.events() if isinstance(event, TextMessage)]


class FakeReactor:
    """Records Twisted asking to be told when the socket is writable (a buffered write)."""

    def __init__(self) -> None:
        self.writers: list[object] = []

    def addWriter(self, writer) -> None:
        self.writers.append(writer)

    def removeWriter(self, writer) -> None:
        self.writers.remove(writer)


class FakeProtocol:
    STATE_OPEN = 3

    def __init__(self) -> None:
        self.state = self.STATE_OPEN
        self.send_queue: list = []


@pytest.fixture
def connection():
    server_socket, client_socket = socket.socketpair()
    server_socket.setblocking(False)
    client_socket.settimeout(5)
    reactor = FakeReactor()
    protocol = FakeProtocol()
    transport = Connection(server_socket, protocol, reactor)
    transport.connected = 1
    yield FrameWriter(protocol, transport), client_socket, reactor
    server_socket.close()
    client_socket.close()


def _read(client_socket: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += client_socket.recv(size - len(data))
    return data


def test_a_frame_goes_out_in_one_send_with_nothing_buffered(connection):
    writer, client_socket, reactor = connection
    frame = text_frame(b'{"type":"price_update","seq":7}')

    assert writer.write(frame) is True

    assert reactor.writers == []  # not buffered: no wait for the loop
    assert writer.backlog_bytes() == 0
    assert _decoded(_read(client_socket, len(frame))) == ['{"type":"price_update","seq":7}']


def test_with_bytes_already_buffered_a_frame_queues_behind_them_in_order(connection):
    writer, client_socket, _reactor = connection
    earlier = text_frame(b'{"type":"snapshot"}')
    writer.transport.write(earlier)  # e.g. a snapshot page sent through ASGI, not yet flushed
    later = text_frame(b'{"type":"price_update"}')

    assert writer.write(later) is True

    assert writer.backlog_bytes() == len(earlier) + len(later)
    writer.transport.doWrite()
    assert _decoded(_read(client_socket, len(earlier) + len(later))) == [
        '{"type":"snapshot"}',
        '{"type":"price_update"}',
    ]


def test_what_the_kernel_does_not_take_is_buffered_and_counted_as_backlog(connection):
    writer, client_socket, reactor = connection
    writer.transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    frame = text_frame(b"x" * 2_000_000)  # far more than the socket buffers hold

    assert writer.write(frame) is True

    assert 0 < writer.backlog_bytes() < len(frame)
    assert reactor.writers == [writer.transport]  # Twisted sends the rest when it can
    received = b""
    while writer.backlog_bytes():
        received += client_socket.recv(1 << 20)
        writer.transport.doWrite()
    received += _read(client_socket, len(frame) - len(received))
    assert _decoded(received) == ["x" * 2_000_000]


def test_a_closing_connection_is_sent_nothing(connection):
    writer, client_socket, _reactor = connection
    writer.protocol.state = 4  # closing

    assert writer.write(text_frame(b"late")) is False

    client_socket.setblocking(False)
    with pytest.raises(BlockingIOError):
        client_socket.recv(10)


def _inflated_by_a_client(data: bytes) -> list[str]:
    """What a client that negotiated permessage-deflate (no server context takeover) reads."""
    from wsproto.extensions import PerMessageDeflate

    extension = PerMessageDeflate()
    extension.finalize("permessage-deflate; server_no_context_takeover")
    client = WsConnection(ConnectionType.CLIENT, extensions=[extension])
    client.receive_data(data)
    return [event.data for event in client.events() if isinstance(event, TextMessage)]


def test_a_deflated_frame_stands_alone_so_one_copy_serves_every_connection():
    update = json.dumps({"type": "price_update", "seq": 7, "data": [{"bid": "67000.1"}] * 200}).encode()

    frame = deflate_frame(update)

    assert frame[0] == 0xC1  # final, compressed (RSV1), text
    assert len(frame) < len(update) / 10
    # The same bytes decode on their own and after another message on the same connection.
    assert _inflated_by_a_client(frame) == [update.decode()]
    assert _inflated_by_a_client(deflate_frame(b"[" + b"1," * 600 + b"1]") + frame)[1] == update.decode()


def test_a_short_message_is_not_compressed():
    assert deflate_frame(b'{"type":"price_update","seq":7,"data":[]}') == text_frame(
        b'{"type":"price_update","seq":7,"data":[]}'
    )


def test_deflate_is_accepted_without_server_context_takeover_and_only_with_a_full_window():
    from autobahn.websocket.compress import PerMessageDeflate, PerMessageDeflateOffer

    browser_offer = PerMessageDeflateOffer(accept_max_window_bits=True)
    small_window = PerMessageDeflateOffer(request_max_window_bits=10)

    accepted = accept_deflate([browser_offer])

    negotiated = PerMessageDeflate.create_from_offer_accept(True, accepted)
    assert negotiated.server_no_context_takeover is True  # autobahn's own sends stand alone too
    assert negotiated.server_max_window_bits == 15
    assert accept_deflate([small_window]) is None
    assert accept_deflate([small_window, browser_offer]).offer is browser_offer

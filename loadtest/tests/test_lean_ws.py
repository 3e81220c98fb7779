"""The load clients' WebSocket: frames read exactly as RFC 6455/7692 write them, and a real
handshake, messages, compression and close against the `websockets` server."""

from __future__ import annotations

import asyncio
import zlib

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from loadtest.lean_ws import FrameReader, HandshakeError, LeanConnection, client_frame


def server_frame(payload: bytes, opcode: int = 1, fin: bool = True, rsv1: bool = False) -> bytes:
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    length = len(payload)
    if length < 126:
        return bytes((first, length)) + payload
    if length < 1 << 16:
        return bytes((first, 126)) + length.to_bytes(2, "big") + payload
    return bytes((first, 127)) + length.to_bytes(8, "big") + payload


def reader() -> tuple[FrameReader, list[bytes], list[tuple[int, bytes]]]:
    messages: list[bytes] = []
    controls: list[tuple[int, bytes]] = []
    return (
        FrameReader(lambda raw, _at: messages.append(raw), lambda op, p: controls.append((op, p))),
        messages,
        controls,
    )


def test_messages_of_every_length_form_whole_however_the_bytes_arrive():
    frames_reader, messages, _ = reader()
    payloads = [b"", b"x" * 125, b"y" * 126, b"z" * 65535, b"w" * 70000]
    data = b"".join(server_frame(p) for p in payloads)
    for n in range(0, len(data), 977):  # cut anywhere, headers included
        frames_reader.feed(data[n : n + 977], 0)
    assert messages == payloads


def test_fragments_join_and_a_ping_between_them_is_answered_on_its_own():
    frames_reader, messages, controls = reader()
    frames_reader.feed(
        server_frame(b'{"type":', fin=False) + server_frame(b"hi", opcode=9) + server_frame(b'"snapshot"}', opcode=0),
        0,
    )
    assert messages == [b'{"type":"snapshot"}']
    assert controls == [(9, b"hi")]


def test_compressed_messages_inflate_with_or_without_the_servers_context():
    frames_reader, messages, _ = reader()
    frames_reader.inflater = zlib.decompressobj(-15)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)  # context kept between messages
    texts = [b'{"type":"price_update","seq":%d,"data":[]}' % n * 20 for n in range(3)]
    for text in texts:
        compressed = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
        frames_reader.feed(server_frame(compressed[:-4], rsv1=True), 0)
    alone = zlib.compressobj(6, zlib.DEFLATED, -15)  # a message standing alone (Arbsite's)
    frames_reader.feed(server_frame((alone.compress(b"alone") + alone.flush(zlib.Z_SYNC_FLUSH))[:-4], rsv1=True), 0)
    frames_reader.feed(server_frame(b"plain"), 0)  # compression is per message
    assert messages == [*texts, b"alone", b"plain"]


@pytest.mark.parametrize("payload", [b"", b"\x03\xe8", b"s" * 200, b"l" * 70000])
def test_what_the_client_sends_is_masked_and_unmasks_to_the_payload(payload):
    frame = client_frame(8, payload)
    assert frame[0] == 0x88 and frame[1] & 0x80
    head = {126: 4, 127: 10}.get(frame[1] & 0x7F, 2)
    mask, body = frame[head : head + 4], frame[head + 4 :]
    assert bytes(b ^ mask[i % 4] for i, b in enumerate(body)) == payload


async def test_a_real_server_handshake_messages_compression_and_close():
    received: list[bytes] = []

    async def handler(ws):
        assert ws.request.headers["Origin"] == "http://example"
        await ws.send('{"type":"snapshot","seq":1}')
        await ws.send("q" * 5000)
        await ws.recv()  # the client's subscribe
        await ws.close(4403, "token expired")

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        connection = await LeanConnection.connect(
            f"ws://127.0.0.1:{port}/ws",
            lambda raw, _at: received.append(raw),
            headers={"Origin": "http://example"},
            subprotocols=None,
        )
        assert connection.deflate is True  # websockets compresses, with context takeover
        connection.send_text('{"type":"subscribe","instruments":[]}')
        assert await asyncio.wait_for(connection.closed, 5) == 4403
    assert received == [b'{"type":"snapshot","seq":1}', b"q" * 5000]


async def test_a_refused_upgrade_says_its_status():
    def refuse(connection, request):
        return Response(403, "Forbidden", Headers(), b"no")

    async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(HandshakeError) as refused:
            await LeanConnection.connect(f"ws://127.0.0.1:{port}/ws", lambda raw, _at: None, compression=False)
    assert refused.value.status == 403

"""The server's writes of an answer (exchange._send): the head and a framed chunk gathered by the
kernel, every byte sent in order however the socket takes them, within one timeout for the whole."""
from __future__ import annotations

import socket
import threading

import pytest

from access_es.server.exchange import _send


def test_partial_sends_deliver_every_byte_in_order_and_keep_the_timeout():
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # many partial sends
    ours.settimeout(10)
    chunk = bytes(range(256)) * 4096  # 1 MiB
    expected = b"HTTP/1.1 200 OK\r\n\r\n" + b"100000\r\n" + chunk + b"\r\n"
    got = bytearray()

    def read():
        while len(got) < len(expected):
            data = theirs.recv(3000)  # small reads: the sender waits for room again and again
            if not data:
                return
            got.extend(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _send(ours, b"HTTP/1.1 200 OK\r\n\r\n", [b"100000\r\n", chunk, b"\r\n"])
    finally:
        reader.join(timeout=30)
        ours.close()
        theirs.close()
    assert bytes(got) == expected
    assert not reader.is_alive()


def test_a_client_that_stops_reading_times_out_and_the_socket_keeps_its_timeout():
    ours, theirs = socket.socketpair()
    ours.settimeout(0.2)
    try:
        with pytest.raises(TimeoutError):
            _send(ours, None, [b"x" * (16 * 1024 * 1024)])  # more than the socket buffers hold
        assert ours.gettimeout() == 0.2
    finally:
        ours.close()
        theirs.close()


def test_nothing_to_send_sends_nothing():
    ours, theirs = socket.socketpair()
    try:
        _send(ours, None, [])
        _send(ours, b"", [b"", b""])
        theirs.setblocking(False)
        with pytest.raises(BlockingIOError):
            theirs.recv(1)
    finally:
        ours.close()
        theirs.close()

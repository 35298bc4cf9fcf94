"""One request and its answer, in a worker thread: the body read on demand (and `100 Continue`
only then, once the app has decided it wants the body: after authentication), the app run, its
answer framed by h11 and written, and what the connection does next decided.

What happens to a body the answer did not need is decided before the answer's head is sent, since
the head must say whether the connection stays open: at most DISCARD_LIMIT bytes still to come of
a known length are read and thrown away by the event loop afterwards, and the connection is kept;
otherwise (more, an unknown length, a client still waiting for `100 Continue`, a body that could
not be read) the answer says `Connection: close` and the connection ends in a lingering close.
"""
from __future__ import annotations

import logging
import socket
import time
from typing import Callable

import h11

from ..errors import BadRequest, InternalError, RequestTimeout, RequestTooLarge, wsgi_error
from .environ import body_length
from .limits import BODY_MIN_RATE, DISCARD_LIMIT, IO_TIMEOUT, MAX_REQUEST_BODY

log = logging.getLogger("access_es.server")

SERVER_NAME = b"access-es"

# What the event loop does with a connection once a worker is done with it.
NEXT_REQUEST, DISCARD_BODY, CLOSE = "next", "discard", "close"


class BodyReader:
    """wsgi.input: the request body, decoded from its framing (Content-Length or chunked) as the
    app reads it. Beyond what the event loop read with the head (`preread`: up to PREREAD_LIMIT),
    nothing is read until the app asks; a client waiting for `100 Continue` gets it then. A body cut
    short, malformed, too slow (BODY_MIN_RATE) or over MAX_REQUEST_BODY raises a ProxyError (the
    app answers it), and the connection is then not reused."""

    def __init__(self, sock: socket.socket, conn: h11.Connection, request: h11.Request,
                 preread: bytes = b"", finished: bool = False):
        self.sock = sock
        self.conn = conn
        self.declared = body_length(request)  # None: chunked, of unknown length
        self.received = len(preread)  # read by the event loop with the head
        self.finished = finished
        self.broken = False
        self._buffer = bytearray(preread)
        self._deadline = time.monotonic() + IO_TIMEOUT

    def _next_chunk(self) -> bytes:
        if self.declared is not None and self.declared > MAX_REQUEST_BODY:
            # refused when the app first asks for it (after authentication), never read
            self.broken = True
            raise RequestTooLarge(f"the request body is over {MAX_REQUEST_BODY:,} bytes")
        while True:
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError:
                self.broken = True
                raise BadRequest("the request body could not be read whole: malformed chunked framing, or "
                                 "the client stopped sending", hint="send the body with a Content-Length") from None
            if event is h11.NEED_DATA:
                if self.conn.they_are_waiting_for_100_continue:
                    self.sock.sendall(self.conn.send(h11.InformationalResponse(status_code=100, headers=[],
                                                                                   reason=b"Continue")))
                left = self._deadline + self.received / BODY_MIN_RATE - time.monotonic()
                if left <= 0:
                    self.broken = True
                    raise RequestTimeout(f"the request body arrived slower than {BODY_MIN_RATE // 1024} KiB/s")
                try:
                    self.sock.settimeout(min(IO_TIMEOUT, left))
                    data = self.sock.recv(65536)
                except OSError:  # a timeout, or the client is gone
                    self.broken = True
                    if left < IO_TIMEOUT:
                        raise RequestTimeout(f"the request body arrived slower than {BODY_MIN_RATE // 1024} "
                                             "KiB/s") from None
                    raise BadRequest("the request body stopped arriving before its end") from None
                self.conn.receive_data(data)
                continue
            if type(event) is h11.Data:
                self.received += len(event.data)
                if self.received > MAX_REQUEST_BODY:
                    self.broken = True
                    raise RequestTooLarge(f"the request body is over {MAX_REQUEST_BODY:,} bytes")
                return bytes(event.data)
            self.finished = True  # EndOfMessage
            return b""

    def read(self, size: int | None = -1) -> bytes:
        while not self.finished and (size is None or size < 0 or len(self._buffer) < size):
            self._buffer += self._next_chunk()
        if size is None or size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
            return data
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        while b"\n" not in self._buffer and not self.finished and (size is None or size < 0
                                                                    or len(self._buffer) < size):
            self._buffer += self._next_chunk()
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and 0 <= size < end:
            end = size
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")

    def unread_is_small(self) -> bool:
        """Whether what the client still has to send of the body is known, already on its way, and
        at most DISCARD_LIMIT bytes."""
        if self.finished:
            return True
        if self.broken or self.conn.they_are_waiting_for_100_continue:
            return False
        return self.declared is not None and self.declared - self.received <= DISCARD_LIMIT


def serve(sock: socket.socket, conn: h11.Connection, request: h11.Request, environ: dict,
          app: Callable, preread: bytes = b"", finished: bool = False) -> str:
    """Run `app` for `request` and write its answer; returns what the connection does next
    (NEXT_REQUEST, DISCARD_BODY or CLOSE). `preread`: the start of the body, read by the event
    loop (all of it when `finished`)."""
    body = BodyReader(sock, conn, request, preread, finished)
    environ["wsgi.input"] = body
    state: dict = {}

    def start_response(status: str, headers: list, exc_info=None):
        if exc_info and state.get("sent"):
            raise exc_info[1].with_traceback(exc_info[2])
        state["status"], state["headers"] = status, headers
        return _no_write

    try:
        result = app(environ, start_response)
    except Exception:  # the app's own error handling failed: an answer all the same, never silence
        log.exception("access-es serve: the app failed on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
        body.broken = True
        result = _internal_error(environ, start_response)
    try:
        _write(sock, conn, state, body, result)
    except (OSError, h11.LocalProtocolError):
        return CLOSE  # the client went away, or the app's answer did not match its own framing
    except Exception:
        # The answer failed while it was being produced (the upstream stopped mid-body, say). If
        # nothing was sent yet, the client gets a 500; otherwise the connection ends without the
        # answer's end (no last chunk, or fewer bytes than its Content-Length): a client can tell
        # it was cut, never a silently shorter body.
        log.exception("access-es serve: the answer to %s %s failed", environ["REQUEST_METHOD"], environ["PATH_INFO"])
        if not state.get("sent"):
            body.broken = True
            try:
                _write(sock, conn, state, body, _internal_error(environ, start_response))
            except Exception:
                pass
        return CLOSE
    if conn.our_state is not h11.DONE:
        return CLOSE
    if conn.their_state is h11.DONE:
        return NEXT_REQUEST
    if conn.their_state is h11.SEND_BODY:
        return DISCARD_BODY
    return CLOSE


def _write(sock: socket.socket, conn: h11.Connection, state: dict, body: BodyReader, result) -> None:
    """Send the answer: its head with the first chunk of its body (one write for small answers)."""
    try:
        head = None
        for chunk in result:
            if not chunk:
                continue
            if not state.get("sent"):
                head = _head(conn, state, body)
                state["sent"] = True
            _send(sock, head, conn.send_with_data_passthrough(h11.Data(data=chunk)))
            head = None
        if not state.get("sent"):
            head = _head(conn, state, body)
            state["sent"] = True
        _send(sock, head, conn.send_with_data_passthrough(h11.EndOfMessage()))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _send(sock: socket.socket, head: bytes | None, framed: list[bytes]) -> None:
    """sendall() of the head (if any) and a chunk as h11 framed it (its size line, the chunk itself,
    its CRLF), gathered by the kernel (sendmsg) rather than joined here: joining copied every chunk
    of a large answer once more. As with sendall(), the whole write must be done within the
    socket's timeout (IO_TIMEOUT), not each of its parts."""
    parts = [memoryview(p) for p in ([head] if head else []) + framed if p]
    timeout = sock.gettimeout()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while parts:
            _drop_sent(parts, sock.sendmsg(parts))
            if parts and deadline is not None:  # a partial send: the rest within what is left
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out")
                sock.settimeout(left)
    finally:
        if sock.gettimeout() != timeout:
            sock.settimeout(timeout)


def _drop_sent(parts: list[memoryview], sent: int) -> None:
    """Take the first `sent` bytes off the parts still to send."""
    while sent and sent >= parts[0].nbytes:
        sent -= parts.pop(0).nbytes
    if sent:
        parts[0] = parts[0][sent:]


def _internal_error(environ: dict, start_response):
    return wsgi_error(environ, start_response, InternalError("access-es failed unexpectedly; see its log"))


def _head(conn: h11.Connection, state: dict, body: BodyReader) -> bytes:
    code, _, reason = state["status"].partition(" ")
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in state["headers"]]
    if not body.unread_is_small():
        headers = [(n, v) for n, v in headers if n.lower() != b"connection"] + [(b"Connection", b"close")]
    if not any(n.lower() == b"server" for n, _ in headers):
        headers.append((b"Server", SERVER_NAME))
    return conn.send(h11.Response(status_code=int(code), headers=headers, reason=reason.encode("latin-1")))


def _no_write(data: bytes) -> None:
    raise NotImplementedError("access-es serve does not support the WSGI write() callable")

"""The uWSGI adapter: what uWSGI's HTTP server (`--http11-socket`, uWSGI 2.0) does differently from
what the app needs, made right at the WSGI layer. Used only by `access-es serve`; Lambda never sees it.

Measured against uWSGI 2.0.30 (tests/test_serve_uwsgi.py, over loopback):

- A `Transfer-Encoding: chunked` body reaches the app as an EMPTY wsgi.input. We read it with
  uWSGI's chunked-input API (`uwsgi.chunked_read`) and hand the app an ordinary body with its
  CONTENT_LENGTH. If it cannot be read whole (broken framing, chunk extensions, which uWSGI's reader
  does not accept, a client that stops sending), the answer is a 400 and nothing is forwarded: never
  an empty or partial body. (uWSGI's reader is lenient in one way we cannot see: a chunk-size line
  is read as its leading hex digits, so `1g` counts as 1 and `zz` as 0, the end.)
- `Expect: 100-continue` is never answered, so clients wait (curl: 1 s) before sending the body.
  We send `100 Continue` just before the body is first read (not at all if the answer does not need
  the body, e.g. a 401), through `uwsgi.send`.
- Keep-alive requests after the first on a connection get REMOTE_ADDR `0.0.0.0` (the address is
  only filled in by accept()): we ask the socket.
- PATH_INFO has its dot segments resolved, so `/..` leaves it empty (Flask would redirect): it is
  `/` then. (The proxied path is taken from the raw REQUEST_URI, with our own rules: proxy/request.py.)
- X-Forwarded-Proto / X-Forwarded-SSL set wsgi.url_scheme, whoever sent them. The scheme is reset
  to http (the socket is plain HTTP); the app's ProxyFix reads X-Forwarded-Proto when
  ACCESS_ES_TRUST_PROXY says to. Without it, X-Forwarded-* and Forwarded are dropped, as waitress's
  clear_untrusted_proxy_headers did: they neither reach the app's rules nor get forwarded upstream.
- The parser is lax where waitress answered 400: raw non-ASCII or control bytes in the request
  target, a request line without a valid version, folded (multi-line) header values, a
  Content-Length that is not one number (duplicates arrive joined, `5, 500`; uWSGI frames the body
  by the leading digits, so `+5` means no body to it). We refuse those, and ambiguous framing
  (Transfer-Encoding with Content-Length, a transfer coding other than chunked), with a 4xx/501 and
  close the connection, so that nothing left on it can be taken for another request. (Closing is
  ours to do: see close_connection, run from uWSGI's after-request hook.)
- Keep-alive ignores `Connection: close` from the client, and an answer without Content-Length is
  neither chunk-encoded nor followed by a close, so an HTTP/1.1 client could not tell where it ends.
  In both cases the answer carries `Connection: close` and the connection is closed after it
  (answers of unknown length are only streamed ones, e.g. a chunked upstream answer over 1 MiB).
- `Server: access-es` is added when the answer has no Server header (the upstream's is kept).
- Each thread serves one connection at a time, and an idle keep-alive connection holds its thread
  until the client sends again or the socket timeout passes (waitress's idle connections held no
  thread). Clients that keep connections open (browsers keep several each; scripts forget theirs)
  would leave new connections waiting: measured, the 17th connection after 16 idle ones waited the
  whole 10 s. KeepAliveBudget keeps a quarter of the threads for new connections.

Request heads are limited by uWSGI's buffer (64 KiB, its maximum, shared by the target, its decoded
copy and the headers): over it, or when a header line is malformed, uWSGI answers nothing and
closes the connection (at once, or after its socket timeout).
"""
from __future__ import annotations

import io
import os
import re
import socket
import threading
import time
from typing import Callable

from .errors import BadRequest, ProxyError, RequestTooLarge, wsgi_error
from .logs import RequestLog

SERVER_NAME = "access-es"
MAX_REQUEST_BODY = 1024 * 1024 * 1024  # bytes, as waitress's max_request_body_size
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

# RFC 9112 3.2: the request target is visible ASCII; anything else must be percent-encoded.
_BAD_TARGET = re.compile(r"[^\x21-\x7e]")
_LENGTH = re.compile(r"[0-9]+")
_PROXY_HEADERS = ("HTTP_X_FORWARDED_", "HTTP_FORWARDED")
_DRAIN_LIMIT = 1024 * 1024  # bytes of unread input discarded before closing (see close_connection)

# The connection this thread's request must end, once uWSGI has written the answer (after_request).
_to_close = threading.local()
# (connection descriptor, client address) of the connection this thread serves.
_peer = threading.local()


class NotImplementedCoding(ProxyError):
    status = 501
    title = "Not implemented"
    error_type = "not_implemented"


class KeepAliveBudget:
    """How many threads keep-alive connections may hold, so that some are always free to accept.

    A thread counts as occupied while it serves a request, and for up to the idle timeout after an
    answer that left its connection open (less if the client sends again or closes, which is not
    seen here: the count errs towards closing). While more than three quarters of the threads are
    occupied, answers close their connections instead of keeping them open. With one thread, every
    answer closes its connection.
    """

    def __init__(self, threads: int, idle_timeout: float, clock: Callable[[], float] = time.monotonic):
        self.limit = threads * 3 // 4
        self.idle_timeout = idle_timeout
        self.clock = clock
        self._until: dict[int, float | None] = {}  # thread -> None while serving, or when its wait ends

    def serving(self) -> None:
        self._until[threading.get_ident()] = None

    def allows_keep_alive(self) -> bool:
        now = self.clock()
        occupied = sum(1 for until in list(self._until.values()) if until is None or until > now)
        return occupied <= self.limit  # this thread included

    def done(self, kept_open: bool) -> None:
        if kept_open:
            self._until[threading.get_ident()] = self.clock() + self.idle_timeout
        else:
            self._until.pop(threading.get_ident(), None)


class UwsgiAdapter:
    """WSGI middleware, outermost under `access-es serve`.

    `threads` and `idle_timeout` are uWSGI's --threads and --socket-timeout; `server` is the `uwsgi`
    module (connection_fd, chunked_read, send), for which tests pass a stand-in.
    """

    def __init__(self, app: Callable, trust_proxy: int, threads: int, idle_timeout: float, server=None):
        self.app = app
        self.trust_proxy = trust_proxy
        self.keep_alive = KeepAliveBudget(threads, idle_timeout)
        if server is None:
            import uwsgi as server  # exists only inside a uWSGI process
        self.server = server

    def __call__(self, environ: dict, start_response: Callable):
        _to_close.connection = None
        self.keep_alive.serving()
        exchange = _Exchange(self.server, environ, self.keep_alive)
        self._fix_environ(environ)
        try:
            _check_request(environ)
            if "HTTP_TRANSFER_ENCODING" in environ:
                # uWSGI's reader leaves the trailer section unread: this connection ends here.
                exchange.end_connection()
                self._read_chunked_body(environ)
            elif _wants_continue(environ) and environ.get("CONTENT_LENGTH", "0") != "0":
                environ["wsgi.input"] = _ContinueFirst(environ["wsgi.input"], self.server)
        except ProxyError as e:
            exchange.end_connection()
            refused = e  # `e` is unbound once the except block ends; the lambda must not depend on it
            refusal = RequestLog(lambda env, start: wsgi_error(env, start, refused, refused.status,
                                                               refused.error_type))
            return refusal(environ, exchange.start(start_response))
        return self.app(environ, exchange.start(start_response))

    def after_request(self) -> None:
        """uWSGI's after_req_hook: runs in the request's thread once the answer is written (uWSGI
        writes the head of a body-less answer only after the app's iterable is closed)."""
        connection = getattr(_to_close, "connection", None)
        _to_close.connection = None
        if connection is not None:
            close_connection(*connection)
        self.keep_alive.done(kept_open=connection is None)

    def _fix_environ(self, environ: dict) -> None:
        fd = self.server.connection_fd()
        if environ.get("REMOTE_ADDR") in (None, "", "0.0.0.0"):
            # A thread serves its connection to the end, and the connection's first request had
            # the real address: remembered per thread, it saves three system calls per request.
            known = getattr(_peer, "address", None)
            address = known[1] if known and known[0] == fd else _peer_address(fd)
            if address:
                environ["REMOTE_ADDR"] = address
                _peer.address = (fd, address)
        else:
            _peer.address = (fd, environ["REMOTE_ADDR"])
        environ["wsgi.url_scheme"] = "http"
        if not environ.get("PATH_INFO"):
            environ["PATH_INFO"] = "/"  # uWSGI resolves dot segments: `/..` leaves nothing
        if not self.trust_proxy:
            for name in [k for k in environ if k.startswith(_PROXY_HEADERS)]:
                del environ[name]

    def _read_chunked_body(self, environ: dict) -> None:
        """The whole chunked body, or a refusal; never an empty or partial one."""
        if _wants_continue(environ):
            self.server.send(CONTINUE)
        body = io.BytesIO()
        try:
            while chunk := self.server.chunked_read():
                if body.tell() + len(chunk) > MAX_REQUEST_BODY:
                    raise RequestTooLarge(f"the request body is over {MAX_REQUEST_BODY:,} bytes")
                body.write(chunk)
        except OSError:
            raise BadRequest(
                "the chunked request body could not be read whole: malformed chunk framing, chunk "
                "extensions (not supported), or the client stopped sending",
                hint="send the body with a Content-Length") from None
        del environ["HTTP_TRANSFER_ENCODING"]
        environ["CONTENT_LENGTH"] = str(body.tell())
        body.seek(0)
        environ["wsgi.input"] = body


def _check_request(environ: dict) -> None:
    if environ.get("SERVER_PROTOCOL") not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest("malformed request line: expected METHOD TARGET HTTP/1.1")
    if _BAD_TARGET.search(environ.get("REQUEST_URI", "")):
        raise BadRequest("the request target has raw non-ASCII or control characters; percent-encode them")
    for name, value in environ.items():
        if name.startswith("HTTP_") and "\n" in value:
            raise BadRequest("folded (multi-line) header values are not accepted (RFC 9112 5.2)")
    length = environ.get("CONTENT_LENGTH")
    if length:
        if not _LENGTH.fullmatch(length):
            raise BadRequest("invalid Content-Length: one decimal number is expected "
                             "(repeated Content-Length headers are refused)")
        if int(length) > MAX_REQUEST_BODY:
            raise RequestTooLarge(f"the request body is over {MAX_REQUEST_BODY:,} bytes")
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    if coding is not None:
        if length:
            raise BadRequest("a request may not carry both Transfer-Encoding and Content-Length")
        if coding.strip().lower() != "chunked":
            raise NotImplementedCoding(f"unsupported Transfer-Encoding {coding[:40]!r}; "
                                       "send the body with a Content-Length, or chunked")


def _wants_continue(environ: dict) -> bool:
    return (environ.get("HTTP_EXPECT", "").strip().lower() == "100-continue"
            and environ.get("SERVER_PROTOCOL") == "HTTP/1.1")


class _Exchange:
    """One request and its answer: whether the connection must end once the answer is written."""

    def __init__(self, server, environ: dict, keep_alive: KeepAliveBudget):
        self.server = server
        self.environ = environ
        self.keep_alive = keep_alive
        self.close_after = False

    def end_connection(self) -> None:
        """No further request on this connection: it is closed after this answer (after_request).
        The socket is identified by inode too, in case uWSGI closes the descriptor first and the
        number is reused."""
        self.close_after = True
        fd = self.server.connection_fd()
        try:
            identity = os.fstat(fd)
        except OSError:
            return
        _to_close.connection = (fd, identity.st_dev, identity.st_ino)

    def start(self, start_response: Callable) -> Callable:
        def start(status: str, headers: list, exc_info=None):
            names = {name.lower() for name, _ in headers}
            if "server" not in names:
                headers.append(("Server", SERVER_NAME))
            if (self.close_after or "close" in self.environ.get("HTTP_CONNECTION", "").lower()
                    or ("content-length" not in names and _has_body(status, self.environ))
                    or not self.keep_alive.allows_keep_alive()):
                if not self.close_after:
                    self.end_connection()
                if "connection" not in names:
                    headers.append(("Connection", "close"))
            return start_response(status, headers, exc_info)

        return start


def _has_body(status: str, environ: dict) -> bool:
    code = status[:3]
    return not (code[0] == "1" or code in ("204", "304") or environ.get("REQUEST_METHOD") == "HEAD")


def close_connection(fd: int, device: int, inode: int) -> None:
    """End the client connection on `fd` (if it is still that socket) now that the answer is written.

    uWSGI's keep-alive would otherwise read on, taking whatever the client sent next (or left
    unread) for a new request. The answer is followed by a FIN; input still pending is discarded,
    since closing with unread input makes the kernel reset the connection and the client could lose
    the answer; then the descriptor is pointed at /dev/null (atomically, so the number is never free
    for another thread to reuse), where uWSGI reads end-of-file and closes it.
    """
    try:
        identity = os.fstat(fd)
        if (identity.st_dev, identity.st_ino) != (device, inode):
            return  # uWSGI closed it already (HTTP/1.0, an unread body...) and the number was reused
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        discarded = 0
        while discarded < _DRAIN_LIMIT:
            data = sock.recv(65536)
            if not data:
                break
            discarded += len(data)
    except OSError:
        pass  # nothing pending (EAGAIN), or the client is gone already
    finally:
        sock.detach()  # the descriptor stays uWSGI's until dup2 below replaces it
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _peer_address(fd: int) -> str | None:
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return None
    try:
        address = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        return None
    finally:
        sock.detach()  # the descriptor stays uWSGI's
    # as uWSGI writes it: an IPv4 client of an IPv6 socket as plain IPv4
    return address[7:] if address.startswith("::ffff:") and "." in address else address


class _ContinueFirst:
    """wsgi.input that says `100 Continue` before the first read, for a client that waits for it."""

    def __init__(self, body, server):
        self._body = body
        self._server = server
        self._asked = False

    def _go_ahead(self) -> None:
        if not self._asked:
            self._asked = True
            self._server.send(CONTINUE)

    def read(self, size: int = -1) -> bytes:
        self._go_ahead()
        return self._body.read(size) if size is not None and size >= 0 else self._body.read()

    def readline(self, size: int = -1) -> bytes:
        self._go_ahead()
        return self._body.readline(size) if size is not None and size >= 0 else self._body.readline()

    def readlines(self, hint: int = -1) -> list[bytes]:
        self._go_ahead()
        return self._body.readlines(hint) if hint is not None and hint >= 0 else self._body.readlines()

    def __iter__(self):
        self._go_ahead()
        return iter(self._body)

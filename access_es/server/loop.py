"""The event loop of one serving process: it accepts connections, reads request heads, waits on
idle keep-alive connections, throws away bodies that answers did not need and lingers on closing
connections, all without threads; a pool of worker threads runs the app, one complete request
head at a time.

So a client that sends its head slowly (slowloris), or keeps a connection open and idle, costs a
socket and a few bytes here, never a worker: complete requests from others are answered as soon
as a worker is free. A head must be complete within HEAD_TIMEOUT of its first byte (408 after).
"""
from __future__ import annotations

import collections
import logging
import re
import selectors
import socket
import threading
import time
from typing import Callable

import h11

from ..errors import BadRequest, HeadersTooLarge, NotImplementedCoding, ProxyError, RequestTimeout, wsgi_error
from ..logs import RequestLog
from .environ import body_length, build_environ, head_problem, request_problem
from .exchange import CLOSE, DISCARD_BODY, NEXT_REQUEST, SERVER_NAME, serve
from .shares import ABSENT, STEP_BACK, ConnectionShares, stepping_back
from .limits import (DISCARD_LIMIT, HEAD_TIMEOUT, IO_TIMEOUT, KEEP_ALIVE_TIMEOUT, LINGER_TIMEOUT, MAX_CONNECTIONS,
                     MAX_HEAD, PREREAD_LIMIT, SHUTDOWN_GRACE)

log = logging.getLogger("access_es.server")

HEAD, BODY, WORKING, DISCARD, LINGER = "head", "body", "working", "discard", "linger"
_END_OF_HEAD = re.compile(rb"\r?\n\r?\n")
_TICK = 0.25  # seconds between checks of the deadlines
# How long a worker that has just answered waits on its connection for the client's next request
# before handing the connection back to the event loop (when no other request waits for a worker):
# a client sending a series of requests is then served without two hand-overs between threads per
# request. Short enough that an idle connection never holds a worker for long.
WORKER_WAIT = 0.002
# A worker hands a connection back having started its next request cycle (conn.head: what came).
HEAD_SO_FAR = "head-so-far"


class Connection:
    """A client connection and where it stands."""

    __slots__ = ("sock", "client", "state", "deadline", "head", "head_started", "http", "discarded", "request",
                 "preread")

    def __init__(self, sock: socket.socket, client: tuple[str, int], now: float):
        self.sock = sock
        self.client = client
        self.http: h11.Connection | None = None
        self.discarded = 0
        self.request: h11.Request | None = None
        self.preread = bytearray()
        self.waiting_for_head(bytearray(), now, HEAD_TIMEOUT)

    def waiting_for_head(self, buffered: bytearray, now: float, idle_timeout: float) -> None:
        self.state = HEAD
        self.head = buffered
        self.head_started = None
        self.deadline = now + idle_timeout


class RequestQueue:
    """Complete requests waiting for a worker thread, first come first served. Each goes to the
    worker that became idle last, not to the one idle longest (a Condition's order): with fewer
    requests at a time than workers, the same few threads do the work, and their memory and caches
    stay warm. glibc gives each thread a heap (arena) of its own, which keeps what its answers
    freed: taken in turn, one client's series of large answers went round every thread, each
    keeping its own copy's worth (bench/large_answers.py, the proxy's peak above idle over the
    runs: 13 -> 1.2 MiB for 1 MiB answers, 25 -> 6 MiB for 6 MiB ones)."""

    def __init__(self):
        self._items: collections.deque = collections.deque()
        self._idle: list[threading.Lock] = []  # the waiting workers' wake locks, the latest last
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self._items)

    def put(self, item) -> None:
        with self._lock:
            self._items.append(item)
            wake = self._idle.pop() if self._idle else None
        if wake is not None:
            wake.release()

    def take(self, wake: threading.Lock):
        """The next request, for the worker whose `wake` lock (held) this is; waits for one. A worker
        woken for a request that another took first (one just done with its own) waits again."""
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
                self._idle.append(wake)
            wake.acquire()


class EventLoop:
    def __init__(self, listener: socket.socket, app: Callable, threads: int, trust_proxy: int,
                 shares: ConnectionShares | None = None):
        """`shares`: the connection counts of every worker process on this listener (shares.py),
        None when this process is the only one."""
        self.listener = listener
        self.app = app
        self.trust_proxy = trust_proxy
        self.shares = shares
        self.multiprocess = shares is not None
        self.stepping_back_since: float | None = None  # left a waiting connection to another process
        self.accept_again_at: float | None = None
        self.server_address = listener.getsockname()[:2]
        self.selector = selectors.DefaultSelector()
        self.connections: set[Connection] = set()
        self.accepting = False
        self.requests = RequestQueue()  # (connection, whether its body is read) for workers
        self.returned: collections.deque = collections.deque()  # (connection, what next) from workers
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self.threads = [threading.Thread(target=self._work, name=f"worker-{i}", daemon=True)
                        for i in range(threads)]
        self.stopping: float | None = None  # when stop() was asked for

    def stop(self) -> None:
        """Stop gracefully (from a signal handler): accept no more, close idle connections, let the
        requests in progress finish for up to SHUTDOWN_GRACE seconds; run_forever then returns."""
        if self.stopping is None:
            self.stopping = time.monotonic()

    # ---- the loop -----------------------------------------------------------------------------

    def run_forever(self) -> None:
        self.listener.setblocking(False)
        self.selector.register(self._wake_reader, selectors.EVENT_READ, None)
        self._accept_more(True)
        for thread in self.threads:
            thread.start()
        next_tick = time.monotonic() + _TICK
        while True:
            timeout = _TICK
            if self.accept_again_at is not None:
                timeout = max(0.0, min(timeout, self.accept_again_at - time.monotonic()))
            for key, _ in self.selector.select(timeout):
                if key.fileobj is self.listener:
                    self._accept()
                elif key.data is None:
                    self._take_returned()
                else:
                    self._readable(key.data)
            now = time.monotonic()
            if self.accept_again_at is not None and now >= self.accept_again_at:
                self.accept_again_at = None
                self._accept_more(True)
            if self.stopping is not None and self._stopped(now):
                return
            if now >= next_tick:
                self._expire(now)
                next_tick = now + _TICK

    def _stopped(self, now: float) -> bool:
        if self.accepting or self.listener.fileno() != -1:
            self._accept_more(False)
            self.listener.close()
            self._share()  # accepting no more: nobody is to step back for this process
        for conn in [c for c in self.connections if c.state != WORKING]:
            self._close(conn)
        busy = len(self.connections)
        if busy and now < self.stopping + SHUTDOWN_GRACE:
            return False
        if busy:
            log.warning("access-es serve: stopping with %d request(s) still in progress after %g s", busy,
                        SHUTDOWN_GRACE)
        return True

    def _accept_more(self, on: bool) -> None:
        if on and self.stopping is not None:
            return
        if on and not self.accepting:
            self.selector.register(self.listener, selectors.EVENT_READ, None)
        elif not on and self.accepting:
            self.selector.unregister(self.listener)
        self.accepting = on

    def _accept(self) -> None:
        now = time.monotonic()
        while len(self.connections) < MAX_CONNECTIONS:
            if self.shares is not None:
                self.stepping_back_since = stepping_back(len(self.connections), self.shares.fewest_elsewhere(),
                                                         self.stepping_back_since, now)
                if self.stepping_back_since is not None:  # another process holds fewer: its turn
                    self._accept_more(False)
                    self.accept_again_at = now + STEP_BACK
                    return
            try:
                sock, address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:  # out of descriptors, say: the backlog keeps them until the next tick
                log.warning("access-es serve: accept failed: %s", e)
                break
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host = address[0]
            if host.startswith("::ffff:") and "." in host:
                host = host[7:]  # an IPv4 client of an IPv6 socket, as IPv4
            conn = Connection(sock, (host, address[1]), now)
            self.connections.add(conn)
            self.selector.register(sock, selectors.EVENT_READ, conn)
            self._share()
        self._accept_more(False)

    def _share(self) -> None:
        """Tell the other worker processes how many connections this one holds; once it is stopping
        (it accepts no more, and holds fewer and fewer as its last requests finish), none to wait for,
        as for an ended process: a process stopped alone (a signal of its own) would otherwise have
        every other step back for it, each new connection waiting out their patience."""
        if self.shares is not None:
            self.shares.hold(len(self.connections) if self.stopping is None else ABSENT)

    def _readable(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data and conn.state == BODY:  # it may still read: say why nothing is forwarded
            chunked = body_length(conn.request) is None
            self._refuse(conn, BadRequest(f"the {'chunked ' if chunked else ''}request body was cut short: the "
                                          "client stopped sending before its end"), conn.request)
            return
        if not data or conn.state == LINGER:
            if not data:
                self._close(conn)  # the client closed: mid-head, idle, or after our answer
            return
        if conn.state == DISCARD:
            conn.http.receive_data(data)
            self._discard(conn)
            return
        if conn.state == BODY:
            conn.http.receive_data(data)
            self._preread(conn)
            return
        if conn.head_started is None:
            conn.head_started = time.monotonic()
            conn.deadline = conn.head_started + HEAD_TIMEOUT
        conn.head += data
        self._parse_head(conn, len(conn.head) - len(data))

    def _parse_head(self, conn: Connection, known: int = 0) -> None:
        """`known`: how many bytes of the head were searched for its end already (a head that
        trickles in byte by byte must not be searched from its start each time)."""
        head = conn.head
        if head[:1] in (b"\r", b"\n"):
            # RFC 9112 2.2: empty lines before a request line are ignored (a client may end a body
            # with an extra CRLF)
            stripped = head.lstrip(b"\r\n")
            known = max(0, known - (len(head) - len(stripped)))
            head[:] = stripped
            if not head:
                return
        end = _END_OF_HEAD.search(head, max(0, known - 3))
        if end is None or end.end() > MAX_HEAD:
            if len(head) > MAX_HEAD:
                self._refuse(conn, HeadersTooLarge(f"the request head is over {MAX_HEAD:,} bytes"))
            return
        problem = head_problem(bytes(head[:end.end()]))
        conn.http = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        conn.http.receive_data(bytes(head))
        try:
            request = conn.http.next_event()
        except h11.RemoteProtocolError as e:
            self._refuse(conn, _protocol_error(e))
            return
        if type(request) is not h11.Request:
            self._refuse(conn, BadRequest("malformed request head"))
            return
        conn.head = bytearray()
        problem = problem or request_problem(request)
        if problem is not None:
            self._refuse(conn, problem, request)
            return
        conn.request = request
        conn.preread = bytearray()
        length = body_length(request)
        if conn.http.they_are_waiting_for_100_continue or (length is not None and length > PREREAD_LIMIT):
            self._dispatch(conn, finished=False)  # its body comes when the app asks for it
            return
        conn.state = BODY
        self._preread(conn)

    def _preread(self, conn: Connection) -> None:
        """Read a small body (up to PREREAD_LIMIT) with its head, before a worker takes the request."""
        while True:
            try:
                event = conn.http.next_event()
            except h11.RemoteProtocolError as e:
                self._refuse(conn, BadRequest(f"malformed request body: {str(e).split(':', 1)[0]}"), conn.request)
                return
            if event is h11.NEED_DATA:
                return  # more to come, within the head's deadline
            if type(event) is h11.Data:
                conn.preread += event.data
                if len(conn.preread) >= PREREAD_LIMIT:
                    self._dispatch(conn, finished=False)
                    return
            else:  # EndOfMessage
                self._dispatch(conn, finished=True)
                return

    def _dispatch(self, conn: Connection, finished: bool) -> None:
        self.selector.unregister(conn.sock)
        conn.state = WORKING
        self.requests.put((conn, finished))

    def _discard(self, conn: Connection) -> None:
        """Throw away the rest of a body that the answer did not need, then wait for the next
        request (which may already be behind it)."""
        while True:
            try:
                event = conn.http.next_event()
            except h11.RemoteProtocolError:
                self._linger(conn)
                return
            if event is h11.NEED_DATA:
                return
            if type(event) is h11.Data:
                conn.discarded += len(event.data)
                if conn.discarded > DISCARD_LIMIT:
                    self._linger(conn)
                    return
            elif type(event) is h11.EndOfMessage:
                conn.http.start_next_cycle()
                self._next_request(conn)
                return
            else:
                self._linger(conn)
                return

    def _next_request(self, conn: Connection) -> None:
        buffered = bytearray(conn.http.trailing_data[0])
        conn.http = None
        conn.waiting_for_head(buffered, time.monotonic(), KEEP_ALIVE_TIMEOUT)
        if buffered:  # pipelined: the next head is (partly) here already
            conn.head_started = time.monotonic()
            conn.deadline = conn.head_started + HEAD_TIMEOUT
            self._parse_head(conn)

    def _linger(self, conn: Connection) -> None:
        """End the connection once the client has stopped sending (or LINGER_TIMEOUT passed): our
        FIN now, the close later, so that no input of the client's is left unread at close, which
        would reset the connection under the answer it is still reading."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.state = LINGER
        conn.deadline = time.monotonic() + LINGER_TIMEOUT

    def _refuse(self, conn: Connection, error: ProxyError, request: h11.Request | None = None) -> None:
        """Answer a request that never reaches the app (a malformed or too slow head), log it as
        every request is logged, and end the connection."""
        method, path = _request_line(request, conn.head)
        conn.head = bytearray()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "REMOTE_ADDR": conn.client[0],
                   "SERVER_PROTOCOL": "HTTP/1.1"}
        answer: dict = {}

        def start(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        body = RequestLog(lambda env, start_response: wsgi_error(env, start_response, error))(environ, start)
        data = b"".join(body)
        body.close()  # writes the log line
        head = [f"HTTP/1.1 {answer['status']}"] + [f"{n}: {v}" for n, v in answer["headers"]]
        head += ["Connection: close", f"Server: {SERVER_NAME.decode()}"]
        try:
            conn.sock.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
        except OSError:
            pass  # the client is gone already; nothing more to tell it
        self._linger(conn)

    def _close(self, conn: Connection) -> None:
        if conn.state != WORKING:
            try:
                self.selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.sock.close()
        self.connections.discard(conn)
        self._share()
        if not self.accepting:
            self._accept_more(True)

    def _expire(self, now: float) -> None:
        if not self.accepting and len(self.connections) < MAX_CONNECTIONS:
            self._accept_more(True)  # after a failed accept (out of descriptors): try again, a tick later
        for conn in [c for c in self.connections if c.state != WORKING and c.deadline <= now]:
            if conn.state == HEAD and conn.head_started is not None:
                self._refuse(conn, RequestTimeout(f"the request head did not arrive whole within "
                                                  f"{HEAD_TIMEOUT:g} s"))
            elif conn.state == BODY:
                self._refuse(conn, RequestTimeout(f"the request head and its first {PREREAD_LIMIT // 1024} KiB of "
                                                  f"body did not arrive within {HEAD_TIMEOUT:g} s"), conn.request)
            else:
                self._close(conn)

    # ---- handing connections to workers and back ----------------------------------------------

    def _take_returned(self) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while self.returned:
            conn, what_next = self.returned.popleft()
            if self.stopping is not None:
                self._close(conn)  # still WORKING: not registered with the selector
                continue
            conn.sock.setblocking(False)
            conn.state = HEAD  # owned by the loop again
            self.selector.register(conn.sock, selectors.EVENT_READ, conn)
            if what_next == NEXT_REQUEST:
                conn.http.start_next_cycle()
                self._next_request(conn)
            elif what_next == HEAD_SO_FAR:  # a worker started the next cycle; conn.head holds what came
                buffered = conn.head
                conn.waiting_for_head(buffered, time.monotonic(), KEEP_ALIVE_TIMEOUT)
                if buffered:
                    conn.head_started = time.monotonic()
                    conn.deadline = conn.head_started + HEAD_TIMEOUT
                    self._parse_head(conn)
            elif what_next == DISCARD_BODY:
                conn.state = DISCARD
                conn.discarded = 0
                conn.deadline = time.monotonic() + IO_TIMEOUT
                self._discard(conn)
            else:
                self._linger(conn)

    def _work(self) -> None:
        wake = threading.Lock()
        wake.acquire()  # held: released by the dispatch that hands this worker a request
        while True:
            conn, finished = self.requests.take(wake)
            while True:
                try:
                    what_next = self._serve(conn, finished)
                except BaseException:  # never lose a worker, nor leave its connection hanging
                    log.exception("access-es serve: a worker failed")
                    what_next = CLOSE
                if what_next != NEXT_REQUEST:
                    break
                try:
                    finished = self._next_head_here(conn)
                except BaseException:
                    log.exception("access-es serve: a worker failed")
                    what_next, finished = CLOSE, None
                if finished is None:
                    if what_next == NEXT_REQUEST:
                        what_next = HEAD_SO_FAR
                    break
            self.returned.append((conn, what_next))
            try:
                self._wake_writer.send(b"\0")
            except (BlockingIOError, InterruptedError):
                pass  # a wake-up is pending already

    def _next_head_here(self, conn: Connection) -> bool | None:
        """The next request of a keep-alive connection, read by the worker that just answered it
        when it comes at once (a client's next request in a series): its head whole within
        WORKER_WAIT, nothing wrong with it. Then it is ready to serve here (True: its body, if any,
        read whole; False: still to be read, as the app asks), without two trips through the event
        loop. Anything else (nothing yet, a partial or refused head, other requests waiting for a
        worker, the server stopping) is the event loop's: None, with what came so far in conn.head."""
        conn.http.start_next_cycle()
        buffered = bytearray(conn.http.trailing_data[0])
        conn.http = None
        conn.head = buffered
        if buffered or self.requests or self.stopping is not None:
            return None  # pipelined bytes: the loop's careful path; others waiting: free this worker
        try:
            conn.sock.settimeout(WORKER_WAIT)
            data = conn.sock.recv(65536)
        except (TimeoutError, BlockingIOError, InterruptedError):
            return None
        except OSError:
            return None  # the loop finds the connection broken and closes it
        if not data:
            return None  # the client closed: the loop reads the end of the stream and closes
        buffered += data
        if buffered[:1] in (b"\r", b"\n"):
            return None
        end = _END_OF_HEAD.search(buffered)
        if end is None or end.end() > MAX_HEAD or head_problem(bytes(buffered[:end.end()])) is not None:
            return None
        http = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        http.receive_data(bytes(buffered))
        try:
            request = http.next_event()
            if type(request) is not h11.Request or request_problem(request) is not None:
                return None
            length = body_length(request)
            preread = bytearray()
            finished = False
            if not http.they_are_waiting_for_100_continue and not (length is not None and length > PREREAD_LIMIT):
                while True:
                    event = http.next_event()
                    if event is h11.NEED_DATA:
                        return None  # the body is still on its way: the loop reads it, within its deadline
                    if type(event) is h11.Data:
                        preread += event.data
                        if len(preread) >= PREREAD_LIMIT:
                            break
                    else:  # EndOfMessage
                        finished = True
                        break
        except h11.RemoteProtocolError:
            return None  # the loop parses it again and refuses it
        conn.head = bytearray()
        conn.http, conn.request, conn.preread = http, request, preread
        return finished

    def _serve(self, conn: Connection, finished: bool) -> str:
        conn.sock.settimeout(IO_TIMEOUT)
        request, preread = conn.request, bytes(conn.preread)
        conn.request, conn.preread = None, bytearray()
        environ = build_environ(request, client=conn.client, server=self.server_address,
                                trust_proxy=self.trust_proxy, multiprocess=self.multiprocess)
        return serve(conn.sock, conn.http, request, environ, self.app, preread, finished)


_REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}) ([\x21-\x7e]{1,2048}) HTTP/")


def _request_line(request: h11.Request | None, head: bytes) -> tuple[str, str]:
    """Method and path (never the query) of a refused request, for its log line: from the parsed
    request, or read from a head that h11 could not parse, or "-"."""
    if request is not None:
        return request.method.decode("ascii"), request.target.decode("latin-1").split("?")[0]
    line = _REQUEST_LINE.match(head)
    if line is None:
        return "-", "-"
    return line.group(1).decode("ascii"), line.group(2).decode("ascii").split("?")[0]


def _protocol_error(e: h11.RemoteProtocolError) -> ProxyError:
    if e.error_status_hint == 431:
        return HeadersTooLarge(f"the request head is over {MAX_HEAD:,} bytes")
    if e.error_status_hint == 501:
        return NotImplementedCoding(f"{e}; send the body with a Content-Length, or chunked")
    # h11 quotes the offending line after a colon: never repeated (a header line may hold a secret)
    what = str(e).split(":", 1)[0]
    if what == "illegal header line":
        what += " (a header name must be a token followed at once by its colon: RFC 9112 5.1)"
    return BadRequest(f"malformed request: {what}")

"""Hostile clients over loopback, shared by the short tests (tests/test_hostile_clients.py, make test)
and the long bench (bench/hostile.py, make bench):

- `Slowloris`: many connections that send a request line and then one header line every second,
  never ending the head; it records when the server cut each one, and what it said first;
- `timed_request`: a normal client's request, timed, whatever happens to it;
- `stream_request`: one request whose body (chunked or with a Content-Length) is generated on the fly
  and sent while another thread reads the answer, so an early answer (a 401 before the body) is seen
  even if the server then closes the connection under the sender;
- `RssSampler`: the serve process tree's resident memory (VmRSS), sampled in a thread.

Everything is bounded: in count (connections, bytes) and in time (socket timeouts and deadlines).
"""
from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .processes import tree_pids

MIB = 1024 * 1024
# The request body limit of the rewritten server (issue 11): larger bodies get 413.
BODY_LIMIT = 100 * MIB


def head_timeout() -> float:
    """How long the server lets a request head (request line and headers) take as a whole."""
    try:
        from access_es.server import HEAD_TIMEOUT
    except ImportError:  # today's server has none: the rewrite's value
        return 10.0
    return float(HEAD_TIMEOUT)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


# ---- the server's memory ------------------------------------------------------------------------

def _status_kib(pid: int, field: str) -> int:
    """A memory figure from /proc/PID/status (VmRSS: resident now; VmHWM: the highest it has been)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0  # gone, or a zombie


def tree_rss_mib(root: int) -> float:
    return sum(_status_kib(pid, "VmRSS") for pid in tree_pids(root)) / 1024


def tree_hwm_kib(root: int) -> dict[int, int]:
    return {pid: _status_kib(pid, "VmHWM") for pid in tree_pids(root)}


class RssSampler:
    """`with RssSampler(pid) as rss:` samples the tree's RSS every `every` seconds (for at most
    `limit` seconds); `rss.baseline` is taken as the block starts, `rss.rise` is how far it grew:
    the highest sample above the baseline, or, if more, the growth of the processes' own high-water
    marks (which a spike between two samples cannot escape)."""

    def __init__(self, pid: int, every: float = 0.05, limit: float = 120.0):
        self.pid, self.every, self.limit = pid, every, limit
        self.baseline = self.peak = 0.0
        self.hwm_growth = 0.0
        self._hwm: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> "RssSampler":
        self._hwm = tree_hwm_kib(self.pid)
        self.baseline = self.peak = tree_rss_mib(self.pid)
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.peak = max(self.peak, tree_rss_mib(self.pid))
            self._stop.wait(self.every)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, tree_rss_mib(self.pid))
        after = tree_hwm_kib(self.pid)
        self.hwm_growth = sum(max(0, after[pid] - before) for pid, before in self._hwm.items() if pid in after) / 1024

    @property
    def rise(self) -> float:
        return max(self.peak - self.baseline, self.hwm_growth)


# ---- a normal client ----------------------------------------------------------------------------

@dataclass
class Timed:
    what: str
    seconds: float
    status: int | None = None
    error: str | None = None


def timed_request(what: str, url: str, *, auth=None, timeout: float = 3.0) -> Timed:
    """One request on a new connection, timed from connect to the last byte; its status, or what
    went wrong (after at most about `timeout` seconds per phase)."""
    started = time.monotonic()
    try:
        r = requests.get(url, auth=auth, timeout=(timeout, timeout), headers={"Connection": "close"})
        return Timed(what, time.monotonic() - started, r.status_code)
    except requests.RequestException as e:
        return Timed(what, time.monotonic() - started, error=e.__class__.__name__)


# ---- slow clients -------------------------------------------------------------------------------

@dataclass
class SlowClient:
    sock: socket.socket
    opened: float                       # time.monotonic() when its request line was sent
    lines: int = 0                      # header lines sent after the request line
    received: bytes = b""               # what the server said before cutting it (a 408, say)
    closed_at: float | None = None      # when the server closed (or reset) the connection
    how: str = ""

    @property
    def cut_after(self) -> float | None:
        return None if self.closed_at is None else self.closed_at - self.opened


class Slowloris:
    """`count` connections to 127.0.0.1:`port`, each sending `GET /_echo/slow-N HTTP/1.1`, a Host
    line, then one more header line every `interval` seconds, never the empty line that ends the
    head. A thread trickles and watches them until `stop()` or `limit` seconds, whichever is first.
    With `reconnect`, each connection the server cuts is replaced by a new one (a persistent
    attacker), up to `count * 20` connections in all."""

    def __init__(self, port: int, count: int, interval: float = 1.0, limit: float = 60.0,
                 reconnect: bool = False):
        self.port, self.count, self.interval, self.limit, self.reconnect = port, count, interval, limit, reconnect
        self.clients: list[SlowClient] = []
        self.connect_errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowloris", daemon=True)
        self._selector = selectors.DefaultSelector()

    def __enter__(self) -> "Slowloris":
        for _ in range(self.count):
            self._open()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for client in self.clients:
            client.sock.close()
        self._selector.close()

    # -- what happened ---------------------------------------------------------------------------
    def open_clients(self) -> list[SlowClient]:
        return [c for c in self.clients if c.closed_at is None]

    def wait_all_cut(self, deadline: float) -> bool:
        """Until every slow connection is closed by the server, or time.monotonic() passes deadline."""
        while time.monotonic() < deadline and not self._stop.is_set():
            if not self.open_clients():
                return True
            time.sleep(0.05)
        return not self.open_clients()

    # -- the trickling thread --------------------------------------------------------------------
    def _open(self) -> None:
        if len(self.clients) + len(self.connect_errors) >= self.count * 20:
            return
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            sock.setblocking(False)
            sock.send(f"GET /_echo/slow-{len(self.clients)} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        except OSError as e:  # refused at once: as good as cut
            self.connect_errors.append(repr(e))
            return
        client = SlowClient(sock, time.monotonic())
        self.clients.append(client)
        self._selector.register(sock, selectors.EVENT_READ, client)

    def _closed(self, client: SlowClient, how: str) -> None:
        if client.closed_at is None:
            client.closed_at, client.how = time.monotonic(), how
            try:
                self._selector.unregister(client.sock)
            except (KeyError, ValueError):
                pass
            client.sock.close()
            if self.reconnect and not self._stop.is_set():
                self._open()

    def _read(self, client: SlowClient) -> None:
        try:
            data = client.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            self._closed(client, f"recv: {e.__class__.__name__}")
            return
        if not data:
            self._closed(client, "closed")
        elif len(client.received) < 65536:
            client.received += data

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        next_line = time.monotonic() + self.interval
        while not self._stop.is_set() and time.monotonic() < deadline:
            wait = max(0.0, min(next_line, deadline) - time.monotonic())
            if self.open_clients():
                for key, _ in self._selector.select(timeout=min(wait, 0.2)):
                    self._read(key.data)
            else:
                self._stop.wait(min(wait, 0.2))
            if time.monotonic() >= next_line:
                next_line += self.interval
                for client in self.open_clients():
                    try:
                        client.sock.send(f"X-Slow-{client.lines}: {client.lines}\r\n".encode())
                        client.lines += 1
                    except BlockingIOError:
                        pass   # the server reads nothing and its buffer is full: still holding on
                    except OSError as e:
                        self._closed(client, f"send: {e.__class__.__name__}")


@dataclass
class SlowlorisRun:
    """What a normal client met while slow clients trickled, and what became of the slow ones."""
    normal: list[tuple[float, int, Timed]]   # (seconds since the slow clients came, how many were open, request)
    clients: list[SlowClient]
    refused: list[str]
    started: float
    ended: float

    def overdue(self, bound: float) -> list[SlowClient]:
        """Slow connections the server let live longer than `bound` seconds."""
        return [c for c in self.clients if (c.closed_at if c.closed_at is not None else self.ended) - c.opened > bound]

    def cut_times(self) -> list[float]:
        return sorted(c.cut_after for c in self.clients if c.cut_after is not None)


def run_slowloris(url: str, auth: tuple[str, str], *, count: int, normal_within: float, until: float,
                  rounds: int = 1000, reconnect: bool = False, timeout: float = 3.0, pause: float = 0.3,
                  interval: float = 1.0) -> SlowlorisRun:
    """`count` slow clients at the server at `url`; once they are all in (after 1.5 intervals), a
    normal client makes rounds of two requests on new connections (a proxied GET with `auth`, the
    login page), at most `rounds`, starting none after `normal_within` seconds; then the slow
    clients go on until all are cut or `until` seconds have passed since they came."""
    with Slowloris(port_of(url), count, interval, limit=until + 5, reconnect=reconnect) as slow:
        started = time.monotonic()
        time.sleep(1.5 * interval)
        normal = []
        for i in range(rounds):
            if time.monotonic() > started + normal_within:
                break
            open_now = len(slow.open_clients())
            for request in (lambda: timed_request("proxied GET", f"{url}/_echo/normal-{i}", auth=auth, timeout=timeout),
                            lambda: timed_request("login page", f"{url}/_access-es/login", timeout=timeout)):
                at = time.monotonic() - started
                normal.append((at, open_now, request()))
            time.sleep(pause)
        if reconnect:   # they never all go: keep them at it to the end
            time.sleep(max(0.0, started + until - time.monotonic()))
        else:
            slow.wait_all_cut(started + until)
        ended = time.monotonic()
        return SlowlorisRun(normal, list(slow.clients), list(slow.connect_errors), started, ended)


# ---- large bodies -------------------------------------------------------------------------------

_BLOCK = bytes(range(256)) * 4096  # 1 MiB, reused: bodies are generated, never held whole


def body_pieces(total: int, chunked: bool, piece: int = MIB):
    """(bytes of content, bytes on the wire) for a `total`-byte body sent `piece` bytes at a time
    (at most 1 MiB); chunked: each piece framed as a chunk, then the last chunk."""
    piece = min(piece, len(_BLOCK))
    sent = 0
    while sent < total:
        n = min(piece, total - sent)
        yield n, (b"%x\r\n" % n + _BLOCK[:n] + b"\r\n") if chunked else _BLOCK[:n]
        sent += n
    if chunked:
        yield 0, b"0\r\n\r\n"


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


@dataclass
class Streamed:
    received: bytes = b""          # what the server sent (its first MiB), until it closed or time ran out
    sent: int = 0                  # bytes of body content the server took before sending stopped
    send_error: str | None = None  # why sending stopped early (the server closed, or stopped reading)
    closed: bool = False           # the server closed (or reset) the connection
    seconds: float = 0.0

    @property
    def first_status(self) -> int | None:
        return status_of(self.received)

    def final_answer(self) -> bytes:
        """The received bytes from the first final (non-1xx) status line on."""
        data = self.received
        while data.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in data:
            data = data.partition(b"\r\n\r\n")[2]
        return data

    @property
    def final_status(self) -> int | None:
        return status_of(self.final_answer())

    def answered(self) -> bool:
        """A whole final answer (framed by its Content-Length) has arrived."""
        head, found, body = self.final_answer().partition(b"\r\n\r\n")
        return bool(found) and len(body) >= content_length(head)


def status_of(data: bytes) -> int | None:
    parts = data.split(b"\r\n", 1)[0].split(b" ")
    return int(parts[1]) if data.startswith(b"HTTP/1.1 ") and len(parts) > 1 and parts[1].isdigit() else None


def stream_request(port: int, head: bytes, total: int, *, chunked: bool, piece: int = MIB,
                   stop_at_answer: bool = False, limit: float = 60.0, after: float = 5.0) -> Streamed:
    """Send `head`, then a `total`-byte body (generated on the fly) while a thread reads whatever
    comes back. Sending stops early if the server closes or stops reading (a send stalls 5 s), or,
    with `stop_at_answer`, once a final answer has begun. Then reading goes on until the answer is
    whole, the server closes, or `after` seconds pass. Bounded by `limit` seconds in all."""
    out = Streamed()
    started = time.monotonic()
    deadline = started + limit
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    finishing = threading.Event()

    def read() -> None:
        while time.monotonic() < deadline and not finishing.is_set():
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                data = b""
            if not data:
                out.closed = out.closed or not finishing.is_set()
                return
            if len(out.received) < MIB:
                out.received += data

    reader = threading.Thread(target=read, name="reader", daemon=True)
    try:
        sock.sendall(head)
        reader.start()
        for n, wire in body_pieces(total, chunked, piece):
            if out.closed or (stop_at_answer and b"\r\n\r\n" in out.final_answer()) \
                    or time.monotonic() > deadline:
                out.send_error = "closed" if out.closed else "time" if time.monotonic() > deadline else "answered"
                break
            try:
                sock.sendall(wire)
            except socket.timeout:
                out.send_error = "a send stalled 5 s (the server stopped reading)"
                break
            except OSError as e:
                out.send_error = e.__class__.__name__
                break
            out.sent += n
        wait_until = min(time.monotonic() + after, deadline)
        while time.monotonic() < wait_until and not out.closed and not out.answered():
            time.sleep(0.02)
    finally:
        finishing.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        reader.join(timeout=6)
        sock.close()
    out.seconds = time.monotonic() - started
    return out


@dataclass
class Exchange:
    """A raw connection with a few helpers: read one answer's head, its body, or to the end."""
    sock: socket.socket
    buffer: bytes = field(default=b"")

    @classmethod
    def open(cls, port: int, timeout: float = 5.0) -> "Exchange":
        return cls(socket.create_connection(("127.0.0.1", port), timeout=timeout))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def head(self) -> bytes:
        """The next answer head (status line and headers, without the empty line)."""
        while b"\r\n\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"closed before a whole head: {self.buffer[:300]!r}")
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head

    def body(self, head: bytes) -> bytes:
        length = content_length(head)
        while len(self.buffer) < length:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed before the whole body")
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    def rest(self, timeout: float = 3.0) -> tuple[bytes, str]:
        """Everything until the server closes: (bytes, 'closed' | 'reset' | 'open' if it sent
        nothing more for `timeout` seconds and did not close)."""
        data, self.buffer = self.buffer, b""
        self.sock.settimeout(timeout)
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except socket.timeout:
            return data, "open"
        except ConnectionResetError:
            return data, "reset"
        return data, "closed"

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Exchange":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""Answers given before the request body is read (issue 11, part 2: "Pooled clients lose answers after
a refusal").

A keep-alive client (requests.Session, a browser) whose request the proxy refuses without reading its
body must still read that answer, and its next request on the same pooled connection must work. The
contract, for every early answer (400, 401, 403, 404, 413, 429, 501, 503, the login redirect): either
the server reads and discards the unread body (it will, up to 1 MiB) and keeps the connection, or the
answer says `Connection: close` and the connection ends cleanly after it (a FIN first, never a reset
while the client may still be sending or reading).

Every kind below is provoked for real through `access-es serve` (one process; two worker processes
for a subset), with bodies of 0 B, 1 KiB, 64 KiB and 8 MiB:
- through ONE requests.Session, five times, each refusal followed by an ordinary request on the same
  session: no connection error, every status as expected, nothing refused reaches the upstream, and
  a connection the answer did not say it would close is still there for the next request;
- on the wire (a raw socket, the body sent from a second thread as a client that writes its whole
  body before reading does): the answer arrives whole, then either a FIN (after Connection: close) or
  the same connection answers the next request.

Early answers that cannot be provoked here, and why:
- 500 internal error: only a bug raises one; nothing a client sends reaches it on purpose.
- 405 method not allowed: every path that is not one of our pages falls to the proxy view, which takes
  every method; unknown or wrongly-used /_access-es/ routes answer 404 (covered).
- 413 for a login form over 64 KiB: Werkzeug reads url-encoded forms whole (MAX_FORM_MEMORY_SIZE only
  limits multipart parts), so the login form's refusal is a 400 after reading (covered, as a control).
- 413 over Lambda's 6 MiB: Lambda only (tests/test_bad_input.py); 502/504: after the body was read and
  forwarded, not early.
- request heads over 64 KiB or with a malformed header line: today uWSGI closes the connection with no
  answer at all (README), so there is no answer to read.
"""
from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests

from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.pages import FORM_LIMIT
from access_es.stores import open_stores

from testbed.proxy import steady_throttle_minutes
from .conftest import PASSWORDS, start_proxy, stop_proxy

KIB, MIB = 1024, 1024 * 1024
SIZES = {"0 B": 0, "1 KiB": KIB, "64 KiB": 64 * KIB, "8 MiB": 8 * MIB}
TRIES = 5
BODY_LIMIT = 100 * MIB          # what `serve` accepts per request (issue 11); over it: 413 unread
ADMIN = ("alice", PASSWORDS["alice"])
READER = ("bob", PASSWORDS["bob"])
LOCKED = "locked-out"           # an account name throttled on purpose (429)
TIMEOUT = (5, 30)
_names = itertools.count()


# ---- the proxies ---------------------------------------------------------------------------------

@dataclass
class Bed:
    """One running proxy and what a normal request on it is."""

    name: str
    url: str
    standin: object
    normal: Callable[[requests.Session], requests.Response]
    normal_paths: tuple[str, ...] = ("/_echo/after-the-refusal",)
    state: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def early_accounts(tmp_path_factory):
    # Our own accounts file: its state database (sessions, login counters) is ours too, so the
    # failed logins below lock nobody out of the other tests' proxies.
    path = tmp_path_factory.mktemp("early-accounts") / "users.json"
    store = open_stores(str(path)).accounts
    store.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    store.put(Account("bob", "readonly", hash_password(PASSWORDS["bob"])))
    return path


# Three failed logins lock an account name for this address (the 429 kind); the address limit is
# out of reach, so the wrong-password kind (a new name each time) never trips it.
THROTTLE = dict(ACCESS_ES_THROTTLE_ACCOUNT="3", ACCESS_ES_THROTTLE_ADDRESS="100000",
                ACCESS_ES_THROTTLE_MINUTES=steady_throttle_minutes(1200))


def _admin_get(url: str):
    def normal(s: requests.Session) -> requests.Response:
        return s.get(url + "/_echo/after-the-refusal", auth=ADMIN, headers={"Accept": "application/json"},
                     timeout=TIMEOUT)
    return normal


@pytest.fixture(scope="module")
def one_process(standin, early_accounts, tmp_path_factory):
    p = start_proxy(tmp_path_factory.mktemp("early-1"), standin.url, early_accounts,
                    ACCESS_ES_UPSTREAM_TIMEOUT="20", **THROTTLE)
    yield Bed("serve", p.url, standin, _admin_get(p.url))
    stop_proxy(p)


@pytest.fixture(scope="module")
def two_processes(standin, early_accounts, tmp_path_factory):
    p = start_proxy(tmp_path_factory.mktemp("early-2"), standin.url, early_accounts,
                    args=("--processes", "2"), ACCESS_ES_UPSTREAM_TIMEOUT="20", **THROTTLE)
    yield Bed("serve --processes 2", p.url, standin, _admin_get(p.url))
    stop_proxy(p)


@pytest.fixture(scope="module")
def store_down(standin, tmp_path_factory):
    """A proxy whose accounts store (a DynamoDB table) cannot be reached: everybody gets 503."""
    folder = tmp_path_factory.mktemp("early-503")
    p = start_proxy(folder, standin.url, folder / "unused.json", ACCESS_ES_USERS="dynamodb://gone",
                    AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9")

    def health(s: requests.Session) -> requests.Response:
        return s.get(p.url + "/_access-es/health", timeout=TIMEOUT)

    yield Bed("serve, accounts store down", p.url, standin, health)
    stop_proxy(p)


# ---- the kinds of early answers --------------------------------------------------------------------

def body_of(size: int) -> bytes:
    """`size` bytes of JSON-looking text (never parsed: every kind refuses it)."""
    unit = b'{"index":{}}\n{"message":"refused before it was read"}\n'
    return (unit * (size // len(unit) + 1))[:size]


def form_of(size: int) -> bytes:
    """A login form of `size` bytes whose CSRF token is wrong."""
    form = b"csrf_token=not-a-token&username=alice&password=x&pad="
    return (form + b"a" * max(0, size - len(form)))[:size] if size else b""


def _login(bed: Bed, s: requests.Session) -> None:
    page = s.get(bed.url + "/_access-es/login", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = s.post(bed.url + "/_access-es/login", allow_redirects=False, timeout=TIMEOUT,
               data={"csrf_token": token, "username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 303, r.text[:300]


def _lock_out(bed: Bed, s: requests.Session) -> None:
    if bed.state.get("locked"):
        return
    for _ in range(10):
        r = s.get(bed.url + "/_echo/lock", auth=(LOCKED, "wrong-password"), timeout=TIMEOUT)
        if r.status_code == 429:
            bed.state["locked"] = True
            return
        assert r.status_code == 401, r.text[:300]
    raise AssertionError("the account was never throttled")


JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class Kind:
    """One way to be refused: `request(bed, body)` builds it, `status` is the answer expected. The two
    kinds named "(body read first)" are controls: the proxy reads their bodies before refusing."""

    name: str
    status: int
    request: Callable[[Bed, object], requests.Request]
    prepare: Callable[[Bed, requests.Session], None] | None = None  # once per session, before the tries
    sizes: tuple[str, ...] = tuple(SIZES)
    edit: Callable[[requests.PreparedRequest], None] | None = None  # what requests would not send as is
    body: Callable[[int], object] = body_of

    def __str__(self) -> str:
        return self.name


def _unknown_coding(prep: requests.PreparedRequest) -> None:
    prep.headers["Transfer-Encoding"] = "gzip, chunked"


def _chunks(body: bytes):
    return (body[i:i + 64 * KIB] for i in range(0, len(body), 64 * KIB))


KINDS = [
    Kind("401 no credentials", 401,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", headers=JSON, data=body)),
    Kind("401 wrong Basic password", 401,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", headers=JSON, data=body,
                                            auth=(f"stranger-{next(_names)}", "wrong-password"))),
    Kind("401 unknown session cookie (an XHR)", 401,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", data=body,
                                            headers={**JSON, "kbn-xsrf": "true"},
                                            cookies={"access_es_session": "eyJfc2lkIjoiZ29uZSJ9.x.y"})),
    Kind("403 cross-site POST with a session cookie", 403,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_bulk", data=body, headers={
             "Content-Type": "application/x-ndjson", "Origin": "http://evil.example"}),
         prepare=_login),
    Kind("403 readonly write (body read first)", 403,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_bulk", data=body, auth=READER,
                                            headers={"Content-Type": "application/x-ndjson"})),
    Kind("404 unknown /_access-es/ route", 404,
         lambda bed, body: requests.Request("POST", bed.url + "/_access-es/no-such-route", headers=JSON,
                                            data=body)),
    Kind("400 malformed Basic header", 400,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", data=body,
                                            headers={**JSON, "Authorization": "Basic !!not-base64!!"})),
    Kind("400 query string not UTF-8", 400,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search?q=%FF%FE", headers=JSON,
                                            data=body, auth=ADMIN)),
    Kind("400 Transfer-Encoding and Content-Length", 400,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", data=body, auth=ADMIN,
                                            headers={**JSON, "Transfer-Encoding": "chunked"})),
    Kind("501 unknown transfer coding", 501,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", data=_chunks(body),
                                            auth=ADMIN, headers=JSON),
         edit=_unknown_coding),
    Kind("400 login form without a valid CSRF token (body read first)", 400,
         lambda bed, body: requests.Request("POST", bed.url + "/_access-es/login", data=body, headers={
             "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}),
         body=form_of, sizes=tuple(n for n in SIZES if SIZES[n] <= FORM_LIMIT)),
    # over access-es's forms' bound: refused before the body is read
    Kind("413 login form over the forms' bound", 413,
         lambda bed, body: requests.Request("POST", bed.url + "/_access-es/login", data=body, headers={
             "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}),
         body=form_of, sizes=tuple(n for n in SIZES if SIZES[n] > FORM_LIMIT)),
    Kind("429 login throttled", 429,
         lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", headers=JSON, data=body,
                                            auth=(LOCKED, "wrong-password")),
         prepare=_lock_out),
    Kind("303 to the login page (a page GET with a body)", 303,
         lambda bed, body: requests.Request("GET", bed.url + "/_dashboards/app/home", data=body, headers={
             "Accept": "text/html", "Sec-Fetch-Mode": "navigate", "Content-Type": "application/json"})),
]


def streamed(size: int):
    """`size` bytes, 1 MiB at a time (sent with a Content-Length; see _declared_length)."""
    piece = body_of(MIB)
    for start in range(0, size, MIB):
        yield piece[:min(MIB, size - start)]


def _declared_length(prep: requests.PreparedRequest) -> None:
    # requests frames a generator as chunked; this one is sent as is, under its Content-Length
    del prep.headers["Transfer-Encoding"]
    prep.headers["Content-Length"] = str(BODY_LIMIT + 1)


TOO_LARGE = Kind("413 body over the 100 MiB limit", 413,
                 lambda bed, body: requests.Request("POST", bed.url + "/_echo/too-large", data=body, auth=ADMIN,
                                                    headers={"Content-Type": "application/octet-stream"}),
                 sizes=("100 MiB + 1",), edit=_declared_length, body=streamed)
STORE_DOWN = Kind("503 accounts store unavailable", 503,
                  lambda bed, body: requests.Request("POST", bed.url + "/logs-demo/_search", headers=JSON,
                                                     data=body, auth=ADMIN))
SIZES["100 MiB + 1"] = BODY_LIMIT + 1

# Under two worker processes: the kinds a browser or a client library meets most.
TWO_PROCESS_KINDS = ("401 no credentials", "403 cross-site POST with a session cookie",
                     "404 unknown /_access-es/ route", "429 login throttled")


# ---- driving a kind through one pooled session ----------------------------------------------------

def _send(bed: Bed, s: requests.Session, kind: Kind, body: bytes) -> requests.Response:
    prep = s.prepare_request(kind.request(bed, body))
    if kind.edit:
        kind.edit(prep)
    # as Session.request does: the same settings (REQUESTS_CA_BUNDLE...), so the same connection pool
    settings = s.merge_environment_settings(prep.url, {}, None, None, None)
    return s.send(prep, allow_redirects=False, timeout=TIMEOUT, **settings)


def run_tries(bed: Bed, kind: Kind, size_label: str, tries: int = TRIES) -> list[str]:
    """Each try: the refusal, then a normal request, on one requests.Session. Returns what went
    wrong, one line per failure."""
    size = SIZES[size_label]
    expected = kind.status
    failures: list[str] = []
    bed.standin.clear()
    with requests.Session() as s:
        if kind.prepare:
            kind.prepare(bed, s)
        for n in range(1, tries + 1):
            where = f"[{bed.name}] {kind} with {size_label}, try {n}"
            started = time.monotonic()
            refusal = None
            try:
                refusal = _send(bed, s, kind, kind.body(size))
                if refusal.status_code != expected:
                    failures.append(f"{where}: the refusal was {refusal.status_code}, not {expected}: "
                                    f"{refusal.text[:200]!r}")
            except requests.RequestException as e:
                failures.append(f"{where}: the refusal was lost after {time.monotonic() - started:.1f} s: {e!r}")
            opened = connections_opened(s)
            try:
                r = bed.normal(s)
                if r.status_code != 200:
                    failures.append(f"{where}: the next request got {r.status_code}: {r.text[:200]!r}")
            except requests.RequestException as e:
                failures.append(f"{where}: the next request on the session failed: {e!r}")
                continue
            if (refusal is not None and "close" not in refusal.headers.get("Connection", "").lower()
                    and connections_opened(s) > opened):
                # The pool found the connection closed before reusing it; a client a moment quicker
                # (or further away) sends its next request on it and gets "Connection reset by peer".
                failures.append(f"{where}: the refusal kept the connection (no Connection: close), yet the "
                                "server closed it: the next request needed a new one")
    return failures + forwarded(bed)


def connections_opened(s: requests.Session) -> int:
    """How many connections the session's pools opened so far."""
    pools = s.get_adapter("http://").poolmanager.pools
    return sum(pools[key].num_connections for key in pools.keys())


def forwarded(bed: Bed) -> list[str]:
    """Refused requests that reached the upstream anyway (then clears the stand-in's record)."""
    leaked = [f"{seen.method} {seen.path} ({len(seen.body):,} bytes)" for seen in bed.standin.seen
              if seen.path not in bed.normal_paths]
    bed.standin.clear()
    return [f"[{bed.name}] refused, yet forwarded upstream: {', '.join(leaked[:3])}"] if leaked else []


def _matrix(kinds, sizes=None):
    return [pytest.param(k, size, id=f"{k.name} | {size}")
            for k in kinds for size in (sizes or k.sizes) if size in k.sizes]


@pytest.mark.parametrize("kind,size", _matrix(KINDS))
def test_a_pooled_session_survives_each_early_answer(one_process, kind, size):
    failures = run_tries(one_process, kind, size)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind,size", _matrix([k for k in KINDS if k.name in TWO_PROCESS_KINDS],
                                               ("1 KiB", "64 KiB", "8 MiB")))
def test_a_pooled_session_survives_early_answers_with_two_worker_processes(two_processes, kind, size):
    failures = run_tries(two_processes, kind, size)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("bed_name", ["one_process", "two_processes"])
def test_a_body_over_the_limit_is_refused_unread_and_the_session_goes_on(request, bed_name):
    bed = request.getfixturevalue(bed_name)
    try:
        failures = run_tries(bed, TOO_LARGE, "100 MiB + 1", tries=3)
    finally:
        bed.standin.clear()  # a server that forwards it anyway leaves 100 MiB records there
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("size", list(STORE_DOWN.sizes))
def test_a_pooled_session_survives_503_when_the_accounts_store_is_down(store_down, size):
    failures = run_tries(store_down, STORE_DOWN, size)
    assert not failures, "\n".join(failures)


# ---- the two halves of the contract, on the wire ----------------------------------------------------

def _raw(prep: requests.PreparedRequest, host: str):
    """The request head as requests would send it, and its body as pieces to send one by one
    (chunk-framed when the head says chunked, as urllib3 would)."""
    target = prep.url.split("/", 3)
    head = f"{prep.method} /{target[3] if len(target) > 3 else ''} HTTP/1.1\r\nHost: {host}\r\n"
    for name, value in prep.headers.items():
        head += f"{name}: {value}\r\n"
    body = prep.body
    if body is None:
        pieces = []
    elif isinstance(body, (bytes, str)):
        pieces = [body.encode() if isinstance(body, str) else body]
    elif "chunked" in prep.headers.get("Transfer-Encoding", ""):
        pieces = itertools.chain((b"%x\r\n%s\r\n" % (len(c), c) for c in body if c), [b"0\r\n\r\n"])
    else:
        pieces = body
    return head.encode("latin-1") + b"\r\n", pieces


class BadAnswer(Exception):
    """The connection ended before a whole answer, or the answer cannot be framed."""


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def closes(self) -> bool:
        return "close" in self.headers.get("connection", "").lower()


def read_answer(sock: socket.socket, buffered: bytearray) -> Answer:
    """One answer with a Content-Length (every answer of the proxy's own has one), from `sock`."""
    while b"\r\n\r\n" not in buffered:
        data = sock.recv(65536)
        if not data:
            raise BadAnswer(f"the connection ended before an answer's head: {bytes(buffered[:200])!r}")
        buffered += data
    head, _, rest = bytes(buffered).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise BadAnswer(f"an answer without Content-Length (the proxy's own answers all have one): {head[:300]!r}")
    length = int(headers["content-length"])
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            raise BadAnswer("the connection ended inside an answer's body")
        rest += data
    buffered[:] = rest[length:]
    return Answer(status, headers, rest[:length])


NORMAL_GET = ("GET /_access-es/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n").encode()


def wire_check(bed: Bed, kind: Kind, size: int, session: requests.Session) -> str | None:
    """Send the refusal raw, the whole body from a second thread (as a client that writes its body
    before reading, like requests, does), and read the answer. Then: either it said Connection: close
    and the connection ends with a FIN (recv gives b"", never a reset), or it kept the connection, and
    a normal request on it is answered. Returns what went wrong, or None."""
    prep = session.prepare_request(kind.request(bed, kind.body(size)))
    if kind.edit:
        kind.edit(prep)
    head, payload = _raw(prep, bed.url.split("//", 1)[1])
    host, port = bed.url.split("//", 1)[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    sent: dict = {}
    sender = threading.Thread(target=lambda: None)

    def send_body():
        try:
            for piece in payload:
                sock.sendall(piece)
            sent["all"] = True
        except OSError as e:  # the server stopped reading and closed: allowed once it has answered
            sent["error"] = e

    try:
        sock.sendall(head)
        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        buffered = bytearray()
        try:
            answer = read_answer(sock, buffered)
        except (OSError, BadAnswer) as e:
            return f"the answer was lost: {e!r}"
        if answer.status != kind.status:
            return f"the answer was {answer.status}, not {kind.status}: {answer.body[:200]!r}"
        if answer.closes:
            try:
                while True:  # whatever else comes, the end must be a FIN
                    data = sock.recv(65536)
                    if not data:
                        break
                    buffered += data
            except ConnectionResetError:
                return "the answer said Connection: close, but the connection was reset, not closed"
            except socket.timeout:
                return "the answer said Connection: close, but the connection stayed open 20 s"
            if buffered:
                return f"bytes after an answer that closes the connection: {bytes(buffered[:200])!r}"
            return None
        sender.join(20)
        if sender.is_alive():
            return "the connection was kept open, but the body was not read (the client is stuck sending it)"
        if "error" in sent:
            return f"the connection was kept open, but sending the body failed: {sent['error']!r}"
        try:
            sock.sendall(NORMAL_GET)
            after = read_answer(sock, buffered)
        except (OSError, BadAnswer) as e:
            return f"the connection was kept open (no Connection: close), but the next request failed: {e!r}"
        if after.status != 200:
            return f"the next request on the kept connection got {after.status}: {after.body[:200]!r}"
        return None
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the sender if it is still blocked
        except OSError:
            pass
        sock.close()
        if sender.is_alive():
            sender.join(5)


def wire_tries(bed: Bed, kind: Kind, size_label: str, tries: int = 3) -> list[str]:
    failures = []
    with requests.Session() as s:
        if kind.prepare:
            kind.prepare(bed, s)
        for n in range(1, tries + 1):
            problem = wire_check(bed, kind, SIZES[size_label], s)
            if problem:
                failures.append(f"[{bed.name}] {kind} with {size_label}, try {n}: {problem}")
    return failures


@pytest.mark.parametrize("kind,size", _matrix(KINDS, ("0 B", "1 KiB", "64 KiB", "8 MiB")))
def test_each_early_answer_keeps_the_connection_or_closes_it_cleanly(one_process, kind, size):
    failures = wire_tries(one_process, kind, size)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind,size", _matrix([k for k in KINDS if k.name in TWO_PROCESS_KINDS],
                                               ("64 KiB", "8 MiB")))
def test_early_answers_keep_or_close_cleanly_with_two_worker_processes(two_processes, kind, size):
    failures = wire_tries(two_processes, kind, size)
    assert not failures, "\n".join(failures)


def test_a_body_over_the_limit_gets_its_413_and_a_clean_close(one_process):
    try:
        failures = wire_tries(one_process, TOO_LARGE, "100 MiB + 1", tries=1)
    finally:
        one_process.standin.clear()
    assert not failures, "\n".join(failures)

"""Hostile clients against `access-es serve` (issue 11, part 3), over loopback: header names that
different parsers read differently, large bodies sent before the client is known, and slow clients
(slowloris). Each runs against the default server (one process) and against `--processes 2
--threads 4`, except two: the slowloris test runs against the latter only (it takes the server's
head timeout and a little more), and the body of exactly the limit (100 MiB through to the
stand-in) against the former only. The long form is bench/hostile.py (`make bench`).

The contract:
- a header name with whitespace before the colon or inside it is refused with 400 (RFC 9112 5.1),
  nothing is forwarded, and the connection is closed: what follows is never read as a request;
- authentication comes first: no `100 Continue` and no body read into memory before the client is
  known; an authenticated body over the limit (100 MiB) is refused with 413, and nothing forwarded;
- slow clients hold nothing that others need, and a request head may take HEAD_TIMEOUT seconds (10)
  as a whole, however often its sender trickles a byte.
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
import time

import pytest

from .conftest import PASSWORDS, start_proxy, stop_proxy
from testbed.hostile_driver import (
    BODY_LIMIT, MIB, Exchange, RssSampler, head_timeout, port_of, run_slowloris, status_of, stream_request,
)

BASIC = "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
RSS_RISE_LIMIT = 64  # MiB: what a server may grow by while a stranger streams 200 MiB at it


@pytest.fixture(scope="module")
def proxy2(standin, accounts_file, tmp_path_factory):
    """`access-es serve --processes 2 --threads 4`: a master and two workers of four threads."""
    p = start_proxy(tmp_path_factory.mktemp("proxy2"), standin.url, accounts_file,
                    args=("--processes", "2", "--threads", "4"), ACCESS_ES_UPSTREAM_TIMEOUT="3")
    yield p
    stop_proxy(p)


@pytest.fixture(params=["one process", "two processes"])
def server(request):
    return request.getfixturevalue("proxy" if request.param == "one process" else "proxy2")


# ---- header names with whitespace (a request-smuggling primitive) --------------------------------

SMUGGLED = f"DELETE /_echo/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n\r\n"


@pytest.mark.parametrize("header,body", [
    ("Transfer-Encoding : chunked", "0\r\n\r\n"),
    ("Host : evil.example", ""),
    ("Content-Length : 5", "hello"),
    ("X-Foo\t: 1", ""),
    ("X Foo: 1", ""),
], ids=["TE-space", "Host-space", "CL-space", "tab-before-colon", "space-inside-name"])
def test_a_header_name_with_whitespace_is_refused_and_ends_the_connection(server, standin, header, body):
    """uWSGI forwarded these, signed, beside our own headers; an upstream parser that reads them
    differently (the stand-in's stops at the first one) sees another request than we signed."""
    path = f"/_echo/ws-{hashlib.sha256(header.encode()).hexdigest()[:8]}-{time.monotonic_ns()}"
    with Exchange.open(port_of(server.url)) as c:
        c.send(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n{header}\r\n\r\n{body}"
               .encode())
        time.sleep(0.1)   # a later segment: a server could otherwise take it along with the first
        try:
            c.send(SMUGGLED.encode())
        except OSError:
            pass          # already closed: good
        answer, how = c.rest()
    assert answer.startswith(b"HTTP/1.1 400 "), (header, answer[:400])
    assert answer.count(b"HTTP/1.1 ") == 1, f"something after the 400 was read as a request: {answer!r}"
    assert how in ("closed", "reset"), f"the connection stayed open after the 400 ({header!r})"
    assert standin.seen == [], [(s.method, s.target, s.headers) for s in standin.seen]
    line = server.wait_log(lambda r: r.get("path") == path)
    assert line["status"] == 400 and line.get("reason"), line


# ---- bodies before authentication -----------------------------------------------------------------

def _warm_up(server) -> None:
    """A few unauthenticated requests with a body, so every worker has loaded what a 401 needs before
    memory is measured."""
    for _ in range(4):
        stream_request(port_of(server.url), b"POST /_echo/warm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Length: 5\r\n\r\n", 5, chunked=False, after=3)


def test_no_100_continue_before_authentication(server, standin):
    """An unknown client asking for `100 Continue` with a chunked body gets the 401 straight away (and
    never a 100 it could answer with a body); then the connection is either closed, or still usable:
    it reads the body the client may send anyway and answers the next request."""
    with Exchange.open(port_of(server.url)) as c:
        c.send(b"PUT /_echo/pre-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
               b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
        first = c.head()
        assert status_of(first) == 401, f"the first thing received: {first!r}"
        c.body(first)
        try:
            c.send(b"5\r\nhello\r\n0\r\n\r\n"
                   b"GET /_access-es/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        except OSError:
            after, how = b"", "reset"
        else:
            after, how = c.rest()
    assert how != "open", f"after the 401 the connection neither closed nor answered: {after!r}"
    assert after == b"" or after.startswith(b"HTTP/1.1 200 "), after[:300]
    assert standin.seen == []


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_large_body_from_an_unknown_client_is_never_held(server, standin, framing):
    """200 MiB streamed by a client that never authenticates: a 401, and the server's memory (every
    process of it) grows by less than RSS_RISE_LIMIT. The server may answer early and close; the
    sender then hits a broken pipe or a reset, but the 401 must have come first."""
    total = 200 * MIB
    head = (b"POST /_echo/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            + (b"Transfer-Encoding: chunked\r\n" if framing == "chunked" else b"Content-Length: %d\r\n" % total)
            + b"\r\n")
    _warm_up(server)
    with RssSampler(server.process.pid) as rss:
        out = stream_request(port_of(server.url), head, total, chunked=framing == "chunked", limit=60)
    report = (f"{framing}: {out.sent / MIB:.0f} MiB sent in {out.seconds:.1f} s (stopped: {out.send_error}); "
              f"RSS {rss.baseline:.0f} -> peak {rss.peak:.0f} MiB (high-water marks +{rss.hwm_growth:.0f} MiB); "
              f"answer {out.received[:120]!r}")
    print(report)
    assert out.final_status == 401, report
    assert rss.rise < RSS_RISE_LIMIT, report
    assert standin.seen == []


# ---- bodies over the limit, and 100-continue for a known client -----------------------------------

def test_an_authenticated_length_over_the_limit_is_refused_without_reading(server, standin):
    """Content-Length one byte over the limit: 413 at once, with no byte of the body sent."""
    with Exchange.open(port_of(server.url)) as c:
        c.send(f"PUT /_echo/too-long HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n"
               f"Content-Type: application/octet-stream\r\nContent-Length: {BODY_LIMIT + 1}\r\n\r\n".encode())
        try:
            head = c.head()
        except TimeoutError:
            head = None
    assert head is not None, "no answer within 5 s: the server waits for a body it should refuse"
    assert status_of(head) == 413, head
    assert standin.seen == []


def test_an_authenticated_chunked_body_growing_over_the_limit_is_refused(server, standin):
    """A chunked body has no length to check up front: it is refused with 413 once it grows past the
    limit, and nothing of it is forwarded."""
    head = (f"PUT /_echo/too-many-chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n"
            "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    out = stream_request(port_of(server.url), head, BODY_LIMIT + 4 * MIB, chunked=True, stop_at_answer=True,
                         limit=60)
    report = f"{out.sent / MIB:.0f} MiB sent (stopped: {out.send_error}); answer {out.received[:200]!r}"
    assert out.final_status == 413, report
    assert [s.target for s in standin.seen] == [], report


def test_an_authenticated_body_of_exactly_the_limit_is_forwarded(proxy, standin):
    """The limit is inclusive: 100 MiB with its Content-Length goes through whole."""
    head = (f"PUT /_echo/at-limit HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {BODY_LIMIT}\r\n\r\n").encode()
    out = stream_request(port_of(proxy.url), head, BODY_LIMIT, chunked=False, limit=60, after=30)
    assert out.final_status == 200, out.received[:300]
    seen = standin.last()
    assert seen.verified and len(seen.body) == BODY_LIMIT
    standin.clear()   # 100 MiB less to hold


def test_a_known_client_waiting_for_100_continue_gets_it_and_its_body_arrives_exact(server, standin):
    body = random.Random(11).randbytes(3 * MIB + 12345)
    with Exchange.open(port_of(server.url)) as c:
        c.send(f"PUT /_echo/continued HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {BASIC}\r\n"
               "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
               .encode())
        first = c.head()
        assert first == b"HTTP/1.1 100 Continue", first
        position = 0
        for size in (1, 4096, 65537, MIB, MIB + 3, len(body)):    # uneven chunks; the last takes the rest
            piece = body[position:position + size]
            if piece:
                c.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
                position += len(piece)
        c.send(b"0\r\n\r\n")
        final = c.head()
        answer = json.loads(c.body(final))
    assert status_of(final) == 200, final
    assert answer["body_sha256"] == hashlib.sha256(body).hexdigest() and answer["body_length"] == len(body)
    seen = standin.last()
    assert seen.verified and seen.header("Content-Length") == str(len(body))


# ---- slow clients (slowloris) ---------------------------------------------------------------------

def test_slow_clients_hold_nobody_up_and_are_cut_after_the_head_timeout(proxy2, standin):
    """40 connections (five times the 8 threads of `--processes 2 --threads 4` today) each send a
    request line and then a header line every second, never finishing the head. Meanwhile a normal
    client's requests (a proxied GET with Basic credentials, the login page), each on a new
    connection, are answered before the first slow connection is cut: they did not wait for one to
    go. And every slow connection is closed (after a 408, or without a word), though it never paused
    for long: by the head timeout, not an idle one. (Events, not the clock: the test's own bounds
    only say where it gives up.)"""
    limit = head_timeout()
    run = run_slowloris(proxy2.url, ("alice", PASSWORDS["alice"]), count=40, rounds=4, normal_within=limit / 2,
                        until=limit * 4, timeout=limit * 4)
    cut, overdue = run.cut_times(), [c for c in run.clients if c.closed_at is None]
    first_cut = min((c.closed_at for c in run.clients if c.closed_at is not None), default=run.ended)
    late = [t for at, _, t in run.normal if run.started + at + t.seconds >= first_cut]
    summary = ("normal requests (at s since the slow clients came, with N of them open): "
               + ", ".join(f"{t.what} at {at:.1f} s ({n} open): {t.status or t.error} in {t.seconds:.2f} s"
                           for at, n, t in run.normal)
               + f"\nslow clients: {len(run.clients)} connected ({len(run.refused)} refused), {len(cut)} cut "
               f"(after {cut[0] if cut else 0:.1f}..{cut[-1] if cut else 0:.1f} s), {len(overdue)} never cut, "
               f"with up to {max((c.lines for c in overdue), default=0)} header lines sent")
    print(summary)
    problems = []
    if len(run.normal) < 4 or any(t.status != 200 for _, _, t in run.normal):
        problems.append("a normal client's request failed while slow clients trickled")
    if late:
        problems.append(f"{len(late)} normal request(s) answered only once slow clients were being cut")
    if overdue:
        problems.append(f"{len(overdue)} slow clients were never cut (the {limit:.0f} s head timeout)")
    spoken = [c.received[:100] for c in run.clients if c.received and not c.received.startswith(b"HTTP/1.1 408 ")]
    if spoken:
        problems.append(f"slow clients got something other than a 408: {spoken[:3]}")
    assert not problems, "; ".join(problems) + "\n" + summary
    paths = {s.path for s in standin.seen}
    assert {f"/_echo/normal-{i}" for i in range(len(run.normal) // 2)} <= paths
    assert not any(p.startswith("/_echo/slow-") for p in paths)

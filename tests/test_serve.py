"""`access-es serve`'s own HTTP/1.1 server (access_es/server/) on the wire: bodies, 100-continue,
framing, keep-alive, headers, worker processes; over loopback: client -> serve -> SigV4-verifying
stand-in. (The cases come from the quirks of the servers it replaced: waitress, then uWSGI.)"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import time
from pathlib import Path

import pytest
import requests

from .conftest import PASSWORDS, still_open
from .test_proxy_wire import raw_request
from testbed.processes import tree_pids
from access_es.standin.domain import Reply, pattern_bytes

BASIC = "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()


def port_of(proxy) -> int:
    return int(proxy.url.rsplit(":", 1)[1])


def connect(proxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port_of(proxy)), timeout=10)


def read_answer(s: socket.socket) -> tuple[bytes, bytes]:
    """One answer framed by its Content-Length (head, body); the connection stays usable."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")[1:]
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        chunk = s.recv(65536)
        assert chunk
        body += chunk
    assert len(body) == length, "more than one answer"
    return head, body


def read_to_end(s: socket.socket) -> bytes:
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data


# ---- request bodies ----------------------------------------------------------------------------

def test_a_chunked_body_with_a_chunk_over_a_mebibyte_is_byte_exact(proxy, standin):
    body = pattern_bytes(3 * 1024 * 1024, seed=9)   # uWSGI's own limit for one chunk was 1 MiB
    head = (f"POST /_echo/c HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    with connect(proxy) as s:
        s.sendall(head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        answer, _ = read_answer(s)
        assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in answer
        seen = standin.last()
        s.sendall(f"GET /_echo/after HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n\r\n".encode())
        again, _ = read_answer(s)                    # the connection goes on after a chunked body
    assert again.startswith(b"HTTP/1.1 200 ") and standin.last().path == "/_echo/after"
    assert seen.verified and hashlib.sha256(seen.body).digest() == hashlib.sha256(body).digest()
    assert seen.header("Content-Length") == str(len(body))


def test_a_chunked_body_cut_short_is_never_forwarded(proxy, standin):
    with connect(proxy) as s:
        s.sendall((f"POST /_echo/cut HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n400\r\nonly a little\r\n").encode())
        s.shutdown(socket.SHUT_WR)                  # the client goes away mid-chunk
        answer = read_to_end(s)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"chunked" in answer
    assert standin.seen == []
    line = proxy.wait_log(lambda r: r.get("path") == "/_echo/cut")
    assert line["status"] == 400 and "chunked" in line["reason"]


def test_a_body_cut_short_of_its_length_is_never_forwarded(proxy, standin):
    with connect(proxy) as s:
        s.sendall((f"POST /_echo/short HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                   "Content-Length: 1000\r\n\r\nonly a little").encode())
        s.shutdown(socket.SHUT_WR)
        answer = read_to_end(s)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400 ")
    assert standin.seen == []
    assert proxy.wait_log(lambda r: r.get("path") == "/_echo/short")["status"] == 400


def test_a_client_waiting_for_100_continue_gets_it_and_sends_the_chunked_body(proxy, standin):
    with connect(proxy) as s:
        s.sendall((f"PUT /_echo/ex HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\nExpect: 100-continue\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n").encode())
        assert s.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"5\r\nhello\r\n0\r\n\r\n")
        answer, _ = read_answer(s)
    assert answer.startswith(b"HTTP/1.1 200 ") and standin.last().body == b"hello"


def test_a_bodyless_request_with_expect_is_answered_at_once(proxy, standin):
    """waitress sent `100 Continue` and then waited for a body that never came: until IO_TIMEOUT at
    best. Measured against the same request without Expect, in this test."""
    from access_es.server.limits import IO_TIMEOUT

    def took(expect: str) -> tuple[float, bytes]:
        started = time.monotonic()
        answer = raw_request(proxy.url, (f"GET /_echo/nobody HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                                         f"{expect}Connection: close\r\n\r\n").encode(), timeout=IO_TIMEOUT * 3)
        return time.monotonic() - started, answer

    control, _ = took("")
    seconds, answer = took("Expect: 100-continue\r\n")
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    assert seconds - control < IO_TIMEOUT / 2, f"{seconds:.1f} s with Expect, {control:.1f} s without"
    assert standin.last().path == "/_echo/nobody"


def test_no_100_continue_for_a_body_the_answer_does_not_need(proxy, standin):
    wrong = "Basic " + base64.b64encode(b"alice:wrong-password").decode()
    with connect(proxy) as s:
        s.sendall((f"POST /_echo/denied HTTP/1.1\r\nHost: x\r\nAuthorization: {wrong}\r\nExpect: 100-continue\r\n"
                   "Content-Length: 100000\r\n\r\n").encode())
        answer = read_to_end(s)   # the body is never sent; the server answers and closes
    assert answer.startswith(b"HTTP/1.1 401 ") and b"100 Continue" not in answer
    assert standin.seen == []


# ---- framing and connections -------------------------------------------------------------------

def test_keep_alive_serves_several_requests_on_one_connection(proxy, standin):
    conn = http.client.HTTPConnection("127.0.0.1", port_of(proxy), timeout=10)
    try:
        local = None
        for i in range(3):
            conn.request("POST", f"/_echo/ka{i}", body=b"x" * i, headers={"Authorization": BASIC})
            r = conn.getresponse()
            assert r.status == 200 and r.getheader("Connection") is None
            r.read()
            assert local in (None, conn.sock.getsockname())
            local = conn.sock.getsockname()
    finally:
        conn.close()
    assert [s.path for s in standin.seen] == ["/_echo/ka0", "/_echo/ka1", "/_echo/ka2"]


def test_idle_connections_never_take_every_thread(proxy):
    """Idle keep-alive connections wait in the event loop and hold no worker thread (under uWSGI,
    each held one), so more of them than there are threads leave new requests unhindered."""
    idle = []
    try:
        for _ in range(20):   # more than the 16 threads
            conn = http.client.HTTPConnection("127.0.0.1", port_of(proxy), timeout=15)
            conn.request("GET", "/_access-es/health")
            conn.getresponse().read()
            idle.append(conn)
        assert requests.get(proxy.url + "/_access-es/health", timeout=60).status_code == 200
        # answered while every idle connection was still held: it did not wait for one to go
        assert all(still_open(conn.sock) for conn in idle)
    finally:
        for conn in idle:
            conn.close()


def test_the_client_address_is_right_for_every_request_on_a_connection(proxy):
    """uWSGI gives keep-alive requests after the first REMOTE_ADDR 0.0.0.0 (throttling is by address)."""
    session = requests.Session()
    for _ in range(3):
        assert session.get(proxy.url + "/_echo/who", auth=("nobody-ka", "x")).status_code == 401
    time.sleep(0.2)
    reasons = [r["reason"] for r in proxy.log_lines() if r.get("path") == "/_echo/who"]
    assert reasons[-3:] == ["Basic auth failed for 'nobody-ka' from 127.0.0.1"] * 3


def test_an_answer_of_unknown_length_is_chunked_and_the_connection_goes_on(proxy, standin):
    body = pattern_bytes(2_000_000, seed=4)
    standin.route("/_stream", lambda req: Reply(200, [], (body[i:i + 65536] for i in range(0, len(body), 65536)),
                                                content_type="application/octet-stream"))   # chunked
    conn = http.client.HTTPConnection("127.0.0.1", port_of(proxy), timeout=10)
    try:
        conn.request("GET", "/_stream", headers={"Authorization": BASIC})
        r = conn.getresponse()
        assert r.getheader("Transfer-Encoding") == "chunked" and r.getheader("Content-Length") is None
        assert r.read() == body and r.getheader("Connection") is None
        conn.request("GET", "/_echo/next", headers={"Authorization": BASIC})
        assert conn.getresponse().status == 200
    finally:
        conn.close()

    with connect(proxy) as s:   # an HTTP/1.0 client cannot read chunks: the close ends the answer
        s.sendall(f"GET /_stream HTTP/1.0\r\nHost: x\r\nAuthorization: {BASIC}\r\n\r\n".encode())
        data = read_to_end(s)
    head, _, received = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head and received == body


def test_connection_close_from_the_client_is_honoured(proxy, standin):
    answer = raw_request(proxy.url, (f"GET /_echo/bye HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                                     "Connection: close\r\n\r\n").encode(), timeout=3)
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer


def test_a_smuggled_request_after_ambiguous_framing_is_never_read(proxy, standin):
    smuggled = f"DELETE /_echo/smuggled HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n\r\n"
    for framing in ("Content-Length: 5\r\nTransfer-Encoding: chunked", "Content-Length: +5",
                    "Content-Length: 5, 60", "Transfer-Encoding: chunked, identity"):
        with connect(proxy) as s:
            s.sendall((f"POST /_echo/x HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n{framing}\r\n\r\n"
                       "0\r\n\r\n").encode())
            time.sleep(0.1)     # a later segment: uWSGI could otherwise read it as the next request
            try:
                s.sendall(smuggled.encode())
            except OSError:
                pass
            answer = read_to_end(s)
        assert answer.count(b"HTTP/1.1 ") == 1 and answer.split(b" ")[1] in (b"400", b"501"), (framing, answer)
    assert standin.seen == []


# ---- headers -----------------------------------------------------------------------------------

def test_forwarded_headers_neither_count_nor_travel_unless_trusted(proxy, standin):
    r = requests.get(proxy.url + "/_echo/fw", auth=("alice", PASSWORDS["alice"]), headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Ssl": "on", "Forwarded": "for=203.0.113.9;proto=https"})
    assert r.status_code == 200
    names = standin.last().header_names()
    assert not [n for n in names if "forwarded" in n], names


def test_server_header_is_ours_unless_the_upstream_sent_one(proxy, standin):
    assert requests.get(proxy.url + "/_access-es/health").headers["Server"] == "access-es"
    r = requests.get(proxy.url + "/_echo/named", auth=("alice", PASSWORDS["alice"]))
    assert r.status_code == 200 and r.headers["Server"].startswith("standin")    # the upstream's
    assert "access-es" not in r.headers["Server"]                              # and only it


def test_folded_header_lines_are_refused(proxy, standin):
    answer = raw_request(proxy.url, (f"GET /_echo/fold HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                                     "X-Folded: a\r\n b\r\nConnection: close\r\n\r\n").encode(), timeout=5)
    assert answer.startswith(b"HTTP/1.1 400 ") and json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
    assert standin.seen == []


def test_malformed_chunk_sizes_are_refused(proxy, standin):
    answer = raw_request(proxy.url, (f"POST /_echo/zz HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n").encode(), timeout=5)
    assert answer.startswith(b"HTTP/1.1 400 ") and standin.seen == []


def _descendants(pid: int) -> set[int]:
    return set(tree_pids(pid)) - {pid}


def test_several_worker_processes_serve_and_stop_together(standin, accounts_file, tmp_path):
    """--processes 2: a supervisor and two workers, one banner, every answer signed and whole, and
    SIGTERM stops all three (no worker left holding the port)."""
    from concurrent.futures import ThreadPoolExecutor

    from .conftest import start_proxy, stop_proxy

    proxy = start_proxy(tmp_path, standin.url, accounts_file, args=("--processes", "2", "--threads", "4"))
    try:
        workers = _descendants(proxy.process.pid)
        assert len(workers) == 2, workers
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: requests.get(f"{proxy.url}/_echo/w{i}", headers={"Authorization": BASIC},
                                                           timeout=30), range(64)))
        assert all(r.status_code == 200 and r.json()["path"] == f"/_echo/w{i}" for i, r in enumerate(answers))
        assert all(seen.verified for seen in standin.seen)
        banner = [line for line in proxy.log_text().splitlines() if line.startswith("access-es on http://")]
        assert len(banner) == 1
    finally:
        stop_proxy(proxy)
    assert proxy.process.returncode is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()
                   for pid in workers)
    with pytest.raises(requests.ConnectionError):
        requests.get(proxy.url + "/_access-es/health", timeout=2)


@pytest.mark.parametrize("size", [200_000, 3_000_000])   # relayed whole from memory / streamed
def test_an_answer_cut_short_upstream_is_never_relayed_as_whole(proxy, standin, size):
    """The upstream declares more than it sends and closes: the client must be able to tell (a 502,
    or a body that ends before its framing says), and the server goes on serving."""
    standin.route("/_cut", lambda req: Reply(200, [], pattern_bytes(size // 2), content_type="application/octet-stream",
                                            declared_length=size))
    conn = http.client.HTTPConnection("127.0.0.1", port_of(proxy), timeout=10)
    try:
        conn.request("GET", "/_cut/x", headers={"Authorization": BASIC})
        r = conn.getresponse()
        if r.status == 200:   # streamed: the head went before the upstream failed
            with pytest.raises(http.client.IncompleteRead):
                r.read()
        else:
            assert r.status == 502 and r.read()
    finally:
        conn.close()
    r = requests.get(proxy.url + "/_echo/after-cut", auth=("alice", PASSWORDS["alice"]), timeout=10)
    assert r.status_code == 200


def test_worker_processes_end_with_their_supervisor_even_if_it_is_killed(standin, accounts_file, tmp_path):
    from .conftest import start_proxy

    proxy = start_proxy(tmp_path, standin.url, accounts_file, args=("--processes", "2", "--threads", "2"))
    workers = _descendants(proxy.process.pid)
    assert len(workers) == 2
    proxy.process.kill()                      # SIGKILL: the supervisor cannot stop them itself
    proxy.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()
                   for pid in workers)


def test_a_head_sent_byte_by_byte_is_read_whole(proxy, standin):
    head = f"GET /_echo/bytes HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\nX-Pad: {'p' * 2000}\r\n\r\n".encode()
    with connect(proxy) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(head)):
            s.send(head[i:i + 1])
        answer, _ = read_answer(s)
    assert answer.startswith(b"HTTP/1.1 200 ") and standin.last().path == "/_echo/bytes"


def test_running_out_of_descriptors_is_survived(standin, accounts_file, tmp_path):
    """With few file descriptors, more connections than it can accept: the rest wait in the
    backlog; once they go, the server accepts again (it must not stop listening for good)."""
    from .conftest import VENV_BIN, start_proxy, stop_proxy

    wrapper = tmp_path / "few-descriptors"
    wrapper.write_text(f'#!/bin/sh\nulimit -n 48\nexec "{VENV_BIN / "access-es"}" "$@"\n')
    wrapper.chmod(0o755)
    proxy = start_proxy(tmp_path, standin.url, accounts_file, program=wrapper, args=("--processes", "1"))
    try:
        idle = [connect(proxy) for _ in range(80)]   # more than 48 descriptors can hold
        for s in idle:
            s.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                r = requests.get(proxy.url + "/_echo/after-emfile", headers={"Authorization": BASIC}, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server stopped accepting"
                time.sleep(0.2)
        assert r.status_code == 200
        assert "accept failed" in proxy.log_text()
    finally:
        stop_proxy(proxy)

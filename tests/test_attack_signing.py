"""Adversarial review of the signing proxy: requests whose forwarded form AWS would reject, whose
meaning changes on the way, or whose answer is altered.

Every case goes client -> `access-es serve` (uWSGI) -> SigV4-verifying upstream over loopback.
Cases that hold are regression tests; cases that break are `xfail(strict=True)` with the finding
in the reason, so the suite stays green while the finding stays recorded (a fix turns them into
XPASS, which fails the run until the marker is removed).

Two upstreams are used:
- the stand-in (access_es/standin/domain.py), for everything on the request side;
- `RawUpstream` below, a tiny HTTP/1.1 server that verifies SigV4 with the stand-in's verifier
  (access_es/standin/sigv4_verify.py) and then answers with scripted raw bytes, for response shapes
  the stand-in cannot produce (1xx interim answers, close-delimited bodies, TE+CL, folded headers,
  custom reason phrases...).
"""
from __future__ import annotations

import base64
import json
import hashlib
import http.client
import socket
import threading
from datetime import datetime, timezone
from urllib.parse import unquote_to_bytes

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from access_es.standin.domain import Reply, pattern_bytes
from access_es.standin.sigv4_verify import SignatureError, verify

from .conftest import PASSWORDS, REGION, Browser, start_proxy, stop_proxy
from .test_proxy_wire import raw_request

BASIC = "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()


# ---- helpers ------------------------------------------------------------------------------------

def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def send_raw(url: str, method: str, target: str, headers=(), body: bytes = b"", *, cookie: str | None = None,
             basic: bool = True, timeout: float = 15):
    """One request with the exact target and header bytes given (http.client does not re-quote).

    Returns (status, reason, [(name, value)], body). Header values may be bytes (sent as they are).
    """
    conn = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", "proxy.test")
        if basic:
            conn.putheader("Authorization", BASIC)
        if cookie:
            conn.putheader("Cookie", cookie)
            # like a Kibana page: session-cookie requests that may change things carry kbn-xsrf
            if not any(n.lower() == "kbn-xsrf" for n, _ in headers):
                conn.putheader("kbn-xsrf", "true")
        for name, value in headers:
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.reason, resp.getheaders(), data
    finally:
        conn.close()


def header(headers, name):
    values = [v for n, v in headers if n.lower() == name.lower()]
    return ", ".join(values) if values else None


def mirror(req) -> Reply:
    """Answer with exactly the request body (byte-exact both ways)."""
    return Reply(200, [("X-Mirror", "1")], req.body, content_type="application/octet-stream")


def decoded_path(target: str) -> list[bytes]:
    return [unquote_to_bytes(s) for s in target.split("?", 1)[0].split("/")]


def decoded_query(target: str) -> list[tuple[bytes, bytes | None]]:
    """How the upstream reads the query it got: no '+' handling (the strict form has none)."""
    if "?" not in target:
        return []
    out = []
    for piece in target.split("?", 1)[1].split("&"):
        name, eq, value = piece.partition("=")
        out.append((unquote_to_bytes(name), unquote_to_bytes(value) if eq else None))
    return out


def remove_dot_segments(segments: list[bytes]) -> list[bytes]:
    """RFC 3986 5.2.4 over decoded segments (6.2.2.2: %2E is '.')."""
    out: list[bytes] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg in (b".", b".."):
            if seg == b".." and out:
                out.pop()
            if last:
                out.append(b"")
        else:
            out.append(seg)
    return out


@pytest.fixture(scope="module")
def session_cookie(proxy) -> str:
    """A logged-in session: much faster per request than Basic (no password hash each time)."""
    b = Browser(proxy.url)
    assert b.login("alice").status_code == 303
    return "access_es_session=" + b.s.cookies.get("access_es_session")


# ---- a raw, verifying upstream for response shapes ----------------------------------------------

class RawUpstream:
    """Loopback HTTP/1.1 server: parses a request, verifies SigV4 like AWS, answers raw bytes.

    `replies[path]` is the raw answer (bytes, or (bytes, close_after)); unknown paths get 200 "ok".
    """

    def __init__(self, keys, region):
        self.keys, self.region = keys, region
        self.seen: list[dict] = []
        self.replies: dict[str, object] = {}
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="raw-upstream").start()

    def close(self):
        self._closed = True
        self.sock.close()

    def _accept(self):
        while not self._closed:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, addr), daemon=True).start()

    def _serve(self, conn, addr):
        f = conn.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                method, target, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
                headers = []
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    n, _, v = h.decode("latin-1").rstrip("\r\n").partition(":")
                    headers.append((n, v.strip(" \t")))
                lower = {n.lower(): v for n, v in headers}
                if "chunked" in lower.get("transfer-encoding", "").lower():
                    body = bytearray()
                    while True:
                        size = int(f.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while f.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        body += f.read(size)
                        f.readline()
                    body = bytes(body)
                else:
                    n = int(lower.get("content-length") or 0)
                    body = f.read(n) if n else b""
                try:
                    verify(method, target, headers, body, keys=self.keys, region=self.region, service="es",
                           now=datetime.now(timezone.utc))
                    ok, err = True, None
                except SignatureError as e:
                    ok, err = False, e.message
                self.seen.append(dict(method=method, target=target, headers=headers, body=body,
                                      verified=ok, error=err))
                if not ok:
                    out, close = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", False
                else:
                    out = self.replies.get(target.split("?", 1)[0],
                                           b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    out, close = out if isinstance(out, tuple) else (out, False)
                conn.sendall(out)
                if close:
                    return
        except Exception:  # noqa: BLE001 - a test server; the proxy's side is what is asserted
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


@pytest.fixture(scope="module")
def raw_upstream(keys):
    up = RawUpstream(keys, REGION)
    yield up
    up.close()


@pytest.fixture(scope="module")
def raw_proxy(raw_upstream, accounts_file, tmp_path_factory):
    p = start_proxy(tmp_path_factory.mktemp("rawproxy"), raw_upstream.url, accounts_file,
                    ACCESS_ES_UPSTREAM_TIMEOUT="3")
    yield p
    stop_proxy(p)


def via_raw(raw_proxy, raw_upstream, path: str, reply, method: str = "GET"):
    raw_upstream.replies[path] = reply
    raw_upstream.seen.clear()
    r = requests.request(method, raw_proxy.url + path, auth=("alice", PASSWORDS["alice"]), stream=True,
                         allow_redirects=False)
    body = r.raw.read(decode_content=False)
    assert raw_upstream.seen and raw_upstream.seen[-1]["verified"], raw_upstream.seen
    return r, body


# =================================================================================================
# Request side: paths
# =================================================================================================

PATH_CHARS = list("!$&'()*+,;=:@[]|^`{}\"<>\\")


@pytest.mark.parametrize("ch", PATH_CHARS)
@pytest.mark.parametrize("form", ["raw", "encoded", "lower-hex"])
def test_reserved_and_unusual_path_characters_sign_and_keep_their_meaning(proxy, standin, session_cookie,
                                                                           ch, form):
    spelled = {"raw": ch, "encoded": "%%%02X" % ord(ch), "lower-hex": "%%%02x" % ord(ch)}[form]
    status, _, _, _ = send_raw(proxy.url, "GET", f"/_echo/a{spelled}b/{spelled}", basic=False,
                               cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert status == 200
    assert decoded_path(seen.target) == [b"", b"_echo", b"a" + ch.encode() + b"b", ch.encode()]


@pytest.mark.parametrize("target,segments", [
    ("/_echo/a%2Fb/c", [b"_echo", b"a/b", b"c"]),               # encoded slash stays in its segment
    ("/_echo/a%252Fb", [b"_echo", b"a%2Fb"]),                   # double encoding is not decoded twice
    ("/_echo/%FF%FE%00/x", [b"_echo", b"\xff\xfe\x00", b"x"]),  # non-UTF-8 bytes kept as bytes
    ("/_echo/%7e%41%2d", [b"_echo", b"~A-"]),                   # encoded unreserved: same meaning
    ("/_echo//a///b/", [b"_echo", b"", b"a", b"", b"", b"b", b""]),  # empty segments kept
    ("/_echo/trailing/", [b"_echo", b"trailing", b""]),
    ("/_echo/x/.../y", [b"_echo", b"x", b"...", b"y"]),          # '...' is not a dot segment
    ("/_echo/x/%2E%2E%2F/y", [b"_echo", b"x", b"../", b"y"]),    # '..' + encoded '/' is a name
])
def test_slashes_encodings_and_odd_segments(proxy, standin, session_cookie, target, segments):
    status, _, _, _ = send_raw(proxy.url, "GET", target, basic=False, cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert status == 200
    assert decoded_path(seen.target) == [b""] + segments


@pytest.mark.parametrize("target", ["//x", "///x//", "//%2F/x"])
def test_leading_empty_segments_reach_the_upstream(raw_proxy, raw_upstream, target):
    """The stand-in cannot show this (http.server collapses a leading '//'), so RawUpstream does."""
    raw_upstream.seen.clear()
    status, _, _, body = send_raw(raw_proxy.url, "GET", target)
    assert status == 200 and body == b"ok"
    seen = raw_upstream.seen[-1]
    assert seen["verified"], seen["error"]
    assert seen["target"] == target.replace("%2f", "%2F")


@pytest.mark.parametrize("target,expected", [
    ("/_echo/a/./b", "/_echo/a/b"),
    ("/_echo/a/%2E/b", "/_echo/a/b"),
    ("/_echo/a/b/%2e%2E/c", "/_echo/a/c"),
    ("/./_echo/a", "/_echo/a"),
    ("/../../_echo/a", "/_echo/a"),
    ("/%2E%2E/_echo/a", "/_echo/a"),
    ("/_echo/a/.", "/_echo/a/"),
    ("/_echo/a/..", "/_echo/"),
    ("/_echo/a/%2E%2E", "/_echo/"),
    ("/_echo/a//..", "/_echo/a/"),
])
def test_dot_segments_raw_and_encoded_at_start_middle_end(proxy, standin, session_cookie, target, expected):
    send_raw(proxy.url, "GET", target, basic=False, cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert seen.target == expected


def test_very_long_paths_and_query_strings(proxy, standin, session_cookie):
    # 21 KB of target: uWSGI keeps the target, its decoded path and the query in one 64 KiB buffer
    # with the headers (Elasticsearch itself takes 4 KB request lines by default)
    long_seg = "/_echo/" + "%C3%A9" * 1200 + "/" + "a/" * 800
    query = "&".join(f"k{i % 50}=v%2B{i}" for i in range(1200))
    status, _, _, _ = send_raw(proxy.url, "GET", long_seg + "?" + query, basic=False, cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert status == 200
    assert decoded_query(seen.target) == [(f"k{i % 50}".encode(), f"v+{i}".encode()) for i in range(1200)]


def test_targets_over_the_servers_buffer_are_refused_before_the_app(proxy, standin, session_cookie):
    target = "/_echo/" + "a/" * 30000 + "?" + "&".join(f"k{i}=v" for i in range(3000))   # 72 KB
    status, _, _, body = send_raw(proxy.url, "GET", target, basic=False, cookie=session_cookie)
    assert status == 431 and b"request head" in body
    assert standin.seen == []


@pytest.mark.parametrize("target", ["/_echo/a%0Ab", "/idx/_doc/line1%0Aline2", "/_echo/%0A"])
def test_newlines_in_the_path_are_forwarded(proxy, standin, session_cookie, target):
    status, _, _, body = send_raw(proxy.url, "PUT", target, [("Content-Type", "application/json")], b"{}",
                                  basic=False, cookie=session_cookie)
    assert standin.seen, (status, body)
    assert standin.last().verified and standin.last().target == target


def test_asterisk_form_options_is_not_turned_into_a_resource(proxy, standin):
    answer = raw_request(proxy.url, timeout=15, request_bytes=(f"OPTIONS * HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                                      "Connection: close\r\n\r\n").encode())
    assert answer.startswith(b"HTTP/1.1 ")
    assert not standin.seen or standin.last().target == "*"


# =================================================================================================
# Request side: query strings
# =================================================================================================

@pytest.mark.parametrize("query,expected", [
    ("pretty", [(b"pretty", None)]),                                  # bare key stays bare
    ("a=&b", [(b"a", b""), (b"b", None)]),
    ("a=b=c&d==", [(b"a", b"b=c"), (b"d", b"=")]),                    # '=' inside values
    ("a=1&&&b=2&", [(b"a", b"1"), (b"b", b"2")]),                     # repeated '&' carry nothing
    ("a=1&a=0&a=1&b=", [(b"a", b"1"), (b"a", b"0"), (b"a", b"1"), (b"b", b"")]),  # order + dups
    ("q=a+b&r=a%20b&s=a%2Bb&t=a%2bb", [(b"q", b"a b"), (b"r", b"a b"), (b"s", b"a+b"), (b"t", b"a+b")]),
    ("q=*&w=%2A&x=!$'()", [(b"q", b"*"), (b"w", b"*"), (b"x", b"!$'()")]),
    ("q=%E2%82%AC%F0%9F%98%80&%C3%A9=1", [(b"q", "\u20ac\U0001F600".encode()), ("\u00e9".encode(), b"1")]),
    ("q=%26%3D%23%3F%25", [(b"q", b"&=#?%")]),
    ("q=a;b=c", [(b"q", b"a;b=c")]),                                  # ';' is not a separator
    ("q=[]{}|^`\"<>\\", [(b"q", b"[]{}|^`\"<>\\")]),
])
def test_query_strings_keep_order_duplicates_and_meaning(proxy, standin, session_cookie, query, expected):
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/q?" + query, basic=False, cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert status == 200
    assert decoded_query(seen.target) == expected


@pytest.mark.parametrize("query", ["=v", "a=1&=", "="])
def test_empty_parameter_names_are_never_sent_as_a_rejected_form(proxy, standin, session_cookie, query):
    status, _, _, body = send_raw(proxy.url, "GET", "/_echo/q?" + query, basic=False, cookie=session_cookie)
    assert not standin.seen or standin.last().verified, standin.last().error


# =================================================================================================
# Request side: headers
# =================================================================================================

@pytest.mark.parametrize("content_type", [
    "application/json; charset=utf-8",
    "text/plain;\tcharset=utf-8",
    "text/plain;    charset=utf-8   ;  x=1",          # unquoted runs of spaces
    'multipart/form-data; boundary="a  b"',           # quote mid-token: collapsed by both sides
    "text/plain; name=O'Brien",                        # lone apostrophe without whitespace after
    "",                                                 # empty: not forwarded at all
])
@pytest.mark.parametrize("method,body", [("GET", b""), ("POST", b""), ("POST", b'{"a":1}')])
def test_signed_content_type_variants_verify(proxy, standin, session_cookie, content_type, method, body):
    """Content-Type variants (odd spacing, quotes, charset on empty bodies) pass unchanged and the
    signature verifies. (requests-aws4auth signed Content-Type and folded it; botocore's signer, as
    used here, signs only Host and X-Amz-*.)"""
    status, _, _, data = send_raw(proxy.url, method, "/_echo/ct", [("Content-Type", content_type)], body,
                                  basic=False, cookie=session_cookie)
    seen = standin.last()
    assert seen.verified, seen.error
    assert status == 200 and seen.body == body
    assert (seen.header("Content-Type") or "") == content_type


@pytest.mark.parametrize("content_type", ['text/plain; "a  b"', "application/json; 'x  y'",
                                          'multipart/mixed; boundary= "--  --"'])
def test_quoted_whitespace_runs_in_content_type_are_signed_as_aws_reads_them(proxy, standin, session_cookie,
                                                                           content_type):
    status, _, _, _ = send_raw(proxy.url, "POST", "/_echo/ct", [("Content-Type", content_type)], b"x",
                               basic=False, cookie=session_cookie)
    assert standin.last().verified, standin.last().error
    assert status == 200


@pytest.mark.parametrize("content_type", ["x 'y", 'text/plain; "a b', "text/plain; 'it is"])
def test_unbalanced_quotes_in_content_type_do_not_crash_the_signer(proxy, standin, session_cookie, content_type):
    status, _, _, body = send_raw(proxy.url, "POST", "/_echo/ct", [("Content-Type", content_type)], b"x",
                                  basic=False, cookie=session_cookie)
    assert status == 200, body
    assert standin.last().verified


@pytest.mark.parametrize("name", ["X-Custom", "Content-Type"])
@pytest.mark.parametrize("lead", [b"\xa0", b"\x85"])
def test_header_values_with_leading_non_ascii_bytes_pass_unchanged(proxy, standin, session_cookie, name, lead):
    """0xA0 and 0x85 are whitespace to Python once read as latin-1, but not to HTTP (obs-text). Only
    Host and our X-Amz-* headers are signed, so such a value passes byte for byte and cannot make
    the signature fail. (requests used to refuse these; urllib3 sends them.)"""
    status, _, _, body = send_raw(proxy.url, "GET", "/_echo/h", [(name, lead + b"value")],
                                  basic=False, cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified, (body, seen.error)
    assert seen.header(name).encode("latin-1").endswith(b"value")
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token," in seen.header("Authorization")


def test_non_ascii_header_bytes_reach_the_upstream_unchanged(proxy, standin, session_cookie):
    """obs-text bytes in unsigned headers pass byte for byte; in the signed Content-Type the oracle
    (which, like http.server, reads header bytes as latin-1) verifies. Whether real AWS reads such
    bytes the same way is not established (unclear)."""
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/h", [
        ("X-Utf8", "caf\u00e9 \u2713".encode()), ("X-Latin1", b"caf\xe9"),
        ("Content-Type", "text/plain; name=caf\u00e9".encode())], basic=False, cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified, seen.error
    assert seen.header("X-Utf8").encode("latin-1") == "caf\u00e9 \u2713".encode()
    assert seen.header("X-Latin1").encode("latin-1") == b"caf\xe9"
    assert seen.header("Content-Type").encode("latin-1") == "text/plain; name=caf\u00e9".encode()


def test_duplicate_request_headers_are_joined_in_order(proxy, standin, session_cookie):
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/h", [
        ("X-Dup", "a"), ("X-Other", "1"), ("X-Dup", "b"), ("x-dup", "c"), ("Accept", "application/json"),
        ("Accept", "text/plain")], basic=False, cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified
    assert seen.header("X-Dup") == "a, b, c"
    assert seen.header("Accept") == "application/json, text/plain"


@pytest.mark.parametrize("order", ["session-last", "session-first"])
def test_repeated_cookie_headers_never_leak_the_session_cookie(proxy, standin, session_cookie, order):
    cookies = [("Cookie", "securitytenant_cookie=global"), ("Cookie", session_cookie)]
    if order == "session-first":
        cookies.reverse()
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/ck", cookies, basic=True)
    seen = standin.last()
    assert status == 200 and seen.verified
    sent = seen.header("Cookie") or ""
    assert "access_es_session" not in sent
    assert "securitytenant_cookie=global" in sent and "," not in sent


def test_header_names_with_underscores_arrive_with_dashes(proxy, standin, session_cookie):
    """uWSGI names headers CGI-style, where `X_Custom` and `X-Custom` are both HTTP_X_CUSTOM: the
    header reaches the upstream as `X-Custom`, signed and verified; sent in both spellings, the two
    are joined like a repeated header."""
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/u", [("X_Custom", "1")], basic=False,
                               cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified, seen.error
    assert seen.header("X-Custom") == "1" and "x_custom" not in seen.header_names()
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/u", [("X-Custom", "a"), ("X_Custom", "b")], basic=False,
                               cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified and seen.header("X-Custom") == "a, b"


@pytest.mark.xfail(strict=True, reason=(
    "KNOWN LIMITATION, documented in the README: WSGI's CGI naming reads '_' in request header names "
    "as '-', so `X_Custom` reaches the upstream as `X-Custom` (waitress dropped such headers; uWSGI "
    "and access-es serve both join them). The environ no longer says how the name was spelled."))
def test_header_names_with_underscores_are_forwarded(proxy, standin, session_cookie):
    status, _, _, _ = send_raw(proxy.url, "GET", "/_echo/u", [("X_Custom", "1")], basic=False,
                               cookie=session_cookie)
    assert status == 200
    assert standin.last().header("X_Custom") == "1"


# =================================================================================================
# Request side: bodies
# =================================================================================================

@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "DELETE"])
def test_bodies_on_get_head_options_delete_are_forwarded_byte_exact(proxy, standin, session_cookie, method):
    body = pattern_bytes(5000, seed=11)
    status, _, headers, _ = send_raw(proxy.url, method, "/_echo/b", [("Content-Type", "application/json")],
                                     body, basic=False, cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified, seen.error
    assert seen.method == method and seen.body == body


@pytest.mark.parametrize("content_type,body", [
    ("application/x-www-form-urlencoded", b"a=1&b=%zz&c"),                # never parsed as a form
    ("application/x-www-form-urlencoded", b"x=" + b"y" * 300_000),        # above MAX_FORM_MEMORY_SIZE
    ("multipart/form-data; boundary=XX", b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XX--\r\n"),
    ("multipart/form-data; boundary=XX", b"garbage"),
    ("text/plain; charset=utf-16", "h\u00e9".encode("utf-16")),
])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_form_typed_bodies_are_relayed_not_parsed(proxy, standin, session_cookie, content_type, body, method):
    status, _, _, _ = send_raw(proxy.url, method, "/_echo/form", [("Content-Type", content_type)], body,
                               basic=False, cookie=session_cookie)
    seen = standin.last()
    assert status == 200 and seen.verified, seen.error
    assert seen.body == body


def test_expect_100_continue_is_answered_and_the_body_forwarded(proxy, standin):
    body = b'{"query":{"match_all":{}}}'
    with socket.create_connection(("127.0.0.1", _port(proxy.url)), timeout=10) as s:
        s.sendall((f"POST /_echo/expect HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                   "Expect: 100-continue\r\nConnection: close\r\n\r\n").encode())
        first = s.recv(1024)
        assert first.startswith(b"HTTP/1.1 100 "), first
        s.sendall(body)
        rest = b""
        while chunk := s.recv(65536):
            rest += chunk
    assert b"HTTP/1.1 200 " in first + rest
    seen = standin.last()
    assert seen.verified and seen.body == body
    assert "expect" not in seen.header_names()


@pytest.mark.parametrize("extension", ["", ";name=value"], ids=["plain", "extensions"])
def test_chunked_request_with_trailers_is_byte_exact(proxy, standin, extension):
    part1, part2 = pattern_bytes(7000, seed=5), b"\r\n0\r\n"  # body bytes that look like chunk syntax
    req = (f"PUT /_echo/chunked HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    req += b"%x%s\r\n%s\r\n%X\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (
        len(part1), extension.encode(), part1, len(part2), part2)
    answer = raw_request(proxy.url, req, timeout=15)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    seen = standin.last()
    assert seen.verified and seen.body == part1 + part2
    assert "transfer-encoding" not in seen.header_names() or seen.header("Transfer-Encoding") == "chunked"


def test_very_large_bodies_are_byte_exact(proxy, admin, standin):
    body = pattern_bytes(12 * 1024 * 1024, seed=9)
    r = admin.put(proxy.url + "/_echo/large", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert standin.last().verified


# =================================================================================================
# Response side
# =================================================================================================

@pytest.mark.parametrize("code,reason", [(299, "Custom Two Ninety Nine"), (418, "I'm a teapot"),
                                         (599, "Network Connect Timeout Error"), (999, "Nine Nine Nine"),
                                         (207, "Multi-Status")])
def test_unusual_status_codes_and_reason_phrases_pass_through(raw_proxy, raw_upstream, code, reason):
    r, body = via_raw(raw_proxy, raw_upstream, f"/st{code}",
                      f"HTTP/1.1 {code} {reason}\r\nContent-Length: 2\r\nX-Up: 1\r\n\r\nok".encode())
    assert (r.status_code, r.reason, body, r.headers.get("X-Up")) == (code, reason, b"ok", "1")


def test_duplicate_and_interleaved_response_headers_keep_their_values_in_order(raw_proxy, raw_upstream):
    r, body = via_raw(raw_proxy, raw_upstream, "/dups", (
        b"HTTP/1.1 200 OK\r\nWarning: 299 - \"first\"\r\nX-B: 2\r\nWarning: 299 - \"second\"\r\n"
        b"Set-Cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nSet-Cookie: b=2\r\n"
        b"Link: </a>; rel=x\r\nLink: </b>; rel=y\r\nContent-Length: 2\r\n\r\nok"))
    items = list(r.raw.headers.items())
    assert [v for n, v in items if n.lower() == "warning"] == ['299 - "first"', '299 - "second"']
    assert [v for n, v in items if n.lower() == "set-cookie"] == [
        "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "b=2"]
    assert [v for n, v in items if n.lower() == "link"] == ["</a>; rel=x", "</b>; rel=y"]
    assert body == b"ok"


@pytest.mark.parametrize("name,reply,expected", [
    ("close-delimited", (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n"
                         + b"z" * 70000, True), b"z" * 70000),
    ("http10", (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nten-body", True), b"ten-body"),
    ("br", b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n\x0b\x01\x80\x03",
     b"\x0b\x01\x80\x03"),
    ("identity", b"HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 2\r\n\r\nok", b"ok"),
    ("bogus-gzip", b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope", b"nope"),
    ("folded-header", b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nX-L: caf\xe9\r\nContent-Length: 2\r\n\r\nok",
     b"ok"),
])
def test_response_bodies_and_encodings_pass_untouched(raw_proxy, raw_upstream, name, reply, expected):
    r, body = via_raw(raw_proxy, raw_upstream, "/" + name, reply)
    assert r.status_code == 200 and body == expected
    if name in ("br", "identity", "bogus-gzip"):
        assert r.headers["Content-Encoding"] == name.replace("bogus-", "")
    if name == "folded-header":
        assert r.headers["X-L"].encode("latin-1") == b"caf\xe9"


def test_204_and_head_with_length_pass_through(raw_proxy, raw_upstream):
    r, body = via_raw(raw_proxy, raw_upstream, "/nocontent", b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")
    assert (r.status_code, body, r.headers.get("X-A")) == (204, b"", "1")
    assert "Content-Length" not in r.headers
    r, body = via_raw(raw_proxy, raw_upstream, "/headlen",
                      b"HTTP/1.1 200 OK\r\nContent-Length: 4242\r\nContent-Type: application/json\r\n\r\n",
                      method="HEAD")
    assert (r.status_code, r.headers["Content-Length"], body) == (200, "4242", b"")


def test_head_without_length_is_not_told_it_is_empty(raw_proxy, raw_upstream):
    r, _ = via_raw(raw_proxy, raw_upstream, "/headchunked",
                   b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
                   method="HEAD")
    assert r.status_code == 200
    assert r.headers.get("Content-Length") != "0"


def test_304_keeps_its_validators(proxy, admin):
    r = admin.get(proxy.url + "/_status/304?header=ETag:%20%22v1%22"
                  "&header=Last-Modified:%20Wed,%2021%20Oct%202015%2007:28:00%20GMT")
    assert r.status_code == 304 and r.headers.get("ETag") == '"v1"'
    assert r.headers.get("Last-Modified") == "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.mark.parametrize("interim", [b"103 Early Hints\r\nLink: </a>; rel=preload", b"102 Processing"])
def test_interim_1xx_answers_are_not_taken_as_the_final_answer(raw_proxy, raw_upstream, interim):
    """http.client cannot read past an interim 102/103; rather than relay it as the answer, the proxy
    answers a clear 502 (AWS domains do not send them)."""
    r, body = via_raw(raw_proxy, raw_upstream, "/interim",
                      b"HTTP/1.1 " + interim + b"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
    assert r.status_code == 502
    assert json.loads(body)["error"]["type"] == "upstream_bad_answer"


def test_te_plus_cl_upstream_answer_is_not_truncated(raw_proxy, raw_upstream):
    r, body = via_raw(raw_proxy, raw_upstream, "/tecl", (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        b"a\r\n0123456789\r\n0\r\n\r\n"))
    assert body == b"0123456789"


@pytest.mark.xfail(strict=True, reason=(
    "KNOWN LIMITATION: `Content-Length: 2, 2` (a list of identical values, which RFC 9110 8.6 lets a "
    "recipient accept) is normalised to one value by client_headers, but http.client cannot frame the "
    "body by it and reads until the upstream closes; an upstream that keeps the connection open makes "
    "the relay wait for the timeout. AWS domains never send list-valued lengths."))
def test_repeated_identical_content_length_is_relayed(raw_proxy, raw_upstream):
    r, body = via_raw(raw_proxy, raw_upstream, "/cl22", b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok")
    assert (r.status_code, body) == (200, b"ok")


# =================================================================================================
# Property: random paths, queries and bodies
# =================================================================================================

_UNRESERVED_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PATH_RAW = _UNRESERVED_ASCII + "!$&'()*+,;=:@[]|^`{}\"<>\\"
_QUERY_RAW = _UNRESERVED_ASCII + "!$'()*,;:@/?[]|^`{}\"<>\\"


def _pct(data: bytes, lower: bool) -> str:
    text = "".join("%%%02X" % b for b in data)
    return text.lower() if lower else text


@st.composite
def path_segment(draw) -> tuple[str, bytes]:
    """(as sent, decoded bytes)."""
    special = draw(st.sampled_from([None] * 6 + [".", "..", "%2E", "%2e%2E", ".%2E", "", "%2F", "%252F",
                                                 "%2F..", "..."]))
    if special is not None:
        return special, unquote_to_bytes(special)
    raw, decoded = "", b""
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["raw", "raw", "byte", "unicode"]))
        lower = draw(st.booleans())
        if kind == "raw":
            ch = draw(st.sampled_from(_PATH_RAW))
            raw, decoded = raw + ch, decoded + ch.encode()
        elif kind == "byte":
            b = bytes([draw(st.integers(0, 255))])
            raw, decoded = raw + _pct(b, lower), decoded + b
        else:
            ch = draw(st.characters(blacklist_categories=("Cs",), min_codepoint=0x80))
            raw, decoded = raw + _pct(ch.encode(), lower), decoded + ch.encode()
    return raw, decoded


@st.composite
def query_text(draw, allow_eq: bool) -> tuple[str, bytes]:
    raw, decoded = "", b""
    alphabet = _QUERY_RAW + ("=" if allow_eq else "")
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["raw", "raw", "plus", "sp", "pct-plus", "ascii", "unicode"]))
        lower = draw(st.booleans())
        if kind == "raw":
            ch = draw(st.sampled_from(alphabet))
            raw, decoded = raw + ch, decoded + ch.encode()
        elif kind == "plus":
            raw, decoded = raw + "+", decoded + b" "
        elif kind == "sp":
            raw, decoded = raw + "%20", decoded + b" "
        elif kind == "pct-plus":
            raw, decoded = raw + ("%2b" if lower else "%2B"), decoded + b"+"
        elif kind == "ascii":
            b = bytes([draw(st.integers(0, 127))])
            raw, decoded = raw + _pct(b, lower), decoded + b
        else:
            ch = draw(st.characters(blacklist_categories=("Cs",), min_codepoint=0x80))
            raw, decoded = raw + _pct(ch.encode(), lower), decoded + ch.encode()
    return raw, decoded


@st.composite
def query_string(draw) -> tuple[str, list[tuple[bytes, bytes | None]]]:
    # Empty names are a separate, recorded finding (test_empty_parameter_names_...).
    names = draw(st.lists(query_text(allow_eq=False).filter(lambda t: t[1] != b""), min_size=1, max_size=4))
    pieces, expected = [], []
    for _ in range(draw(st.integers(0, 8))):
        name_raw, name = draw(st.sampled_from(names))   # duplicates are likely
        if draw(st.booleans()):
            value_raw, value = draw(query_text(allow_eq=True))
            pieces.append(f"{name_raw}={value_raw}")
            expected.append((name, value))
        else:
            pieces.append(name_raw)
            expected.append((name, None))
    seps = [draw(st.sampled_from(["&", "&", "&", "&&", "&&&"])) for _ in pieces]
    raw = "".join(p + s for p, s in zip(pieces, seps))
    if draw(st.booleans()):
        raw = raw.rstrip("&")
    if draw(st.booleans()):
        raw = "&" + raw
    return raw, expected


@settings(max_examples=250, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(segments=st.lists(path_segment(), min_size=0, max_size=6),
       query=st.one_of(st.none(), query_string()),
       body=st.one_of(st.just(b""), st.binary(max_size=3000)),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
def test_property_signature_meaning_and_bodies_survive(proxy, standin, session_cookie, segments, query, body,
                                                       method):
    expected_path = [b""] + remove_dot_segments([d for _, d in segments])
    if len(expected_path) == 1:
        expected_path.append(b"")
    first = [s for s in b"/".join(expected_path).split(b"/") if s][:1]
    assume(first != [b"_access-es"])   # our own namespace is never proxied (tested elsewhere)
    # A newline in the path is a separate, recorded finding (test_newlines_in_the_path_...).
    assume(not any(b"\n" in d for _, d in segments))
    standin.route("/", mirror)                       # every path: answer with the request body
    target = "/" + "/".join(raw for raw, _ in segments)
    expected_query: list = []
    if query is not None:
        target += "?" + query[0]
        expected_query = query[1]
    standin.seen.clear()

    status, _, headers, data = send_raw(proxy.url, method, target, [("Content-Type", "application/octet-stream")],
                                        body, basic=False, cookie=session_cookie)

    assert standin.seen, (status, data[:500])
    seen = standin.last()
    assert seen.verified, (target, seen.target, seen.error)
    assert status == 200, (target, status, data[:500])
    assert seen.method == method
    # http.server (under the stand-in) reduces a leading '//' to '/' before anyone sees it; the
    # proxy's own handling of a leading '//' is checked against RawUpstream in
    # test_leading_empty_segments_reach_the_upstream.
    rest = expected_path[1:]
    while len(rest) > 1 and rest[0] == b"":
        rest = rest[1:]
    assert decoded_path(seen.target) == [b""] + rest, (target, seen.target)
    assert decoded_query(seen.target) == expected_query, (target, seen.target)
    assert seen.body == body                                    # request body byte-exact
    assert data == body                                         # response body byte-exact
    assert header(headers, "X-Mirror") == "1"

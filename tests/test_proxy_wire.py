"""The proxy over loopback, end to end: client -> `access-es serve` -> SigV4-verifying stand-in.

Every request here reaches the stand-in only if its signature verifies from the bytes on the wire.
"""
import gzip
import hashlib
import json
import socket
import time

import pytest
import requests

from access_es.standin.domain import Reply, pattern_bytes

from .conftest import start_proxy, stop_proxy


def echoed(resp) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()


def raw_request(url: str, request_bytes: bytes, timeout: float = 10) -> bytes:
    """Send exactly these bytes (client libraries would repair them) and read until the server closes."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(request_bytes)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("target,expected", [
    ("/_echo/logs-*/_search", "/_echo/logs-%2A/_search"),
    ("/_echo/a,b/_search?filter_path=took,hits", "/_echo/a%2Cb/_search?filter_path=took%2Chits"),
    ("/_echo/idx/_doc/a%2Fb", "/_echo/idx/_doc/a%2Fb"),
    ("/_echo/idx/_doc/a:b@c", "/_echo/idx/_doc/a%3Ab%40c"),
    ("/_echo//double//slash", "/_echo//double//slash"),
    ("/_echo/caf%C3%A9/_doc/%E2%9C%93", "/_echo/caf%C3%A9/_doc/%E2%9C%93"),
    ("/_echo/x?b=2&a=1&a=0&a=1", "/_echo/x?b=2&a=1&a=0&a=1"),
    ("/_echo/x?q=a+b&plus=%2B&sp=%20&amp=%26&eq=%3D", "/_echo/x?q=a%20b&plus=%2B&sp=%20&amp=%26&eq=%3D"),
    ("/_echo/x?q=level:ERROR%20AND%20service:(a%20OR%20b)", "/_echo/x?q=level%3AERROR%20AND%20service%3A%28a%20OR%20b%29"),
    ("/_echo/x?pretty&empty=&u=%E2%82%AC*", "/_echo/x?pretty&empty=&u=%E2%82%AC%2A"),
    ("/_echo/a/./b/../c", "/_echo/a/c"),
    ("/_echo/%7Euser", "/_echo/~user"),
    ("/_echo/a;b/c;d=1", "/_echo/a%3Bb/c%3Bd%3D1"),   # requests-aws4auth would mis-sign a raw ';'
    ("/_echo/a/b/..", "/_echo/a/"),
])
def test_awkward_paths_and_queries_sign_and_keep_their_meaning(proxy, admin, standin, target, expected):
    # requests would re-quote the URL; send the target exactly as written
    s = requests.Session()
    prepared = requests.Request("GET", proxy.url + "/", auth=admin.auth).prepare()
    prepared.url = proxy.url + target
    data = echoed(s.send(prepared))
    assert data["target"] == expected
    assert standin.last().verified


def test_absolute_form_targets_never_choose_the_upstream(proxy, standin):
    auth = "Basic " + __import__("base64").b64encode(b"alice:alice-password-1").decode()
    answer = raw_request(proxy.url, (
        "GET http://evil.example/_echo/caf%C3%A9?q=%C3%A9 HTTP/1.1\r\nHost: evil.example\r\n"
        f"Authorization: {auth}\r\nConnection: close\r\n\r\n").encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:500]
    assert json.loads(body)["target"] == "/_echo/caf%C3%A9?q=%C3%A9"
    # the Host the upstream saw is the endpoint's, never the client's
    assert standin.last().header("Host") == standin.url.split("//")[1]


def test_raw_non_ascii_targets_are_refused_by_the_server(proxy, standin):
    answer = raw_request(proxy.url, "GET /_echo/caf\u00e9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                         .encode("utf-8"))
    assert answer.startswith(b"HTTP/1.1 400") and standin.seen == []


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_are_forwarded_faithfully(proxy, admin, standin, method):
    data = echoed(admin.request(method, proxy.url + "/_echo/m", data=b'{"x":1}',
                                headers={"Content-Type": "application/json"}))
    assert data["method"] == method
    assert data["body_sha256"] == hashlib.sha256(b'{"x":1}').hexdigest()


def test_head_passes_status_and_length(proxy, admin):
    r = admin.head(proxy.url + "/_bytes/12345?type=application/octet-stream")
    assert r.status_code == 200 and r.headers["Content-Length"] == "12345" and r.content == b""


def test_get_with_a_json_body_is_forwarded(proxy, admin):
    body = json.dumps({"query": {"match": {"level": "ERROR"}}, "size": 3}).encode()
    r = admin.request("GET", proxy.url + "/logs-demo/_search", data=body,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    hits = r.json()["hits"]["hits"]
    assert len(hits) == 3 and all(h["_source"]["level"] == "ERROR" for h in hits)


@pytest.mark.parametrize("size", [0, 1, 65536, 5 * 1024 * 1024])
def test_request_bodies_are_byte_exact(proxy, admin, standin, size):
    body = pattern_bytes(size, seed=7) if size else b""
    data = echoed(admin.post(proxy.url + "/_echo/body", data=body,
                             headers={"Content-Type": "application/octet-stream"}))
    assert data["body_length"] == size
    assert data["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert standin.last().body == body


def test_chunked_request_bodies_are_byte_exact(proxy, admin, standin):
    body = pattern_bytes(300_000, seed=3)
    chunks = (body[i:i + 10_000] for i in range(0, len(body), 10_000))
    data = echoed(admin.post(proxy.url + "/_echo/chunked", data=chunks))
    assert data["body_sha256"] == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("size", [0, 1000, 1024 * 1024, 1024 * 1024 + 1, 7 * 1024 * 1024])
def test_response_bodies_are_byte_exact(proxy, admin, size):
    r = admin.get(proxy.url + f"/_bytes/{size}?type=application/octet-stream")
    assert r.status_code == 200
    assert r.content == pattern_bytes(size) if size else r.content == b""
    assert r.headers["Content-Length"] == str(size)


def test_chunked_upstream_answers_are_relayed_whole(proxy, admin):
    r = admin.get(proxy.url + "/_bytes/3000000?type=application/octet-stream&chunked=1")
    assert r.content == pattern_bytes(3_000_000)


def test_compressed_answers_pass_through_untouched(proxy, admin):
    r = admin.get(proxy.url + "/_bytes/200000?type=text/plain&gzip=1", headers={"Accept-Encoding": "gzip"},
                  stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.headers["Content-Encoding"] == "gzip"
    assert raw == gzip.compress(b"x" * 200000, mtime=0)
    # and a client that does not accept gzip is not sent gzip
    r = admin.get(proxy.url + "/_bytes/1000?type=text/plain&gzip=1", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in r.headers and r.content == b"x" * 1000


def test_request_headers_that_must_not_reach_the_upstream(proxy, standin, browser):
    assert browser.login("alice").status_code == 303
    browser.s.cookies.set("securitytenant_cookie", "global")
    r = browser.get("/_echo/h", headers={
        "Accept": "application/json", "X-Amz-Date": "20000101T000000Z", "X-Amz-Security-Token": "client",
        "X-Custom-Hop": "1", "Connection": "X-Custom-Hop", "kbn-xsrf": "true", "osd-xsrf": "true",
        "securitytenant": "global", "Date": "Tue, 01 Jan 2030 00:00:00 GMT",
    })
    seen = standin.last()
    assert r.status_code == 200 and seen.verified
    names = seen.header_names()
    assert "x-custom-hop" not in names and "date" not in names
    assert seen.header("X-Amz-Security-Token") != "client"
    assert seen.header("kbn-xsrf") == "true" and seen.header("osd-xsrf") == "true"
    assert seen.header("securitytenant") == "global"
    cookie = seen.header("Cookie") or ""
    assert "securitytenant_cookie=global" in cookie and "access_es_session" not in cookie
    assert not (seen.header("Authorization") or "").startswith("Basic")


def test_basic_credentials_never_reach_the_upstream(proxy, admin, standin):
    echoed(admin.get(proxy.url + "/_echo/auth"))
    assert standin.last().header("Authorization").startswith("AWS4-HMAC-SHA256 ")


@pytest.mark.parametrize("code", [200, 201, 202, 204, 304, 400, 404, 409, 429, 500, 503])
def test_status_and_headers_pass_through(proxy, admin, code):
    r = admin.get(proxy.url + f"/_status/{code}?header=X-Upstream:%20yes&header=Warning:%20299%20x")
    assert r.status_code == code
    assert r.headers.get("X-Upstream") == "yes"
    assert r.headers.get("Warning") == "299 x"


def test_every_set_cookie_arrives_once(proxy, admin):
    r = admin.get(proxy.url + "/_cookies")
    cookies = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    assert sorted(cookies) == sorted(["security_authentication=abc; Path=/; HttpOnly", "securitytenant=global; Path=/"])


def test_redirects_are_not_followed_and_point_back_at_the_proxy(proxy, admin, standin):
    r = admin.get(proxy.url + "/_redirect?to=" + requests.utils.quote(standin.url + "/_dashboards/app/home?x=1",
                                                                       safe=""), allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == proxy.url + "/_dashboards/app/home?x=1"
    assert len([s for s in standin.seen if s.path.startswith("/_dashboards")]) == 0
    r = admin.get(proxy.url + "/_redirect?code=301&to=https%3A%2F%2Felsewhere.example%2Fx", allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (301, "https://elsewhere.example/x")
    r = admin.get(proxy.url + "/_redirect?to=%2F_dashboards%2Flogin", allow_redirects=False)
    assert r.headers["Location"] == "/_dashboards/login"


def test_signature_failures_from_aws_pass_through_as_they_are(proxy, admin, standin):
    standin.route("/_echo/reject", lambda req: Reply.json({"message": "User: x is not authorized"}, 403))
    r = admin.get(proxy.url + "/_echo/reject")
    assert r.status_code == 403 and r.json()["message"] == "User: x is not authorized"


def test_upstream_timeout_is_a_504_with_advice(proxy, admin, browser):
    r = admin.get(proxy.url + "/_slow/5")   # answers after 5 s: a 504 means we did not wait for it
    assert r.status_code == 504
    err = r.json()["error"]
    assert err["type"] == "upstream_timeout" and "async search" in err["hint"]
    line = proxy.wait_log(lambda l: l.get("status") == 504)
    assert "did not answer within 3 s" in line["reason"]
    # a browser gets a readable page
    browser.login("alice")
    page = browser.get("/_slow/5")
    assert page.status_code == 504 and "text/html" in page.headers["Content-Type"]
    assert "Upstream timed out" in page.text


def test_upstream_reset_is_a_502(proxy, admin):
    r = admin.get(proxy.url + "/_reset")
    assert r.status_code == 502
    assert r.json()["error"]["type"] == "upstream_unreachable"
    proxy.wait_log(lambda l: l.get("status") == 502 and "reason" in l)
    # and the next request works
    assert admin.get(proxy.url + "/_echo/after").status_code == 200


def test_a_short_upstream_answer_is_never_a_success(proxy, admin):
    r = admin.get(proxy.url + "/_short")
    assert r.status_code == 502
    assert "broke off" in r.json()["error"]["reason"]


def test_a_stall_mid_body_is_not_a_success(proxy, admin):
    r = admin.get(proxy.url + "/_stall/5")
    assert r.status_code == 504


def test_connection_refused_is_a_502(tmp_path, accounts_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens here once closed
    p = start_proxy(tmp_path, f"http://127.0.0.1:{dead}", accounts_file)
    try:
        r = requests.get(p.url + "/x", auth=("alice", "alice-password-1"))
        assert r.status_code == 502
        assert "cannot reach the upstream" in r.json()["error"]["reason"]
        line = p.wait_log(lambda l: l.get("status") == 502)
        assert line["account"] == "alice" and "reason" in line
    finally:
        stop_proxy(p)


def test_keep_alive_connections_are_reused(proxy, admin, standin):
    for _ in range(5):
        echoed(admin.get(proxy.url + "/_echo/ka"))
        assert len(admin.get(proxy.url + "/_bytes/2000000").content) == 2000000  # relayed (streamed) answers give theirs back too
    assert len(standin.seen) == 10
    assert len({s.peer_port for s in standin.seen}) == 1


def test_our_namespace_is_never_proxied(proxy, admin, standin):
    for path in ["/_access-es/nope", "/%5Faccess-es/nope", "//_access-es/nope", "/_access-es/../_access-es/x",
                 "/x/../_access-es/health/x"]:
        s = requests.Session()
        p = requests.Request("GET", proxy.url + "/", auth=admin.auth).prepare()
        p.url = proxy.url + path
        r = s.send(p)
        assert r.status_code == 404, (path, r.status_code, r.text)
    assert standin.seen == []
    # and the encoded spelling of a real route is that route, not the upstream
    assert requests.get(proxy.url + "/%5Faccess-es/health").json()["status"] == "ok"


def test_invalid_percent_encoding_is_a_clear_400(proxy, standin):
    # a raw socket: client libraries would repair '%zz' into '%25zz' before sending
    auth = "Basic " + __import__("base64").b64encode(b"alice:alice-password-1").decode()
    for target in ["/_echo/x?q=%zz", "/_echo/%zz", "/_echo/x?q=%FF"]:
        answer = raw_request(proxy.url, (f"GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
                                         "Connection: close\r\n\r\n").encode())
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer
        assert json.loads(body)["error"]["type"] == "bad_request"
    assert standin.seen == []

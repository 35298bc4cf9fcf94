"""Faults, each with a defined answer and a log line; never a partial body sent as a success; the next
request works once the fault clears."""
import json
import logging
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from botocore.credentials import Credentials as BotoCredentials

from access_es import create_app
from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.settings import load_settings
from access_es.signing import AWS4Signer
from access_es.standin.domain import Reply, StandIn
from access_es.standin.sigv4_verify import Credentials
from access_es.stores import open_stores

from .conftest import ACCESS_KEY, APP_SECRET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN, start_proxy, stop_proxy

AUTH = ("alice", PASSWORDS["alice"])


def in_process(endpoint, tmp_path, credentials, **env):
    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    settings = load_settings({"ACCESS_ES_ENDPOINT": endpoint, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                              "ACCESS_ES_REGION": REGION, "ACCESS_ES_UPSTREAM_TIMEOUT": "3", **env})
    app = create_app(settings, signer=AWS4Signer(REGION, "es", credentials=credentials), stores=stores)
    return app.test_client()


def basic():
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()}


def test_an_expired_session_token_is_refreshed_and_a_safe_request_sent_again(standin, tmp_path, caplog):
    standin.keys["AKIAOLDKEY"] = Credentials("AKIAOLDKEY", "old-secret", "old-token")
    standin.expired_keys.add("AKIAOLDKEY")
    issued = []

    def credentials():  # the chain gives the old keys first, fresh ones when asked again
        issued.append(1)
        if len(issued) == 1:
            return BotoCredentials("AKIAOLDKEY", "old-secret", "old-token")
        return BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)

    client = in_process(standin.url, tmp_path, credentials)
    with caplog.at_level(logging.INFO):
        r = client.get("/_echo/x", headers=basic())
        r.close()  # the request's log line is written when its answer is finished
    assert r.status_code == 200 and standin.last().verified
    assert [s.header("Authorization").split("Credential=")[1][:10] for s in standin.seen] == ["AKIAOLDKEY", "AKIATESTAC"]
    assert "credentials_refreshed" in caplog.text
    line = next(json.loads(r.getMessage()) for r in caplog.records if r.name == "access_es.request")
    assert line["retried"] == "expired-token"


def test_an_expired_token_on_a_write_is_not_sent_twice(standin, tmp_path):
    standin.keys["AKIAOLDKEY"] = Credentials("AKIAOLDKEY", "old-secret", "old-token")
    standin.expired_keys.add("AKIAOLDKEY")
    client = in_process(standin.url, tmp_path, lambda: BotoCredentials("AKIAOLDKEY", "old-secret", "old-token"))
    r = client.post("/_bulk", data=b'{"index":{"_index":"x"}}\n{}\n', headers=basic())
    assert r.status_code == 403 and "expired" in r.get_json()["message"]
    assert len(standin.seen) == 1


def test_clock_skew_is_measured_and_corrected(keys, tmp_path, caplog):
    ahead = timedelta(minutes=20)
    with StandIn(keys, region=REGION, clock=lambda: datetime.now(timezone.utc) + ahead) as skewed:
        client = in_process(skewed.url, tmp_path, lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
        with caplog.at_level(logging.WARNING):
            r = client.get("/_echo/x", headers=basic())
        assert r.status_code == 200
        assert [s.verified for s in skewed.seen] == [False, True]
        assert "clock_skew_corrected" in caplog.text
        r = client.get("/_echo/y", headers=basic())   # the offset is remembered: no second refusal
        assert r.status_code == 200 and [s.verified for s in skewed.seen] == [False, True, True]


def test_dns_failure_is_a_502(tmp_path, accounts_file):
    p = start_proxy(tmp_path, "http://no-such-domain.invalid", accounts_file)
    try:
        r = requests.get(p.url + "/x", auth=AUTH)
        assert r.status_code == 502 and "cannot reach the upstream" in r.json()["error"]["reason"]
        p.wait_log(lambda l: l.get("status") == 502 and "reason" in l)
    finally:
        stop_proxy(p)


def test_tls_failure_is_a_502(standin, tmp_path, accounts_file):
    # https to a plain-HTTP port: the handshake fails
    p = start_proxy(tmp_path, standin.url.replace("http://", "https://"), accounts_file)
    try:
        r = requests.get(p.url + "/x", auth=AUTH)
        assert r.status_code == 502 and "SSL" in r.json()["error"]["reason"].upper()
    finally:
        stop_proxy(p)


class _Rude(BaseHTTPRequestHandler):
    """Sends headers promising a body, part of it, then resets the connection."""
    length = 5_000_000
    sent = 3_000_000

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(self.length))
        self.end_headers()
        self.wfile.write(b"x" * self.sent)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()

    def log_message(self, *a):
        pass


def test_a_reset_mid_body_is_never_a_complete_answer(standin, proxy):
    def rude(req):
        def body():
            yield b"y" * 2_000_000
            raise ConnectionResetError("gone")
        return Reply(200, [], body(), content_type="application/octet-stream", declared_length=5_000_000)

    standin.route("/_rude", rude)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        r = requests.get(proxy.url + "/_rude", auth=AUTH, timeout=30)
        r.content  # the body stops short of its Content-Length: the client library refuses it
    proxy.wait_log(lambda l: l.get("path") == "/_rude")
    assert requests.get(proxy.url + "/_echo/after", auth=AUTH).status_code == 200


def test_a_stall_mid_body_of_a_large_answer_ends_in_an_incomplete_answer(standin, proxy):
    def stall(req):
        def body():
            yield b"z" * 2_000_000
            time.sleep(6)  # longer than the proxy's 3 s upstream timeout
            yield b"z" * 2_000_000
        return Reply(200, [], body(), content_type="application/octet-stream", declared_length=4_000_000)

    standin.route("/_stall_big", stall)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.get(proxy.url + "/_stall_big", auth=AUTH, timeout=30).content
    assert requests.get(proxy.url + "/_echo/after", auth=AUTH).status_code == 200


def test_upstream_5xx_passes_through_and_the_next_request_works(standin, proxy):
    standin.route("/_flaky", lambda req: Reply.json({"error": "overloaded"}, 503, [("Retry-After", "1")]))
    r = requests.get(proxy.url + "/_flaky", auth=AUTH)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1" and r.json() == {"error": "overloaded"}
    standin.routes.clear()
    assert requests.get(proxy.url + "/_echo/ok", auth=AUTH).status_code == 200


class _FailingS3(BaseHTTPRequestHandler):
    """In front of moto_server: passes requests through, but fails the second UploadPart."""
    target = ""
    parts = 0
    aborted = []

    def _relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "partNumber=2" in self.path:
            type(self).parts += 1
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.command == "DELETE" and "uploadId=" in self.path:
            type(self).aborted.append(self.path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        r = requests.request(self.command, self.target + self.path, data=body, headers=headers)
        self.send_response(r.status_code)
        for k, v in r.headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(r.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(r.content)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay

    def log_message(self, *a):
        pass


def test_s3_failing_mid_multipart_aborts_the_upload(standin, accounts_file, moto_server, overflow_bucket, tmp_path):
    _FailingS3.target = moto_server
    _FailingS3.aborted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def big(req):
        return Reply(200, [], (b"q" * (1 << 20) for _ in range(20)), content_type="application/octet-stream")

    standin.route("/_big20", big)
    p = start_proxy(tmp_path, standin.url, accounts_file, ACCESS_ES_OVERFLOW_BUCKET="access-es-test-overflow",
                    AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{server.server_address[1]}", AWS_MAX_ATTEMPTS="1")
    try:
        r = requests.get(p.url + "/_big20", auth=AUTH, allow_redirects=False)
        assert r.status_code == 502 and r.json()["error"]["type"] == "overflow_failed"
        assert _FailingS3.aborted, "the multipart upload was not aborted"
        uploads = overflow_bucket.list_multipart_uploads(Bucket="access-es-test-overflow").get("Uploads", [])
        assert uploads == []  # no orphaned parts
        assert requests.get(p.url + "/_echo/small", auth=AUTH).status_code == 200
    finally:
        stop_proxy(p)
        server.shutdown()


@pytest.mark.slow  # waits out S3 timeouts
def test_slow_s3_is_a_502(standin, tmp_path, monkeypatch):
    import access_es.overflow.store as store

    monkeypatch.setattr(store, "S3_TIMEOUT", 1)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    class Slow(BaseHTTPRequestHandler):
        def _slow(self):
            time.sleep(3)

        do_GET = do_PUT = do_POST = do_HEAD = _slow

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    standin.route("/_big8", lambda req: Reply(200, [], b"s" * 7_000_000, content_type="application/octet-stream"))
    client = in_process(standin.url, tmp_path, lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN),
                        ACCESS_ES_OVERFLOW_BUCKET="slow-bucket")
    r = client.get("/_big8", headers=basic())   # a 502 only once S3_TIMEOUT has passed (Slow never answers in time)
    assert r.status_code == 502 and r.get_json()["error"]["type"] == "overflow_failed"
    server.shutdown()

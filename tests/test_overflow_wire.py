"""Oversized answers under `access-es serve` with a bucket (moto_server): 303 to a presigned S3 URL,
the object exact, private and encrypted; failures are clear 502s; small answers keep flowing."""
import hashlib
import random
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from access_es.standin.domain import Reply

from .conftest import OVERFLOW_BUCKET, PASSWORDS, start_proxy, stop_proxy

LIMIT = 6_291_556
AUTH = ("alice", PASSWORDS["alice"])


def blocks(total: int, seed: int = 1, block: int = 1 << 20):
    """`total` deterministic pseudo-random bytes, generated a block at a time (never all in memory)."""
    rnd = random.Random(seed)
    base = rnd.randbytes(block)
    sent, n = 0, 0
    while sent < total:
        chunk = (n.to_bytes(8, "big") + base)[: min(block, total - sent)]
        yield chunk
        sent += len(chunk)
        n += 1


def digest_of(total: int, seed: int = 1) -> str:
    h = hashlib.sha256()
    for chunk in blocks(total, seed):
        h.update(chunk)
    return h.hexdigest()


@pytest.fixture
def big(standin):
    """/_big/N?type=...&chunked=1&encoding=gzip: N bytes from `blocks`, streamed."""
    def handler(req):
        n = int(req.segments[1].split(".")[0])
        headers = []
        if req.param("encoding"):
            headers.append(("Content-Encoding", req.param("encoding")))
        kind = req.param("type", "application/octet-stream")
        if req.param("chunked"):
            return Reply(200, headers, blocks(n), content_type=kind)
        return Reply(200, headers, blocks(n), content_type=kind, declared_length=n)

    standin.route("/_big/", handler)


def follow(r):
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert r.headers["Cache-Control"] == "no-store"
    return r.headers["Location"]


def test_small_answers_pass(overflow_proxy, big):
    r = requests.get(overflow_proxy.url + "/_big/1000000", auth=AUTH, allow_redirects=False)
    assert r.status_code == 200 and len(r.content) == 1_000_000


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_answer_is_a_303_to_the_exact_bytes(overflow_proxy, big, overflow_bucket, chunked):
    size = 7 * 1024 * 1024
    r = requests.get(overflow_proxy.url + f"/_big/{size}.json?type=application/octet-stream"
                     + ("&chunked=1" if chunked else ""), auth=AUTH, allow_redirects=False)
    url = follow(r)
    q = parse_qs(urlsplit(url).query)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and q["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Security-Token" in q and "X-Amz-Signature" in q
    key = urlsplit(url).path.split(f"/{OVERFLOW_BUCKET}/", 1)[1]
    assert key.startswith("overflow/") and key.endswith(".json") and len(key) == len("overflow/") + 36 + 5
    got = requests.get(url)
    assert got.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == digest_of(size)
    head = overflow_bucket.head_object(Bucket=OVERFLOW_BUCKET, Key=key)
    assert head["ContentType"] == "application/octet-stream"
    assert head["ServerSideEncryption"] == "AES256"
    grants = overflow_bucket.get_object_acl(Bucket=OVERFLOW_BUCKET, Key=key)["Grants"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)  # the owner only
    line = overflow_proxy.wait_log(lambda l: l.get("status") == 303 and l.get("overflow", {}).get("key") == key)
    assert line["overflow"]["size"] == size
    assert "X-Amz-Signature" not in overflow_proxy.log_text()


def test_a_compressed_answer_keeps_its_encoding(overflow_proxy, big, overflow_bucket):
    r = requests.get(overflow_proxy.url + "/_big/6400000?type=application/json&encoding=gzip", auth=AUTH,
                     allow_redirects=False, headers={"Accept-Encoding": "gzip"})
    key = urlsplit(follow(r)).path.split(f"/{OVERFLOW_BUCKET}/", 1)[1]
    head = overflow_bucket.head_object(Bucket=OVERFLOW_BUCKET, Key=key)
    assert head["ContentEncoding"] == "gzip" and head["ContentType"] == "application/json"


def test_the_boundary_under_serve_is_the_lambda_rule(overflow_proxy, standin):
    """A text answer of exactly the limit's worth of raw bytes cannot fit (the envelope adds to it);
    one a few KiB under it does."""
    def handler(req):
        return Reply(200, [], b'{"a":"' + b"x" * (int(req.segments[1]) - 8) + b'"}',
                     content_type="application/json")

    standin.route("/_json/", handler)
    assert requests.get(overflow_proxy.url + f"/_json/{LIMIT - 4096}", auth=AUTH,
                        allow_redirects=False).status_code == 200
    assert requests.get(overflow_proxy.url + f"/_json/{LIMIT}", auth=AUTH,
                        allow_redirects=False).status_code == 303


def test_a_body_well_over_100_mib_streams_through_byte_exact(overflow_proxy, big):
    size = 120 * 1024 * 1024 + 12345
    r = requests.get(overflow_proxy.url + f"/_big/{size}?chunked=1", auth=AUTH, allow_redirects=False)
    got = requests.get(follow(r), stream=True)
    h = hashlib.sha256()
    n = 0
    for chunk in got.iter_content(1 << 20):
        h.update(chunk)
        n += len(chunk)
    assert n == size and h.hexdigest() == digest_of(size)


def test_a_browser_navigation_is_redirected_too(overflow_proxy, big):
    r = requests.get(overflow_proxy.url + "/_big/7000000", auth=AUTH, allow_redirects=True)
    assert r.status_code == 200 and len(r.content) == 7_000_000
    assert r.history and r.history[0].status_code == 303


def test_s3_failure_is_a_502_and_small_answers_keep_flowing(standin, accounts_file, moto_server, tmp_path, big):
    p = start_proxy(tmp_path, standin.url, accounts_file, ACCESS_ES_OVERFLOW_BUCKET="no-such-bucket-here",
                    AWS_ENDPOINT_URL_S3=moto_server)
    try:
        r = requests.get(p.url + "/_big/7000000", auth=AUTH, allow_redirects=False)
        assert r.status_code == 502
        error = r.json()["error"]
        assert error["type"] == "overflow_failed" and "no-such-bucket-here" in error["reason"]
        assert "NoSuchBucket" in error["reason"]
        page = requests.get(p.url + "/_big/7000000", auth=AUTH, headers={"Accept": "text/html"},
                            allow_redirects=False)
        assert page.status_code == 502 and "<h1>" in page.text
        assert requests.get(p.url + "/_big/1000", auth=AUTH).status_code == 200
        line = p.wait_log(lambda l: l.get("status") == 502 and "overflow" in l)
        assert "no-such-bucket-here" in line["reason"]
    finally:
        stop_proxy(p)


def test_s3_unreachable_is_a_502(standin, accounts_file, tmp_path, big):
    p = start_proxy(tmp_path, standin.url, accounts_file, ACCESS_ES_OVERFLOW_BUCKET="some-bucket",
                    AWS_ENDPOINT_URL_S3="http://127.0.0.1:9")
    try:
        r = requests.get(p.url + "/_big/7000000", auth=AUTH, allow_redirects=False, timeout=120)
        assert r.status_code == 502 and r.json()["error"]["type"] == "overflow_failed"
        assert requests.get(p.url + "/_big/1000", auth=AUTH).status_code == 200
    finally:
        stop_proxy(p)


def test_a_forced_threshold(standin, accounts_file, moto_server, overflow_bucket, tmp_path, big):
    p = start_proxy(tmp_path, standin.url, accounts_file, ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET,
                    AWS_ENDPOINT_URL_S3=moto_server, ACCESS_ES_OVERFLOW_SIZE="1000", ACCESS_ES_OVERFLOW_PREFIX="x/",
                    ACCESS_ES_OVERFLOW_EXPIRES="30")
    try:
        assert requests.get(p.url + "/_big/1000", auth=AUTH, allow_redirects=False).status_code == 200
        for chunked in ("", "?chunked=1"):
            r = requests.get(p.url + "/_big/1001" + chunked, auth=AUTH, allow_redirects=False)
            url = follow(r)
            assert "/x/" in url and parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["30"]
            assert requests.get(url).content == b"".join(blocks(1001))
    finally:
        stop_proxy(p)


def test_head_and_304_are_never_redirected(overflow_proxy, admin):
    r = admin.head(overflow_proxy.url + "/_bytes/9000000")
    assert r.status_code == 200 and r.headers["Content-Length"] == "9000000"
    assert admin.get(overflow_proxy.url + "/_status/304").status_code == 304


def test_access_denied_from_s3_is_a_502_that_says_so(standin, accounts_file, tmp_path, big):
    """A stand-in S3 that refuses everything, as S3 does when the role may not write the prefix."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Deny(BaseHTTPRequestHandler):
        def _deny(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                    b"<Message>Access Denied</Message></Error>")
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amz-bucket-region", "us-east-1")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _deny

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Deny)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    p = start_proxy(tmp_path, standin.url, accounts_file, ACCESS_ES_OVERFLOW_BUCKET="locked-bucket",
                    AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{server.server_address[1]}")
    try:
        r = requests.get(p.url + "/_big/7000000", auth=AUTH, allow_redirects=False)
        assert r.status_code == 502
        error = r.json()["error"]
        assert "AccessDenied" in error["reason"] and "s3:PutObject" in error["hint"]
        assert requests.get(p.url + "/_big/1000", auth=AUTH).status_code == 200
    finally:
        stop_proxy(p)
        server.shutdown()


def test_presigned_urls_use_the_buckets_own_region(moto_env):
    import boto3

    from access_es.overflow.store import OverflowStore

    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="overflow-in-ireland", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    store = OverflowStore("overflow-in-ireland", "overflow/", 60)
    stored = store.put([b"x" * 100], "/idx/_search", "application/json", None)
    credential = parse_qs(urlsplit(stored.url).query)["X-Amz-Credential"][0]
    assert "/eu-west-1/s3/aws4_request" in credential
    assert requests.get(stored.url).content == b"x" * 100

"""Property-based round trips through the running proxy to the SigV4-verifying stand-in: whatever the
method, headers and bodies (binary, 0 bytes to tens of MiB), the signature verifies, the upstream
gets the same bytes, and status, headers and body come back as the upstream sent them.
(The request side's paths and queries are fuzzed in test_attack_signing.py.)"""
import hashlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access_es.standin.domain import Reply

STATUSES = [200, 201, 202, 206, 299, 400, 401, 404, 409, 418, 422, 429, 500, 502, 503, 599]
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=40).map(str.strip)


def body_strategy():
    small = st.binary(max_size=2048)
    # a few large bodies, tens of MiB, made from a seed (hypothesis need not hold them)
    large = st.tuples(st.integers(1, 30 * 1024 * 1024), st.integers(0, 255)).map(
        lambda t: (bytes([t[1]]) * 997 + hashlib.sha256(bytes([t[1]])).digest()) * (t[0] // 1029) + b"!" * (t[0] % 1029))
    return st.one_of(small, small, small, large)


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), status=st.sampled_from(STATUSES),
       request_body=body_strategy(), response_body=body_strategy(),
       response_headers=st.lists(st.tuples(TOKEN.map(lambda t: "x-" + t), VALUE), max_size=5),
       request_headers=st.lists(st.tuples(TOKEN.map(lambda t: "x-c-" + t), VALUE), max_size=5),
       content_type=st.sampled_from(["application/json", "application/octet-stream", "text/plain; charset=utf-8",
                                     "application/x-ndjson", "application/x-www-form-urlencoded"]))
@example(method="PUT", status=201, request_body=bytes(range(256)) * 49152, response_body=b"", response_headers=[],
         request_headers=[], content_type="application/octet-stream")               # 12 MiB up
@example(method="GET", status=200, request_body=b"", response_body=bytes(range(256)) * 102400,
         response_headers=[("x-a", "1"), ("x-a", "2")], request_headers=[], content_type="application/json")  # 25 MiB down
def test_round_trips(proxy, admin, standin, method, status, request_body, response_body, response_headers,
                     request_headers, content_type):
    standin.clear()
    standin.route("/_prop", lambda req: Reply(status, list(response_headers), response_body,
                                              content_type="application/octet-stream"))
    headers = {"Content-Type": content_type}
    for name, value in request_headers:
        headers[name] = value
    r = admin.request(method, proxy.url + "/_prop", data=request_body, headers=headers)
    seen = standin.last()
    assert seen.verified, seen.error
    assert seen.method == method and seen.body == request_body
    for name, value in request_headers:
        assert seen.header(name) == dict((k.lower(), v) for k, v in headers.items())[name.lower()]
    assert r.status_code == status
    assert r.content == response_body
    for name, value in response_headers:
        got = [v for k, v in r.raw.headers.items() if k.lower() == name.lower()]
        assert got == [v for k, v in response_headers if k.lower() == name.lower()], (name, got)

"""Bad input gets a clear 4xx, never a 500 with a stack trace, and never reaches the upstream when it
should not."""
import base64
import json

import pytest
import requests

from .conftest import PASSWORDS, Browser
from .test_proxy_wire import raw_request

AUTH_HEADER = "Authorization: Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()


def send(proxy, request: str) -> tuple[int, bytes]:
    answer = raw_request(proxy.url, request.encode("latin-1"))
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize("target", ["/_echo/%zz", "/_echo/x?a=%", "/_echo/x?q=%FF%FE", "/_echo/x?=v"])
def test_bad_targets_are_400_json(proxy, standin, target):
    status, body = send(proxy, f"GET {target} HTTP/1.1\r\nHost: x\r\n{AUTH_HEADER}\r\nConnection: close\r\n\r\n")
    assert status == 400 and json.loads(body)["error"]["type"] == "bad_request"
    assert standin.seen == []


def test_oversized_headers_are_refused_by_the_server(proxy, standin):
    import socket

    host, port = proxy.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        try:
            s.sendall(f"GET /_echo/x HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 300_000}\r\n{AUTH_HEADER}\r\n"
                      "Connection: close\r\n\r\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading once the headers are too large
        try:
            answer = s.recv(65536)
        except ConnectionResetError:
            answer = b""
    # over uWSGI's 64 KiB buffer the server drops the connection without an answer (a server may
    # answer 431); never a 500, never the upstream
    assert answer == b"" or answer.split(b" ")[1] in (b"400", b"431"), answer[:200]
    assert standin.seen == []


def test_malformed_header_lines_are_refused(proxy, standin):
    answer = raw_request(proxy.url, f"GET /_echo/x HTTP/1.1\r\nHost: x\r\nno colon here\r\n{AUTH_HEADER}\r\n"
                         "Connection: close\r\n\r\n".encode(), timeout=5)
    assert answer.split(b" ")[1] == b"400" and b"malformed request" in answer, answer[:200]
    assert standin.seen == []


def test_a_request_line_without_a_version_gets_a_clear_4xx(proxy, standin):
    answer = raw_request(proxy.url, b"GET /_echo/x\r\n\r\n")
    assert answer.split(b" ")[1].startswith(b"4") and standin.seen == []


def test_spoofed_host_and_forwarded_headers_never_choose_the_upstream(proxy, standin):
    r = requests.get(proxy.url + "/_echo/where", auth=("alice", PASSWORDS["alice"]), headers={
        "Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
        "Forwarded": "host=evil.example;proto=https", "X-Original-URL": "/_bulk", "X-Rewrite-URL": "/_bulk"})
    assert r.status_code == 200
    seen = standin.last()
    assert seen.header("Host") == standin.url.split("//")[1] and seen.path == "/_echo/where"


@pytest.mark.parametrize("injected", ["/x%0d%0aSet-Cookie:%20owned=1", "/x%0aLocation:%20https://evil.example",
                                      "/x%E5%98%8A%E5%98%8DSet-Cookie:owned=1"])
def test_crlf_never_reaches_a_header(proxy, injected):
    b = Browser(proxy.url)
    r = b.s.get(proxy.url + "/_access-es/login?next=" + injected)
    assert "owned" not in r.headers.get("Set-Cookie", "")
    r = b.login("alice", next_path=requests.utils.unquote(injected))
    assert r.status_code == 303 and "\n" not in r.headers["Location"] and "\r" not in r.headers["Location"]
    assert "owned" not in r.headers.get("Set-Cookie", "")


def test_lambda_request_bodies_over_the_limit_are_413(standin, tmp_path):
    from .test_lambda_fidelity import BASIC
    from .zappa_harness import LAMBDA_ENV, LambdaClient

    from botocore.credentials import Credentials as BotoCredentials

    from access_es import create_app
    from access_es.accounts import Account
    from access_es.accounts.passwords import hash_password
    from access_es.settings import load_settings
    from access_es.signing import AWS4Signer
    from access_es.stores import open_stores

    from .conftest import ACCESS_KEY, APP_SECRET, REGION, SECRET_KEY, SESSION_TOKEN
    from .zappa_harness import handler_for

    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("lam", "admin", hash_password("lambda-password")))
    app = create_app(load_settings({"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                                    "ACCESS_ES_REGION": REGION, **LAMBDA_ENV}),
                     signer=AWS4Signer(REGION, "es", credentials=lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY,
                                                                                          SESSION_TOKEN)),
                     stores=stores)
    client = LambdaClient(handler_for(app))
    r = client.request("POST", "/_bulk", headers=BASIC, body=b"x" * 6_300_000)
    assert r["statusCode"] == 413
    error = json.loads(r["body"])["error"]
    assert error["type"] == "request_too_large" and "6,291,456" in error["reason"]
    assert standin.seen == []
    assert client.request("POST", "/_echo/ok", headers=BASIC, body=b"x" * 1000)["statusCode"] == 200

"""What API Gateway (REST, v1 proxy events) and Zappa do to requests and answers, tried through
Zappa's real LambdaHandler in front of the whole app and the SigV4-verifying stand-in."""
import base64
import json
import logging

import pytest
from botocore.credentials import Credentials as BotoCredentials

from access_es import create_app
from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.settings import load_settings
from access_es.signing import AWS4Signer
from access_es.stores import open_stores

from .conftest import ACCESS_KEY, APP_SECRET, REGION, SECRET_KEY, SESSION_TOKEN
from .zappa_harness import LAMBDA_ENV, LambdaClient, handler_for, header, set_cookies

PW = "lambda-password"
BASIC = [("Authorization", "Basic " + base64.b64encode(f"lam:{PW}".encode()).decode())]
EXECUTE_API = "abc123.execute-api.us-east-1.amazonaws.com"


@pytest.fixture
def lambda_handler(standin, tmp_path):
    def make(binary_support=True, **env):
        stores = open_stores(str(tmp_path / "users.json"))
        stores.accounts.put(Account("lam", "admin", hash_password(PW)))
        settings = load_settings({"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                                  "ACCESS_ES_REGION": REGION, "ACCESS_ES_UPSTREAM_TIMEOUT": "2", **LAMBDA_ENV, **env})
        signer = AWS4Signer(REGION, "es", credentials=lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
        return handler_for(create_app(settings, signer=signer, stores=stores), binary_support=binary_support)

    return make


def echoed(result) -> dict:
    assert result["statusCode"] == 200, result.get("body", "")[:300]
    return json.loads(result["body"])


def test_duplicate_query_parameters_survive_in_order(lambda_handler, standin):
    client = LambdaClient(lambda_handler())
    result = client.request("GET", "/_echo/q", headers=BASIC,
                            query=[("a", "1"), ("b", "x y"), ("a", "2"), ("a", "1"), ("q", "level:ERROR*")])
    target = echoed(result)["target"]
    # within a name, order and duplicates survive; across names, a REST event cannot tell the order
    assert target == "/_echo/q?a=1&a=2&a=1&b=x%20y&q=level%3AERROR%2A"
    assert standin.last().verified


def test_duplicate_request_headers_are_merged_and_nothing_breaks(lambda_handler, standin):
    client = LambdaClient(lambda_handler())
    result = client.request("GET", "/_echo/h", headers=BASIC + [
        ("Accept", "application/json"), ("Accept", "text/plain"), ("X-Opaque-Id", "a"), ("X-Opaque-Id", "b")])
    seen = standin.last()
    assert result["statusCode"] == 200 and seen.verified
    assert seen.header("Accept") == "application/json, text/plain" and seen.header("X-Opaque-Id") == "a, b"


@pytest.mark.parametrize("binary_support", [True, False])
@pytest.mark.parametrize("encoded", [False, True])
def test_get_with_a_json_body_keeps_its_body(lambda_handler, standin, binary_support, encoded):
    client = LambdaClient(lambda_handler(binary_support=binary_support))
    body = json.dumps({"query": {"match": {"level": "ERROR"}}, "size": 2}).encode()
    result = client.request("GET", "/logs-demo/_search", headers=BASIC + [("Content-Type", "application/json")],
                            body=body, base64_body=encoded)
    assert result["statusCode"] == 200
    hits = json.loads(result["body"])["hits"]["hits"]
    assert len(hits) == 2 and all(h["_source"]["level"] == "ERROR" for h in hits)
    assert standin.last().body == body


def test_binary_request_bodies_arrive_byte_exact(lambda_handler, standin):
    client = LambdaClient(lambda_handler())
    body = bytes(range(256)) * 10
    result = client.request("POST", "/_echo/bin", headers=BASIC + [("Content-Type", "application/octet-stream")],
                            body=body, base64_body=True)
    assert echoed(result)["body_length"] == len(body) and standin.last().body == body


def test_each_cookie_is_set_once(lambda_handler):
    client = LambdaClient(lambda_handler())
    login = client.login("lam", PW)
    assert login["statusCode"] == 303
    cookies = set_cookies(login)
    assert len(cookies) == 1 and cookies[0].startswith("access_es_session=")
    upstream = client.request("GET", "/_cookies", headers=[("Accept", "application/json")])
    assert sorted(set_cookies(upstream)) == ["security_authentication=abc; Path=/; HttpOnly",
                                            "securitytenant=global; Path=/"]


def test_session_cookies_are_secure_behind_api_gateway(lambda_handler):
    client = LambdaClient(lambda_handler())
    cookie = set_cookies(client.login("lam", PW))[0]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_login_does_not_depend_on_www_authenticate(lambda_handler):
    """API Gateway renames WWW-Authenticate (x-amzn-Remapped-WWW-Authenticate); people log in with the
    form, API clients send Basic credentials up front, and both work without the challenge."""
    client = LambdaClient(lambda_handler())
    r = client.request("GET", "/_echo/x", headers=[("Accept", "application/json")])
    assert r["statusCode"] == 401 and json.loads(r["body"])["error"]["type"] == "unauthorized"
    r = client.request("GET", "/_dashboards/", headers=[("Accept", "text/html")])
    assert r["statusCode"] == 303
    assert client.request("GET", "/_echo/x", headers=BASIC)["statusCode"] == 200


@pytest.mark.parametrize("host,prefix", [(EXECUTE_API, "/dev"), ("kibana.example.com", "")])
def test_redirects_follow_the_stage_prefix_or_its_absence(lambda_handler, standin, host, prefix):
    client = LambdaClient(lambda_handler(), host=host)
    r = client.request("GET", "/_dashboards/app/discover", headers=[("Accept", "text/html")],
                       query=[("_g", "(time:now-15m)")])
    assert r["statusCode"] == 303
    from urllib.parse import parse_qs, urlsplit

    location = urlsplit(header(r, "Location"))
    assert location.path == f"{prefix}/_access-es/login"
    assert parse_qs(location.query)["next"] == [f"{prefix}/_dashboards/app/discover?_g=%28time%3Anow-15m%29"]
    page = client.request("GET", "/_access-es/login", headers=[("Accept", "text/html")])
    assert f'action="{prefix}/_access-es/login"' in page["body"]
    r = client.login("lam", PW, next_path=f"{prefix}/_dashboards/app/discover")
    assert header(r, "Location") == f"{prefix}/_dashboards/app/discover"
    assert client.login("lam", PW)["headers"]["Location"] == f"{prefix}/_dashboards/"
    r = client.request("GET", "/", headers=[("Accept", "text/html")])
    assert header(r, "Location") == f"{prefix}/_dashboards/"
    r = client.request("GET", "/_redirect", headers=[("Accept", "application/json")],
                       query=[("to", standin.url + "/_dashboards/app/home")])
    assert header(r, "Location") == f"https://{host}{prefix}/_dashboards/app/home"
    home = client.request("GET", "/_access-es/", headers=[("Accept", "text/html")])
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', home["body"]).group(1)
    r = client.request("POST", "/_access-es/logout", body=f"csrf_token={token}".encode(),
                       headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")])
    assert header(r, "Location") == f"{prefix}/_access-es/login"


def test_the_gateway_timeout_is_beaten_with_advice(lambda_handler):
    client = LambdaClient(lambda_handler())
    r = client.request("GET", "/_slow/3", headers=BASIC)
    assert r["statusCode"] == 504
    error = json.loads(r["body"])["error"]
    assert "async search" in error["hint"] and "2 s" in error["reason"]


def test_one_log_line_per_request_with_the_gateway_request_id(lambda_handler, caplog):
    client = LambdaClient(lambda_handler())
    with caplog.at_level(logging.INFO, logger="access_es.request"):
        client.request("GET", "/logs-demo/_search", headers=BASIC, query=[("q", "error")])
        client.request("GET", "/_echo/x", headers=[("Authorization", "Basic " + base64.b64encode(
            b"lam:wrong-password").decode())])
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "access_es.request"]
    assert len(lines) == 2
    ok, failed = lines
    assert ok["request_id"] == "req-1" and ok["account"] == "lam" and ok["status"] == 200
    assert ok["upstream_status"] == 200 and ok["upstream_ms"] >= 0 and ok["bytes_out"] > 0
    assert ok["method"] == "GET" and ok["path"] == "/logs-demo/_search" and "time" in ok
    assert failed["status"] == 401 and "Basic auth failed for 'lam'" in failed["reason"]
    text = caplog.text
    for secret in (PW, "wrong-password", base64.b64encode(f"lam:{PW}".encode()).decode(), "access_es_session=",
                   SECRET_KEY, SESSION_TOKEN, "AWS4-HMAC-SHA256"):
        assert secret not in text


def test_zappa_still_looks_the_way_the_adapter_expects():
    """disable_zappa_cookie_copies replaces zappa.handler.ZappaWSGIMiddleware; if Zappa renames it,
    this fails and the adapter must be revisited."""
    import zappa.handler
    import zappa.middleware

    assert hasattr(zappa.handler, "ZappaWSGIMiddleware") and hasattr(zappa.middleware, "ZappaWSGIMiddleware")


def test_an_exception_that_escapes_the_app_is_logged_with_its_traceback_never_answered_with_it(caplog):
    """Zappa answers 500 itself when an exception escapes the app; with `debug` off (our stages) it
    keeps the traceback out of the body and prints only the message, so the stages' exception_handler
    logs the traceback: the request's method, path and id, never its query or credentials."""
    from access_es.lambda_adapter import log_unhandled_exception

    from .zappa_harness import rest_event

    def broken(environ, start_response):
        raise RuntimeError("broken in a middleware")

    handler = handler_for(broken)
    handler.settings.EXCEPTION_HANDLER = "access_es.lambda_adapter.log_unhandled_exception"
    with caplog.at_level(logging.ERROR, logger="access_es.lambda"):
        result = handler.handler(rest_event("GET", "/logs-demo/_search", query=[("q", "private-words")],
                                            headers=BASIC), None)
    assert result["statusCode"] == 500
    assert "Traceback" not in result["body"] and "broken in a middleware" not in result["body"]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "access_es.lambda"]
    assert len(lines) == 1
    line = lines[0]
    assert line["event"] == "unhandled_exception" and line["method"] == "GET" and line["request_id"] == "req-1"
    assert line["path"] == "/logs-demo/_search" and line["error"] == "RuntimeError: broken in a middleware"
    assert line["traceback"].startswith("Traceback") and "in broken" in line["traceback"]
    for secret in ("private-words", PW, BASIC[0][1]):
        assert secret not in caplog.text
    assert log_unhandled_exception(ValueError("x"), "not an event", None) is False  # Zappa goes on as usual

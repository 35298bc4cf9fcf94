"""Zappa's own LambdaHandler around a WSGI app of ours, fed synthetic API Gateway REST (v1) proxy
events, and the payload size Lambda would see (the runtime's JSON encoding of the returned dict)."""
from __future__ import annotations

import base64
import json
import sys
import types
from typing import Any, Callable

from zappa.handler import LambdaHandler

_current: dict[str, Callable] = {}

# What the Lambda runtime sets that settings.py reads (merged into a test's settings environment).
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "access-es-dev", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}


def app(environ, start_response):  # what the settings module's APP_FUNCTION points at
    return _current["app"](environ, start_response)


def handler_for(wsgi_app: Callable, *, binary_support: bool = True, stage: str = "dev",
                cookie_copies: bool = False) -> LambdaHandler:
    """A fresh LambdaHandler (Zappa keeps a singleton) whose app is `wsgi_app`; by default with Zappa's
    Set-Cookie copying turned off, as access_es.wsgi does in production."""
    import zappa.handler
    import zappa.middleware

    if cookie_copies:
        zappa.handler.ZappaWSGIMiddleware = zappa.middleware.ZappaWSGIMiddleware
    else:
        from access_es.lambda_adapter import disable_zappa_cookie_copies

        disable_zappa_cookie_copies()
    name = "access_es_test_zappa_settings"
    settings = types.ModuleType(name)
    settings.__dict__.update(
        APP_MODULE=__name__, APP_FUNCTION="app", BINARY_SUPPORT=binary_support, LOG_LEVEL="WARNING",
        DEBUG=False, ENVIRONMENT_VARIABLES={}, DJANGO_SETTINGS=None, PROJECT_NAME="access-es",
        API_STAGE=stage, DOMAIN=None, EXCEPTION_HANDLER=None, CONTEXT_HEADER_MAPPINGS={},
        AWS_EVENT_MAPPING={}, AWS_BOT_EVENT_MAPPING={}, COGNITO_TRIGGER_MAPPING={}, AUTHORIZER_FUNCTION=None,
    )
    sys.modules[name] = settings
    _current["app"] = wsgi_app
    LambdaHandler._LambdaHandler__instance = None
    LambdaHandler.settings = None
    return LambdaHandler(name)


def rest_event(method: str, path: str, *, query: list[tuple[str, str]] | None = None,
               headers: list[tuple[str, str]] | None = None, body: bytes | None = None,
               host: str = "kibana.example.com", stage: str = "dev", base64_body: bool = False) -> dict:
    """An API Gateway REST proxy event, as API Gateway builds it (both header maps, both query maps)."""
    headers = [("Host", host), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.9")] + (headers or [])
    single, multi = {}, {}
    for n, v in headers:
        single[n] = v
        multi.setdefault(n, []).append(v)
    qs, mqs = ({}, {}) if not query else ({}, {})
    for n, v in query or []:
        qs[n] = v
        mqs.setdefault(n, []).append(v)
    event: dict[str, Any] = {
        "resource": "/{proxy+}", "path": path, "httpMethod": method,
        "headers": single, "multiValueHeaders": multi,
        "queryStringParameters": qs or None, "multiValueQueryStringParameters": mqs or None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": method, "path": f"/{stage}{path}",
                           "stage": stage, "requestId": "req-1", "identity": {"sourceIp": "203.0.113.9"}},
        "body": None, "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if base64_body else body.decode("utf-8")
        event["isBase64Encoded"] = base64_body
    return event


def payload_size(result: dict, ensure_ascii: bool = True) -> int:
    """What Lambda counts: the runtime's JSON of the handler's return value (default separators)."""
    return len(json.dumps(result, ensure_ascii=ensure_ascii).encode("utf-8"))


def body_bytes(result: dict) -> bytes:
    body = result.get("body") or ""
    return base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")


class LambdaClient:
    """A browser-ish client for a LambdaHandler: keeps the cookies its answers set."""

    def __init__(self, handler: LambdaHandler, host: str = "kibana.example.com", stage: str = "dev"):
        self.handler = handler
        self.host = host
        self.stage = stage
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None, query: list[tuple[str, str]] | None = None,
                base64_body: bool = False) -> dict:
        headers = list(headers or [])
        if self.cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        result = self.handler.handler(rest_event(method, path, query=query, headers=headers, body=body,
                                                 host=self.host, stage=self.stage, base64_body=base64_body), None)
        for value in set_cookies(result):
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return result

    def login(self, name: str, password: str, next_path: str | None = None) -> dict:
        import re
        from urllib.parse import urlencode

        page = self.request("GET", "/_access-es/login", headers=[("Accept", "text/html")])
        token = re.search(r'name="csrf_token" value="([^"]+)"', page["body"]).group(1)
        form = {"csrf_token": token, "username": name, "password": password}
        if next_path is not None:
            form["next"] = next_path
        return self.request("POST", "/_access-es/login", body=urlencode(form).encode(),
                            headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")])


def set_cookies(result: dict) -> list[str]:
    """Every Set-Cookie value API Gateway would send (it merges both header maps, case-insensitively,
    keeping multiValueHeaders' values)."""
    values = []
    for name, vals in (result.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            values += vals
    return values


def header(result: dict, name: str) -> str | None:
    for key, value in (result.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None

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


def app(environ, start_response):  # what the settings module's APP_FUNCTION points at
    return _current["app"](environ, start_response)


def handler_for(wsgi_app: Callable, *, binary_support: bool = True, stage: str = "dev") -> LambdaHandler:
    """A fresh LambdaHandler (Zappa keeps a singleton) whose app is `wsgi_app`."""
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

"""The Lambda adapter: what API Gateway and Zappa do to a request, and what we do about it.

Zappa turns an API Gateway REST (v1) proxy event into a WSGI environ (zappa.wsgi.create_wsgi_request)
and keeps the event in `environ["lambda.event"]`. Measured against Zappa's own handler in
tests/test_lambda_fidelity.py:

- A GET (or HEAD, OPTIONS) with a body, common for `_search`: Zappa sets CONTENT_LENGTH only for
  POST/PUT/PATCH/DELETE, so the body is lost; and without binary support it does not base64-decode
  bodies of GETs. We rebuild the body from the event for every method.
- Zappa's WSGI middleware appends a lower-case copy of every Set-Cookie header (a trick from before
  API Gateway had multiValueHeaders), so each cookie would reach the browser twice or more. Our
  WSGI entry (wsgi.py) turns that middleware off; REST events carry multiValueHeaders, which keep
  every cookie once.
- On the execute-api host Zappa mounts the app under the stage (SCRIPT_NAME `/dev`) and strips that
  prefix from the event's path, which API Gateway has already taken the stage out of: a path that
  merely starts with the stage's name lost it (`/dev/devlogs/_doc/1` reached `/logs/_doc/1`, and
  `/dev/dev` the root). We take the path from the event again.
- The API Gateway request id goes into the log line.
- An exception that escapes the app reaches Zappa's handler, which answers 500; with the stage's
  `debug` on (Zappa's default) that answer carries the traceback, so our stages set it off. Zappa
  then logs only the exception's message: log_unhandled_exception, the stages' `exception_handler`,
  writes the traceback to the log instead.

Everything else (duplicate query parameters within a name, HTTPS, the stage prefix as SCRIPT_NAME)
Zappa already gets right; what API Gateway itself loses is listed in the README.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import sys
import traceback
from typing import Callable
from urllib.parse import unquote

from .errors import RequestTooLarge, wsgi_error
from .record import record_of

log = logging.getLogger("access_es.lambda")

LAMBDA_REQUEST_LIMIT = 6_291_456  # bytes: a synchronous invoke's request payload (the event) may be no larger


def restore_request_body(environ: dict, event: dict) -> int:
    """Put the event's body back into the environ, for every method, decoded as the event says;
    returns its length."""
    raw = event.get("body")
    if raw is None:
        return 0
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return 0  # leave Zappa's reading; the app will answer what it can
    else:
        body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    content_type = environ.get("HTTP_CONTENT_TYPE")
    if content_type and not environ.get("CONTENT_TYPE"):
        environ["CONTENT_TYPE"] = content_type
    return len(body)


def restore_path(environ: dict, event: dict) -> None:
    """PATH_INFO as the event's path says, when Zappa mounted the app under the stage and the event
    shows that its path does not hold the stage (a REST event on the execute-api host: its
    requestContext.path is the stage, then the path), so nothing was to be stripped from it.
    Decoded and carried as Zappa does (UTF-8 bytes as latin-1 text). Left alone otherwise: HTTP API
    events, whose path holds a named stage; a custom domain (no stage in the URL, none mounted);
    Zappa's BASE_PATH (SCRIPT_NAME is then that path)."""
    context = event.get("requestContext") or {}
    path, stage, full = event.get("path"), context.get("stage"), context.get("path")
    if event.get("version") == "2.0" or not all(isinstance(v, str) and v for v in (path, stage, full)):
        return
    if environ.get("SCRIPT_NAME") != f"/{stage}" or unquote(full) != f"/{stage}{unquote(path)}":
        return
    environ["PATH_INFO"] = unquote(path).encode("utf-8").decode("latin-1")


class LambdaAdapter:
    """WSGI middleware, active only for requests that came through Zappa."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        event = environ.get("lambda.event")
        if isinstance(event, dict):
            restore_path(environ, event)
            size = restore_request_body(environ, event)
            request_id = (event.get("requestContext") or {}).get("requestId")
            record = record_of(environ)
            if request_id and not record.request_id:  # an X-Amzn-Trace-Id, when sent, names it first
                record.request_id = request_id
            if size > LAMBDA_REQUEST_LIMIT:
                # Lambda normally refuses such an event before we run; if one gets here, say so
                # rather than pass on a request that the answer's trip back may not survive.
                error = RequestTooLarge(
                    f"the request body ({size:,} bytes) is over Lambda's request limit "
                    f"({LAMBDA_REQUEST_LIMIT:,} bytes)",
                    hint="send smaller requests (split a _bulk), or use the proxy outside Lambda")
                return wsgi_error(environ, start_response, error)
        return self.app(environ, start_response)


def disable_zappa_cookie_copies() -> None:
    """Make Zappa's handler use our app as it is, without its Set-Cookie copying middleware.

    Zappa wraps the app in ZappaWSGIMiddleware when its handler loads the app module, after
    importing it; so replacing the name in zappa.handler from our module's import works. A test
    checks that Zappa still looks the way this expects.
    """
    handler = sys.modules.get("zappa.handler")
    if handler is not None and hasattr(handler, "ZappaWSGIMiddleware"):
        handler.ZappaWSGIMiddleware = _as_is


def _as_is(app: Callable) -> Callable:
    return app


def cookie_copies_active() -> bool:
    handler = sys.modules.get("zappa.handler")
    return handler is not None and getattr(handler, "ZappaWSGIMiddleware", _as_is) is not _as_is


def log_unhandled_exception(exception: BaseException, event, context) -> bool:
    """Zappa's `exception_handler` (zappa_settings.json): called with an exception that escaped the
    app (or Zappa's own handling of the event). Writes one JSON line with the traceback to the log
    (CloudWatch, `zappa tail`): the method, path and API Gateway request id, never the query,
    headers or body. Returns False, so Zappa goes on as without it: a request gets its 500 (whose
    body has no traceback while `debug` is off), anything else is re-raised to Lambda."""
    request = event if isinstance(event, dict) else {}
    log.error(json.dumps({
        "event": "unhandled_exception",
        "method": request.get("httpMethod"),
        "path": request.get("path"),
        "request_id": (request.get("requestContext") or {}).get("requestId"),
        "error": f"{type(exception).__name__}: {exception}"[:300],
        "traceback": "".join(traceback.format_exception(exception)),
    }))
    return False

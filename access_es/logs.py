"""One JSON line per request, written in one place, when the answer has been sent: the outermost
WSGI layer (RequestLog) writes it, so it sees the final status (an overflow 303, say), the bytes
really sent, and how long it all took. The Flask app contributes what only it knows (account,
upstream status and time, the reason for a failure) through the WSGI environ.

Safe to share: no password, cookie, Authorization header, query string (queries can carry data)
or presigned URL.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone
from typing import Callable

from flask import Flask, g, request

from .wsgi_body import CountedBody

log = logging.getLogger("access_es.request")
RECORD = "access_es.log"


def configure_logging(level: str = "INFO") -> None:
    """Plain lines on stderr (CloudWatch, `zappa tail`, a terminal), once per process."""
    root = logging.getLogger("access_es")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(level)


def app_record() -> dict:
    """What the Flask app knows about this request."""
    account = g.get("account")
    record = {
        "request_id": request.headers.get("X-Amzn-Trace-Id") or request.environ.get("access_es.request_id"),
        "account": account.name if account is not None else None,
        "auth": g.get("auth_method"),
        "path": g.get("upstream_path") or request.path,
        "upstream_status": g.get("upstream_status"),
        "upstream_ms": round(g.upstream_ms, 1) if g.get("upstream_ms") is not None else None,
        "bytes_in": g.get("bytes_in", request.content_length or 0),
        "reason": g.get("reason"),
        "retried": g.get("retried"),
        "iam_role": g.get("iam_role"),
    }
    return {k: v for k, v in record.items() if v is not None}


def init_app(app: Flask) -> None:
    @app.after_request
    def remember(response):
        request.environ[RECORD] = app_record()
        return response


class RequestLog:
    """WSGI middleware, outermost: writes the request's line when its answer is finished."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        started = time.monotonic()
        state: dict = {}

        def observe(status, headers, exc_info=None):
            state["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, observe)
        except BaseException:
            state.setdefault("status", 500)
            write_line(environ, state, 0, started)
            raise
        return CountedBody(body, lambda sent: write_line(environ, state, sent, started))


def write_line(environ: dict, state: dict, sent: int, started: float) -> None:
    record = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
              "method": environ.get("REQUEST_METHOD")}
    record.update(environ.get(RECORD) or {"path": environ.get("PATH_INFO")})
    status = state.get("status", 500)
    record["status"] = status
    record["ms"] = round((time.monotonic() - started) * 1000, 1)
    record["bytes_out"] = sent
    overflow = environ.get("access_es.overflow")
    if overflow:
        record["overflow"] = overflow
    if environ.get("access_es.reason"):
        record["reason"] = environ["access_es.reason"]
    level = logging.WARNING if status >= 400 and "reason" in record else logging.INFO
    log.log(level, json.dumps(record, ensure_ascii=False))

"""One JSON line per request, written in one place (after the response is built), safe to share:
no password, cookie, Authorization header or query string (queries can carry data)."""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, request

log = logging.getLogger("access_es.request")


def configure_logging(level: str = "INFO") -> None:
    """Plain lines on stderr (CloudWatch, `zappa tail`, a terminal), once per process."""
    root = logging.getLogger("access_es")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(level)


def request_line(status: int, response_length: int | None) -> dict:
    account = g.get("account")
    record = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "request_id": request.headers.get("X-Amzn-Trace-Id") or request.environ.get("access_es.request_id"),
        "account": account.name if account is not None else None,
        "auth": g.get("auth_method"),
        "method": request.method,
        "path": g.get("upstream_path") or request.path,
        "status": status,
        "upstream_status": g.get("upstream_status"),
        "upstream_ms": round(g.upstream_ms, 1) if g.get("upstream_ms") is not None else None,
        "ms": round((time.monotonic() - g.started) * 1000, 1) if "started" in g else None,
        "bytes_in": g.get("bytes_in", request.content_length or 0),
        "bytes_out": g.get("bytes_out", response_length),
    }
    if g.get("reason"):
        record["reason"] = g.reason
    return {k: v for k, v in record.items() if v is not None}


def init_app(app: Flask) -> None:
    @app.before_request
    def start_clock():
        g.started = time.monotonic()

    @app.after_request
    def write_line(response):
        record = request_line(response.status_code, response.content_length)
        level = logging.WARNING if response.status_code >= 400 and "reason" in record else logging.INFO
        log.log(level, json.dumps(record, ensure_ascii=False))
        return response

"""The door of every request and its one log line.

RequestLog is the outermost WSGI layer: it makes the request's record (record.py), lets every layer
inside fill it in, counts the bytes of the answer as they are sent, and, when the answer is
finished, writes one JSON line from the record: so the line has the final status (an overflow 303,
say), the bytes really sent, and how long it all took.

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

from .record import ENVIRON_KEY, RequestRecord, record_of

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


def init_app(app) -> None:
    """What only the Flask app knows: the request path as Flask decodes it, and the declared
    length of a body the proxy did not read itself."""
    from flask import request

    @app.after_request
    def remember(response):
        record = record_of(request.environ)
        record.path = request.path
        if record.bytes_in is None:
            record.bytes_in = request.content_length or 0
        return response


class CountedBody:
    """A WSGI answer body that counts the bytes sent and reports the count once the server closes
    it (the request log and the memory release both need that moment and that number)."""

    def __init__(self, body, done: Callable[[int], None]):
        self.body = body
        self.done = done
        self.sent = 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close:
                close()
        finally:
            self.done(self.sent)


class RequestLog:
    """WSGI middleware, outermost: makes the request's record, and writes its line when the answer
    is finished."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        record = environ[ENVIRON_KEY] = RequestRecord(
            method=environ.get("REQUEST_METHOD"), path=environ.get("PATH_INFO"),
            request_id=environ.get("HTTP_X_AMZN_TRACE_ID") or None, started=time.monotonic())

        def observe(status, headers, exc_info=None):
            record.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, observe)
        except BaseException:
            write_line(record, 0)
            raise
        return CountedBody(body, lambda sent: write_line(record, sent))


def write_line(record: RequestRecord, sent: int) -> None:
    if record.status is None:
        record.status = 500  # the app failed before it started an answer
    record.bytes_out = sent
    line = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), **record.log_fields(),
            "ms": round((time.monotonic() - record.started) * 1000, 1)}
    level = logging.WARNING if record.status >= 400 and record.reason else logging.INFO
    if log.isEnabledFor(level):
        # log.log() without its search of the stack for the caller's file and line, which no line
        # of ours shows: a record made directly, handled as log.log() would.
        log.handle(log.makeRecord(log.name, level, "", 0, json.dumps(line, ensure_ascii=False), (), None))

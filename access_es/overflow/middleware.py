"""The overflow rule, applied to the finished WSGI answer (what Zappa will serialise), the same way
under Lambda and under `access-es serve`:

- an answer whose Lambda envelope would be over the limit (envelope.py) goes to S3 and the client
  gets `303 See Other` to a presigned URL (Cache-Control: no-store);
- with no bucket configured: on Lambda, a 502 that names ACCESS_ES_OVERFLOW_BUCKET instead of API
  Gateway's opaque "Internal server error"; under `serve`, which has no limit, the answer passes;
- with ACCESS_ES_OVERFLOW_SIZE, a plain body-size threshold replaces the envelope rule.

Nothing that fits is redirected and nothing that does not fit is attempted. Known lengths are
decided before reading a byte (a base64 body's envelope is exact from its length; a text body is
never smaller than its bytes); otherwise at most the limit's worth of body is held while deciding,
and a body found too large is streamed on to S3 from where reading stopped.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import AnswerTooLarge, OverflowFailed, ProxyError, wsgi_error
from ..memory import release_free_memory
from ..record import record_of
from .envelope import LAMBDA_LIMIT, EnvelopeRule, fits, smallest_envelope

if TYPE_CHECKING:
    from .store import OverflowStore  # made (and imported) only when a bucket is configured

log = logging.getLogger("access_es.overflow")


@dataclass(frozen=True)
class OverflowPolicy:
    store: OverflowStore | None       # None: no bucket configured
    rule: EnvelopeRule
    on_lambda: bool
    forced_size: int | None = None    # ACCESS_ES_OVERFLOW_SIZE
    limit: int = LAMBDA_LIMIT

    @property
    def active(self) -> bool:
        return self.store is not None or self.on_lambda or self.forced_size is not None


class _Over(Exception):
    pass


class OverflowMiddleware:
    def __init__(self, app: Callable, policy: OverflowPolicy):
        self.app = app
        self.policy = policy

    def __call__(self, environ: dict, start_response: Callable):
        if not self.policy.active:
            return self.app(environ, start_response)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: (_ for _ in ()).throw(RuntimeError("write() is not supported"))

        app_iter = self.app(environ, capture)
        try:
            iterator = iter(app_iter)
            first = b"" if "status" in captured else next(iterator, b"")  # WSGI: may start lazily
            status_line, headers = captured["status"], list(captured["headers"])
            code = int(status_line.split(" ", 1)[0])
            if environ.get("REQUEST_METHOD") == "HEAD" or code < 200 or code in (204, 304):
                start_response(status_line, headers)
                return _Chain([first], iterator, app_iter)
            held, rest, over = self._decide(code, headers, first, iterator)
        except BaseException:
            _close(app_iter)
            raise
        if not over:
            start_response(status_line, headers)
            return _Chain(held, rest, app_iter)
        try:
            return self._overflow(environ, start_response, code, headers, held, rest)
        finally:
            _close(app_iter)
            del held, rest
            release_free_memory(keep=0)  # an upload's parts (8 MiB each): more than a relay keeps

    # -- deciding ----------------------------------------------------------------------------------
    def _decide(self, code: int, headers: list, first: bytes, iterator) -> tuple[list, Iterable, bool]:
        """(chunks held, the rest of the body, whether it is over the limit)."""
        p = self.policy
        length = _content_length(headers)
        if p.forced_size is not None:
            if length is not None:
                return [first], iterator, length > p.forced_size
            held, done = _hold(first, iterator, p.forced_size)
            return held, iterator, (not done) or sum(map(len, held)) > p.forced_size
        if length is not None and smallest_envelope(code, headers, length, p.rule) > p.limit:
            return [first], iterator, True
        held, done = _hold(first, iterator, p.limit)
        if not done:  # more raw bytes than the limit: the envelope can only be larger
            return held, iterator, True
        # not fitting includes a text answer that is not UTF-8, which Zappa cannot encode at all;
        # the chunks are counted as they are (joining them would copy the whole body once more)
        return held, iterator, not fits(code, headers, held, p.rule, p.limit)

    # -- answering ---------------------------------------------------------------------------------
    def _overflow(self, environ, start_response, code, headers, held, rest):
        p = self.policy
        record = record_of(environ)
        info = record.overflow = record.overflow or {}
        if p.store is None:
            info["refused"] = True
            return wsgi_error(environ, start_response, AnswerTooLarge(
                f"the answer ({code}) is larger than Lambda can return (6,291,556 bytes of response "
                "envelope) and no overflow bucket is configured",
                hint="set ACCESS_ES_OVERFLOW_BUCKET to a private S3 bucket (see `access-es bucket setup`), "
                "or ask for less (smaller size, fewer fields, filter_path)",
            ))
        content_type = _header(headers, "Content-Type")
        content_encoding = _header(headers, "Content-Encoding")
        try:
            stored = p.store.put(_Chain(held, rest, None), environ.get("PATH_INFO", "/"), content_type,
                                 content_encoding)
        except Exception as e:
            if not isinstance(e, ProxyError):  # e.g. the upstream broke off while we streamed it
                log.exception("overflow failed")
                e = OverflowFailed(f"the answer was too large for Lambda and could not be stored: "
                                   f"{type(e).__name__}: {str(e)[:200]}")
            log.error(json.dumps({"event": "overflow_failed", "reason": e.reason}))
            info["failed"] = e.reason
            return wsgi_error(environ, start_response, e)
        info.update(key=stored.key, size=stored.size)
        body = json.dumps({"overflow": {"size": stored.size, "expires_in": p.store.expires},
                           "location": "see the Location header"}).encode()
        start_response("303 See Other", [
            ("Location", stored.url), ("Cache-Control", "no-store"), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ])
        return [body]


def _content_length(headers: list) -> int | None:
    value = _header(headers, "Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _header(headers: list, name: str) -> str | None:
    return next((v for n, v in headers if n.lower() == name.lower()), None)


def _hold(first: bytes, iterator, limit: int) -> tuple[list, bool]:
    """Read chunks until more than `limit` bytes are held or the body ends; (chunks, ended)."""
    held, total = ([first] if first else []), len(first)
    while total <= limit:
        chunk = next(iterator, None)
        if chunk is None:
            return held, True
        held.append(chunk)
        total += len(chunk)
    return held, False


class _Chain:
    """The held chunks, then the rest of the body; close() closes `closable` (the app's answer).
    A class of its own, not one made per answer: a class is always in a reference cycle, so one
    made per answer kept its chunks (up to the limit's worth) alive until the cyclic garbage
    collector got to it, often many answers later, not just until the server was done with them."""

    __slots__ = ("held", "rest", "closable")

    def __init__(self, held: Iterable[bytes], rest: Iterable[bytes], closable):
        self.held, self.rest, self.closable = held, rest, closable

    def __iter__(self):
        yield from self.held
        yield from self.rest

    def close(self):
        _close(self.closable)



def _close(app_iter) -> None:
    close = getattr(app_iter, "close", None)
    if close:
        close()

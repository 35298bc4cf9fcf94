"""The overflow layer's hold on an answer it lets through: none once the server drops the answer."""
from __future__ import annotations

import gc
import weakref

from access_es.overflow.envelope import EnvelopeRule
from access_es.overflow.middleware import OverflowMiddleware, OverflowPolicy


class Answer:
    """An app's answer, chunked: what the layer holds while it decides, then passes on."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def test_an_answer_that_fits_is_passed_whole_and_freed_as_soon_as_it_is_dropped():
    """No reference cycle keeps a passed answer (and the chunks held while deciding, up to the
    limit's worth) alive until the garbage collector runs: dropped by the server, it is gone."""
    answer = Answer([b'{"a":', b'"' + b"x" * 100_000 + b'"', b"}"])
    ref = weakref.ref(answer)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return answer

    layer = OverflowMiddleware(app, OverflowPolicy(store=None, rule=EnvelopeRule(), on_lambda=True))
    statuses = []
    gc.disable()
    try:
        body = layer({"REQUEST_METHOD": "GET", "PATH_INFO": "/x"}, lambda s, h, e=None: statuses.append(s))
        assert b"".join(body) == b'{"a":"' + b"x" * 100_000 + b'"}'
        body.close()
        assert answer.closed and statuses == ["200 OK"]
        del body, answer
        assert ref() is None
    finally:
        gc.enable()

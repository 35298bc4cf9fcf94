"""Giving memory back to the system after a large transfer.

Streaming a large answer to S3 allocates and frees many megabytes in one server thread; glibc keeps
freed memory in that thread's arena, so a threaded server's resident size would creep up with each
overflow (by tens of MiB per thread). malloc_trim(0) returns the free pages at once. Elsewhere
(musl, macOS) it does nothing.
"""
from __future__ import annotations

import functools

from .logs import CountedBody


@functools.lru_cache(maxsize=1)
def _trim():
    import ctypes  # loaded with the first large answer, not at start-up
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)


LARGE_ANSWER = 512 * 1024  # bytes; below this the freed buffers are few and reused at once


class ReleaseAfterLargeAnswers:
    """WSGI middleware: once an answer of LARGE_ANSWER bytes or more has been sent, hand the freed
    buffers back to the system. Each server thread that relays a large answer otherwise keeps its
    own arena's worth of freed memory: 100 answers of 1 MiB left about 100 MiB resident with 16
    threads. (The overflow path trims after each upload itself.)"""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return CountedBody(self.app(environ, start_response), _release_if_large)


def _release_if_large(sent: int) -> None:
    if sent >= LARGE_ANSWER:
        release_free_memory()

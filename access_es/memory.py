"""Giving memory back to the system after a large transfer.

Streaming a large answer to S3 allocates and frees many megabytes in one server thread; glibc keeps
freed memory in that thread's arena, so a threaded server's resident size would creep up with each
overflow (by tens of MiB per thread). malloc_trim(0) returns the free pages at once. Elsewhere
(musl, macOS) it does nothing.

Returning them has a price: the trim walks every arena, and what it returned is faulted in afresh,
a page at a time, by the next answers that need it. So after a relayed answer the memory is
returned only once the process has grown KEEP bytes above the least it was since it last returned
it; an overflow returns it at once.
"""
from __future__ import annotations

import functools
import os

from .logs import CountedBody


@functools.lru_cache(maxsize=1)
def _libc():
    import ctypes  # loaded with the first large answer (or by `serve`), not at start-up
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def _trim():
    return getattr(_libc(), "malloc_trim", None)


# glibc's own thresholds, which it moves as it goes: a block of M_MMAP_THRESHOLD bytes or more gets
# pages of its own (returned when it is freed), and a thread's heap returns its free top once it is
# M_TRIM_THRESHOLD bytes. Both start low (128 KiB; the trim threshold is twice the other) and rise
# to what the largest block freed so far needs (an overflow's 8 MiB upload parts: 8 and 16 MiB).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
HEAP_THRESHOLD = 16 * 1024 * 1024


def keep_heap_tops() -> None:
    """Set both thresholds to HEAP_THRESHOLD, for a long-running server (`serve`, before its workers
    start). Until a process had freed a block of megabytes, its heaps returned their top as soon
    as about 512 KiB of it was free, which is what a large answer leaves when it is done: the next
    one faulted its buffers in afresh (about 250 page faults per MiB; a 1 MiB answer cost 0.5 ms
    more CPU, a 6 MiB one 3 ms, when the client's next request came after the worker had stopped
    waiting for it). A worker's heap now keeps up to that much free for its next answers, as
    glibc did anyway after a first overflow; what is returned after large answers, and after
    every overflow, is release_free_memory's."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, HEAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, HEAP_THRESHOLD)


# Freed memory a process may keep for its next answers: about what one or two large relayed answers
# use. Trimming after every 1 MiB answer cost about 0.2 ms of its 2 ms CPU (measured under serve).
KEEP = 8 * 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_least_since_trim: int | None = None  # resident bytes; None: never trimmed (or cannot be read)


def release_free_memory(keep: int = KEEP) -> None:
    """Give freed memory back to the system, unless the process is resident for less than `keep`
    bytes above the least it was since it last did so (0: at once). Threads may race here: at worst
    two trims, or one skipped until the next large answer."""
    global _least_since_trim
    trim = _trim()
    if trim is None:
        return
    now = _resident_bytes()
    if keep and now is not None and _least_since_trim is not None and now < _least_since_trim + keep:
        _least_since_trim = min(_least_since_trim, now)
        return
    trim(0)
    _least_since_trim = _resident_bytes()


def _resident_bytes() -> int | None:
    """This process's resident size (Linux: /proc/self/statm, a read of a few microseconds)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


LARGE_ANSWER = 512 * 1024  # bytes; below this the freed buffers are few and reused at once


class ReleaseAfterLargeAnswers:
    """WSGI middleware: once an answer of LARGE_ANSWER bytes or more has been sent, hand the freed
    buffers back to the system when the process has kept KEEP bytes of them. Each server thread that
    relays a large answer otherwise keeps its own arena's freed memory: 800 answers of 1 MiB from
    one client left 14 MiB more resident without trimming, 6 MiB with. (The 100 MiB once measured
    for 100 answers were mostly answers the overflow layer kept alive in reference cycles until the
    garbage collector ran, since fixed. The overflow path trims after each upload itself.)"""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return CountedBody(self.app(environ, start_response), _release_if_large)


def _release_if_large(sent: int) -> None:
    if sent >= LARGE_ANSWER:
        release_free_memory()

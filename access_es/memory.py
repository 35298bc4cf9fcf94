"""Giving memory back to the system after a large transfer.

Streaming a large answer to S3 allocates and frees many megabytes in one server thread; glibc keeps
freed memory in that thread's arena, so a threaded server's resident size would creep up with each
overflow (by tens of MiB per thread). malloc_trim(0) returns the free pages at once. Elsewhere
(musl, macOS) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)

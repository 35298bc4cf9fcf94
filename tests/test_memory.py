"""Freed memory goes back to the system after a large answer (see access_es/memory.py)."""
from access_es import memory


def serve(app, path="/"):
    statuses = []
    body = app({"PATH_INFO": path}, lambda s, h, e=None: statuses.append(s))
    try:
        data = b"".join(body)
    finally:
        body.close()
    return statuses[0], data


def test_trims_after_a_large_answer_only_and_passes_the_body_unchanged(monkeypatch):
    trims, closed = [], []

    class Body:
        def __init__(self, chunks):
            self.chunks = chunks

        def __iter__(self):
            return iter(self.chunks)

        def close(self):
            closed.append(True)

    def inner(environ, start_response):
        start_response("200 OK", [])
        size = int(environ["PATH_INFO"].strip("/"))
        return Body([b"x" * (size // 2), b"y" * (size - size // 2)])

    monkeypatch.setattr(memory, "release_free_memory", lambda: trims.append(True))
    app = memory.ReleaseAfterLargeAnswers(inner)
    assert serve(app, f"/{memory.LARGE_ANSWER - 1}")[1] == b"x" * ((memory.LARGE_ANSWER - 1) // 2) + \
        b"y" * (memory.LARGE_ANSWER - 1 - (memory.LARGE_ANSWER - 1) // 2)
    assert trims == [] and closed == [True]
    assert len(serve(app, f"/{memory.LARGE_ANSWER}")[1]) == memory.LARGE_ANSWER
    assert trims == [True] and closed == [True, True]


def test_release_free_memory_runs_here():
    memory.release_free_memory()  # glibc's malloc_trim, or nothing where there is none


def test_freed_memory_is_kept_up_to_keep_bytes_above_the_least_since_the_last_trim(monkeypatch):
    trims, resident = [], [100 * memory.KEEP]
    monkeypatch.setattr(memory, "_trim", lambda: lambda pad: trims.append(pad))
    monkeypatch.setattr(memory, "_resident_bytes", lambda: resident[0])
    monkeypatch.setattr(memory, "_least_since_trim", None)

    memory.release_free_memory()
    assert len(trims) == 1  # the first time: at once
    resident[0] += memory.KEEP - 1
    memory.release_free_memory()
    assert len(trims) == 1  # grown by less than KEEP: kept for the next answers
    resident[0] -= 2 * memory.KEEP  # something else gave memory back: the least is lower now
    memory.release_free_memory()
    resident[0] += memory.KEEP
    memory.release_free_memory()
    assert len(trims) == 2  # KEEP above the least since the last trim
    memory.release_free_memory(keep=0)
    assert len(trims) == 3  # the overflow path: at once


def test_without_a_resident_size_every_release_trims(monkeypatch):
    trims = []
    monkeypatch.setattr(memory, "_trim", lambda: lambda pad: trims.append(pad))
    monkeypatch.setattr(memory, "_resident_bytes", lambda: None)
    monkeypatch.setattr(memory, "_least_since_trim", None)
    memory.release_free_memory()
    memory.release_free_memory()
    assert trims == [0, 0]


def test_serve_sets_both_heap_thresholds_once_here(monkeypatch):
    calls = []

    class Libc:
        def mallopt(self, param, value):
            calls.append((param, value))
            return 1

    monkeypatch.setattr(memory, "_libc", lambda: Libc())
    memory.keep_heap_tops()
    assert sorted(calls) == sorted([(memory._M_MMAP_THRESHOLD, memory.HEAP_THRESHOLD),
                                    (memory._M_TRIM_THRESHOLD, memory.HEAP_THRESHOLD)])
    monkeypatch.setattr(memory, "_libc", lambda: None)
    memory.keep_heap_tops()  # no C library to ask (not glibc): nothing, no error
    assert len(calls) == 2

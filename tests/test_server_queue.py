"""The hand-over of complete requests to worker threads (loop.RequestQueue): requests in the order
they came, each to the worker that became idle last."""
from __future__ import annotations

import queue
import threading
import time

from access_es.server.loop import RequestQueue


def _idle_count_reaches(q: RequestQueue, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(q._idle) != n:
        assert time.monotonic() < deadline, "the workers never became idle"
        time.sleep(0.001)


def _worker(q: RequestQueue, name: str, served: queue.Queue) -> threading.Thread:
    def work():
        wake = threading.Lock()
        wake.acquire()
        while True:
            item = q.take(wake)
            if item is None:
                return
            served.put((name, item))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_a_request_goes_to_the_worker_idle_last_and_requests_keep_their_order():
    q, served = RequestQueue(), queue.Queue()
    first = _worker(q, "first", served)
    _idle_count_reaches(q, 1)
    second = _worker(q, "second", served)
    _idle_count_reaches(q, 2)

    q.put("a")
    assert served.get(timeout=10) == ("second", "a")  # the one idle last, not the one idle longest
    _idle_count_reaches(q, 2)
    q.put("b")
    assert served.get(timeout=10) == ("second", "b")  # the same warm worker again
    _idle_count_reaches(q, 2)

    q.put("c")
    q.put("d")
    got = {served.get(timeout=10), served.get(timeout=10)}
    assert {item for _, item in got} == {"c", "d"}
    for _ in range(2):
        q.put(None)
    first.join(timeout=10)
    second.join(timeout=10)
    assert not first.is_alive() and not second.is_alive()


def test_requests_put_while_every_worker_is_busy_wait_for_one_in_order():
    q, served = RequestQueue(), queue.Queue()
    for item in ("a", "b", "c"):
        q.put(item)  # no worker yet: nobody to wake, the requests wait
    assert q
    worker = _worker(q, "only", served)
    assert [served.get(timeout=10) for _ in range(3)] == [("only", "a"), ("only", "b"), ("only", "c")]
    _idle_count_reaches(q, 1)
    assert not q
    q.put(None)
    worker.join(timeout=10)
    assert not worker.is_alive()

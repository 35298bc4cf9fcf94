"""Connections shared out among `access-es serve`'s worker processes (access_es/server/shares.py):
a new connection goes to the process holding the fewest, and never waits long on the balance.
The rule alone, two event loops in one process, and on the wire with two real worker processes
(which holds which connection read from /proc)."""
from __future__ import annotations

import copy
import os
import signal
import socket
import threading
import time
from collections import Counter

import pytest
import requests

from access_es.server.loop import EventLoop
from access_es.server.shares import PATIENCE, STEP_BACK, ConnectionShares, stepping_back
from testbed.processes import tree_pids

from .conftest import PASSWORDS


# ---- the rule ------------------------------------------------------------------------------------

def test_the_process_with_fewest_or_as_few_takes_the_connection_at_once():
    assert stepping_back(3, 3, None, 100.0) is None
    assert stepping_back(2, 3, None, 100.0) is None
    assert stepping_back(5, None, None, 100.0) is None      # the only process alive


def test_a_process_with_more_steps_back_but_not_past_its_patience():
    since = stepping_back(4, 3, None, 100.0)
    assert since == 100.0
    assert stepping_back(4, 3, since, 100.0 + PATIENCE / 2) == since      # still the other's turn
    assert stepping_back(4, 3, since, 100.0 + PATIENCE + STEP_BACK) is None   # nobody took it: take it
    # a step back long ago belongs to an earlier arrival: this one is left to the other again
    assert stepping_back(4, 3, since, 100.0 + PATIENCE + 11 * STEP_BACK) == 100.0 + PATIENCE + 11 * STEP_BACK


def test_the_counts_are_shared_with_forked_processes_and_an_ended_one_is_not_waited_for():
    shares = ConnectionShares(3)
    shares.take_slot(0)
    shares.hold(5)
    pid = os.fork()
    if pid == 0:  # a worker in slot 1
        shares.take_slot(1)
        shares.hold(2)
        os._exit(0)
    os.waitpid(pid, 0)
    assert shares.fewest_elsewhere() == 2      # slot 2 has no process yet: not counted
    shares.vacate(1)
    assert shares.fewest_elsewhere() is None


# ---- two event loops, one listener ---------------------------------------------------------------

def _never_called(environ, start_response):  # the connections below send nothing
    raise AssertionError("no request was sent")


def test_connections_arriving_together_are_shared_out_evenly():
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    first = ConnectionShares(2)
    second = copy.copy(first)   # the same shared memory, as a forked process has it
    first.take_slot(0)
    second.take_slot(1)
    loops = [EventLoop(listener, _never_called, 1, 0, shares) for shares in (first, second)]
    threads = [threading.Thread(target=loop.run_forever, daemon=True) for loop in loops]
    for t in threads:
        t.start()
    clients = [socket.create_connection(listener.getsockname(), timeout=5) for _ in range(12)]
    try:
        deadline = time.monotonic() + 10
        while sum(len(loop.connections) for loop in loops) < 12 and time.monotonic() < deadline:
            time.sleep(0.01)
        held = sorted(len(loop.connections) for loop in loops)
        assert sum(held) == 12 and held[1] - held[0] <= 2, held
    finally:
        for c in clients:
            c.close()
        for loop in loops:
            loop.stop()
        for t in threads:
            t.join(timeout=15)
        listener.close()


# ---- on the wire: two worker processes -------------------------------------------------------------

def _holders(proxy_pid: int, port: int) -> Counter:
    """How many established connections to `port` each worker process of the serve tree holds."""
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # ESTABLISHED, our side
                inodes.add(fields[9])
    held = Counter()
    for pid in set(tree_pids(proxy_pid)) - {proxy_pid}:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[pid] += 1
    return held


@pytest.fixture
def two_workers(standin, accounts_file, tmp_path):
    from .conftest import start_proxy, stop_proxy

    proxy = start_proxy(tmp_path, standin.url, accounts_file, args=("--processes", "2", "--threads", "4"))
    yield proxy
    stop_proxy(proxy)


def _pooled_clients(proxy, n: int) -> list[requests.Session]:
    """n clients that each keep one connection open (the pools of wrk, browsers, client libraries)."""
    sessions = [requests.Session() for _ in range(n)]
    barrier = threading.Barrier(n)

    def first_request(s):
        barrier.wait()
        assert s.get(proxy.url + "/_echo/x", auth=("alice", PASSWORDS["alice"]), timeout=30).status_code == 200

    threads = [threading.Thread(target=first_request, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sessions


def test_a_pooled_clients_connections_are_shared_between_the_worker_processes(two_workers):
    port = int(two_workers.url.rsplit(":", 1)[1])
    sessions = _pooled_clients(two_workers, 8)
    try:
        held = _holders(two_workers.process.pid, port)
        assert sum(held.values()) == 8 and len(held) == 2 and max(held.values()) - min(held.values()) <= 2, held
    finally:
        for s in sessions:
            s.close()


def test_a_stopped_worker_process_never_leaves_connections_waiting(two_workers):
    """The worker holding fewer connections is frozen (SIGSTOP): the other takes every new one,
    after its patience, and answers."""
    port = int(two_workers.url.rsplit(":", 1)[1])
    sessions = _pooled_clients(two_workers, 3)
    held = _holders(two_workers.process.pid, port)
    frozen = min(held, key=held.get) if len(held) == 2 else next(
        iter(set(tree_pids(two_workers.process.pid)) - {two_workers.process.pid} - set(held)))
    os.kill(frozen, signal.SIGSTOP)
    try:
        for i in range(6):
            r = requests.get(f"{two_workers.url}/_echo/new-{i}", auth=("alice", PASSWORDS["alice"]), timeout=10,
                             headers={"Connection": "close"})
            assert r.status_code == 200 and r.json()["path"] == f"/_echo/new-{i}"
    finally:
        os.kill(frozen, signal.SIGCONT)
        for s in sessions:
            s.close()

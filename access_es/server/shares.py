"""How many client connections each worker process holds, in memory the processes share, so that a
new connection goes to the process holding the fewest.

Worker processes accept from one listening socket, and the kernel wakes them all when a connection
arrives: left to themselves, the first awake takes every connection waiting. Clients keep their
connections alive (wrk, browsers, client pools), so one process could serve all eight of a pooled
client's connections while the other sat idle: half the throughput, and more CPU per request as its
threads contend for one interpreter lock (seen in `make bench`: 8 connections to one process,
856 req/s at 1.26 ms CPU each; 4 and 4, 2,100 req/s at 0.8 ms).

So a process that holds more connections than another steps back for a moment (STEP_BACK) and
lets the other take the waiting connection; if nobody has within PATIENCE (the other process is
stuck, or just slow to wake), it takes it itself: a connection never waits on the balance for long.
"""
from __future__ import annotations

import mmap
import struct

# How long a process with more connections than another waits before it looks again.
STEP_BACK = 0.002
# How long a waiting connection is left to the process with fewer, at most.
PATIENCE = 0.02

_SLOT = struct.Struct("q")
ABSENT = -1  # a slot whose process has ended (not yet replaced) or is stopping: nobody waits for it


class ConnectionShares:
    """One slot per worker process in an anonymous shared mapping (made before fork, so every
    worker sees the same memory). Each slot has one writer: its process's event loop."""

    def __init__(self, processes: int):
        self.processes = processes
        self._memory = mmap.mmap(-1, _SLOT.size * processes)  # MAP_SHARED: survives fork, shared
        for slot in range(processes):
            self._write(slot, ABSENT)
        self.slot: int | None = None

    def _write(self, slot: int, value: int) -> None:
        _SLOT.pack_into(self._memory, _SLOT.size * slot, value)

    def _read(self, slot: int) -> int:
        return _SLOT.unpack_from(self._memory, _SLOT.size * slot)[0]

    def take_slot(self, slot: int) -> None:
        """In a new worker process: this slot is ours, with no connection yet."""
        self.slot = slot
        self._write(slot, 0)

    def vacate(self, slot: int) -> None:
        """In the supervisor, when a worker process has ended: nobody is to wait for it."""
        self._write(slot, ABSENT)

    def hold(self, connections: int) -> None:
        self._write(self.slot, connections)

    def fewest_elsewhere(self) -> int | None:
        """The fewest connections another living worker process holds (None: no other)."""
        counts = [self._read(s) for s in range(self.processes) if s != self.slot]
        living = [c for c in counts if c != ABSENT]
        return min(living) if living else None


def stepping_back(mine: int, fewest_elsewhere: int | None, since: float | None, now: float) -> float | None:
    """Whether a process holding `mine` connections leaves a waiting connection to another: None to
    take it now, else the time it started stepping back (`since`, kept by the caller from the last
    call, or now). A process past PATIENCE takes it; a step back long past is a new arrival's (a
    connection taken by another meanwhile leaves no trace here)."""
    if fewest_elsewhere is None or mine <= fewest_elsewhere:
        return None  # fewest here (or as few): take it
    if since is None or now - since > PATIENCE + 10 * STEP_BACK:
        return now
    if now - since < PATIENCE:
        return since
    return None

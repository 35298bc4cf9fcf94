"""A process and its descendants, from /proc: the serve process tree (a supervisor and its worker
processes) whose memory and CPU the tests and benches measure."""
from __future__ import annotations

import os
from pathlib import Path


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces and parentheses): field 0 is
    the state, 1 the parent's pid, 11/12 utime/stime, 13/14 the reaped children's."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_pids(root: int) -> list[int]:
    """The process and its living descendants, found through every process's parent link (this
    kernel has no /proc/PID/task/TID/children)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(stat_fields(int(entry))[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):  # gone while we looked
                pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found

"""The bench bed: the test bed's parts started for a benchmark run, and the results files' heading.

`with Bed() as bed:` gives a local S3 (moto_server) with the overflow bucket, an accounts file with
the test admin, and the SigV4-verifying stand-in domain; everything stops when the block ends.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from access_es.standin.domain import StandIn  # noqa: E402
from access_es.standin.sigv4_verify import Credentials  # noqa: E402
from testbed.processes import stat_fields, tree_pids  # noqa: E402
from testbed.proxy import (  # noqa: E402  (the test bed is the bench bed: testbed/)
    ACCESS_KEY, OVERFLOW_BUCKET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN, VENV_BIN, free_port,
)


class Bed:
    def __enter__(self) -> "Bed":
        import boto3

        from access_es.accounts import Account
        from access_es.accounts.passwords import hash_password
        from access_es.stores import open_stores

        self.tmp = Path(tempfile.mkdtemp(prefix="access-es-bench-"))
        port = free_port()
        self._moto = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.moto_url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                requests.get(self.moto_url + "/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        boto3.client("s3", endpoint_url=self.moto_url, region_name=REGION, aws_access_key_id="x",
                     aws_secret_access_key="y").create_bucket(Bucket=OVERFLOW_BUCKET)
        self.users = self.tmp / "users.json"
        open_stores(str(self.users)).accounts.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
        self.standin = StandIn({ACCESS_KEY: Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)}, region=REGION).start()
        return self

    @property
    def s3_pid(self) -> int:
        """The local S3's process (moto_server), for its CPU and memory."""
        return self._moto.pid

    def proxy_env(self, **extra: str) -> dict[str, str]:
        """Settings for `access-es serve` in front of this bed, overflow to its S3 included."""
        return {"ACCESS_ES_OVERFLOW_BUCKET": OVERFLOW_BUCKET, "AWS_ENDPOINT_URL_S3": self.moto_url, **extra}

    def __exit__(self, *exc) -> None:
        self.standin.stop()
        self._moto.terminate()
        self._moto.wait(timeout=10)


def heading(title: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"# {title} ({stamp}, {platform.node()}, {platform.machine()}, Python {platform.python_version()})"


def write_results(out: str, lines: list[str]) -> None:
    """A results file (Markdown), written and shown."""
    text = "\n".join(lines) + "\n"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text)
    print(text)


def write_figures(out: str, figures: dict) -> None:
    """A bench's figures as JSON beside its Markdown (bench/report.py reads them: targets, chart)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(figures, indent=1) + "\n")


# ---- a server's process tree ---------------------------------------------------------------------
# `access-es serve` may run as one process (waitress) or as a master whose workers are children
# (a supervisor and its worker processes), so memory and CPU are counted over the process and all its descendants.

_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
_TICKS = os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KIB
    except (OSError, IndexError):
        return 0


def tree_rss_kib(root: int, pids: list[int] | None = None) -> int:
    """Resident memory of the tree: the sum of each process's RSS. Pages that forked workers still
    share with their master count once per process, so the absolute figure overstates a forking
    server; differences (peak above idle) are what the benches report."""
    return sum(_rss_kib(pid) for pid in (pids if pids is not None else tree_pids(root)))


def tree_cpu_seconds(root: int) -> float:
    """utime+stime of the tree, with the time of children already exited and reaped (a recycled
    worker's CPU moves into its parent's cutime/cstime, so the total does not drop)."""
    ticks = 0
    for pid in tree_pids(root):
        try:
            fields = stat_fields(pid)
        except OSError:
            continue
        ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / _TICKS


class PeakRss:
    """`with PeakRss(pid) as peak:` samples the tree's RSS every 10 ms; `peak.kib` is the highest.

    Finding the tree walks all of /proc (about 2 ms), so membership is refreshed every 100 ms and
    only the RSS of the known processes is read at each sample."""

    def __init__(self, root: int, period: float = 0.01, refresh: float = 0.1):
        self.root, self.period, self.refresh = root, period, refresh
        self.kib = 0
        self._done = threading.Event()

    def _run(self) -> None:
        pids, found_at = tree_pids(self.root), time.monotonic()
        while not self._done.is_set():
            if time.monotonic() - found_at > self.refresh:
                pids, found_at = tree_pids(self.root), time.monotonic()
            self.kib = max(self.kib, tree_rss_kib(self.root, pids))
            self._done.wait(self.period)

    def __enter__(self) -> "PeakRss":
        self.kib = tree_rss_kib(self.root)
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.kib = max(self.kib, tree_rss_kib(self.root))

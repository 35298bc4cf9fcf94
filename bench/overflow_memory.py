"""Peak memory of the proxy process while oversized answers stream through it into S3.

Starts, over loopback: the stand-in domain (in this process), moto_server (local S3), and
`access-es serve` with an overflow bucket. For each body size it asks for an answer of that size
(chunked, so the proxy cannot know the length in advance), follows nothing, and samples the proxy's
resident set size (/proc/PID/status VmRSS) every 10 ms until the 303 arrives. It reports the peak
above the idle process, and the same for a direct (small) answer as a baseline, as a table.

    python bench/overflow_memory.py [--sizes 10,100,1024] [--out bench/results/overflow_memory.md]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import requests

from bed import REPO, PASSWORDS, Bed, heading, write_results  # noqa: E402  (bench/ is on sys.path when run as a script)
from tests.conftest import start_proxy, stop_proxy  # noqa: E402
from tests.upstream import Reply  # noqa: E402

MIB = 1024 * 1024


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stream(total: int):
    block = bytes(range(256)) * 4096  # 1 MiB
    sent = 0
    while sent < total:
        n = min(len(block), total - sent)
        yield block[:n]
        sent += n


def measure(proxy, path: str) -> tuple[float, int, float]:
    """(peak RSS MiB during the request, status, seconds)."""
    pid = proxy.process.pid
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.01)

    t = threading.Thread(target=sample)
    t.start()
    started = time.monotonic()
    r = requests.get(proxy.url + path, auth=("alice", PASSWORDS["alice"]), allow_redirects=False, timeout=600)
    if r.status_code == 200:
        r.content
    elapsed = time.monotonic() - started
    done.set()
    t.join()
    return peak[0] / 1024, r.status_code, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,1024", help="body sizes in MiB")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "overflow_memory.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    bed = Bed().__enter__()
    standin, users, tmp = bed.standin, bed.users, bed.tmp
    standin.route("/_stream/", lambda req: Reply(200, [], stream(int(req.segments[1])),
                                                 content_type="application/octet-stream"))
    rows = []

    def fresh_proxy():
        p = start_proxy(tmp, standin.url, users, **bed.proxy_env(ACCESS_ES_UPSTREAM_TIMEOUT="120"))
        measure(p, "/_stream/1000")             # warm: imports, pools
        measure(p, f"/_stream/{7 * MIB}")       # and the S3 client, on a first overflow
        return p, rss_kib(p.process.pid) / 1024

    try:
        # each size in a fresh process, so one size's leftovers do not count against the next
        proxy, idle = fresh_proxy()
        peak, status, secs = measure(proxy, f"/_stream/{MIB}")
        rows.append(("1 MiB, direct (baseline)", status, peak - idle, secs, idle))
        stop_proxy(proxy)
        for size in sizes:
            proxy, idle = fresh_proxy()
            try:
                peak, status, secs = measure(proxy, f"/_stream/{size * MIB}")
            finally:
                stop_proxy(proxy)
            rows.append((f"{size} MiB, overflow to S3", status, peak - idle, secs, idle))
    finally:
        bed.__exit__()

    lines = [heading("Overflow memory"), "",
             "Peak resident memory of the proxy process above its idle size while the answer streamed through "
             "it into S3 (a chunked upstream answer, so its length was not known in advance); each row in a "
             "fresh `access-es serve` process, warmed by one small overflow.", "",
             "| answer | status | idle RSS, MiB | peak above idle, MiB | ratio to the first overflow row | seconds |",
             "|---|---|---|---|---|---|"]
    base = max(rows[1][2] if len(rows) > 1 else rows[0][2], 0.1)
    for name, status, above, secs, idle in rows:
        lines.append(f"| {name} | {status} | {idle:.1f} | {above:.1f} | {above / base:.1f}x | {secs:.1f} |")
    write_results(args.out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

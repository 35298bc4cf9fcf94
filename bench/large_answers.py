"""Large answers: time to a usable answer, and the proxy's peak memory and CPU, against the same
answers fetched straight from the upstream, in one run over loopback.

Sizes: 1 MiB and just under 6 MiB go back directly (relayed through the proxy); 8, 64 and 512 MiB
are too large for Lambda's response envelope, so the proxy streams them into S3 (moto_server here)
and answers 303 to a presigned URL, which the client follows to download the whole body.

- The upstream stand-in runs in a process of its own (bench/large_upstream.py; SigV4-verifying,
  JSON text answers, chunked by default, so the proxy cannot decide from a length) and the
  baseline fetches from it directly, signing like the proxy does.
- For the overflow sizes a second baseline, the floor this S3 sets: the proxy's own store code puts
  the same bytes from the bench process, and the bench downloads them (moto_server is slow: most
  of an overflow's time is its).
- Each size gets a fresh `access-es serve`, warmed by a small answer, two of 1 MiB and one overflow
  (the S3 client is made on the first), so one size's leftovers do not count against the next.
- Memory: the resident size of each process tree (a supervisor's worker processes count too), sampled
  every 10 ms, above its idle size: the peak during the first run alone (what one answer takes),
  the peak over all runs (each server thread keeps some memory, so it grows with the runs) and what
  is left once they are over. The upstream's own is the no-proxy baseline.
- CPU: utime+stime of each tree over all the runs of a size, per request.

    python bench/large_answers.py [--framing chunked|length] [--out bench/results/large_answers.md]

Writes bench/results/large_answers.md and large_answers.json (for bench/report.py).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import requests

from bed import (  # noqa: E402  (bench/ is on sys.path when run as a script)
    ACCESS_KEY, OVERFLOW_BUCKET, PASSWORDS, REGION, REPO, SECRET_KEY, SESSION_TOKEN, Bed, PeakRss, heading,
    tree_cpu_seconds, tree_rss_kib, write_figures, write_results,
)
from testbed.proxy import start_proxy, stop_proxy  # noqa: E402

KIB, MIB = 1024, 1024 * 1024


@dataclass(frozen=True)
class Size:
    label: str
    body_bytes: int
    expected_status: int   # 200: relayed directly; 303: overflow to S3
    runs: int              # enough for a steady median (and CPU ticks) within the time budget


SIZES = [
    Size("1 MiB", MIB, 200, 100),
    # Lambda's limit is 6,291,556 bytes of JSON envelope, 100 bytes over 6 MiB, and the envelope's
    # status and headers take a few hundred: an answer of exactly 6 MiB overflows. 4 KiB less fits.
    Size("6 MiB - 4 KiB", 6 * MIB - 4 * KIB, 200, 20),
    Size("8 MiB", 8 * MIB, 303, 6),
    Size("64 MiB", 64 * MIB, 303, 3),
    Size("512 MiB", 512 * MIB, 303, 2),
]


@dataclass
class Fetch:
    status: int
    to_303_s: float | None    # overflow: the 303 is in hand (S3 alone: the upload is done)
    usable_s: float           # the whole body is in hand
    body_bytes: int


@dataclass
class Usage:
    """What the runs of one path cost one process tree. Memory is RSS above the tree's idle size."""
    cpu_ms: float             # utime+stime per request
    idle_mib: float
    first_peak_mib: float     # the highest during the first run alone: what one answer takes
    peak_mib: float           # the highest over all runs (server threads each keep some: it grows)
    after_mib: float          # once the runs are over: kept, not just passing through


@dataclass
class Row:
    size_label: str
    body_bytes: int
    path: str                 # "direct" (no proxy), "s3_alone" (no proxy, no upstream) or "proxy"
    runs: int
    statuses: list[int]
    usable_s: float           # median over the runs
    to_303_s: float | None    # median
    usable_samples_s: list[float]
    usage: dict[str, Usage]   # by process: "proxy", "upstream", "s3"


# ---- the parts ----------------------------------------------------------------------------------

def start_upstream() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(REPO / "bench" / "large_upstream.py"), ACCESS_KEY, SECRET_KEY,
                             SESSION_TOKEN, REGION], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def stop_upstream(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def signed_session() -> requests.Session:
    """A client holding the proxy's keys: the no-proxy baseline signs as the proxy would."""
    from requests_aws4auth import AWS4Auth

    s = requests.Session()
    s.auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, "es", session_token=SESSION_TOKEN)
    return s


def s3_client(bed: Bed):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=bed.moto_url, region_name=REGION, aws_access_key_id="x",
                        aws_secret_access_key="y", config=Config(signature_version="s3v4"))


def read_body(resp: requests.Response) -> int:
    """Read the whole body, keeping none of it (the bench must not hold 512 MiB)."""
    return sum(len(chunk) for chunk in resp.iter_content(MIB))


def download(session: requests.Session, url: str) -> tuple[int, int]:
    """(status, bytes) of a presigned URL (a plain session: the URL is the credential)."""
    with session.get(url, stream=True, timeout=600) as r:
        return r.status_code, read_body(r)


def fetch_direct(client: requests.Session, url: str) -> Fetch:
    started = time.monotonic()
    with client.get(url, stream=True, timeout=600) as r:
        n = read_body(r)
    return Fetch(r.status_code, None, time.monotonic() - started, n)


class Overflow:
    """The 303's other half: follow the Location to S3, then delete the object, outside the timing,
    so that moto_server, which keeps objects in memory, does not grow by 512 MiB a run."""

    def __init__(self, bed: Bed):
        self.s3 = s3_client(bed)
        self.session = requests.Session()

    def delete(self, url: str) -> None:
        key = urlsplit(url).path.split("/", 2)[2]  # path-style (an IP address endpoint): /BUCKET/KEY
        self.s3.delete_object(Bucket=OVERFLOW_BUCKET, Key=key)

    def through_proxy(self, client: requests.Session, url: str) -> Fetch:
        started = time.monotonic()
        with client.get(url, stream=True, allow_redirects=False, timeout=600) as r:
            n = read_body(r)
        if r.status_code != 303:
            return Fetch(r.status_code, None, time.monotonic() - started, n)
        to_303 = time.monotonic() - started
        status, n = download(self.session, r.headers["Location"])
        usable = time.monotonic() - started
        self.delete(r.headers["Location"])
        return Fetch(303 if status == 200 else status, to_303, usable, n)

    def s3_alone(self, body_bytes: int) -> Fetch:
        """The overflow path's floor on this S3: the proxy's own store code (multipart, its part size
        and concurrency) putting the same bytes from this process, then the download; no upstream,
        no proxy in between."""
        from access_es.overflow.store import OverflowStore
        from large_upstream import json_body

        store = OverflowStore(OVERFLOW_BUCKET, "overflow/", 60)
        store._client = self.s3  # the proxy makes its client from the environment; ours points at moto
        started = time.monotonic()
        stored = store.put(json_body(body_bytes), "/_large", "application/json; charset=UTF-8", None)
        uploaded = time.monotonic() - started
        status, n = download(self.session, stored.url)
        usable = time.monotonic() - started
        self.delete(stored.url)
        return Fetch(303 if status == 200 else status, uploaded, usable, n)


# ---- measuring ----------------------------------------------------------------------------------

def measured(runs: int, fetch: Callable[[], Fetch], trees: dict[str, int]) -> tuple[list[Fetch], dict[str, Usage]]:
    """Run `fetch` `runs` times, sampling every tree's RSS during each run; CPU over them all."""
    idle = {name: tree_rss_kib(pid) for name, pid in trees.items()}
    cpu_before = {name: tree_cpu_seconds(pid) for name, pid in trees.items()}
    first, peak = {}, dict(idle)
    fetches = []
    for _ in range(runs):
        with ExitStack() as stack:
            samplers = {name: stack.enter_context(PeakRss(pid)) for name, pid in trees.items()}
            fetches.append(fetch())
        first = first or {name: s.kib for name, s in samplers.items()}
        peak = {name: max(peak[name], s.kib) for name, s in samplers.items()}
    usage = {name: Usage(cpu_ms=(tree_cpu_seconds(pid) - cpu_before[name]) * 1000 / runs,
                         idle_mib=idle[name] / 1024,
                         first_peak_mib=(first[name] - idle[name]) / 1024,
                         peak_mib=(peak[name] - idle[name]) / 1024,
                         after_mib=(tree_rss_kib(pid) - idle[name]) / 1024)
             for name, pid in trees.items()}
    return fetches, usage


def row(size: Size, path: str, fetches: list[Fetch], usage: dict[str, Usage], expected_status: int) -> Row:
    for f in fetches:
        if f.body_bytes != size.body_bytes or f.status != expected_status:
            raise RuntimeError(f"{size.label}, {path}: status {f.status} and {f.body_bytes} bytes, expected "
                               f"{expected_status} and {size.body_bytes}")
    usable = [f.usable_s for f in fetches]
    to_303 = [f.to_303_s for f in fetches if f.to_303_s is not None]
    return Row(size.label, size.body_bytes, path, len(fetches), sorted({f.status for f in fetches}),
               statistics.median(usable), statistics.median(to_303) if to_303 else None, usable, usage)


def warm(proxy_url: str, client: requests.Session, overflow: Overflow) -> None:
    """Imports, connection pools, the Basic-credentials cache, and the S3 client (made on the first
    overflow) before the idle size is taken."""
    for size in (100, MIB, MIB, 7 * MIB):
        overflow.through_proxy(client, f"{proxy_url}/_large/{size}")
    time.sleep(0.3)


def bench_size(size: Size, bed: Bed, upstream: subprocess.Popen, upstream_url: str, query: str) -> list[Row]:
    overflow = Overflow(bed)
    signed, client = signed_session(), requests.Session()
    client.auth = ("alice", PASSWORDS["alice"])
    path = f"/_large/{size.body_bytes}{query}"
    s3_pid = bed.s3_pid
    rows = []

    fetch_direct(signed, upstream_url + path)  # the upstream warms too (first allocation of this size)
    fetches, usage = measured(size.runs, lambda: fetch_direct(signed, upstream_url + path), {"upstream": upstream.pid})
    rows.append(row(size, "direct", fetches, usage, 200))

    if size.expected_status == 303:
        fetches, usage = measured(size.runs, lambda: overflow.s3_alone(size.body_bytes), {"s3": s3_pid})
        rows.append(row(size, "s3_alone", fetches, usage, 303))

    proxy = start_proxy(bed.tmp, upstream_url, bed.users, **bed.proxy_env(ACCESS_ES_UPSTREAM_TIMEOUT="120"))
    try:
        warm(proxy.url, client, overflow)
        fetches, usage = measured(size.runs, lambda: overflow.through_proxy(client, proxy.url + path),
                                  {"proxy": proxy.process.pid, "upstream": upstream.pid, "s3": s3_pid})
    finally:
        stop_proxy(proxy)
    rows.append(row(size, "proxy", fetches, usage, size.expected_status))
    return rows


# ---- the results --------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def seconds(value: float | None) -> str:
    """Seconds with three significant figures at most (1 MiB takes milliseconds, 512 MiB seconds)."""
    return "-" if value is None else f"{value:.3g}"


PATH_NAMES = {"direct": "direct from the upstream (baseline)",
              "s3_alone": "local S3 alone: put + get, no proxy (overflow floor)",
              "proxy": "through access-es"}


def path_name(r: Row) -> str:
    return PATH_NAMES[r.path] + (", 303 to S3" if r.path == "proxy" and r.to_303_s is not None else "")


def time_table(rows: list[Row]) -> list[str]:
    lines = ["| answer | path | runs | time to usable answer, s (median) | ratio to direct | time to the 303, s "
             "(S3 alone: upload done) |",
             "|---|---|---|---|---|---|"]
    direct = {r.size_label: r.usable_s for r in rows if r.path == "direct"}
    for r in rows:
        lines.append(f"| {r.size_label} | {path_name(r)} | {r.runs} | {seconds(r.usable_s)} | "
                     f"{r.usable_s / direct[r.size_label]:.2f}x | {seconds(r.to_303_s)} |")
    return lines


def cost_table(rows: list[Row]) -> list[str]:
    lines = ["| answer | path | proxy CPU ms/request | proxy idle RSS, MiB | proxy peak above idle, first answer, MiB "
             "| proxy peak above idle, all runs, MiB | proxy above idle after the runs, MiB "
             "| upstream CPU ms/request | upstream peak above idle, MiB | local S3 CPU ms/request |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        proxy, upstream, s3 = (r.usage.get(name) for name in ("proxy", "upstream", "s3"))
        lines.append(
            f"| {r.size_label} | {path_name(r)} | {fmt(proxy and proxy.cpu_ms)} | {fmt(proxy and proxy.idle_mib)} | "
            f"{fmt(proxy and proxy.first_peak_mib)} | {fmt(proxy and proxy.peak_mib)} | "
            f"{fmt(proxy and proxy.after_mib)} | {fmt(upstream and upstream.cpu_ms)} | "
            f"{fmt(upstream and upstream.peak_mib)} | {fmt(s3 and s3.cpu_ms)} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--framing", choices=["chunked", "length"], default="chunked",
                        help="how the upstream frames its answers (chunked: the proxy cannot decide from a length)")
    parser.add_argument("--sizes", help="only these sizes, e.g. '1 MiB,8 MiB' (for trying things out)")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "large_answers.md"))
    args = parser.parse_args()
    sizes = [s for s in SIZES if not args.sizes or s.label in args.sizes.split(",")]
    query = "?framing=length" if args.framing == "length" else ""

    started = time.monotonic()
    rows: list[Row] = []
    upstream, upstream_url = start_upstream()
    try:
        with Bed() as bed:
            for size in sizes:
                rows += bench_size(size, bed, upstream, upstream_url, query)
                print(f"{size.label}: done at {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        stop_upstream(upstream)
    elapsed = time.monotonic() - started

    title = heading("Large answers")
    framing = ("chunked (no Content-Length: the proxy holds up to the limit's worth before it can decide)"
               if args.framing == "chunked" else "with a Content-Length")
    lines = [title, "",
             f"JSON text answers, {framing}, from the SigV4-verifying stand-in in its own process. Direct: a "
             "client signing its own requests. Through access-es (`access-es serve`, a fresh process per size, "
             "warmed): Basic credentials; answers over Lambda's envelope go to S3 (moto_server on loopback) and "
             "the client follows the 303 and downloads the whole body, which is when the answer is usable. Runs "
             "are sequential. The overflow floor puts the same bytes into the same S3 with the proxy's own store "
             "code from the bench process and downloads them: what this S3 costs, whoever calls it.", "",
             "Time:", ""]
    lines += time_table(rows)
    lines += ["", "Cost: memory is the resident size of each process tree (the server and its descendants), "
              "sampled every 10 ms, above its idle size (the proxy's after warming); CPU is the tree's "
              f"utime+stime over the runs, per request. The whole bench took {elapsed:.0f} s.", ""]
    lines += cost_table(rows)
    write_results(args.out, lines)
    write_figures(str(Path(args.out).with_suffix(".json")),
                  {"heading": title, "framing": args.framing, "seconds": round(elapsed, 1),
                   "rows": [asdict(r) for r in rows]})
    return 0


if __name__ == "__main__":
    sys.exit(main())

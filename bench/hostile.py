"""The long form of the hostile-client tests (tests/test_hostile_clients.py): against `access-es serve`
with its defaults (one process per CPU, 16 threads each) and with `--processes 2 --threads 4`,

- slowloris: `--clients` connections that trickle a header line a second and never end their head,
  each replaced by a new one when the server cuts it, for `--seconds`; meanwhile a normal client
  makes requests one after another (a proxied GET with Basic credentials, the login page), each on
  a new connection. Reported: how many of its requests were answered in under 3 s, how long they
  took, and how long the server let slow connections live (the bound: HEAD_TIMEOUT + 3 s);
- a body from a client that never authenticates (`--upload-mib`, chunked and with a Content-Length):
  the answer, and how far the server's resident memory (all its processes) rose.

    python bench/hostile.py [--clients 200] [--seconds 18] [--upload-mib 512] [--out bench/results/hostile.md]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bed import PASSWORDS, REPO, Bed, heading, write_figures, write_results  # noqa: E402  (bench/ is on sys.path)
from testbed.proxy import start_proxy, stop_proxy  # noqa: E402
from access_es.server import default_processes  # noqa: E402
from testbed.hostile_driver import (  # noqa: E402
    MIB, RssSampler, head_timeout, port_of, run_slowloris, stream_request,
)

CONFIGS = [(f"defaults ({default_processes()} processes, 16 threads)", ()),
           ("--processes 2 --threads 4", ("--processes", "2", "--threads", "4"))]
ANSWERED_WITHIN = 3.0   # seconds: a normal request slower than this counts as held up


def slowloris_figures(url: str, clients: int, seconds: float, limit: float) -> dict:
    run = run_slowloris(url, ("alice", PASSWORDS["alice"]), count=clients, normal_within=seconds, until=seconds,
                        reconnect=True, timeout=5.0, pause=0.2)
    times = [t.seconds for _, _, t in run.normal if t.status is not None]
    answered = [t for _, _, t in run.normal if t.status == 200 and t.seconds < ANSWERED_WITHIN]
    cut = run.cut_times()
    return {
        "normal_requests": len(run.normal),
        "normal_answered": len(answered),
        "normal_answered_share": len(answered) / len(run.normal) if run.normal else 0.0,
        "normal_p50_s": statistics.median(times) if times else None,
        "normal_max_s": max(times) if times else None,
        "normal_failures": sorted({t.error or (f"{t.status}" if t.status != 200 else f"200 after {ANSWERED_WITHIN:g} s")
                                   for _, _, t in run.normal if t.status != 200 or t.seconds >= ANSWERED_WITHIN}),
        "slow_connections": len(run.clients),
        "slow_refused": len(run.refused),
        "slow_cut": len(cut),
        "slow_cut_median_s": statistics.median(cut) if cut else None,
        "slow_cut_max_s": max(cut) if cut else None,
        "slow_overdue": len(run.overdue(limit + 3)),
        "slow_got_408": sum(1 for c in run.clients if c.received.startswith(b"HTTP/1.1 408 ")),
        "slow_open_at_end": sum(1 for c in run.clients if c.closed_at is None),
    }


def upload_figures(proxy, mib: int) -> list[dict]:
    rows = []
    for framing in ("chunked", "content-length"):
        total = mib * MIB
        head = (b"POST /_echo/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + (b"Transfer-Encoding: chunked\r\n" if framing == "chunked" else b"Content-Length: %d\r\n" % total)
                + b"\r\n")
        with RssSampler(proxy.process.pid) as rss:
            out = stream_request(port_of(proxy.url), head, total, chunked=framing == "chunked", limit=60)
        rows.append({"framing": framing, "status": out.final_status, "sent_mib": out.sent / MIB,
                     "seconds": out.seconds, "stopped": out.send_error, "rss_rise_mib": rss.rise,
                     "rss_baseline_mib": rss.baseline})
    return rows


def fmt(value, spec: str = ".2f", unit: str = " s") -> str:
    return "-" if value is None else f"{value:{spec}}{unit}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=18)
    parser.add_argument("--upload-mib", type=int, default=512)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "hostile.md"))
    args = parser.parse_args()
    limit = head_timeout()

    configs = []
    with Bed() as bed:
        for name, serve_args in CONFIGS:
            proxy = start_proxy(bed.tmp, bed.standin.url, bed.users, args=serve_args)
            try:
                slow = slowloris_figures(proxy.url, args.clients, args.seconds, limit)
                uploads = upload_figures(proxy, args.upload_mib)
            finally:
                stop_proxy(proxy)
            configs.append({"name": name, "slowloris": slow, "uploads": uploads})
            bed.standin.clear()

    lines = [
        heading("Hostile clients"), "",
        f"Slowloris: {args.clients} connections that send a request line, then a header line a second, and never "
        f"end their head; each one the server cuts is replaced at once, for {args.seconds:g} s. Meanwhile one normal "
        "client makes requests one after another, each on a new connection (a proxied GET with Basic credentials, "
        f"the login page; 5 s timeout). The server may let a head take {limit:g} s (HEAD_TIMEOUT); a slow "
        f"connection alive after {limit + 3:g} s is overdue. Then a client that never authenticates streams "
        f"{args.upload_mib} MiB (generated as it goes), chunked and with a Content-Length, while the serve "
        "processes' resident memory is sampled.", "",
        "| server | normal requests answered in < 3 s | normal p50 / max | slow connections (refused) | "
        "cut after, median / max | overdue | 408s |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in configs:
        s = c["slowloris"]
        failures = f" (others: {', '.join(s['normal_failures'])})" if s["normal_failures"] else ""
        lines.append(
            f"| {c['name']} | {s['normal_answered']} of {s['normal_requests']}{failures} | "
            f"{fmt(s['normal_p50_s'])} / {fmt(s['normal_max_s'])} | {s['slow_connections']} ({s['slow_refused']}) | "
            f"{fmt(s['slow_cut_median_s'], '.1f')} / {fmt(s['slow_cut_max_s'], '.1f')} | {s['slow_overdue']} | "
            f"{s['slow_got_408']} |")
    lines += ["", "| server | unauthenticated body | answer | MiB taken before it stopped | seconds | "
              "RSS rise (baseline) |", "|---|---|---|---|---|---|"]
    for c in configs:
        for u in c["uploads"]:
            stopped = f" ({u['stopped']})" if u["stopped"] else ""
            lines.append(f"| {c['name']} | {args.upload_mib} MiB, {u['framing']} | {u['status'] or 'none'} | "
                         f"{u['sent_mib']:.0f}{stopped} | {u['seconds']:.1f} | {u['rss_rise_mib']:.0f} MiB "
                         f"({u['rss_baseline_mib']:.0f} MiB) |")
    write_results(args.out, lines)
    write_figures(str(Path(args.out).with_suffix(".json")), {
        "heading": lines[0], "clients": args.clients, "seconds": args.seconds, "upload_mib": args.upload_mib,
        "head_timeout": limit, "answered_within_s": ANSWERED_WITHIN, "configs": configs})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The long form of the load test: mixed small, large, overflow requests and logins/logouts from
concurrent clients for several minutes against `access-es serve` (with a local S3), every answer
checked byte for byte; the proxy's memory sampled throughout, to show whether it stays flat.

    python bench/soak.py [--minutes 4] [--clients 8] [--out bench/results/soak.md]
"""
from __future__ import annotations

import argparse
import sys

from bed import PASSWORDS, REPO, Bed, heading, write_results  # noqa: E402  (bench/ is on sys.path when run as a script)
from testbed.proxy import start_proxy, stop_proxy  # noqa: E402
from testbed.load_driver import install_routes, run_load  # noqa: E402


def trough_trend(samples: list[tuple[float, float]], window: float = 30.0) -> float:
    """MiB per minute: the least-squares slope of each window's lowest RSS. Peaks follow what is in
    flight (each login holds Argon2's 64 MiB while it hashes, each overflow a part buffer); a leak
    raises the floor the process returns to between them."""
    import statistics

    floors: dict[int, tuple[float, float]] = {}
    for t, rss in samples:
        w = int(t // window)
        if w not in floors or rss < floors[w][1]:
            floors[w] = (t, rss)
    points = sorted(floors.values())
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([t for t, _ in points], [r for _, r in points]).slope * 60


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "soak.md"))
    args = parser.parse_args()

    with Bed() as bed:
        digests = install_routes(bed.standin)
        proxy = start_proxy(bed.tmp, bed.standin.url, bed.users, **bed.proxy_env(
            ACCESS_ES_THROTTLE_ACCOUNT="10000", ACCESS_ES_THROTTLE_ADDRESS="100000"))
        try:
            stats = run_load(proxy.url, "alice", PASSWORDS["alice"], digests, seconds=args.minutes * 60,
                             clients=args.clients, overflow=True, pid=proxy.process.pid)
        finally:
            stop_proxy(proxy)

    samples = stats.rss_samples
    quarter = max(1, len(samples) // 4)
    import statistics

    first = max(r for _, r in samples[:quarter])
    last = max(r for _, r in samples[-quarter:])
    first_median = statistics.median(r for _, r in samples[:quarter])
    last_median = statistics.median(r for _, r in samples[-quarter:])
    # the trend over the second half (after the threads and pools have all been used once)
    half = samples[len(samples) // 2:]
    slope = statistics.linear_regression([t for t, _ in half], [r for _, r in half]).slope * 60
    spread = statistics.pstdev(r for _, r in half)
    troughs = trough_trend(half)
    lines = [
        heading("Soak"), "",
        f"{args.clients} concurrent clients for {args.minutes:g} minutes against `access-es serve` (its defaults: "
        "one process per CPU, 16 threads each) with a local S3; each loop: a search, every third a 2 MiB answer, every fifth an answer too large "
        "for Lambda (303, fetched from S3 and checked), every fourth a browser login, use and logout.", "",
        "| measure | value |", "|---|---|",
        f"| requests | {stats.requests} ({stats.rate:.1f}/s) |",
        f"| by kind | {', '.join(f'{k}: {v}' for k, v in sorted(stats.by_kind.items()))} |",
        f"| errors | {len(stats.errors)} |",
        f"| corrupt answers | {len(stats.corrupt)} |",
        f"| proxy RSS, highest in the first quarter | {first:.1f} MiB |",
        f"| proxy RSS, highest in the last quarter | {last:.1f} MiB |",
        f"| ratio last/first quarter (highest) | {last / first:.2f}x |",
        f"| proxy RSS, median in the first / last quarter | {first_median:.1f} / {last_median:.1f} MiB "
        f"({last_median / first_median:.2f}x) |",
        f"| proxy RSS trend over the second half (least squares) | {slope:+.1f} MiB per minute "
        f"(spread ±{spread:.0f} MiB) |",
        f"| trend of the lowest RSS of each 30 s over the second half (what a leak lifts; concurrent "
        f"logins and transfers only make peaks) | {troughs:+.1f} MiB per minute |",
    ]
    if stats.errors or stats.corrupt:
        lines += ["", "First problems:", ""] + [f"- {e}" for e in (stats.errors + stats.corrupt)[:20]]
    write_results(args.out, lines)
    return 1 if stats.errors or stats.corrupt else 0


if __name__ == "__main__":
    sys.exit(main())

"""The long form of the load test: mixed small, large, overflow requests and logins/logouts from
concurrent clients for several minutes against `access-es serve` (with a local S3), every answer
checked byte for byte; the proxy's memory sampled throughout, to show whether it stays flat.

    python bench/soak.py [--minutes 4] [--clients 8] [--out bench/results/soak.md]
"""
from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import (  # noqa: E402
    ACCESS_KEY, OVERFLOW_BUCKET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN, VENV_BIN, free_port, start_proxy,
    stop_proxy,
)
from tests.load_driver import install_routes, run_load  # noqa: E402
from tests.sigv4_verify import Credentials  # noqa: E402
from tests.upstream import StandIn  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "soak.md"))
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="access-es-soak-"))
    moto_port = free_port()
    moto = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto_url = f"http://127.0.0.1:{moto_port}"
    for _ in range(100):
        try:
            requests.get(moto_url + "/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    import boto3

    from access_es.accounts import Account
    from access_es.accounts.passwords import hash_password
    from access_es.stores import open_stores

    boto3.client("s3", endpoint_url=moto_url, region_name=REGION, aws_access_key_id="x",
                 aws_secret_access_key="y").create_bucket(Bucket=OVERFLOW_BUCKET)
    users = tmp / "users.json"
    open_stores(str(users)).accounts.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    standin = StandIn({ACCESS_KEY: Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)}, region=REGION).start()
    digests = install_routes(standin)
    proxy = start_proxy(tmp, standin.url, users, ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET,
                        AWS_ENDPOINT_URL_S3=moto_url, ACCESS_ES_THROTTLE_ACCOUNT="100000",
                        ACCESS_ES_THROTTLE_ADDRESS="100000")
    try:
        stats = run_load(proxy.url, "alice", PASSWORDS["alice"], digests, seconds=args.minutes * 60,
                         clients=args.clients, overflow=True, pid=proxy.process.pid)
    finally:
        stop_proxy(proxy)
        standin.stop()
        moto.terminate()
        # moto keeps every overflow object in memory; it is not the proxy, and it is gone now

    samples = stats.rss_samples
    quarter = max(1, len(samples) // 4)
    first = max(r for _, r in samples[:quarter])
    last = max(r for _, r in samples[-quarter:])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Soak ({stamp}, {platform.node()}, {platform.machine()}, Python {platform.python_version()})", "",
        f"{args.clients} concurrent clients for {args.minutes:g} minutes against `access-es serve` (waitress, 16 "
        "threads) with a local S3; each loop: a search, every third a 2 MiB answer, every fifth an answer too large "
        "for Lambda (303, fetched from S3 and checked), every fourth a browser login, use and logout.", "",
        "| measure | value |", "|---|---|",
        f"| requests | {stats.requests} ({stats.rate:.1f}/s) |",
        f"| by kind | {', '.join(f'{k}: {v}' for k, v in sorted(stats.by_kind.items()))} |",
        f"| errors | {len(stats.errors)} |",
        f"| corrupt answers | {len(stats.corrupt)} |",
        f"| proxy RSS, highest in the first quarter | {first:.1f} MiB |",
        f"| proxy RSS, highest in the last quarter | {last:.1f} MiB |",
        f"| ratio last/first quarter | {last / first:.2f}x |",
    ]
    if stats.errors or stats.corrupt:
        lines += ["", "First problems:", ""] + [f"- {e}" for e in (stats.errors + stats.corrupt)[:20]]
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 1 if stats.errors or stats.corrupt else 0


if __name__ == "__main__":
    sys.exit(main())

"""Small-answer throughput and latency of access-es against baselines, in one run over loopback.

Starts nginx (Debian's) as a static upstream on http and on https (a self-signed certificate that is
appended to certifi's CA bundle, as production trusts public CAs), nginx's own `proxy_pass` in front
of it (the best a proxy can do without signing or auth), and `access-es serve` in front of each
upstream, signing every request. wrk drives each for a fixed time; the proxy's CPU time per request
comes from /proc (utime + stime over the requests served). Results are ratios to direct access in
the same run, written to bench/results/proxy.md.

    python bench/proxy_bench.py [--seconds 10] [--connections 8]
        (BENCH_PROCESSES=N: serve's worker processes, default one per CPU; BENCH_THREADS=N: threads
        per process, default 8)

Small answers, http and https, session-cookie and Basic clients; large answers are
bench/large_answers.py's, and bench/report.py puts both (and the targets) into one document.
Figures also go to proxy.json beside the Markdown, for the report.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bed import (  # bench/ is on sys.path when run as a script
    PASSWORDS, REPO, heading, tree_cpu_seconds, write_figures, write_results,
)
from testbed.proxy import APP_SECRET, aws_env, free_port, stop_proxy, RunningProxy, VENV_BIN  # noqa: E402

SMALL = b'{"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},' \
        b'"hits":{"total":{"value":1,"relation":"eq"},"max_score":1.0,"hits":[{"_index":"logs","_id":"1",' \
        b'"_score":1.0,"_source":{"level":"INFO","message":"a small answer of about three hundred bytes"}}]}}'

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        root {tmp}/www;
        location / {{ try_files /small.json =404; }}
    }}
    upstream static {{ server 127.0.0.1:{http_port}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{proxy_port};
        location / {{ proxy_pass http://static; proxy_http_version 1.1; proxy_set_header Connection ""; }}
    }}
}}
"""


PROCESSES = os.environ.get("BENCH_PROCESSES", str(os.cpu_count() or 1))  # Python: a process per CPU
THREADS = os.environ.get("BENCH_THREADS", "8")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    # "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N"
    errors = sum(int(x) for x in re.findall(r"(?:Non-2xx or 3xx responses:|connect|read|write|timeout) (\d+)", out))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "requests": requests_done, "errors": errors}


def start_serve(tmp: Path, endpoint: str, users: Path, extra_env: dict) -> RunningProxy:
    port = free_port()
    log = open(tmp / f"serve-{port}.log", "wb")
    env = aws_env(**{"ACCESS_ES_ENDPOINT": endpoint, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                     "ACCESS_ES_USERS": str(users), "ACCESS_ES_REGION": "us-east-1",
                     "ACCESS_ES_THROTTLE_ACCOUNT": "10000", **extra_env})
    proc = subprocess.Popen([str(VENV_BIN / "access-es"), "serve", "--port", str(port), "--threads", THREADS,
                             "--processes", PROCESSES], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/_access-es/health", timeout=1).ok:
                return RunningProxy(url, proc, tmp / f"serve-{port}.log")
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError((tmp / f"serve-{port}.log").read_text())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "proxy.md"))
    args = parser.parse_args()
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("wrk"):
        print("proxy bench: nginx and wrk are needed (make bench installs them with apt-get)", file=sys.stderr)
        return 2
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"

    import certifi

    from access_es.accounts import Account
    from access_es.accounts.passwords import hash_password
    from access_es.stores import open_stores

    tmp = Path(tempfile.mkdtemp(prefix="access-es-proxybench-"))
    # nginx's workers run as an unprivileged user when started by root: mkdtemp's 0700 would make
    # every answer a 404 (which is how the first figures of this bench were taken, unnoticed).
    tmp.chmod(0o755)
    (tmp / "www").mkdir()
    (tmp / "www" / "small.json").write_bytes(SMALL)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp / "key.pem"), "-out",
                    str(tmp / "cert.pem")], check=True, capture_output=True)
    bundle = tmp / "ca-bundle.pem"  # a realistic bundle (every public CA) plus our certificate
    bundle.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + (tmp / "cert.pem").read_bytes())
    ports = {"http_port": free_port(), "https_port": free_port(), "proxy_port": free_port()}
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, **ports))
    subprocess.run([nginx_bin, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], check=True)
    users = tmp / "users.json"
    open_stores(str(users)).accounts.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    basic = {"Authorization": "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()}
    http_up = f"http://127.0.0.1:{ports['http_port']}"
    https_up = f"https://127.0.0.1:{ports['https_port']}"
    serves = []
    rows = []
    try:
        http_proxy = start_serve(tmp, http_up, users, {})
        https_proxy = start_serve(tmp, https_up, users, {"REQUESTS_CA_BUNDLE": str(bundle)})
        serves = [http_proxy, https_proxy]
        # a session cookie, as a browser would hold it
        s = requests.Session()
        page = s.get(http_proxy.url + "/_access-es/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        s.post(http_proxy.url + "/_access-es/login", data={"csrf_token": token, "username": "alice",
                                                          "password": PASSWORDS["alice"]})
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in s.cookies.items())}
        for proxy in serves:  # warm: pools, TLS sessions, the Basic cache
            for _ in range(20):
                requests.get(proxy.url + "/_search", headers=basic)
        cases = [  # (id for the report's targets, name, url, headers, proxy)
            ("direct", "direct to nginx, http", f"{http_up}/_search", {}, None),
            ("nginx_proxy", "nginx proxy_pass (no signing, no auth)",
             f"http://127.0.0.1:{ports['proxy_port']}/_search", {}, None),
            ("http_basic", "access-es, http upstream, Basic", f"{http_proxy.url}/_search", basic, http_proxy),
            ("http_session", "access-es, http upstream, session cookie", f"{http_proxy.url}/_search",
             {**cookie, "Accept": "application/json"}, http_proxy),
            ("https_basic", "access-es, https upstream, Basic", f"{https_proxy.url}/_search", basic, https_proxy),
        ]
        for case_id, name, url, headers, proxy in cases:
            # every path must give the real answer before it is timed (a 404 is fast too)
            check = requests.get(url, headers=headers, verify=str(bundle))
            if check.status_code != 200 or check.content != SMALL:
                raise SystemExit(f"proxy bench: {name} answered {check.status_code}: {check.content[:300]!r}")
            # the serve process and its descendants (a master's workers, if it forks them)
            before = tree_cpu_seconds(proxy.process.pid) if proxy else 0.0
            result = wrk(url, args.seconds, args.connections, headers)
            cpu = (tree_cpu_seconds(proxy.process.pid) - before) if proxy else None
            result["cpu_ms"] = cpu * 1000 / result["requests"] if cpu is not None and result["requests"] else None
            rows.append((name, {"id": case_id, "access_es": proxy is not None, **result}))
        # where the proxy's CPU goes: the app in a process of its own (no server), against the same nginx
        subprocess.run([sys.executable, str(REPO / "bench" / "profile_proxy.py"), "--upstream", http_up,
                        "--out", str(Path(args.out).with_name("profile.md"))], check=True)
    finally:
        for proxy in serves:
            stop_proxy(proxy)
        subprocess.run([nginx_bin, "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-s", "stop"], capture_output=True)

    direct = rows[0][1]
    lines = [heading("Proxy throughput, small answers"), "",
             f"wrk -t2 -c{args.connections} -d{args.seconds}s over loopback; a {len(SMALL)}-byte JSON answer from "
             f"nginx. `access-es serve --processes {PROCESSES} --threads {THREADS}` (its own HTTP/1.1 server: a supervisor and "
             f"{PROCESSES} worker processes when more than one) signs each request with SigV4; CPU is the "
             "utime+stime of the whole serve process tree per request.", "",
             "| path | req/s | ratio to direct | p50 ms | p99 ms | p50 added over direct, ms | proxy CPU ms/req | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in rows:
        cpu = f"{r['cpu_ms']:.2f}" if r.get("cpu_ms") is not None else "-"
        lines.append(f"| {name} | {r['rps']:,.0f} | {r['rps'] / direct['rps']:.3f}x | {r['p50']:.2f} | {r['p99']:.2f} "
                     f"| {r['p50'] - direct['p50']:.2f} | {cpu} | {r['errors']} |")
    write_results(args.out, lines)
    write_figures(str(Path(args.out).with_suffix(".json")), {
        "heading": lines[0], "seconds": args.seconds, "connections": args.connections,
        "rows": [{"name": name, "p50_added_ms": r["p50"] - direct["p50"], **r} for name, r in rows]})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`access-es demo` (and `make demo`): the whole thing on this machine, nothing from AWS.

- a local S3 (moto_server), with a bucket for oversized answers, when moto is installed;
- a stand-in Elasticsearch domain (access_es/standin/) with sample indices, which checks SigV4
  signatures like AWS does and serves a small Dashboards-like page;
- the proxy, signing with throw-away demo keys, and two accounts (admin and readonly): `access-es
  serve` itself, in a child process configured through the environment, so the demo runs what
  production runs, and Ctrl-C stops the server and cleans up here.

The stand-in ships inside the package, so the demo runs from an installed copy as from a checkout.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

DEMO_REGION = "us-east-1"
DEMO_BUCKET = "access-es-demo-overflow"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def wait_until_serving(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> bool:
    """True once the proxy on `port` answers its health check (it has finished starting), False if
    it exits or times out."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/_access-es/health")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    return False


def start_moto(port: int) -> subprocess.Popen | None:
    """moto_server on `port`, or None (said why) when moto is not installed or does not start."""
    # moto is a test tool, not a dependency; run as a module, it is found wherever it is importable
    # (its console script sits beside the interpreter only when both were installed into one place).
    if find_spec("moto") is None:
        print("  (moto is not installed: no local S3 this time; `pip install 'moto[server]'` adds it,"
              " `make demo` has it)")
        return None
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port):
        proc.terminate()
        print("  (moto_server did not start: no local S3 this time)")
        return None
    return proc


def run_demo(port: int) -> int:
    from .accounts import Account
    from .accounts.passwords import hash_password
    from .overflow.bucket import cors_rules
    from .standin.domain import StandIn
    from .standin.sigv4_verify import Credentials
    from .stores import open_stores

    work = Path(tempfile.mkdtemp(prefix="access-es-demo-"))
    access_key, secret_key, token = "AKIADEMO" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30), \
        secrets.token_urlsafe(40)
    # The proxy signs with these throw-away keys; the stand-in accepts only them.
    os.environ.update({
        "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key, "AWS_SESSION_TOKEN": token,
        "AWS_REGION": DEMO_REGION, "AWS_DEFAULT_REGION": DEMO_REGION,
    })
    os.environ.pop("AWS_PROFILE", None)

    moto_port = free_port()
    print("Starting the demo:")
    moto = start_moto(moto_port)
    if moto:
        os.environ["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{moto_port}"
        import boto3

        # Oversized answers go here (a 303 to a presigned URL); the page's origin may fetch them.
        s3 = boto3.client("s3", region_name=DEMO_REGION)
        s3.create_bucket(Bucket=DEMO_BUCKET)
        s3.put_bucket_cors(Bucket=DEMO_BUCKET, CORSConfiguration={"CORSRules": cors_rules(
            [f"http://127.0.0.1:{port}", f"http://localhost:{port}"])})
        os.environ["ACCESS_ES_OVERFLOW_BUCKET"] = DEMO_BUCKET
        print(f"  local S3 (moto_server)     http://127.0.0.1:{moto_port}  bucket {DEMO_BUCKET}")

    standin = StandIn({access_key: Credentials(access_key, secret_key, token)}, region=DEMO_REGION).start()
    print(f"  stand-in domain            {standin.url}  (checks SigV4; indices logs-demo, movies, big-docs)")

    users = work / "users.json"
    store = open_stores(str(users)).accounts
    passwords = {"demo": secrets.token_urlsafe(9), "partner": secrets.token_urlsafe(9)}
    store.put(Account("demo", "admin", hash_password(passwords["demo"])))
    store.put(Account("partner", "readonly", hash_password(passwords["partner"])))

    os.environ.update({
        "ACCESS_ES_ENDPOINT": standin.url,
        "ACCESS_ES_SECRET_KEY": secrets.token_urlsafe(32),
        "ACCESS_ES_USERS": str(users),
        "ACCESS_ES_HOME": "/_dashboards/",
    })
    url = f"http://127.0.0.1:{port}/"
    banner = f"""
access-es demo is running: open {url}
  admin account:     demo     / {passwords['demo']}
  readonly account:  partner  / {passwords['partner']}
  API clients:       curl -u demo:{passwords['demo']} '{url}logs-demo/_search?q=error&size=2'
Press Ctrl-C to stop.
"""
    server = None
    try:
        # -P: the working directory stays off the child's sys.path, so the server runs this same
        # access_es even when started beside another copy of it (a checkout, say).
        server = subprocess.Popen([sys.executable, "-P", "-m", "access_es.cli", "serve", "--host", "127.0.0.1",
                                   "--port", str(port), "--threads", "8"])
        if not wait_until_serving(port, server):
            print("access-es demo: the proxy did not start (its messages are above).", file=sys.stderr)
            return 1
        print(banner, flush=True)
        server.wait()
        print(f"access-es demo: the proxy stopped by itself (exit status {server.returncode}).",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
        standin.stop()
        if moto:
            moto.terminate()
            moto.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
        print("access-es demo stopped.", flush=True)
    return 0

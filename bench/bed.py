"""The bench bed: the test bed's parts started for a benchmark run, and the results files' heading.

`with Bed() as bed:` gives a local S3 (moto_server) with the overflow bucket, an accounts file with
the test admin, and the SigV4-verifying stand-in domain; everything stops when the block ends.
"""
from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.conftest import (  # noqa: E402  (the test bed is the bench bed)
    ACCESS_KEY, OVERFLOW_BUCKET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN, VENV_BIN, free_port,
)
from tests.sigv4_verify import Credentials  # noqa: E402
from tests.upstream import StandIn  # noqa: E402


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

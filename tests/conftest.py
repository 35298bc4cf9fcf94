"""Fixtures: a real test bed over loopback.

- `standin`: the SigV4-verifying stand-in domain (access_es/standin/), in this process, so a test
  can add routes and read what arrived (`standin.seen`);
- `proxy`: `access-es serve` in a subprocess (the real console script and WSGI server), signing
  with the test keys; its log lines are readable through `proxy.log_lines()`;
- `accounts`: a users file with an admin (alice) and a readonly account (bob);
- `app` / `client`: the Flask app in-process, for fast view tests.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from access_es.accounts import Account
from access_es.stores import open_stores
from access_es.accounts.passwords import hash_password
from access_es.standin.domain import StandIn
from access_es.standin.sigv4_verify import Credentials

ACCESS_KEY = "AKIATESTACCESSKEY001"
SECRET_KEY = "test/secret+key/for/the/standin/0123456789"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEtestsessiontoken//+=="
REGION = "us-east-1"
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22"}
APP_SECRET = "test-secret-key-0123456789abcdef"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def keys() -> dict[str, Credentials]:
    return {ACCESS_KEY: Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)}


@pytest.fixture(scope="session")
def standin(keys):
    with StandIn(keys, region=REGION) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean_standin(request):
    """Each test starts with no extra routes and an empty record (when it uses the stand-in)."""
    if "standin" in request.fixturenames:
        s = request.getfixturevalue("standin")
        s.clear()
    yield


@pytest.fixture(scope="session")
def accounts_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("accounts") / "users.json"
    store = open_stores(str(path)).accounts
    store.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    store.put(Account("bob", "readonly", hash_password(PASSWORDS["bob"])))
    return path


def aws_env(**extra: str) -> dict[str, str]:
    """A process environment with the test keys and nothing from this machine's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACCESS_ES_"))}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


@dataclass
class RunningProxy:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_lines(self) -> list[dict]:
        """The JSON request lines the proxy wrote so far."""
        out = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, predicate, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in reversed(self.log_lines()):
                if predicate(line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no matching log line in:\n{self.log_text()[-3000:]}")


def start_proxy(tmp_path: Path, endpoint: str, accounts: Path, *, args: tuple[str, ...] = (),
                program: Path = VENV_BIN / "access-es", cwd: Path | None = None,
                **env_extra: str) -> RunningProxy:
    """`program serve` (this environment's console script unless told) in front of `endpoint`,
    once it answers its health check."""
    port = free_port()
    log_path = tmp_path / f"proxy-{port}.log"
    env = aws_env(**{
        "ACCESS_ES_ENDPOINT": endpoint, "ACCESS_ES_SECRET_KEY": APP_SECRET, "ACCESS_ES_USERS": str(accounts),
        "ACCESS_ES_REGION": REGION, **env_extra,
    })
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(program), "serve", "--port", str(port), *args],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"access-es serve exited {proc.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(url + "/_access-es/health", timeout=1).ok:
                return RunningProxy(url, proc, log_path)
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"access-es serve did not come up:\n{log_path.read_text()}")


def stop_proxy(p: RunningProxy) -> None:
    p.process.terminate()
    try:
        p.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.process.kill()


@pytest.fixture(scope="session")
def proxy(standin, accounts_file, tmp_path_factory):
    p = start_proxy(tmp_path_factory.mktemp("proxy"), standin.url, accounts_file,
                    ACCESS_ES_UPSTREAM_TIMEOUT="3")
    yield p
    stop_proxy(p)


@pytest.fixture
def admin(proxy) -> requests.Session:
    """An API client with Basic credentials for the admin account."""
    s = requests.Session()
    s.auth = ("alice", PASSWORDS["alice"])
    return s


@pytest.fixture
def reader(proxy) -> requests.Session:
    s = requests.Session()
    s.auth = ("bob", PASSWORDS["bob"])
    return s


class Browser:
    """A requests.Session that logs in through the form, like a person would."""

    def __init__(self, base: str):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"

    def csrf(self, path: str = "/_access-es/login") -> str:
        import re

        page = self.s.get(self.base + path)
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert m, page.text
        return m.group(1)

    def login(self, name: str, password: str | None = None, next_path: str | None = None):
        data = {"csrf_token": self.csrf(), "username": name,
                "password": PASSWORDS.get(name, "") if password is None else password}
        if next_path is not None:
            data["next"] = next_path
        return self.s.post(self.base + "/_access-es/login", data=data, allow_redirects=False)

    def get(self, path: str, **kw):
        return self.s.get(self.base + path, allow_redirects=False, **kw)

    def request(self, method: str, path: str, **kw):
        return self.s.request(method, self.base + path, allow_redirects=False, **kw)


@pytest.fixture
def browser(proxy) -> Browser:
    return Browser(proxy.url)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """A real moto_server process (S3, DynamoDB, STS...) on loopback; yields its URL."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("moto_server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def moto_env(moto_server, monkeypatch):
    """This process's boto3 pointed at moto_server, with the test keys."""
    for name, value in aws_env(AWS_ENDPOINT_URL=moto_server).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return moto_server


OVERFLOW_BUCKET = "access-es-test-overflow"


@pytest.fixture(scope="session")
def overflow_bucket(moto_server):
    """A bucket in moto_server for oversized answers."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                      aws_secret_access_key=SECRET_KEY)
    s3.create_bucket(Bucket=OVERFLOW_BUCKET)
    return s3


@pytest.fixture(scope="session")
def overflow_proxy(standin, accounts_file, moto_server, overflow_bucket, tmp_path_factory):
    """`access-es serve` with an overflow bucket in moto_server: the Lambda size rule applies."""
    p = start_proxy(tmp_path_factory.mktemp("overflow"), standin.url, accounts_file,
                    ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET, AWS_ENDPOINT_URL_S3=moto_server,
                    ACCESS_ES_UPSTREAM_TIMEOUT="20")
    yield p
    stop_proxy(p)

"""Fixtures: a real test bed over loopback.

- `standin`: the SigV4-verifying stand-in domain (access_es/standin/), in this process, so a test
  can add routes and read what arrived (`standin.seen`);
- `proxy`: `access-es serve` in a subprocess (the real console script and server), signing with
  the test keys; its log lines are readable through `proxy.log_lines()` (testbed/proxy.py, the
  test bed shared with the benches);
- `accounts`: a users file with an admin (alice) and a readonly account (bob);
- `app` / `client`: the Flask app in-process, for fast view tests.

A test that starts a process (`access-es serve`, moto_server, pip, a Lambda package, Chromium),
itself, through a helper of its module or through a fixture, is marked `slow`; `make test-fast`
runs the others (`-m "not slow"`): the pure rules and the in-process tests.
"""
from __future__ import annotations

import functools
import inspect
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from access_es.accounts import Account
from access_es.stores import open_stores
from access_es.accounts.passwords import hash_password
from access_es.standin.domain import StandIn
from access_es.standin.sigv4_verify import Credentials
from testbed.proxy import (  # noqa: F401  (the test bed, shared with bench/; tests import these from here)
    ACCESS_KEY, APP_SECRET, OVERFLOW_BUCKET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN, VENV_BIN, RunningProxy,
    aws_env, free_port, start_proxy, stop_proxy,
)


# What starting a process looks like in a test's source (the test bed's helpers included).
PROCESS_STARTERS = ("start_proxy(", "subprocess.", "Popen(", "pty.fork(", "webdriver.")


@functools.lru_cache(maxsize=None)
def _source(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def _starts_a_process(item) -> bool:
    """The test, a function of the tests or the test bed it names, or a fixture it uses (also through
    request.getfixturevalue("name")) starts a process."""
    fixtures = item.session._fixturemanager

    def fixture_closure(name: str) -> list:
        """The functions of fixture `name` and of every fixture it needs."""
        funcs, todo, seen = [], [name], set()
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                for d in fixtures.getfixturedefs(name, item) or ():
                    funcs.append(d.func)
                    todo.extend(d.argnames)
        return funcs

    def starts(func, depth: int = 2) -> bool:
        source = _source(func)
        if any(starter in source for starter in PROCESS_STARTERS):
            return True
        if depth == 0:
            return False
        named = [func.__globals__.get(n) for n in func.__code__.co_names] if hasattr(func, "__code__") else []
        if "getfixturevalue(" in source:
            named += [f for name in re.findall(r"[\"'](\w+)[\"']", source) for f in fixture_closure(name)]
        return any(inspect.isfunction(f) and f.__module__.startswith(("tests.", "testbed."))
                   and starts(f, depth - 1) for f in named)

    used = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs]
    return any(starts(f) for f in [getattr(item, "function", None), *used] if f)


def pytest_collection_modifyitems(items):
    for item in items:
        if not item.get_closest_marker("slow") and _starts_a_process(item):
            item.add_marker(pytest.mark.slow)


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


def still_open(sock) -> bool:
    """The server has neither closed `sock` nor said anything on it (checked without waiting): a test
    that must show an answer did not wait for a connection to go away checks it after the answer."""
    import socket

    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
    return False


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

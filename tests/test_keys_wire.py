"""API keys over loopback: keys made with `access-es keys create`, sent by curl, requests and
opensearch-py through `access-es serve` (two worker processes) to the SigV4-verifying stand-in; a
revoked or expired key, or one whose account was removed, refused at the very next request on
kept-alive connections held by both worker processes; the throttle shared by the processes; the
person's page; both stores (the file store, and DynamoDB in moto_server). The key never reaches the
upstream or the log."""
import http.client
import os
import re
import sqlite3
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests

from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.stores import open_stores
from testbed.processes import tree_pids

from testbed.proxy import steady_throttle_minutes
from .conftest import VENV_BIN, Browser, aws_env, start_proxy, stop_proxy

PW = "person-password-1"
KEY = re.compile(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
EXE = str(VENV_BIN / "access-es")


def cli(env, *args, input=None):
    r = subprocess.run([EXE, *args], env=env, input=input, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def create_key(env, account, *args) -> str:
    key = cli(env, "keys", "create", account, *args).splitlines()[-1]
    assert KEY.fullmatch(key)
    return key


@pytest.fixture(scope="module")
def bed(standin, tmp_path_factory):
    """`access-es serve` with two worker processes and its own accounts file."""
    folder = tmp_path_factory.mktemp("keys")
    users = folder / "users.json"
    stores = open_stores(str(users))
    p = start_proxy(folder, standin.url, users, args=("--processes", "2", "--threads", "4"),
                    ACCESS_ES_THROTTLE_ACCOUNT="1000", ACCESS_ES_THROTTLE_ADDRESS="1000")
    yield SimpleNamespace(proxy=p, url=p.url, stores=stores, users=users, env=aws_env(ACCESS_ES_USERS=str(users)))
    stop_proxy(p)


def fresh_account(bed, role="admin") -> str:
    name = "k" + uuid.uuid4().hex[:8]
    bed.stores.accounts.put(Account(name, role, hash_password(PW)))
    return name


def never_upstream(standin, key):
    """Nothing of the key reached the upstream, and everything that did was signed."""
    assert all(s.verified for s in standin.seen)
    assert not any(key in f"{s.target} {s.headers} {s.body!r}" for s in standin.seen)


# -- clients ---------------------------------------------------------------------------------------------

def test_curl_with_a_key_as_its_password(bed, standin):
    name = fresh_account(bed)
    key = create_key(bed.env, name, "--name", "curl")
    out = subprocess.run(["curl", "-sS", "-u", f"{name}:{key}", "-o", "/dev/null", "-w", "%{http_code}",
                          bed.url + "/_echo/curl"], capture_output=True, text=True, timeout=30)
    assert out.stdout == "200", out.stderr
    out = subprocess.run(["curl", "-sS", "-H", f"Authorization: Bearer {key}", "-o", "/dev/null", "-w",
                          "%{http_code}", bed.url + "/_echo/curl"], capture_output=True, text=True, timeout=30)
    assert out.stdout == "200", out.stderr
    never_upstream(standin, key)


def test_requests_with_auth_and_with_bearer(bed, standin):
    name = fresh_account(bed, "readonly")
    key = create_key(bed.env, name)
    r = requests.get(bed.url + "/_echo/basic", auth=(name, key), timeout=10)
    assert r.status_code == 200 and r.json()["path"] == "/_echo/basic"
    r = requests.get(bed.url + "/movies/_search", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200 and "hits" in r.json()
    r = requests.put(bed.url + "/movies/_doc/1", json={"title": "x"}, headers={"Authorization": f"Bearer {key}"},
                     timeout=10)
    assert r.status_code == 403
    never_upstream(standin, key)
    line = bed.proxy.wait_log(lambda line: line.get("path") == "/movies/_doc/1" and line.get("status") == 403)
    assert line["auth"] == "key" and line["account"] == name and line["key_name"] == key[4:20]


def test_opensearch_py_with_http_auth(bed, standin):
    from opensearchpy import OpenSearch
    from opensearchpy.exceptions import AuthenticationException, AuthorizationException

    admin, reader = fresh_account(bed), fresh_account(bed, "readonly")
    admin_key, reader_key = create_key(bed.env, admin), create_key(bed.env, reader)
    client = OpenSearch(hosts=[bed.url], http_auth=(admin, admin_key), timeout=10)
    try:
        assert client.index(index="movies", id="kw1", body={"title": "Keys"})["result"] == "created"
        assert "hits" in client.search(index="movies", body={"query": {"match_all": {}}})
        assert client.delete(index="movies", id="kw1")["result"] == "deleted"
    finally:
        standin.indices["movies"].pop("kw1", None)   # the stand-in's sample data is shared by every test
    ro = OpenSearch(hosts=[bed.url], http_auth=(reader, reader_key), timeout=10)
    assert "hits" in ro.search(index="movies", body={"query": {"match_all": {}}})
    with pytest.raises(AuthorizationException):
        ro.index(index="movies", id="kw2", body={"title": "no"})
    with pytest.raises(AuthenticationException):
        OpenSearch(hosts=[bed.url], http_auth=(reader, admin_key), timeout=10).search(index="movies")
    assert not any(s.path == "/movies/_doc/kw2" for s in standin.seen)
    never_upstream(standin, admin_key)
    never_upstream(standin, reader_key)


# -- death at the next request, in every process --------------------------------------------------------------

def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def worker_of(conn: http.client.HTTPConnection, workers: list[int], server_port: int) -> int | None:
    """The worker process holding the server end of `conn` (from /proc/net/tcp and each worker's fds)."""
    client_port = conn.sock.getsockname()[1]
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                inodes.add(f"socket:[{inode}]")
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                pass
    return None


def kept_alive_on_both_workers(bed, headers) -> list[http.client.HTTPConnection]:
    """Two keep-alive connections, one held by each worker process, each having made one good request."""
    supervisor = bed.proxy.process.pid
    workers = [p for p in tree_pids(supervisor) if p != supervisor]
    assert len(workers) == 2, workers
    conns, held = [], {}
    for _ in range(100):
        conn = http.client.HTTPConnection("127.0.0.1", _port(bed.url), timeout=10)
        conn.request("GET", "/_echo/first", headers=headers)
        r = conn.getresponse()
        r.read()
        assert r.status == 200 and not r.will_close
        conns.append(conn)
        pid = worker_of(conn, workers, _port(bed.url))
        held.setdefault(pid, conn)
        if len(held) == 2 and None not in held:
            for other in conns:
                if other not in held.values():
                    other.close()
            return list(held.values())
    for conn in conns:
        conn.close()
    pytest.fail(f"100 connections, all taken by the same worker: {held}")


def next_answers(conns, headers) -> list[int]:
    """One more request on each kept-alive connection (the same socket: not a new connection)."""
    codes = []
    for conn in conns:
        sock = conn.sock
        conn.request("GET", "/_echo/next", headers=headers)
        r = conn.getresponse()
        r.read()
        assert conn.sock is sock or conn.sock is None  # no reconnection happened before the answer
        codes.append(r.status)
    return codes


def _expire(bed, key):
    with sqlite3.connect(str(bed.users) + ".state.db") as db:
        assert db.execute("UPDATE api_keys SET expires = ? WHERE id = ?", (time.time() - 1, key[4:20])).rowcount == 1


@pytest.mark.parametrize("how", ["revoke", "expire", "remove the account"])
@pytest.mark.parametrize("send", ["basic", "bearer"])
def test_a_dead_key_is_refused_at_its_next_request_in_every_process(bed, standin, how, send):
    name = fresh_account(bed)
    key = create_key(bed.env, name, "--name", "dies")
    import base64

    headers = {"Authorization": "Basic " + base64.b64encode(f"{name}:{key}".encode()).decode()} \
        if send == "basic" else {"Authorization": f"Bearer {key}"}
    headers["Accept"] = "application/json"
    conns = kept_alive_on_both_workers(bed, headers)
    try:
        assert next_answers(conns, headers) == [200] * len(conns)   # still alive, on every connection
        if how == "revoke":
            cli(bed.env, "keys", "revoke", name, "dies")
        elif how == "expire":
            _expire(bed, key)
        else:
            cli(bed.env, "users", "remove", name)
        assert next_answers(conns, headers) == [401] * len(conns)
    finally:
        for conn in conns:
            conn.close()
    never_upstream(standin, key)


def test_wrong_keys_are_throttled_across_worker_processes(standin, tmp_path):
    users = tmp_path / "users.json"
    stores = open_stores(str(users))
    stores.accounts.put(Account("mia", "admin", hash_password(PW)))
    env = aws_env(ACCESS_ES_USERS=str(users))
    key = create_key(env, "mia")
    p = start_proxy(tmp_path, standin.url, users, args=("--processes", "2", "--threads", "4"),
                    ACCESS_ES_THROTTLE_ACCOUNT="4", ACCESS_ES_THROTTLE_ADDRESS="1000",
                    ACCESS_ES_THROTTLE_MINUTES=steady_throttle_minutes())
    try:
        guesses = [key[:21] + uuid.uuid4().hex + key[53:] for _ in range(24)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda g: requests.get(p.url + "/_echo/x", auth=("mia", g), timeout=30).status_code,
                                  guesses))
        assert sorted(set(codes)) == [401, 429] and codes.count(401) <= 4, codes
        # the right key still works (nothing to guess in 256 bits; someone else's guesses lock no script out)
        assert requests.get(p.url + "/_echo/x", auth=("mia", key), timeout=10).status_code == 200
        assert requests.get(p.url + "/_echo/x", auth=("mia", PW), timeout=10).status_code == 429
        assert standin.seen and all(s.path == "/_echo/x" for s in standin.seen) and len(standin.seen) == 1
    finally:
        stop_proxy(p)


# -- the page ----------------------------------------------------------------------------------------------

def test_the_page_flow(bed, standin):
    name = fresh_account(bed)
    b = Browser(bed.url)
    assert b.login(name, PW).status_code == 303
    assert b.request("POST", "/_access-es/keys", data={"name": "from-page"}).status_code == 400   # no CSRF token
    r = b.request("POST", "/_access-es/keys", data={"csrf_token": b.csrf("/_access-es/"), "name": "from-page"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    key, = KEY.findall(r.text)
    assert "from-page" in b.get("/_access-es/").text and key not in b.get("/_access-es/").text
    assert requests.get(bed.url + "/_echo/page", auth=(name, key), timeout=10).status_code == 200
    assert "\tfrom-page\t" in cli(bed.env, "keys", "list", name)
    r = b.request("POST", "/_access-es/keys/revoke", data={"csrf_token": b.csrf("/_access-es/"), "name": "from-page"})
    assert r.status_code == 303
    assert requests.get(bed.url + "/_echo/page", auth=(name, key), timeout=10).status_code == 401
    # a key cannot manage keys
    assert requests.post(bed.url + "/_access-es/keys", data={"name": "x"}, timeout=10,
                         headers={"Authorization": f"Bearer {create_key(bed.env, name)}"}).status_code == 403
    never_upstream(standin, key)


def test_keys_never_reach_the_log(bed):
    """After every test above (this module runs in order): no key, whole or in part, in the log."""
    name = fresh_account(bed)
    key = create_key(bed.env, name, "--name", "logged")
    requests.get(bed.url + "/_echo/log", auth=(name, key), timeout=10)
    requests.get(bed.url + "/_echo/log", auth=(name, key[:-1]), timeout=10)
    requests.get(bed.url + "/_echo/log?api_key=" + key, timeout=10)
    bed.proxy.wait_log(lambda line: line.get("key_name") == "logged")
    text = bed.proxy.log_text()
    assert "aes_" not in text and not KEY.search(text)
    assert any(line.get("auth") == "key" for line in bed.proxy.log_lines())


# -- DynamoDB ---------------------------------------------------------------------------------------------

def test_keys_in_dynamodb_across_worker_processes(standin, moto_server, tmp_path):
    table = f"dynamodb://keys-{uuid.uuid4().hex[:6]}"
    env = aws_env(ACCESS_ES_USERS=table, AWS_ENDPOINT_URL_DYNAMODB=moto_server)
    cli(env, "users", "init")
    cli(env, "users", "add", "nora", "--role", "readonly", input="nora-password-1\n")
    key = create_key(env, "nora", "--name", "etl")
    p = start_proxy(tmp_path, standin.url, tmp_path / "unused.json", args=("--processes", "2", "--threads", "4"),
                    ACCESS_ES_USERS=table, AWS_ENDPOINT_URL_DYNAMODB=moto_server,
                    ACCESS_ES_THROTTLE_ACCOUNT="1000", ACCESS_ES_THROTTLE_ADDRESS="1000")
    bed = SimpleNamespace(proxy=p, url=p.url)
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    try:
        assert requests.get(p.url + "/movies/_search", auth=("nora", key), timeout=10).status_code == 200
        assert requests.delete(p.url + "/movies", auth=("nora", key), timeout=10).status_code == 403
        assert "\tnever" not in cli(env, "keys", "list", "nora")   # last used, recorded
        conns = kept_alive_on_both_workers(bed, headers)
        try:
            assert next_answers(conns, headers) == [200] * len(conns)
            cli(env, "keys", "revoke", "nora", "etl")
            assert next_answers(conns, headers) == [401] * len(conns)
        finally:
            for conn in conns:
                conn.close()
        assert "aes_" not in p.log_text()
    finally:
        stop_proxy(p)
    never_upstream(standin, key)

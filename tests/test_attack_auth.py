"""Adversarial review: getting past the login, and making a `readonly` account change the cluster.

One test per attack. An attack the proxy blocks is a plain (passing) regression test; an attack that
gets through is marked `xfail(strict=True, reason="FINDING: ...")`: the test states what *should*
happen, so it starts passing (and, being strict, turns the suite red) the day the hole is closed and
the marker must go.

The oracle is the stand-in domain: `standin.seen` records every request that reached "AWS". A
blocked attack leaves nothing write-like there (and usually nothing at all).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
import requests

from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.stores import open_stores

from testbed.proxy import steady_throttle_minutes
from .conftest import APP_SECRET, PASSWORDS, REGION, Browser, start_proxy, stop_proxy

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NDJSON = b'{"index":{"_index":"pwned"}}\n{"owned":true}\n'


# ---- helpers ------------------------------------------------------------------------------------

def basic(name: str, password: str, encoding: str = "utf-8") -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode(encoding)).decode()


ALICE = basic("alice", PASSWORDS["alice"])
BOB = basic("bob", PASSWORDS["bob"])


def raw(url: str, data: bytes, timeout: float = 10) -> bytes:
    """Send bytes exactly as written (no client-side 'repair') and read until the server closes."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def raw_request(url: str, method: str, target: str, headers: list[tuple[str, str]] = (),
                body: bytes = b"", add_length: bool = True) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for n, v in headers:
        head += f"{n}: {v}\r\n"
    if add_length and body:
        head += f"Content-Length: {len(body)}\r\n"
    head += "Connection: close\r\n\r\n"
    return raw(url, head.encode("latin-1") + body)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def statuses_of(answer: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3})", answer)]


def send_exact(proxy, method: str, target: str, *, auth=None, headers=None, data=None) -> requests.Response:
    """requests, but with the request target kept exactly as written."""
    req = requests.Request(method, proxy.url + "/", auth=auth, headers=headers or {}, data=data).prepare()
    req.url = proxy.url + target
    return requests.Session().send(req, allow_redirects=False)


def writes(standin) -> list:
    return [s for s in standin.seen if s.method not in SAFE_METHODS]


def console(path: str, method: str = "POST", extra: str = "") -> str:
    """A Dev Tools console-proxy target, with `path` and `method` encoded as Kibana's UI does."""
    return (f"/_plugin/kibana/api/console/proxy?method={quote(method, safe='')}"
            f"&path={quote(path, safe='')}{extra}")


def kibana_post(proxy, target: str, auth=("bob", PASSWORDS["bob"]), body: bytes = NDJSON):
    return send_exact(proxy, "POST", target, auth=auth, data=body,
                      headers={"kbn-xsrf": "true", "osd-xsrf": "true", "Content-Type": "application/x-ndjson"})


def users_file(tmp_path, **accounts: tuple[str, str]):
    path = tmp_path / "users.json"
    store = open_stores(str(path)).accounts
    for name, (role, password) in accounts.items():
        store.put(Account(name, role, hash_password(password)))
    return path, store


# This module makes hundreds of failed logins on purpose. The proxy throttles failures per account and
# per client address (all of ours come from 127.0.0.1), and keeps its counters beside the accounts
# file: so this module runs its own proxy, with its own accounts file (same names and passwords as
# conftest's) and limits high enough not to interfere. The `browser`, `admin` and `reader` fixtures of
# conftest then use this proxy too. Throttling itself is attacked with proxies of its own below.
LENIENT = dict(ACCESS_ES_UPSTREAM_TIMEOUT="3", ACCESS_ES_THROTTLE_ACCOUNT="10000",
               ACCESS_ES_THROTTLE_ADDRESS="100000")


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    path, _ = users_file(tmp_path_factory.mktemp("attack-accounts"),
                        alice=("admin", PASSWORDS["alice"]), bob=("readonly", PASSWORDS["bob"]))
    return path


@pytest.fixture(scope="module")
def proxy(standin, accounts_file, tmp_path_factory):
    p = start_proxy(tmp_path_factory.mktemp("attack-proxy"), standin.url, accounts_file, **LENIENT)
    yield p
    stop_proxy(p)


def stamp_for(hash_: str) -> str:
    return hmac.new(APP_SECRET.encode(), hash_.encode(), hashlib.sha256).hexdigest()[:32]


def sign_session(data: dict, key: str = APP_SECRET) -> str:
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("forger")
    app.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)


class NoSignature:
    """For in-process apps whose upstream does not check signatures."""

    def sign(self, method, url, host, body, *, identity=None):
        return {}

    def rejected(self, rejection, *, identity=None):
        return False


def in_process_app(accounts_path, standin_url: str, **env: str):
    """The real app, in this process (for what loopback HTTP cannot show: https, the clock)."""
    from access_es import create_app
    from access_es.settings import load_settings

    settings = load_settings({"ACCESS_ES_ENDPOINT": standin_url, "ACCESS_ES_REGION": REGION,
                              "ACCESS_ES_SECRET_KEY": APP_SECRET, "ACCESS_ES_USERS": str(accounts_path),
                              **LENIENT, **env})
    return create_app(settings, signer=NoSignature())


def in_process_login(client, name: str, password: str):
    page = client.get("/_access-es/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/_access-es/login", data={"csrf_token": token, "username": name, "password": password})


# ================================================================================================
# 1. Getting past the login
# ================================================================================================

@pytest.mark.parametrize("target", [
    "/%5Faccess-es/health", "/%5faccess-es/x/../../logs-demo/_search", "//_access-es/health",
    "/./_access-es/health", "/_access-es/health/../../logs-demo/_search",
    "/_access-es/health/..%2F..%2Flogs-demo%2F_search", "/_access-es/health%2F..%2F..%2F_search",
    "/_access-es/%2e%2e/logs-demo/_search", "/_access-es/%2E%2E/%2E%2E/_search",
    "/_access-es;/health", "/_access-es/health;/../../_search", "/_access-es\\health",
    "/_access-es/health\\..\\..\\_search", "/%255Faccess-es/health", "/%C0%AFlogs-demo/_search",
    "/_access-es/%C0%AE%C0%AE/_search", "/_access-es/health?/../../_search",
    "http://127.0.0.1/_access-es/health/../../_search", "http://evil.example/logs-demo/_search",
    "//evil.example/_search", "/_access-es/health/%2e%2e/%2e%2e/_bulk",
])
def test_unauthenticated_path_tricks_never_reach_the_upstream(proxy, standin, target):
    answer = raw_request(proxy.url, "GET", target, [("Accept", "application/json")])
    status = status_of(answer)
    body = answer.partition(b"\r\n\r\n")[2]
    assert status in (400, 401, 404, 405) or (status == 200 and b'"service":"access-es"' in body.replace(b" ", b"")), \
        answer[:300]
    assert standin.seen == []


def test_options_star_is_answered_locally(proxy, standin):
    answer = raw_request(proxy.url, "OPTIONS", "*", [("Accept", "application/json")])
    assert status_of(answer) in (204, 400, 401, 404)
    answer = raw_request(proxy.url, "POST", "*", [("Accept", "application/json")], NDJSON)
    assert status_of(answer) in (400, 401, 404, 405)
    assert standin.seen == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_unauthenticated_methods_never_reach_the_upstream(proxy, standin, method):
    r = requests.request(method, proxy.url + "/_bulk", data=NDJSON,
                         headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 401
    assert standin.seen == []


@pytest.mark.parametrize("name,password", [
    ("Alice", PASSWORDS["alice"]), ("ALICE", PASSWORDS["alice"]), (" alice", PASSWORDS["alice"]),
    ("alice ", PASSWORDS["alice"]), ("alice\t", PASSWORDS["alice"]), ("alice\x00", PASSWORDS["alice"]),
    ("\uff41\uff4c\uff49\uff43\uff45", PASSWORDS["alice"]),          # fullwidth: NFKC would make it alice
    ("alice\u200b", PASSWORDS["alice"]), ("al\u0131ce", PASSWORDS["alice"]), ("alice:", PASSWORDS["alice"]),
    ("alice", PASSWORDS["alice"] + " "), ("alice", " " + PASSWORDS["alice"]),
    ("alice", PASSWORDS["alice"].upper()), ("alice", PASSWORDS["alice"] + "\x00"),
    ("alice", PASSWORDS["alice"][:-1]), ("bob", PASSWORDS["alice"]), ("", PASSWORDS["alice"]),
])
def test_login_form_with_unusual_names_or_passwords_fails(proxy, standin, name, password):
    b = Browser(proxy.url)
    r = b.login(name, password)
    assert r.status_code in (400, 401), r.status_code
    assert "access_es_session" not in r.headers.get("Location", "")
    assert b.get("/_echo/x", headers={"Accept": "application/json"}).status_code == 401
    assert b.get("/_access-es/", headers={"Accept": "application/json"}).status_code == 401
    assert standin.seen == []


def test_login_form_with_repeated_fields_does_not_mix_accounts(proxy, standin):
    """username=bob&username=alice with bob's password: whichever one is read, it must match."""
    b = Browser(proxy.url)
    token = b.csrf()
    r = b.s.post(proxy.url + "/_access-es/login", allow_redirects=False,
                 data=[("csrf_token", token), ("username", "bob"), ("username", "alice"),
                       ("password", PASSWORDS["bob"]), ("password", PASSWORDS["alice"])])
    home = b.get("/_access-es/")
    if r.status_code == 303:
        # logged in as exactly one of them, and with that one's role
        assert ("bob" in home.text and "readonly" in home.text) or ("alice" in home.text and "admin" in home.text)
        assert not ("bob" in home.text and "admin" in home.text)
    assert standin.seen == []


@pytest.mark.parametrize("header,expected", [
    (basic("alice", ""), 401), (basic("alice", "wrong"), 401), (basic("", PASSWORDS["alice"]), 401),
    (basic("ALICE", PASSWORDS["alice"]), 401), (basic("alice ", PASSWORDS["alice"]), 401),
    (basic(" alice", PASSWORDS["alice"]), 401), (basic("alice\x00", PASSWORDS["alice"]), 401),
    (basic("\uff41lice", PASSWORDS["alice"]), 401),
    (basic("alice", PASSWORDS["alice"] + "\x00"), 401), (basic("alice", PASSWORDS["alice"] + " "), 401),
    (basic("alice", PASSWORDS["alice"] + ":"), 401), (basic("alice:" + PASSWORDS["alice"], ""), 401),
    (basic("bob", PASSWORDS["alice"]), 401),
    (basic("alic\u00e9", "pw-latin-1-encoded", "latin-1"), 400),        # not UTF-8
    ("Basic " + base64.b64encode(b"alice").decode(), 400),             # no colon
    ("Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode().rstrip("="), 400),
    ("Basic YWxp Y2U6", 400), ("Basic alice:" + PASSWORDS["alice"], 400), ("Basic", 400), ("Basic ", 400),
    ("Basic " + base64.urlsafe_b64encode(b"alice:\xfb\xff-pass").decode(), 400),
    ("basic " + base64.b64encode(b"alice:wrong").decode(), 401),
    ("BASIC  " + base64.b64encode(b"alice:wrong").decode(), 401),
    ("Bearer " + "x" * 40, 401), ("Digest username=\"alice\", response=\"x\"", 401),
    ("AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/es/aws4_request, SignedHeaders=host, Signature=00", 401),
    # a very long header (53 KB; heads over uWSGI's 64 KiB never reach the app: test_bad_input)
    (basic("a" * 10000, "b" * 30000), 401),
])
def test_basic_auth_header_edge_cases_never_authenticate(proxy, standin, header, expected):
    r = requests.get(proxy.url + "/_echo/x", headers={"Authorization": header, "Accept": "application/json"})
    assert r.status_code == expected, (header[:60], r.status_code, r.text[:200])
    assert standin.seen == []


def test_basic_credentials_decide_alone_even_with_an_admin_session(proxy, standin):
    """An admin's browser session plus a readonly Basic header: the readonly one decides."""
    b = Browser(proxy.url)
    b.login("alice")
    r = b.request("PUT", "/logs-demo/_doc/evil", json={"x": 1},
                  headers={"Authorization": BOB, "Accept": "application/json"})
    assert r.status_code == 403
    assert writes(standin) == []


def test_pre_login_cookie_never_becomes_a_session(proxy, standin):
    """Session fixation: the cookie an attacker obtains before the victim logs in stays anonymous."""
    attacker = Browser(proxy.url)
    attacker.csrf()
    planted = attacker.s.cookies["access_es_session"]
    victim = Browser(proxy.url)
    victim.s.cookies = attacker.s.cookies.copy()
    assert victim.login("alice").status_code == 303
    assert victim.s.cookies["access_es_session"] != planted
    r = requests.get(proxy.url + "/_echo/x", cookies={"access_es_session": planted},
                     headers={"Accept": "application/json"})
    assert r.status_code == 401
    assert standin.seen == []


def test_forged_session_cookies_are_nobody(proxy, standin, accounts_file):
    """Without the signing key nothing is accepted (another key, no signature, remember-me cookies);
    and even WITH the real key a cookie needs a live server-side session record of the same account
    and the account's stamp."""
    hashes = {n: e["password_hash"] for n, e in json.loads(accounts_file.read_text())["users"].items()}
    alice_stamp, bob_stamp = stamp_for(hashes["alice"]), stamp_for(hashes["bob"])
    b = Browser(proxy.url)
    assert b.login("bob").status_code == 303
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    app = Flask("reader")
    app.secret_key = APP_SECRET
    bob_session = SecureCookieSessionInterface().get_signing_serializer(app).loads(b.s.cookies["access_es_session"])
    bob_sid = bob_session["_sid"]
    # the oracle works: bob's own cookie is bob (and a readonly one)
    ok = requests.put(proxy.url + "/logs-demo/_doc/forged", cookies={"access_es_session": b.s.cookies["access_es_session"]},
                      json={"x": 1}, headers={"Accept": "application/json"})
    assert ok.status_code == 403
    forged = [
        sign_session({"_user_id": "alice:" + alice_stamp}),                       # no session id
        sign_session({"_user_id": "alice:" + alice_stamp, "_sid": "x" * 43}),     # unknown session id
        sign_session({"_user_id": "alice:" + alice_stamp, "_sid": bob_sid}),      # bob's record, alice's name
        sign_session({"_user_id": "alice:" + bob_stamp, "_sid": bob_sid}),
        sign_session({"_user_id": "alice", "_sid": bob_sid}),
        sign_session({"_user_id": ":" + bob_stamp, "_sid": bob_sid}),
        sign_session({"_user_id": "bob:" + "0" * 32, "_sid": bob_sid}),           # right record, wrong stamp
        sign_session({"_user_id": "bob:" + bob_stamp, "_sid": [bob_sid]}),
        sign_session({"_user_id": "bob:" + bob_stamp, "_sid": bob_sid + " "}),
        sign_session({"_user_id": "\uff42ob:" + bob_stamp, "_sid": bob_sid}),
        sign_session({"_user_id": "alice:" + alice_stamp, "_sid": bob_sid}, key="another-key-0123456789abcdef"),
        sign_session(dict(bob_session), key="another-key-0123456789abcdef"),
        sign_session(dict(bob_session), key=APP_SECRET + " "),
    ]
    unsigned = base64.urlsafe_b64encode(json.dumps(dict(bob_session)).encode()).decode().rstrip("=")
    for value in forged + [unsigned, unsigned + ".", unsigned + ".AAAA.AAAA", "." + unsigned]:
        r = requests.get(proxy.url + "/_echo/x", cookies={"access_es_session": value},
                         headers={"Accept": "application/json"})
        assert r.status_code in (400, 401), (value, r.status_code)
    for remember in ["alice:" + alice_stamp, "alice:" + alice_stamp + "|" + "0" * 128, "alice|" + "0" * 128]:
        r = requests.get(proxy.url + "/_echo/x", cookies={"remember_token": remember},
                         headers={"Accept": "application/json"})
        assert r.status_code == 401, remember
    assert standin.seen == []


def test_session_cookie_replayed_after_logout_is_refused(proxy, standin):
    b = Browser(proxy.url)
    b.login("alice")
    stolen = b.s.cookies["access_es_session"]
    token = b.csrf("/_access-es/")
    assert b.request("POST", "/_access-es/logout", data={"csrf_token": token}).status_code == 303
    r = requests.get(proxy.url + "/_echo/x", cookies={"access_es_session": stolen},
                     headers={"Accept": "application/json"})
    assert r.status_code == 401
    assert standin.seen == []


def test_logging_in_again_does_not_revive_or_share_an_old_session(proxy, standin):
    """Two logins of one account are two sessions; ending one leaves the other, and neither cookie
    can be combined with the other's session id."""
    a, b = Browser(proxy.url), Browser(proxy.url)
    a.login("alice")
    b.login("alice")
    assert a.s.cookies["access_es_session"] != b.s.cookies["access_es_session"]
    a.request("POST", "/_access-es/logout", data={"csrf_token": a.csrf("/_access-es/")})
    assert a.get("/_echo/x", headers={"Accept": "application/json"}).status_code == 401
    assert b.get("/_echo/x", headers={"Accept": "application/json"}).status_code == 200


def test_session_and_basic_cache_end_at_password_change_or_removal(standin, tmp_path):
    path, store = users_file(tmp_path, carol=("admin", "carol-password-1"), dave=("admin", "dave-password-1"))
    p = start_proxy(tmp_path, standin.url, path, **LENIENT)
    try:
        sessions = {}
        for name, pw in (("carol", "carol-password-1"), ("dave", "dave-password-1")):
            b = Browser(p.url)
            assert b.login(name, pw).status_code == 303
            sessions[name] = b.s.cookies["access_es_session"]
            # Basic credentials verified once (and cached by the proxy for API clients)
            assert requests.get(p.url + "/_echo/x", auth=(name, pw)).status_code == 200
        store.put(Account("carol", "admin", hash_password("carol-password-2")))
        store.remove("dave")
        standin.clear()
        for name, cookie in sessions.items():
            r = requests.get(p.url + "/_echo/x", cookies={"access_es_session": cookie},
                             headers={"Accept": "application/json"})
            assert r.status_code == 401, name
        assert requests.get(p.url + "/_echo/x", auth=("carol", "carol-password-1")).status_code == 401
        assert requests.get(p.url + "/_echo/x", auth=("dave", "dave-password-1")).status_code == 401
        assert standin.seen == []
    finally:
        stop_proxy(p)


def test_role_downgrade_applies_to_existing_sessions_and_cached_basic(standin, tmp_path):
    path, store = users_file(tmp_path, erin=("admin", "erin-password-1"))
    p = start_proxy(tmp_path, standin.url, path, **LENIENT)
    try:
        b = Browser(p.url)
        assert b.login("erin", "erin-password-1").status_code == 303
        assert requests.get(p.url + "/_echo/x", auth=("erin", "erin-password-1")).status_code == 200
        old = store.get("erin")
        store.put(Account("erin", "readonly", old.password_hash))     # same password, new role
        standin.clear()
        r = b.request("PUT", "/logs-demo/_doc/erin", json={"x": 1}, headers={"Accept": "application/json"})
        assert r.status_code == 403
        r = requests.put(p.url + "/logs-demo/_doc/erin", json={"x": 1}, auth=("erin", "erin-password-1"))
        assert r.status_code == 403
        assert writes(standin) == []
    finally:
        stop_proxy(p)


def test_session_has_an_absolute_lifetime(standin, accounts_file, monkeypatch):
    """Kept alive by a request every 50 minutes, a session still ends 12 hours after login."""
    import time as _time

    now = [_time.time()]
    monkeypatch.setattr(_time, "time", lambda: now[0])
    client = in_process_app(accounts_file, standin.url).test_client()
    assert in_process_login(client, "alice", PASSWORDS["alice"]).status_code == 303
    codes = []
    for _ in range(16):                      # 13 h 20 min of activity
        now[0] += 50 * 60
        codes.append(client.get("/_access-es/", headers={"Accept": "application/json"}).status_code)
    assert codes[:13] == [200] * 13          # 10 h 50 min: still in
    assert codes[-1] == 401


def test_session_ends_after_idle_time(standin, accounts_file, monkeypatch):
    import time as _time

    now = [_time.time()]
    monkeypatch.setattr(_time, "time", lambda: now[0])
    client = in_process_app(accounts_file, standin.url).test_client()
    assert in_process_login(client, "alice", PASSWORDS["alice"]).status_code == 303
    now[0] += 61 * 60
    assert client.get("/_access-es/", headers={"Accept": "application/json"}).status_code == 401


def test_session_cookie_is_secure_over_https_and_not_fooled_by_forwarded_proto(standin, accounts_file):
    client = in_process_app(accounts_file, standin.url).test_client()
    r = in_process_login_at(client, "https://localhost")
    assert r.status_code == 303 and "Secure" in r.headers["Set-Cookie"]
    # without ACCESS_ES_TRUST_PROXY, a client's X-Forwarded-Proto decides nothing (http stays http)
    client = in_process_app(accounts_file, standin.url).test_client()
    r = in_process_login_at(client, "http://localhost", {"X-Forwarded-Proto": "https"})
    assert r.status_code == 303


def in_process_login_at(client, base_url: str, headers: dict | None = None):
    page = client.get("/_access-es/login", base_url=base_url, headers=headers or {})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/_access-es/login", base_url=base_url, headers=headers or {},
                       data={"csrf_token": token, "username": "alice", "password": PASSWORDS["alice"]})


def test_password_guessing_is_throttled_per_account_and_per_address(standin, tmp_path):
    path, _ = users_file(tmp_path, frank=("admin", "frank-password-1"))
    p = start_proxy(tmp_path, standin.url, path, ACCESS_ES_THROTTLE_ACCOUNT="5", ACCESS_ES_THROTTLE_ADDRESS="8",
                    ACCESS_ES_THROTTLE_MINUTES=steady_throttle_minutes())
    try:
        codes = [requests.get(p.url + "/_echo/x", auth=("frank", f"guess-{i}")).status_code for i in range(7)]
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
        # the right password is not tried either, through Basic or the form
        assert requests.get(p.url + "/_echo/x", auth=("frank", "frank-password-1")).status_code == 429
        assert Browser(p.url).login("frank", "frank-password-1").status_code == 429
        # other names from the same address: the address counter, whatever X-Forwarded-For says
        codes = [requests.get(p.url + "/_echo/x", auth=(f"user{i}", "x"),
                              headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(6)]
        assert 429 in codes
        assert standin.seen == []
    finally:
        stop_proxy(p)


def test_an_attacker_cannot_lock_a_user_out(standin, tmp_path):
    path, _ = users_file(tmp_path, gina=("admin", "gina-password-1"))
    p = start_proxy(tmp_path, standin.url, path, ACCESS_ES_TRUST_PROXY="1")
    try:
        for i in range(6):   # the attacker, from 198.51.100.7
            requests.get(p.url + "/_echo/x", auth=("gina", f"guess-{i}"), headers={"X-Forwarded-For": "198.51.100.7"})
        # gina, from her own address, with her password
        r = requests.get(p.url + "/_echo/x", auth=("gina", "gina-password-1"), headers={"X-Forwarded-For": "203.0.113.5"})
        assert r.status_code == 200
    finally:
        stop_proxy(p)


def test_concurrent_guesses_cannot_overrun_the_account_limit(standin, tmp_path):
    """check-then-increment: guesses that arrive together all pass the check before any is counted."""
    from concurrent.futures import ThreadPoolExecutor

    path, _ = users_file(tmp_path, hank=("admin", "hank-password-1"))
    p = start_proxy(tmp_path, standin.url, path, ACCESS_ES_THROTTLE_ACCOUNT="5", ACCESS_ES_THROTTLE_ADDRESS="100000",
                    ACCESS_ES_THROTTLE_MINUTES=steady_throttle_minutes())
    try:
        with ThreadPoolExecutor(32) as pool:
            codes = list(pool.map(lambda i: requests.get(p.url + "/_echo/x", auth=("hank", f"guess-{i}")).status_code,
                                  range(64)))
        verified = codes.count(401)
        assert verified <= 5, f"{verified} guesses were verified (limit 5): {codes}"
    finally:
        stop_proxy(p)


def test_logout_cannot_be_forced_cross_site(proxy, standin):
    b = Browser(proxy.url)
    b.login("alice")
    assert b.get("/_access-es/logout").status_code in (404, 405)
    assert b.request("POST", "/_access-es/logout").status_code == 400
    other = Browser(proxy.url)
    assert b.request("POST", "/_access-es/logout", data={"csrf_token": other.csrf()}).status_code == 400
    token = b.csrf("/_access-es/")
    assert b.request("POST", "/_access-es/logout?csrf_token=" + quote(token)).status_code == 400
    assert b.request("POST", "/_access-es/logout", headers={"X-CSRFToken": token}).status_code == 400
    assert b.get("/_access-es/").status_code == 200          # still logged in


def test_login_csrf_token_only_in_the_form_counts(proxy):
    b = Browser(proxy.url)
    token = b.csrf()
    r = b.s.post(proxy.url + "/_access-es/login?csrf_token=" + quote(token), allow_redirects=False,
                 data={"username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 400
    r = b.s.post(proxy.url + "/_access-es/login", allow_redirects=False, headers={"X-CSRFToken": token},
                 data={"username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 400
    r = b.s.post(proxy.url + "/_access-es/login", allow_redirects=False, json={
        "csrf_token": token, "username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 400


def _browser_host(location: str) -> str | None:
    """Where a browser would go: strip what WHATWG URL parsing strips, '\\' is '/', resolve."""
    s = location.strip("".join(chr(c) for c in range(0x21)))
    s = s.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urlsplit(urljoin("https://proxy.example/_access-es/login", s)).hostname


@pytest.mark.parametrize("evil", [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\/evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%09/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\n//evil.example",
    " //evil.example", "/\x0b/evil.example", "/\x1f/evil.example", "/\x7f/evil.example", "/\x00/evil.example",
    "/ /evil.example", "/\u3000/evil.example", "/\uff0f\uff0fevil.example", "/\u2215\u2215evil.example",
    "https:evil.example", "https:/evil.example", "https:\\\\evil.example", "HTTPS://evil.example",
    "http://evil.example", "javascript:alert(1)", "data:text/html,x", "@evil.example", "evil.example",
    "/..//evil.example", "/.//evil.example", "/_access-es/login?next=//evil.example",
    "/_access-es/../..//evil.example",
])
def test_next_never_leaves_the_site(proxy, evil):
    b = Browser(proxy.url)
    r = b.login("alice", next_path=evil)
    assert r.status_code == 303, (evil, r.status_code)
    location = r.headers["Location"]
    assert _browser_host(location) == "proxy.example", (evil, location)
    # the login page's hidden field is the same judgement
    page = b.s.get(proxy.url + "/_access-es/login", params={"next": evil})
    hidden = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    import html as _html
    assert _browser_host(_html.unescape(hidden)) == "proxy.example", (evil, hidden)


def test_next_and_username_are_escaped_in_the_login_page(proxy):
    b = Browser(proxy.url)
    page = b.s.get(proxy.url + "/_access-es/login", params={"next": '/"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in page.text
    r = b.login('"><img src=x onerror=alert(1)>', "wrong-password")
    assert r.status_code == 401 and "<img src=x" not in r.text


def test_the_unauthenticated_redirect_cannot_be_turned_into_an_open_redirect(proxy, standin):
    for target in ["//evil.example/x", "//evil.example/%2F..", "/\\evil.example", "/%5C%5Cevil.example"]:
        answer = raw_request(proxy.url, "GET", target, [("Accept", "text/html"), ("Sec-Fetch-Mode", "navigate")])
        assert status_of(answer) in (303, 400), answer[:300]
        if status_of(answer) != 303:
            continue
        loc = re.search(rb"\r\nLocation: ([^\r]*)", answer).group(1).decode()
        assert urlsplit(loc).path == "/_access-es/login" and not urlsplit(loc).netloc
        next_value = parse_qs(urlsplit(loc).query)["next"][0]
        b = Browser(proxy.url)
        r = b.login("alice", next_path=next_value)
        assert _browser_host(r.headers["Location"]) == "proxy.example", (target, r.headers["Location"])
    assert standin.seen == []


def test_host_and_forwarded_headers_cannot_choose_the_upstream(proxy, standin):
    answer = raw_request(proxy.url, "GET", "/_echo/h", [
        ("X-Forwarded-Host", "evil.example"), ("Forwarded", "host=evil.example"), ("Authorization", ALICE)])
    assert status_of(answer) == 200
    assert standin.last().header("Host") == standin.url.split("//")[1]
    assert standin.last().verified
    # a second Host line (raw_request sends one) is refused outright (RFC 9112 3.2)
    standin.seen.clear()
    answer = raw_request(proxy.url, "GET", "/_echo/h", [("Host", "evil.example"), ("Authorization", ALICE)])
    assert status_of(answer) == 400 and standin.seen == []


# ================================================================================================
# 2. A readonly account changing the cluster
# ================================================================================================

@pytest.mark.parametrize("method", [
    "post", "Post", "put", "delete", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "TRACE",
    "TRACK", "PURGE", "LINK", "SEARCH", "QUERY", "MERGE", "DEBUG", "GETS", "POST\t",
])
def test_readonly_unusual_methods_never_reach_the_upstream(proxy, standin, method):
    answer = raw_request(proxy.url, method, "/logs-demo/_bulk",
                         [("Authorization", BOB), ("Content-Type", "application/x-ndjson")], NDJSON)
    assert status_of(answer) in (0, 400, 403, 405, 501), answer[:300]
    assert standin.seen == []


def test_readonly_connect_method_never_reaches_the_upstream(proxy, standin):
    answer = raw_request(proxy.url, "CONNECT", "127.0.0.1:443", [("Authorization", BOB)])
    assert status_of(answer) in (0, 400, 404, 405, 501)
    assert standin.seen == []


@pytest.mark.parametrize("method,target,headers", [
    ("POST", "/_search", {"X-HTTP-Method-Override": "PUT"}),
    ("POST", "/_search", {"x-http-method": "DELETE"}),
    ("POST", "/_search", {"X-METHOD-OVERRIDE": "PUT"}),
    ("GET", "/logs-demo/_doc/1", {"X-HTTP-Method-Override": "DELETE"}),
    ("GET", "/logs-demo", {"X-Http-Method-Override": "DELETE"}),
    ("POST", "/_search?_method=PUT", {}),
    ("POST", "/_search?%5Fmethod=DELETE", {}),
    ("POST", "/_search?_method", {}),
    ("GET", "/logs-demo/_doc/1?_method=DELETE", {}),
    ("GET", "/logs-demo/_doc/1?pretty&_method=DELETE&x=1", {}),
])
def test_readonly_method_override_variants_are_403(proxy, standin, method, target, headers):
    r = send_exact(proxy, method, target, auth=("bob", PASSWORDS["bob"]), headers=headers,
                   data=b'{"query":{"match_all":{}}}' if method == "POST" else None)
    assert r.status_code == 403, (target, r.status_code)
    assert standin.seen == []


def test_readonly_override_header_with_underscores_is_refused_not_forwarded(proxy, standin):
    """uWSGI reads '_' in header names as '-' (waitress dropped such headers): X_HTTP_Method_Override
    is X-HTTP-Method-Override to the readonly rule, which refuses it, and X_Amz_Date an X-Amz-* header,
    never forwarded."""
    answer = raw_request(proxy.url, "GET", "/_echo/o", [("Authorization", BOB), ("X_HTTP_Method_Override", "DELETE"),
                                                       ("X_Amz_Date", "20000101T000000Z")])
    assert status_of(answer) == 403
    for s in standin.seen:
        assert "x_http_method_override" not in s.header_names() and "x-http-method-override" not in s.header_names()
        assert s.method == "GET" and s.verified


@pytest.mark.parametrize("method,target", [
    ("POST", "/logs-demo/_doc/_search"), ("POST", "/logs-demo/_doc"), ("PUT", "/logs-demo/_search"),
    ("PATCH", "/_search"), ("POST", "/_search/../_bulk"), ("POST", "/_search/%2e%2e/_bulk"),
    ("POST", "/_search/.%2E/_bulk"), ("POST", "/logs-demo/_search%2F..%2F_bulk"), ("POST", "/_search%2F..%2F_bulk"),
    ("POST", "/logs-demo/_search%2F..%2F..%2F_bulk"), ("POST", "/%5Fbulk"), ("POST", "/%5fbulk"),
    ("POST", "/%255Fbulk"), ("POST", "/_bulk;/_search"), ("POST", "/_bulk%3B/_search"),
    ("POST", "/_bulk?/_search"), ("POST", "/_msearch/../_bulk"), ("POST", "/_msearch/%2E%2E/%5Fbulk"),
    ("POST", "/logs-demo/_update_by_query"), ("POST", "/logs-demo/_delete_by_query?q=*"),
    ("POST", "/*/_delete_by_query"), ("POST", "/a,b/_update_by_query"), ("POST", "/logs-*,-x/_bulk"),
    ("POST", "/_all/_close"), ("POST", "/logs-demo/_close"), ("POST", "/logs-demo/_forcemerge"),
    ("POST", "/_plugins/_sql"), ("POST", "/_opendistro/_sql"), ("POST", "/_plugins/_ppl"),
    ("POST", "/_plugins/_sql?format=json"), ("POST", "/_opendistro/_sql/_explain/../"),
    ("POST", "/_plugins/_ml/models/_register"), ("POST", "/_opendistro/_alerting/monitors"),
    ("POST", "/_plugins/_security/api/internalusers/x"), ("PUT", "/_cluster/settings"),
    ("POST", "/_cluster/reroute"), ("POST", "/_snapshot/r/s/_restore"), ("POST", "/_aliases"),
    ("POST", "/logs-demo/_update/1"), ("POST", "/logs-demo/_create/1"), ("PUT", "/logs-demo/_doc/1"),
    ("POST", "/logs-demo/_explain/1/_update"), ("POST", "/logs-demo/_termvectors/1/../../_update/1"),
    ("POST", "/_explain/1"), ("POST", "/logs-demo/doc/1/_explain/x"),
    ("POST", "/logs-demo/x/y/_search"), ("POST", "/_search/scroll/a/b"), ("POST", "/_render/template/a/b"),
    ("POST", "/_scripts/x"), ("POST", "/_ingest/pipeline/x"), ("POST", "/_search/template/../../_scripts/x"),
    ("POST", "/%C0%AE%C0%AE/_bulk"), ("POST", "/_search/%C0%AE%C0%AE/_bulk"), ("POST", "/_search/%E2%80%A5/_bulk"),
    ("POST", "/_dashboards/../_bulk"), ("POST", "/_dashboards%2F..%2F_bulk"), ("POST", "/_dashboards/%2E%2E/_bulk"),
    ("POST", "/_plugin/kibana/../../_bulk"),
    ("DELETE", "/_search/scroll/../../logs-demo"), ("DELETE", "/_pit/../logs-demo"),
    ("DELETE", "/_search/point_in_time/../../logs-demo"), ("DELETE", "/logs-demo/_search/scroll"),
    ("DELETE", "/logs-demo/_pit"), ("DELETE", "/_search/scroll%2F..%2F..%2Flogs-demo"),
    ("DELETE", "/logs-demo"), ("DELETE", "/*"), ("DELETE", "/_all"),
    ("DELETE", "/_search/point_in_time/a/b"),
])
def test_readonly_read_lookalike_writes_are_403(proxy, standin, method, target):
    r = send_exact(proxy, method, target, auth=("bob", PASSWORDS["bob"]), data=NDJSON,
                   headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code in (400, 403), (target, r.status_code, r.text[:200])
    assert standin.seen == []


@pytest.mark.parametrize("endpoint", ["_field_caps", "_rank_eval", "_search_shards", "_terms_enum",
                                      "_async_search", "_pit"])
def test_readonly_cannot_index_through_typed_lookalike_of_a_read_endpoint(proxy, standin, endpoint):
    r = send_exact(proxy, "POST", f"/pwned-index/doc/{endpoint}", auth=("bob", PASSWORDS["bob"]),
                   data=b'{"owned": true}', headers={"Content-Type": "application/json"})
    assert r.status_code == 403
    assert writes(standin) == []


@pytest.mark.parametrize("target,body", [
    ("/_search/scroll/_all", b""),
    ("/_search/point_in_time/_all", b""),
    ("/_search/scroll", b'{"scroll_id": ["_all"]}'),
    ("/_search/scroll/_all,x", b""),
    ("/_search/scroll?scroll_id=_all", b""),
])
def test_readonly_cannot_release_everyones_scrolls_and_pits(proxy, standin, target, body):
    r = send_exact(proxy, "DELETE", target, auth=("bob", PASSWORDS["bob"]), data=body or None,
                   headers={"Content-Type": "application/json"} if body else {})
    assert r.status_code == 403
    assert writes(standin) == []


@pytest.mark.parametrize("target", ["/_flush", "/logs-demo/_flush", "/_flush/synced", "/_refresh",
                                    "/*/_refresh", "/logs-demo/_doc/1?refresh=true"])
def test_readonly_get_cannot_run_maintenance_actions(proxy, standin, target):
    r = send_exact(proxy, "GET", target, auth=("bob", PASSWORDS["bob"]))
    assert r.status_code == 403
    assert standin.seen == []


def test_readonly_safe_methods_with_write_bodies_stay_safe_upstream(proxy, standin, reader):
    """GET/HEAD/OPTIONS with a bulk body: forwarded, but as the same safe method (ES routes _bulk,
    _update_by_query ... on POST/PUT only)."""
    for method in ("GET", "HEAD", "OPTIONS"):
        for target in ("/_bulk", "/logs-demo/_update_by_query", "/logs-demo/_doc/pwned-9"):
            reader.request(method, proxy.url + target, data=NDJSON, headers={"Content-Type": "application/x-ndjson"})
    assert standin.seen and {s.method for s in standin.seen} <= SAFE_METHODS
    assert "pwned-9" not in standin.indices["logs-demo"] and "pwned" not in standin.indices


@pytest.mark.parametrize("path,method", [
    ("/_bulk", "POST"), ("/_bulk", "post"), ("/_bulk", "Post"), ("/logs-demo/_doc/1", "PUT"),
    ("/logs-demo", "DELETE"), ("/%5Fbulk", "POST"), ("/%255Fbulk", "POST"), ("_bulk", "POST"),
    ("/_search/../_bulk", "POST"), ("/_search/%2e%2e/_bulk", "POST"), ("/_search/%252e%252e/_bulk", "POST"),
    ("/_search%2F..%2F_bulk", "POST"), ("/_search/./../_bulk", "POST"), ("//_bulk", "POST"),
    ("/_bulk?pretty", "POST"), ("/_bulk?/_search", "POST"), ("/logs-demo/_doc/_search", "POST"),
    ("/logs-demo/_update_by_query?q=*", "POST"), ("/_plugins/_sql", "POST"), ("/_bulk", "PATCH"),
    ("/_bulk", "GET POST"), ("/_bulk", ""), ("/_bulk", " POST"),
    ("/_dashboards/api/console/proxy?path=/_bulk&method=POST", "POST"),
])
def test_readonly_console_proxy_writes_are_403(proxy, standin, path, method):
    target = console(path, method) if method else f"/_plugin/kibana/api/console/proxy?path={quote(path, safe='')}"
    r = kibana_post(proxy, target)
    assert r.status_code == 403, (path, method, r.status_code)
    assert standin.seen == []


@pytest.mark.parametrize("path", [
    "/_search/scroll/x\\..\\..\\..\\_bulk",
    "/x\\..\\_bulk#/_search",
    "/logs-demo\\_bulk#/_search",
    "/logs-demo\\_delete_by_query#/_search",
    "/logs-demo/_explain/x\\..\\..\\_update\\1",
    "/_render/template/x\\..\\..\\..\\_snapshot\\repo\\snap\\_restore",
])
def test_readonly_console_proxy_path_parsed_like_kibana(proxy, standin, path):
    r = kibana_post(proxy, console(path, "POST"))
    assert r.status_code == 403
    assert standin.seen == []


@pytest.mark.parametrize("query", [
    "method=POST&method=GET&path=%2F_bulk",
    "method=POST&path=%2F_bulk&path=%2F_search",
])
def test_readonly_console_proxy_repeated_params_are_refused(proxy, standin, query):
    r = kibana_post(proxy, "/_plugin/kibana/api/console/proxy?" + query)
    assert r.status_code in (400, 403)
    assert standin.seen == []


@pytest.mark.parametrize("method,target", [
    ("POST", "/_dashboards/api/saved_objects/index-pattern"),
    ("POST", "/_dashboards/api/saved_objects/dashboard/x?overwrite=true"),
    ("PUT", "/_dashboards/api/saved_objects/dashboard/x"),
    ("DELETE", "/_dashboards/api/saved_objects/dashboard/x"),
    ("POST", "/_dashboards/api/saved_objects/_import?overwrite=true"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_create"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_update"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_get/../_bulk_create"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_get%2F..%2F_bulk_create"),
    ("POST", "/_dashboards/internal/search/es/../../../api/saved_objects/x"),
    ("POST", "/_dashboards/internal/search/es/a/b"),
    ("DELETE", "/_dashboards/internal/search/es/abc"),
    ("POST", "/_dashboards/api/v1/multitenancy/tenant"),
    ("POST", "/_dashboards/api/reporting/generateReport"),
    ("POST", "/_dashboards/api/alerting/monitors"),
    ("POST", "/_dashboards/api/index_patterns/index_pattern"),
    ("POST", "/_plugin/kibana/api/saved_objects/config/7.10.2"),
    ("POST", "/_plugin/kibana/api/kibana/settings"),
    ("POST", "/_plugin/kibana/api/console/proxy"),
    ("POST", "/_plugin/kibana/api/console/proxy/"),
    ("POST", "/_plugin/kibana//api/console/proxy?method=POST&path=%2F_bulk"),
    ("POST", "/_plugin/kibana/api/console/proxy?method=POST&path=%2F_bulk&_method=GET"),
    ("POST", "/_plugin/kibana/api/console/proxy?Method=GET&method=POST&path=%2F_bulk"),
    ("POST", "/_plugin/kibana/API/console/proxy?method=GET&path=%2F_search"),
    ("PATCH", "/_plugin/kibana/api/saved_objects/dashboard/x"),
])
def test_readonly_kibana_write_apis_are_403(proxy, standin, method, target):
    r = send_exact(proxy, method, target, auth=("bob", PASSWORDS["bob"]), data=b"{}",
                   headers={"kbn-xsrf": "true", "osd-xsrf": "true", "Content-Type": "application/json"})
    assert r.status_code == 403, (target, r.status_code)
    assert standin.seen == []


def test_readonly_smuggling_with_transfer_encoding_and_content_length(proxy, standin):
    """TE + CL desync: a pipelined `POST /_bulk` hidden in the body of a permitted search must never
    reach the upstream, neither as a second request nor inside the first one's body as a write."""
    smuggled = (b"POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                b"Authorization: " + BOB.encode() + b"\r\nContent-Length: " + str(len(NDJSON)).encode()
                + b"\r\n\r\n" + NDJSON)
    variants = [
        [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
        [("Transfer-Encoding", "chunked"), ("Content-Length", "5")],
        [("Transfer-Encoding", "xchunked"), ("Content-Length", "5")],
        [("Transfer-Encoding", " chunked"), ("Transfer-Encoding", "identity")],
        [("Content-Length", "5"), ("Content-Length", "500")],
        [("Content-Length", "+5")],
    ]
    for extra in variants:
        body = b"0\r\n\r\n" + smuggled
        head = ("POST /logs-demo/_search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + BOB
                + "\r\nContent-Type: application/json\r\n"
                + "".join(f"{n}: {v}\r\n" for n, v in extra) + "\r\n").encode()
        answer = raw(proxy.url, head + body, timeout=5)
        assert statuses_of(answer), answer[:200]
    assert writes(standin) == [s for s in standin.seen if s.method == "POST" and s.path == "/logs-demo/_search"]
    assert not any("_bulk" in s.target for s in standin.seen)


def test_client_credentials_and_amz_headers_never_reach_the_upstream(proxy, standin):
    answer = raw_request(proxy.url, "GET", "/_echo/c?X-Amz-Credential=AKIAEVIL%2F20000101%2Fus-east-1%2Fes",
                         [("Authorization", ALICE), ("X-Amz-Security-Token", "EVIL-TOKEN"),
                          ("X-Amz-Date", "20000101T000000Z"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                          ("X-AMZ-Target", "evil"), ("Proxy-Authorization", "Basic ZXZpbDpldmls"),
                          ("Connection", "keep-alive, X-Evil"), ("X-Evil", "1"), ("Date", "Thu, 01 Jan 2000 00:00:00 GMT"),
                          ("Host", "evil.example")])
    assert statuses_of(answer)[-1] in (200, 400, 403), answer[:300]
    for s in standin.seen:
        text = json.dumps(s.headers)
        assert "EVIL-TOKEN" not in text and "UNSIGNED-PAYLOAD" not in text and "20000101T000000Z" not in text
        assert "ZXZpbDpldmls" not in text and "x-evil" not in s.header_names()
        assert not (s.header("Authorization") or "").startswith("Basic")
        assert s.header("Host") == standin.url.split("//")[1]


def test_the_session_cookie_never_reaches_the_upstream(proxy, standin):
    b = Browser(proxy.url)
    b.login("alice")
    session = b.s.cookies["access_es_session"]
    b.s.cookies.set("securitytenant", "global")
    b.s.cookies.set("ACCESS_ES_SESSION", "case-variant")
    b.get("/_echo/k", headers={"Accept": "application/json"})
    # spellings a browser or a front end may produce, all in one Cookie header
    for header in [f"access_es_session={session}; a=1", f"a=1;access_es_session={session}",
                   f"a=1;  access_es_session = {session} ;b=2", f'access_es_session="{session}"; a=1']:
        answer = raw_request(proxy.url, "GET", "/_echo/k", [("Cookie", header), ("Accept", "application/json")])
        assert status_of(answer) in (200, 401)
    assert standin.seen
    for s in standin.seen:
        assert session not in (s.header("Cookie") or ""), s.header("Cookie")


def test_the_session_cookie_in_a_second_cookie_header_never_reaches_the_upstream(proxy, standin):
    b = Browser(proxy.url)
    b.login("alice")
    session = b.s.cookies["access_es_session"]
    # the server joins repeated headers with ", " (as HTTP/2 front ends that send one cookie per header do)
    raw_request(proxy.url, "GET", "/_echo/k2", [("Authorization", ALICE), ("Cookie", "a=1"),
                                                ("Cookie", f"access_es_session={session}")])
    raw_request(proxy.url, "GET", "/_echo/k2", [("Authorization", ALICE), ("Cookie", f"a=1,access_es_session={session}")])
    raw_request(proxy.url, "GET", "/_echo/k2", [("Authorization", ALICE), ("Cookie", f"a=1 , access_es_session={session};")])
    assert len(standin.seen) == 3
    for s in standin.seen:
        assert session not in (s.header("Cookie") or "")


def test_cross_origin_form_post_with_the_session_cookie_is_refused(proxy, standin):
    b = Browser(proxy.url)
    b.login("alice")
    r = b.request("POST", "/logs-demo/_delete_by_query?q=*", data=b"", headers={
        "Origin": "https://evil.example.com", "Referer": "https://evil.example.com/",
        "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document",
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403
    assert writes(standin) == []


# ---- issue 12: the readonly rule judges what the upstream routes ---------------------------------

@pytest.mark.parametrize("method,target", [
    ("POST", "/pwned/doc/%2F_search"), ("POST", "/pwned/doc/%2f_count"), ("POST", "/pwned/doc/x%2F_search"),
    ("POST", "/pwned/doc%2F_search"), ("POST", "/pwned/doc/%252F_search"), ("POST", "/pwned/_SEARCH"),
    ("POST", "/pwned/doc/_Search"), ("POST", "//_bulk"), ("POST", "/pwned//_bulk"), ("POST", "///_bulk"),
    ("POST", "/%5Fbulk/"), ("POST", "/pwned/_update/1/"), ("POST", "/_plugins/_foo/_search"),
    ("POST", "/pwned/_foo/_search"), ("POST", "/_search/%2E%2E/pwned/doc"), ("POST", "/_mget?refresh=true"),
    ("POST", "/_dashboards/internal/search/sql"), ("POST", "/_dashboards/internal/search/ppl"),
    ("POST", "/_dashboards/internal/search/sqlasync"), ("POST", "/_dashboards/internal/search/pplasync/x"),
    ("POST", "//_dashboards/internal/search/sql"), ("POST", "/_plugin%2Fkibana/internal/search/es"),
    ("GET", "/_dashboards/goto/abc"), ("GET", "/_plugin/kibana/goto/abc"),
    ("POST", "/_search?_method=GET"),
])
def test_readonly_issue_12_spellings_never_reach_the_upstream(proxy, standin, method, target):
    r = send_exact(proxy, method, target, auth=("bob", PASSWORDS["bob"]), data=b'{"owned": true}',
                   headers={"Content-Type": "application/json", "kbn-xsrf": "true", "osd-xsrf": "true"})
    assert r.status_code in (400, 403), (target, r.status_code, r.text[:200])
    assert standin.seen == []


@pytest.mark.parametrize("body", [
    b'{"scroll_id":"\\u005fall"}', b'{"scroll_id":["x","\\u005f\\u0061\\u006c\\u006c"]}',
    b'{"scroll_id":"x","scroll_id":"_all"}', b'{"scroll_id":/**/"_all"}', b'{"scroll_id":"x,_all"}',
])
def test_readonly_cannot_release_everyones_scrolls_with_json_escapes(proxy, standin, body):
    for target in ("/_search/scroll", "/_pit", "/_search/point_in_time"):
        r = send_exact(proxy, "DELETE", target, auth=("bob", PASSWORDS["bob"]), data=body,
                       headers={"Content-Type": "application/json"})
        assert r.status_code == 403, (target, body)
    r = kibana_post(proxy, console("/_search/scroll", "DELETE"), body=body)
    assert r.status_code == 403
    assert standin.seen == []


@pytest.mark.parametrize("path,method", [
    ("/pwned/doc/%2F_search", "POST"), ("/pwned/doc/%252F_search", "POST"), ("/pwned/_SEARCH", "POST"),
    ("//_bulk", "PUT"), ("/_search/scroll/_all", "DELETE"), ("/_search/point_in_time/_all", "DELETE"),
    ("/pwned/_foo/_search", "POST"), ("/_search/.%2e/_bulk", "POST"), ("/_mget?refresh=true", "POST"),
])
def test_readonly_console_proxy_carried_issue_12_writes_are_403(proxy, standin, path, method):
    r = kibana_post(proxy, console(path, method))
    assert r.status_code == 403, (path, method, r.status_code)
    assert standin.seen == []


@pytest.mark.parametrize("method,target,body", [
    ("POST", "/_plugin/kibana/api/core/capabilities", b'{"applications":[]}'),
    ("POST", "/_dashboards/api/core/capabilities", b'{"applications":[]}'),
    ("POST", "/_plugin/kibana/api/kibana/suggestions/values/logs-demo", b'{"query":"","field":"x"}'),
    ("POST", "/_plugin/kibana/api/metrics/vis/data", b"{}"), ("POST", "/_plugin/kibana/api/timelion/run", b"{}"),
    ("POST", "/_dashboards/api/saved_objects/_export", b'{"type":["dashboard"]}'),
    ("POST", "/_plugin/kibana/elasticsearch/_msearch", b"{}\n{}\n"),
    ("POST", "/_plugin/kibana/elasticsearch/logs-demo/_search", b"{}"),
    ("POST", "/_dashboards/internal/bsearch", b'{"batch":[{"request":{},"options":{"strategy":"opensearch"}}]}'),
    ("POST", "/logs-demo/_analyze", b'{"text":"x"}'), ("POST", "/logs-demo/_search", b"{}"),
    ("DELETE", "/_search/scroll", b'{"scroll_id":["abc"]}'),
    ("POST", "/_dashboards/api/console/proxy?method=GET&path=%2F_cat%2Findices", b""),
])
def test_readonly_session_reads_reach_the_upstream(proxy, standin, method, target, body):
    """A logged-in partner's browser: the app's start-up, panels and searches pass, as they are."""
    b = Browser(proxy.url)
    b.login("bob")
    r = b.request(method, target, data=body, headers={"Content-Type": "application/json", "kbn-version": "7.10.2",
                                                      "Accept": "application/json"})
    assert r.status_code not in (401, 403), (target, r.status_code, r.text[:200])
    assert [(s.method, s.path) for s in standin.seen][-1:] and standin.seen[-1].method == method


def test_readonly_session_with_kbn_version_and_no_origin_is_accepted(proxy, standin):
    """Kibana's server takes kbn-version (Dashboards: osd-version) as proof against forged requests."""
    for header in ("kbn-version", "osd-version"):
        b = Browser(proxy.url)
        b.login("bob")
        r = b.request("POST", "/logs-demo/_search", data=b"{}", headers={
            "Content-Type": "application/json", header: "7.10.2", "Accept": "application/json"})
        assert r.status_code == 200, (header, r.status_code, r.text[:200])
        r = b.request("POST", "/logs-demo/_search", data=b"{}", headers={"Content-Type": "application/json",
                                                                          "Accept": "application/json"})
        assert r.status_code == 403

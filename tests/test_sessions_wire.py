"""Sessions that hold against attack, over loopback: replay after logout, password change, removal,
idle and absolute expiry, fixation, Secure cookies behind a trusted proxy, throttling."""
import sqlite3
import statistics
import time
import uuid

import pytest
import requests

from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.stores import init_store, open_stores

from testbed.proxy import steady_throttle_minutes
from .conftest import Browser, start_proxy, stop_proxy

PW = "carol-password-1"


@pytest.fixture(scope="module")
def own(standin, tmp_path_factory):
    """A proxy with its own accounts file, so tests may change passwords and remove accounts."""
    folder = tmp_path_factory.mktemp("sessions")
    users = folder / "users.json"
    stores = open_stores(str(users))
    p = start_proxy(folder, standin.url, users, ACCESS_ES_THROTTLE_ACCOUNT="1000",
                    ACCESS_ES_THROTTLE_ADDRESS="1000", ACCESS_ES_TRUST_PROXY="1")
    yield p, stores, users
    stop_proxy(p)


def fresh_account(stores, role="admin") -> str:
    name = "u" + uuid.uuid4().hex[:8]
    stores.accounts.put(Account(name, role, hash_password(PW)))
    return name


def logged_in(url, name, password=PW) -> Browser:
    b = Browser(url)
    assert b.login(name, password).status_code == 303
    return b


def api(b: Browser, path="/_echo/x"):
    return b.get(path, headers={"Accept": "application/json"})


def test_a_cookie_copied_before_logout_is_dead_after_it(own):
    p, stores, _ = own
    b = logged_in(p.url, fresh_account(stores))
    copy = dict(b.s.cookies)
    assert api(b).status_code == 200
    b.request("POST", "/_access-es/logout", data={"csrf_token": b.csrf("/_access-es/")})
    r = requests.get(p.url + "/_echo/x", cookies=copy, headers={"Accept": "application/json"})
    assert r.status_code == 401
    # and a browser holding the copy is sent to the login page
    r = requests.get(p.url + "/_echo/x", cookies=copy, headers={"Accept": "text/html"}, allow_redirects=False)
    assert r.status_code == 303 and "/_access-es/login" in r.headers["Location"]


def test_logout_ends_only_that_session(own):
    p, stores, _ = own
    name = fresh_account(stores)
    laptop, phone = logged_in(p.url, name), logged_in(p.url, name)
    laptop.request("POST", "/_access-es/logout", data={"csrf_token": laptop.csrf("/_access-es/")})
    assert api(phone).status_code == 200


def test_a_password_change_ends_every_session(own):
    p, stores, _ = own
    name = fresh_account(stores)
    a, b = logged_in(p.url, name), logged_in(p.url, name)
    stores.accounts.put(Account(name, "admin", hash_password("new-password-9")))
    assert api(a).status_code == 401 and api(b).status_code == 401
    assert logged_in(p.url, name, "new-password-9")


def test_a_removed_account_ends_every_session(own):
    p, stores, _ = own
    name = fresh_account(stores)
    b = logged_in(p.url, name)
    r = requests.get(p.url + "/_echo/x", auth=(name, PW))
    assert r.status_code == 200
    stores.accounts.remove(name)
    assert api(b).status_code == 401
    assert requests.get(p.url + "/_echo/x", auth=(name, PW)).status_code == 401  # the Basic cache too


def test_a_password_change_invalidates_cached_basic_credentials(own):
    p, stores, _ = own
    name = fresh_account(stores)
    assert requests.get(p.url + "/_echo/x", auth=(name, PW)).status_code == 200
    stores.accounts.put(Account(name, "admin", hash_password("other-password-7")))
    assert requests.get(p.url + "/_echo/x", auth=(name, PW)).status_code == 401


def _age_session(users, field, seconds):
    with sqlite3.connect(str(users) + ".state.db") as db:
        db.execute(f"UPDATE sessions SET {field} = {field} - ?", (seconds,))


def test_idle_sessions_end(own):
    p, stores, users = own
    b = logged_in(p.url, fresh_account(stores))
    assert api(b).status_code == 200
    _age_session(users, "last_seen", 61 * 60)  # default idle timeout: 60 minutes
    r = api(b)
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
    r = b.get("/_dashboards/")  # a browser page: to the login page, with next
    assert r.status_code == 303 and "next=/_dashboards/" in r.headers["Location"]


def test_sessions_end_after_their_lifetime_however_active(own):
    p, stores, users = own
    b = logged_in(p.url, fresh_account(stores))
    _age_session(users, "created", 12 * 3600 + 1)  # default lifetime: 12 hours
    assert api(b).status_code == 401
    r = b.request("POST", "/_dashboards/internal/search/opensearch", headers={"kbn-xsrf": "1", "Accept": "text/html"})
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/json")


def test_activity_keeps_a_session_alive(own):
    p, stores, users = own
    b = logged_in(p.url, fresh_account(stores))
    _age_session(users, "last_seen", 59 * 60)
    assert api(b).status_code == 200   # used within the hour: recorded...
    _age_session(users, "last_seen", 30 * 60)
    assert api(b).status_code == 200   # ...so 30 more minutes are fine


def test_no_session_fixation(own):
    p, stores, _ = own
    name = fresh_account(stores)
    b = Browser(p.url)
    b.csrf()
    planted = dict(b.s.cookies)          # what an attacker could have planted before login
    assert b.login(name, PW).status_code == 303
    assert dict(b.s.cookies) != planted
    r = requests.get(p.url + "/_echo/x", cookies=planted, headers={"Accept": "application/json"})
    assert r.status_code == 401
    # a second login makes a new session too; the first one stays valid until logged out
    first = dict(b.s.cookies)
    b.login(name, PW)
    assert dict(b.s.cookies)["access_es_session"] != first["access_es_session"]


def test_cookie_is_secure_when_a_trusted_proxy_says_https(own):
    p, stores, _ = own
    name = fresh_account(stores)
    b = Browser(p.url)
    token = b.csrf()
    r = b.s.post(p.url + "/_access-es/login", data={"csrf_token": token, "username": name, "password": PW},
                 headers={"X-Forwarded-Proto": "https"}, allow_redirects=False)
    assert "Secure" in r.headers["Set-Cookie"]
    r = b.s.post(p.url + "/_access-es/login", data={"csrf_token": token, "username": name, "password": PW},
                 allow_redirects=False)
    assert "Secure" not in r.headers["Set-Cookie"]


def test_forwarded_proto_is_ignored_unless_trusted(proxy):
    b = Browser(proxy.url)
    token = b.csrf()
    r = b.s.post(proxy.url + "/_access-es/login", data={"csrf_token": token, "username": "alice",
                                                        "password": "alice-password-1"},
                 headers={"X-Forwarded-Proto": "https"}, allow_redirects=False)
    assert r.status_code == 303 and "Secure" not in r.headers["Set-Cookie"]


@pytest.fixture(scope="module")
def strict(standin, tmp_path_factory):
    """A proxy that throttles after 3 failures per account and 6 per address."""
    folder = tmp_path_factory.mktemp("throttle")
    users = folder / "users.json"
    stores = open_stores(str(users))
    minutes = steady_throttle_minutes()
    p = start_proxy(folder, standin.url, users, ACCESS_ES_THROTTLE_ACCOUNT="3", ACCESS_ES_THROTTLE_ADDRESS="6",
                    ACCESS_ES_TRUST_PROXY="1", ACCESS_ES_THROTTLE_MINUTES=minutes)
    p.throttle_minutes = int(minutes)
    yield p, stores
    stop_proxy(p)


def form_login(url, name, password, address):
    b = Browser(url)
    token = b.csrf()
    return b.s.post(url + "/_access-es/login", data={"csrf_token": token, "username": name, "password": password},
                    headers={"X-Forwarded-For": address}, allow_redirects=False)


def test_throttling_per_account_and_address(strict):
    p, stores = strict
    name = fresh_account(stores)
    for _ in range(3):
        assert form_login(p.url, name, "wrong-password", "10.0.0.1").status_code == 401
    r = form_login(p.url, name, PW, "10.0.0.1")  # even the right password, from there
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= p.throttle_minutes * 60
    assert "Too many failed logins" in r.text
    r = requests.get(p.url + "/_echo/x", auth=(name, PW), headers={"X-Forwarded-For": "10.0.0.1"})
    assert r.status_code == 429 and r.json()["error"]["type"] == "too_many_attempts"
    assert "Retry-After" in r.headers
    assert any("login_lockout" in line for line in p.log_text().splitlines())
    p.wait_log(lambda l: l.get("status") == 429 and "throttled" in l.get("reason", ""))
    # the owner, elsewhere, is not locked out by a stranger's guesses
    assert form_login(p.url, name, PW, "10.0.0.2").status_code == 303


def test_guessing_one_account_from_many_addresses_is_throttled_too(strict):
    p, stores = strict
    name = fresh_account(stores)
    for i in range(30):  # ten times the per-address limit of 3
        assert form_login(p.url, name, "wrong-password", f"10.1.{i}.1").status_code == 401
    assert form_login(p.url, name, PW, "10.1.99.1").status_code == 429


def test_parallel_guesses_cannot_slip_past_the_limit(strict):
    from concurrent.futures import ThreadPoolExecutor

    p, stores = strict
    name = fresh_account(stores)

    def guess(i):
        return requests.get(p.url + "/_echo/x", auth=(name, f"wrong-{i}"),
                            headers={"X-Forwarded-For": "10.2.0.1"}).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(guess, range(32)))
    assert codes.count(401) <= 3 and codes.count(429) >= 29, codes


def test_throttling_per_address_counts_unknown_names_too(strict):
    p, stores = strict
    name = fresh_account(stores)
    for i in range(6):
        assert form_login(p.url, f"ghost{i}-{name}", "wrong-password", "192.0.2.7").status_code == 401
    assert form_login(p.url, name, PW, "192.0.2.7").status_code == 429
    assert form_login(p.url, name, PW, "192.0.2.8").status_code == 303  # another address is fine


def test_a_success_resets_the_account_counter(strict):
    p, stores = strict
    name = fresh_account(stores)
    for _ in range(2):
        form_login(p.url, name, "wrong-password", "198.51.100.1")
    assert form_login(p.url, name, PW, "198.51.100.2").status_code == 303
    for _ in range(2):
        assert form_login(p.url, name, "wrong-password", "198.51.100.3").status_code == 401
    assert form_login(p.url, name, PW, "198.51.100.4").status_code == 303


def test_unknown_and_known_names_take_the_same_time(own):
    """No user enumeration by timing: interleaved samples, medians within 25% of each other."""
    p, stores, _ = own
    name = fresh_account(stores)
    b = Browser(p.url)
    token = b.csrf()

    def attempt(user):
        started = time.perf_counter()
        r = b.s.post(p.url + "/_access-es/login", data={"csrf_token": token, "username": user,
                                                        "password": "wrong-password"}, allow_redirects=False)
        assert r.status_code == 401
        return time.perf_counter() - started, r.text

    known, unknown = [], []
    for i in range(25):
        t, page_known = attempt(name)
        known.append(t)
        t, page_unknown = attempt(f"nobody{i}")
        unknown.append(t)
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.75 < ratio < 1.33, (statistics.median(known), statistics.median(unknown))
    import re

    def strip(page, user):
        return re.sub(r'name="csrf_token" value="[^"]*"', "", page.replace(user, "NAME"))

    assert strip(page_known, name) == strip(page_unknown, "nobody24")


@pytest.fixture(scope="module")
def dynamo_proxies(standin, moto_server, tmp_path_factory):
    """Two proxies (two Lambda containers, say) sharing one DynamoDB table."""
    import os

    table = "access-es-wire-" + uuid.uuid4().hex[:6]
    env = {"AWS_ENDPOINT_URL_DYNAMODB": moto_server}
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ACCESS_KEY_ID",
                                            "AWS_SECRET_ACCESS_KEY", "AWS_REGION")}
    os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=moto_server, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y",
                      AWS_REGION="us-east-1")
    try:
        init_store(f"dynamodb://{table}", "us-east-1")
        stores = open_stores(f"dynamodb://{table}", "us-east-1")
        stores.accounts.put(Account("dora", "admin", hash_password(PW)))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    folder = tmp_path_factory.mktemp("dynamo")
    extra = dict(ACCESS_ES_USERS=f"dynamodb://{table}", ACCESS_ES_THROTTLE_ACCOUNT="3",
                 ACCESS_ES_THROTTLE_MINUTES=steady_throttle_minutes(), **env)
    a = start_proxy(folder, standin.url, folder / "unused.json", **extra)
    b = start_proxy(folder, standin.url, folder / "unused.json", **extra)
    yield a, b
    stop_proxy(a)
    stop_proxy(b)


def test_sessions_work_across_containers(dynamo_proxies):
    a, b = dynamo_proxies
    browser = logged_in(a.url, "dora")
    cookies = dict(browser.s.cookies)
    r = requests.get(b.url + "/_echo/x", cookies=cookies, headers={"Accept": "application/json"})
    assert r.status_code == 200
    browser.base = b.url  # the same browser, its next requests served by the other container
    out = browser.request("POST", "/_access-es/logout", data={"csrf_token": browser.csrf("/_access-es/")})
    assert out.status_code == 303, out.text
    r = requests.get(a.url + "/_echo/x", cookies=cookies, headers={"Accept": "application/json"})
    assert r.status_code == 401


def test_throttling_is_shared_across_containers(dynamo_proxies):
    a, b = dynamo_proxies
    for url in (a.url, b.url, a.url):
        assert requests.get(url + "/_echo/x", auth=("dora", "wrong-password")).status_code == 401
    assert requests.get(b.url + "/_echo/x", auth=("dora", PW)).status_code == 429


def test_an_unreachable_table_fails_closed(standin, tmp_path):
    p = start_proxy(tmp_path, standin.url, tmp_path / "unused.json", ACCESS_ES_USERS="dynamodb://gone",
                    AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9")
    try:
        r = requests.get(p.url + "/_echo/x", auth=("dora", PW))
        assert r.status_code == 503
        assert "cannot be used" in r.json()["error"]["reason"] and "nobody can log in" in r.json()["error"]["reason"]
        page = Browser(p.url).login("dora", PW)
        assert page.status_code == 503
        assert standin.seen == []
        p.wait_log(lambda l: l.get("status") == 503 and "reason" in l)
    finally:
        stop_proxy(p)

"""The Flask views in-process, with the upstream's connection pool replaced by a fake that records what
would be sent: fast checks of the glue (the wire tests send the same things over loopback)."""
import io
import re
from types import SimpleNamespace

import pytest
import urllib3

from access_es import create_app
from access_es.accounts import Account
from access_es.stores import open_stores
from access_es.accounts.passwords import hash_password
from access_es.settings import load_settings

ENDPOINT = "https://search-demo-abc.us-east-1.es.amazonaws.com"


class Unsigned:
    def sign(self, method, url, host, body, *, identity=None):
        return {"Authorization": "AWS4-HMAC-SHA256 test"}

    def rejected(self, rejection, *, identity=None):
        return False


class FakePool:
    """Stands in for the Upstream's urllib3 pool: records each request, answers as told, and fails
    the test on any request nobody expected."""

    def __init__(self):
        self.calls = []
        self.routes = {}

    def add(self, method, path, status=200, body=b"{}", headers=None, error=None):
        self.routes[(method, path)] = (status, body, headers or {"Content-Type": "application/json"}, error)

    def urlopen(self, method, url, body=None, headers=None, **options):
        self.calls.append(SimpleNamespace(method=method, url=url, body=body, headers=headers))
        route = self.routes.get((method, url.split("?")[0]))
        assert route is not None, f"unexpected upstream request {method} {url}"
        status, data, answer_headers, error = route
        if error is not None:
            raise error
        return urllib3.HTTPResponse(io.BytesIO(data), headers={**answer_headers, "Content-Length": str(len(data))},
                                    status=status, preload_content=False, decode_content=False)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    stores = open_stores(str(tmp_path_factory.mktemp("v") / "users.json"))
    stores.accounts.put(Account("alice", "admin", hash_password("alice-password-1")))
    stores.accounts.put(Account("bob", "readonly", hash_password("bob-password-22")))
    return stores


@pytest.fixture
def accounts(stores):
    return stores.accounts


@pytest.fixture
def app(stores):
    settings = load_settings({"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32,
                              "ACCESS_ES_UPSTREAM_TIMEOUT": "2", "ACCESS_ES_THROTTLE_ACCOUNT": "1000",
                              "ACCESS_ES_THROTTLE_ADDRESS": "1000"})
    return create_app(settings, signer=Unsigned(), stores=stores)


@pytest.fixture
def pool(app):
    fake = FakePool()
    app.extensions["access_es.upstream"]._pool = fake
    return fake


@pytest.fixture
def client(app, pool):
    return app.test_client()


def recorded(app) -> list:
    """The records (access_es.record) of the requests `app` serves from now on, in order: every
    request's, whether Flask or the proxy's own path answered it."""
    from access_es.record import record_of

    seen = []
    inner = app.wsgi_app

    def capture(environ, start_response):
        body = inner(environ, start_response)
        seen.append(record_of(environ))
        return body

    app.wsgi_app = capture
    return seen


def login(client, name, password):
    page = client.get("/_access-es/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/_access-es/login", data={"csrf_token": token, "username": name, "password": password})


def test_health(client):
    assert client.get("/_access-es/health").get_json() == {"service": "access-es", "status": "ok"}


def test_proxied_request_reaches_the_endpoint_signed(client, pool):
    pool.add("POST", "/logs/_search", body=b'{"hits": {}}')
    login(client, "alice", "alice-password-1")
    r = client.post("/logs/_search?q=a+b", data=b'{"size":1}', content_type="application/json",
                    headers={"kbn-xsrf": "true"})
    assert r.status_code == 200 and r.get_json() == {"hits": {}}
    sent = pool.calls[0]
    assert sent.url == "/logs/_search?q=a%20b"
    assert sent.headers["Host"] == "search-demo-abc.us-east-1.es.amazonaws.com"
    assert sent.headers["Authorization"] == "AWS4-HMAC-SHA256 test"
    assert sent.body == b'{"size":1}'
    assert "access_es_session" not in sent.headers.get("Cookie", "")


def test_upstream_errors_map_to_502_and_504(client, pool):
    pool.add("GET", "/down", error=urllib3.exceptions.NewConnectionError(None, "connection refused"))
    pool.add("GET", "/slow", error=urllib3.exceptions.ReadTimeoutError(None, "/slow", "read timed out"))
    login(client, "alice", "alice-password-1")
    r = client.get("/down")
    assert r.status_code == 502 and r.get_json()["error"]["type"] == "upstream_unreachable"
    assert r.headers["Cache-Control"] == "no-store"
    r = client.get("/slow")
    assert r.status_code == 504 and "2 s" in r.get_json()["error"]["reason"]
    page = client.get("/slow", headers={"Accept": "text/html"})
    assert page.status_code == 504 and b"Upstream timed out" in page.data and b"<html" in page.data


def test_location_is_rewritten_to_the_proxy(client, pool):
    pool.add("GET", "/_dashboards", status=302, body=b"", headers={"Location": ENDPOINT + "/_dashboards/app/home"})
    login(client, "alice", "alice-password-1")
    r = client.get("/_dashboards")
    assert r.status_code == 302 and r.headers["Location"] == "http://localhost/_dashboards/app/home"


def test_readonly_writes_are_refused_before_the_upstream(client, pool):
    login(client, "bob", "bob-password-22")
    r = client.put("/logs/_doc/1", json={}, headers={"kbn-xsrf": "true"})
    assert r.status_code == 403 and "readonly" in r.get_json()["error"]["reason"]
    assert pool.calls == []


def test_the_session_of_a_changed_password_ends(client, accounts):
    login(client, "bob", "bob-password-22")
    assert client.get("/_access-es/", headers={"Accept": "text/html"}).status_code == 200
    accounts.put(Account("bob", "readonly", hash_password("bob-password-33")))
    r = client.get("/_access-es/", headers={"Accept": "application/json"})
    assert r.status_code == 401
    accounts.put(Account("bob", "readonly", hash_password("bob-password-22")))


def test_the_session_of_a_removed_account_ends(client, accounts):
    accounts.put(Account("temp", "admin", hash_password("temp-password")))
    login(client, "temp", "temp-password")
    assert client.get("/_access-es/").status_code == 200
    accounts.remove("temp")
    assert client.get("/_access-es/", headers={"Accept": "application/json"}).status_code == 401


def test_unknown_own_routes_are_404_in_both_faces(client):
    r = client.get("/_access-es/nothing")
    assert r.status_code == 404 and r.get_json()["error"]["type"] == "not_found"
    r = client.get("/_access-es/nothing", headers={"Accept": "text/html"})
    assert r.status_code == 404 and b"<html" in r.data


def test_unexpected_errors_are_500_without_a_trace(app, client):
    class Boom(Unsigned):
        def sign(self, method, url, host, body, *, identity=None):
            raise ZeroDivisionError("secret detail")

    app.extensions["access_es.upstream"].signer = Boom()
    login(client, "alice", "alice-password-1")
    r = client.get("/x")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "ZeroDivisionError" in body and "secret detail" not in body and "Traceback" not in body


def test_basic_credentials_are_verified_once_then_cached(client, pool, monkeypatch):
    import access_es.accounts.passwords as passwords

    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(1) or real(h, p))
    headers = {"Authorization": "Basic " + __import__("base64").b64encode(b"alice:alice-password-1").decode()}
    pool.add("GET", "/x")
    for _ in range(10):
        assert client.get("/x", headers=headers).status_code == 200
    assert len(calls) == 1
    wrong = {"Authorization": "Basic " + __import__("base64").b64encode(b"alice:wrong-password").decode()}
    for _ in range(3):
        assert client.get("/x", headers=wrong).status_code == 401
    assert len(calls) == 4  # failures are never cached


def test_the_basic_cache_holds_no_name_or_password(app, client, pool):
    import base64

    client.get("/_access-es/health")
    headers = {"Authorization": "Basic " + base64.b64encode(b"alice:alice-password-1").decode()}
    pool.add("GET", "/x")
    client.get("/x", headers=headers)
    entries = app.extensions["access_es.basic_cache"]._entries
    assert entries and not any("alice" in k or "password" in k for k in entries)


@pytest.mark.parametrize("next_param,expected", [
    ("/_dashboards/app/discover", "/_dashboards/app/discover"),
    ("%2F%2Fevil.example", "/_dashboards/"), ("%2F%5Cevil.example", "/_dashboards/"),
    ("https%3Aevil.example", "/_dashboards/"), ("%2F%09%2Fevil.example", "/_dashboards/"),
    ("%252F%252Fevil", "/_dashboards/"), ("%5C%5Cevil", "/_dashboards/"),
])
def test_next_from_the_query_string_is_checked_before_it_reaches_the_form(client, next_param, expected):
    page = client.get(f"/_access-es/login?next={next_param}").get_data(as_text=True)
    assert f'name="next" value="{expected}"' in page


def test_a_session_cookie_read_once_is_still_judged_by_its_age(app, client, pool, monkeypatch):
    """The session interface keeps the cookies it has verified (auth/session.py); a kept cookie still
    stops counting once older than the session's lifetime, as itsdangerous would judge it."""
    import time

    login(client, "alice", "alice-password-1")
    cookie = f"access_es_session={client.get_cookie('access_es_session').value}"

    def opened():
        with app.test_request_context("/", headers={"Cookie": cookie}):
            return dict(app.session_interface.open_session(app, __import__("flask").request))

    first, again = opened(), opened()
    assert first == again and first.get("_user_id", "").startswith("alice:")
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + lifetime - 30)
    assert opened() == first
    monkeypatch.setattr(time, "time", lambda: real() + lifetime + 30)
    assert opened() == {}
    monkeypatch.setattr(time, "time", lambda: real() - 3600)   # signed "in the future": refused too
    assert opened() == {}


def test_a_link_from_another_site_cannot_make_the_cluster_act_with_a_session(client, pool):
    """SameSite=Lax sends the cookie with another site's links: they may open pages and reads, not
    acting GETs (an admin's browser led to /_flush or to the SQL plugin)."""
    pool.add("POST", "/_flush")
    pool.add("GET", "/_flush")
    pool.add("GET", "/logs/_search")
    login(client, "alice", "alice-password-1")
    elsewhere = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Accept": "application/json"}
    r = client.get("/_flush", headers=elsewhere)
    assert r.status_code == 403 and "another site" in r.get_json()["error"]["reason"]
    assert client.get("/logs/_search", headers=elsewhere).status_code == 200
    assert client.get("/_flush", headers={**elsewhere, "Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert [c.url.split("?")[0] for c in pool.calls] == ["/logs/_search", "/_flush"]

"""Logging in, out, and who may do what, over loopback against the real server."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .conftest import PASSWORDS, Browser


def test_health_needs_no_login_and_never_touches_the_upstream(proxy, standin):
    r = requests.get(proxy.url + "/_access-es/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert standin.seen == []


def test_a_browser_without_a_session_is_sent_to_the_login_page_with_next(proxy, browser, standin):
    r = browser.get("/_dashboards/app/discover?_g=(time:now-15m)")
    assert r.status_code == 303
    loc = urlsplit(r.headers["Location"])
    assert loc.path == "/_access-es/login"
    assert parse_qs(loc.query)["next"] == ["/_dashboards/app/discover?_g=(time:now-15m)"]
    assert standin.seen == []


@pytest.mark.parametrize("headers", [
    {"Accept": "application/json"},
    {"Accept": "*/*"},
    {"Accept": "text/html", "kbn-xsrf": "true"},           # a Kibana XHR gets JSON, not a login page
    {"Accept": "text/html", "Sec-Fetch-Mode": "cors"},
])
def test_everything_else_without_credentials_gets_a_401_json(proxy, standin, headers):
    r = requests.post(proxy.url + "/logs-demo/_search", headers=headers) if "kbn-xsrf" in headers else \
        requests.get(proxy.url + "/logs-demo/_search", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "unauthorized"
    assert standin.seen == []


def test_api_clients_get_a_basic_challenge_but_browser_xhrs_do_not(proxy):
    assert "Basic" in requests.get(proxy.url + "/x").headers["WWW-Authenticate"]
    assert "WWW-Authenticate" not in requests.get(proxy.url + "/x", headers={"kbn-xsrf": "1"}).headers


def test_login_then_land_on_next_then_proxy(proxy, browser, standin):
    r = browser.login("alice", next_path="/logs-demo/_search?q=error")
    assert r.status_code == 303 and r.headers["Location"] == "/logs-demo/_search?q=error"
    r = browser.get("/logs-demo/_search?q=error", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["hits"]["total"]["value"] == 50
    assert standin.last().verified


def test_login_without_next_goes_home_and_root_goes_to_dashboards(proxy, browser):
    r = browser.login("alice")
    assert r.headers["Location"] == "/_dashboards/"
    r = browser.get("/")
    assert r.status_code == 302 and r.headers["Location"] == "/_dashboards/"
    page = browser.get("/_dashboards/")
    assert page.status_code == 200 and "osd-xsrf" in page.text


def test_api_clients_at_the_root_get_the_cluster_banner(proxy, admin):
    assert admin.get(proxy.url + "/").json()["tagline"]


def test_the_session_cookie_is_httponly_lax_and_holds_no_password(proxy, browser):
    r = browser.login("alice")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("access_es_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    value = browser.s.cookies["access_es_session"]
    import base64, zlib
    payload = value.split(".")[0] if not value.startswith(".") else value.split(".")[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    text = (zlib.decompress(raw) if value.startswith(".") else raw).decode()
    assert PASSWORDS["alice"] not in text and "argon2" not in text


@pytest.mark.parametrize("name,password", [("alice", "wrong-password"), ("nobody", "whatever-pass"), ("alice", "")])
def test_failed_logins_say_the_same_thing(proxy, name, password):
    b = Browser(proxy.url)
    r = b.login(name, password)
    assert r.status_code == 401
    assert "Wrong name or password." in r.text
    assert b.get("/_echo/x", headers={"Accept": "application/json"}).status_code == 401
    line = proxy.wait_log(lambda l: l.get("status") == 401 and l.get("path") == "/_access-es/login")
    assert "login failed" in line["reason"]
    assert password not in proxy.log_text() or not password


def test_a_login_post_without_csrf_token_is_refused(proxy):
    s = requests.Session()
    s.get(proxy.url + "/_access-es/login")
    r = s.post(proxy.url + "/_access-es/login", data={"username": "alice", "password": PASSWORDS["alice"]},
               allow_redirects=False)
    assert r.status_code == 400 and "reload the page" in r.text
    r = s.post(proxy.url + "/_access-es/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                                      "csrf_token": "forged"}, allow_redirects=False)
    assert r.status_code == 400


def test_a_csrf_token_from_another_session_is_refused(proxy):
    a, b = Browser(proxy.url), Browser(proxy.url)
    token = a.csrf()
    b.csrf()
    r = b.s.post(proxy.url + "/_access-es/login", data={"username": "alice", "password": PASSWORDS["alice"],
                                                        "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 400


@pytest.mark.parametrize("evil", [
    "//evil.example/", "/\\evil.example", "https:evil.example", "https://evil.example/", "\\\\evil.example",
    "/\t/evil.example", "/%0a/evil", "evil.example", "javascript:alert(1)", "///evil.example",
])
def test_next_must_be_a_same_site_path(proxy, evil):
    b = Browser(proxy.url)
    r = b.login("alice", next_path=evil)
    assert r.status_code == 303
    location = r.headers["Location"]
    if evil == "/%0a/evil":  # a path on this site; the browser asks us for it
        assert location == "/%0a/evil"
    else:
        assert location == "/_dashboards/", (evil, location)


def test_logout_needs_csrf_and_ends_the_session(proxy, browser):
    browser.login("alice")
    assert browser.get("/_access-es/").status_code == 200
    assert browser.request("POST", "/_access-es/logout").status_code == 400
    token = browser.csrf("/_access-es/")
    r = browser.request("POST", "/_access-es/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].startswith("/_access-es/login")
    assert browser.get("/_access-es/", headers={"Accept": "application/json"}).status_code == 401


def test_home_page_shows_who_and_role(proxy, browser):
    browser.login("bob")
    page = browser.get("/_access-es/")
    assert page.status_code == 200
    assert "bob" in page.text and "readonly" in page.text and 'href="/_dashboards/"' in page.text
    assert re.search(r'<label for="username"', browser.get("/_access-es/login").text)


def test_a_tampered_cookie_is_nobody(proxy, browser):
    browser.login("alice")
    value = browser.s.cookies["access_es_session"]
    browser.s.cookies.clear()
    browser.s.cookies.set("access_es_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert browser.get("/x", headers={"Accept": "application/json"}).status_code == 401


def test_a_forged_cookie_signed_with_another_key_is_nobody(proxy):
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    fake = Flask("forger")
    fake.secret_key = "not-the-real-secret-key-000000000"
    serializer = SecureCookieSessionInterface().get_signing_serializer(fake)
    forged = serializer.dumps({"_user_id": "alice:" + "0" * 32, "_fresh": True})
    r = requests.get(proxy.url + "/x", cookies={"access_es_session": forged}, headers={"Accept": "application/json"})
    assert r.status_code == 401


def test_basic_auth(proxy, standin):
    assert requests.get(proxy.url + "/_echo/x", auth=("alice", PASSWORDS["alice"])).status_code == 200
    r = requests.get(proxy.url + "/_echo/x", auth=("alice", "nope"))
    assert r.status_code == 401 and r.json()["error"]["reason"] == "wrong name or password"
    r = requests.get(proxy.url + "/_echo/x", auth=("ghost", "nope"))
    assert r.status_code == 401 and r.json()["error"]["reason"] == "wrong name or password"
    r = requests.get(proxy.url + "/_echo/x", headers={"Authorization": "Basic !!notbase64"})
    assert r.status_code == 400 and "malformed" in r.json()["error"]["reason"]
    assert len(standin.seen) == 1


def test_wrong_basic_credentials_are_not_rescued_by_a_session(proxy, browser):
    browser.login("alice")
    r = browser.get("/_echo/x", auth=("alice", "wrong"), headers={"Accept": "application/json"})
    assert r.status_code == 401


@pytest.mark.parametrize("method,path,params", [
    ("PUT", "/logs-demo/_doc/1", None), ("POST", "/_bulk", None), ("POST", "/logs-demo/_update/1", None),
    ("DELETE", "/logs-demo", None), ("POST", "/_reindex", None), ("PUT", "/_snapshot/repo", None),
    ("POST", "/_sql", None), ("POST", "/%5Fbulk", None), ("POST", "/_search/..%2F_bulk", None),
    ("POST", "/_search", {"_method": "PUT"}),
    ("POST", "/_dashboards/api/console/proxy", {"path": "/_bulk", "method": "POST"}),
    ("POST", "/_dashboards/api/saved_objects/dashboard", None),
])
def test_readonly_writes_are_403_and_never_reach_the_upstream(proxy, reader, standin, method, path, params):
    s = requests.Session()
    req = requests.Request(method, proxy.url + "/", params=params, auth=reader.auth, data=b'{"index":{}}\n{}\n',
                           headers={"Content-Type": "application/x-ndjson"}).prepare()
    req.url = proxy.url + path + ("?" + req.url.split("?", 1)[1] if "?" in req.url else "")
    r = s.send(req)
    assert r.status_code == 403, (path, r.text)
    assert r.json()["error"]["type"] == "forbidden"
    assert standin.seen == []
    line = proxy.wait_log(lambda l: l.get("status") == 403 and l.get("account") == "bob")
    assert "readonly" in line["reason"]


def test_readonly_method_override_headers_are_403(proxy, reader, standin):
    r = reader.get(proxy.url + "/_search", headers={"X-HTTP-Method-Override": "DELETE"})
    assert r.status_code == 403 and standin.seen == []


def test_readonly_reads_work(proxy, reader, standin):
    assert reader.get(proxy.url + "/logs-demo/_search?q=error").status_code == 200
    assert reader.post(proxy.url + "/logs-demo/_search", json={"query": {"match_all": {}}}).status_code == 200
    assert reader.post(proxy.url + "/_msearch", data=b'{"index":"logs-demo"}\n{"query":{"match_all":{}}}\n',
                       headers={"Content-Type": "application/x-ndjson"}).status_code in (200, 400)
    r = reader.post(proxy.url + "/_dashboards/internal/search/opensearch", headers={"osd-xsrf": "true"},
                    json={"params": {"index": "movies", "body": {}}})
    assert r.status_code == 200 and r.json()["rawResponse"]["hits"]["total"]["value"] == 4
    assert all(s.verified for s in standin.seen)


def test_readonly_browser_session(proxy, standin):
    b = Browser(proxy.url)
    b.login("bob")
    assert b.get("/logs-demo/_count", headers={"Accept": "application/json"}).json()["count"] == 200
    r = b.request("PUT", "/logs-demo/_doc/9", json={"x": 1}, headers={"Accept": "application/json"})
    assert r.status_code == 403
    assert [s.method for s in standin.seen] == ["GET"]


def test_admin_writes_reach_the_upstream(proxy, admin, standin):
    r = admin.put(proxy.url + "/scratch/_doc/1", json={"x": 1})
    assert r.status_code == 201 and standin.last().verified
    assert admin.delete(proxy.url + "/scratch/_doc/1").json()["result"] == "deleted"


def test_basic_failures_are_logged_with_the_name_but_not_told(proxy):
    r = requests.get(proxy.url + "/_echo/logged", auth=("mallory", "not-her-password"))
    assert r.status_code == 401 and "mallory" not in r.text
    line = proxy.wait_log(lambda l: l.get("status") == 401 and "mallory" in l.get("reason", ""))
    assert "Basic auth failed" in line["reason"] and "not-her-password" not in proxy.log_text()

"""Single sign-on over the wire, against the real OpenID provider (testbed/oidc): under `access-es
serve` with requests as the browser, in headless Chromium (Dashboards, "Log in with SSO", the
provider's form, back to the page asked for; a readonly member refused a write; logout through the
provider), and through Zappa's own handler under an API Gateway stage."""
from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, parse_qsl, urljoin, urlsplit

import pytest
import requests

from access_es import create_app
from access_es.settings import load_settings
from access_es.stores import open_stores
from testbed.oidc_provider import (
    CLIENT_ID, CLIENT_SECRET, ensure_installed, form_of, log_in_at_provider, start_provider, stop_provider,
)

from .conftest import APP_SECRET, REGION, free_port, start_proxy, stop_proxy
from .zappa_harness import LAMBDA_ENV, LambdaClient, handler_for, header, set_cookies

CALLBACK = "/_access-es/oidc/callback"
EXECUTE_API = "abc123.execute-api.us-east-1.amazonaws.com"
PAGE = {"Accept": "text/html,application/xhtml+xml"}


def sso_env(issuer: str, **extra) -> dict:
    return {"ACCESS_ES_OIDC_ISSUER": issuer, "ACCESS_ES_OIDC_CLIENT_ID": CLIENT_ID,
            "ACCESS_ES_OIDC_CLIENT_SECRET": CLIENT_SECRET, "ACCESS_ES_OIDC_SCOPES": "openid email groups",
            "ACCESS_ES_OIDC_ADMIN_GROUPS": "es-admins", "ACCESS_ES_OIDC_READONLY_GROUPS": "es-readers", **extra}


@pytest.fixture(scope="module")
def bed(standin, accounts_file, tmp_path_factory):
    """The provider, and two proxies under `serve` that use it: password login on, and off."""
    reason = ensure_installed()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("sso")
    on, off = free_port(), free_port()
    sites = [f"http://127.0.0.1:{on}", f"http://127.0.0.1:{off}", f"https://{EXECUTE_API}/dev"]
    idp = start_provider(tmp, [s + CALLBACK for s in sites], [s + "/_access-es/login" for s in sites])
    proxies = []
    try:
        for port, password in ((on, "on"), (off, "off")):
            proxies.append(start_proxy(tmp_path_factory.mktemp("proxy"), standin.url, accounts_file, port=port,
                                       **sso_env(idp.issuer, ACCESS_ES_PASSWORD_LOGIN=password)))
        yield idp, proxies[0], proxies[1]
    finally:
        for p in proxies:
            stop_proxy(p)
        stop_provider(idp)


def through_provider(s: requests.Session, proxy_url: str, start: str, login: str) -> requests.Response:
    """From a page of ours to the provider and back: the answer of our callback (not followed)."""
    authorization = s.get(urljoin(proxy_url, start), allow_redirects=False, timeout=10)
    assert authorization.status_code == 303, authorization.text[:500]
    back = log_in_at_provider(s, authorization.headers["Location"], login)
    callback = back.headers["Location"]
    assert callback.startswith(proxy_url + CALLBACK + "?"), callback
    return s.get(callback, allow_redirects=False, timeout=10)


def test_the_whole_flow_under_serve(bed, standin):
    idp, proxy, _ = bed
    s = requests.Session()
    s.headers.update(PAGE)
    sent = s.get(proxy.url + "/_dashboards/app/discover", allow_redirects=False, timeout=10)
    assert sent.status_code == 303
    login_page = s.get(urljoin(proxy.url, sent.headers["Location"]), timeout=10)
    sso = re.search(r'href="([^"]+)">Log in with SSO', login_page.text).group(1)
    assert sso == "/_access-es/oidc/login?next=/_dashboards/app/discover"
    landed = through_provider(s, proxy.url, sso, "ada")
    assert landed.status_code == 303 and landed.headers["Location"] == "/_dashboards/app/discover"
    line = proxy.wait_log(lambda l: l.get("auth") == "oidc" and l.get("status") == 303)
    assert line["account"] == "ada@example.com"
    page = s.get(proxy.url + "/_dashboards/app/discover", timeout=10)
    assert page.status_code == 200
    search = s.post(proxy.url + "/logs-demo/_search", json={"query": {"match_all": {}}},
                    headers={"kbn-xsrf": "true", "Accept": "application/json"}, timeout=10)
    assert search.status_code == 200 and "hits" in search.json()


def test_refusals_under_serve_are_pages_with_a_logged_reason(bed):
    _, proxy, _ = bed
    s = requests.Session()
    s.headers.update(PAGE)
    answer = through_provider(s, proxy.url, "/_access-es/oidc/login?next=/_dashboards/", "eve")
    assert answer.status_code == 403 and "Try again" in answer.text and "not in a group" in answer.text
    proxy.wait_log(lambda l: l.get("status") == 403 and "'eve@example.com' is in no allowed group" in l.get("reason", ""))
    forged = s.get(proxy.url + CALLBACK + "?code=abc&state=forged", allow_redirects=False, timeout=10)
    assert forged.status_code == 400 and "Try again" in forged.text
    proxy.wait_log(lambda l: l.get("status") == 400 and "state mismatch" in l.get("reason", ""))
    assert s.get(proxy.url + "/_access-es/", allow_redirects=False, timeout=10).status_code == 303


def test_with_password_login_off_under_serve(bed, accounts_file):
    _, _, proxy = bed
    s = requests.Session()
    s.headers.update(PAGE)
    sent = s.get(proxy.url + "/_dashboards/?q=1", allow_redirects=False, timeout=10)
    assert sent.headers["Location"] == "/_access-es/oidc/login?next=/_dashboards/%3Fq%3D1"
    assert requests.get(proxy.url + "/logs-demo/_search", auth=("alice", "alice-password-1"),
                        timeout=10).status_code == 401
    proxy.wait_log(lambda l: "ACCESS_ES_PASSWORD_LOGIN=off" in (l.get("reason") or ""))
    landed = through_provider(s, proxy.url, sent.headers["Location"], "rob")
    assert landed.headers["Location"] == "/_dashboards/?q=1"


# -- Zappa -------------------------------------------------------------------------------------------

def test_the_callback_under_the_stage_prefix_through_zappas_handler(bed, standin, tmp_path):
    idp, _, _ = bed
    stores = open_stores(str(tmp_path / "users.json"))
    settings = load_settings({"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                              "ACCESS_ES_REGION": REGION, **LAMBDA_ENV, **sso_env(idp.issuer)})
    client = LambdaClient(handler_for(create_app(settings, stores=stores)), host=EXECUTE_API)
    start = client.request("GET", "/_access-es/oidc/login", headers=[("Accept", "text/html")],
                           query=[("next", "/dev/_dashboards/app/discover")])
    assert start["statusCode"] == 303
    authorization = header(start, "Location")
    assert parse_qs(urlsplit(authorization).query)["redirect_uri"] == [f"https://{EXECUTE_API}/dev{CALLBACK}"]
    first_cookies = set_cookies(start)
    assert len(first_cookies) == 1 and "Secure" in first_cookies[0]

    back = log_in_at_provider(requests.Session(), authorization, "ada")
    callback = urlsplit(back.headers["Location"])
    assert callback.path == f"/dev{CALLBACK}"
    landed = client.request("GET", CALLBACK, headers=[("Accept", "text/html")],
                            query=parse_qsl(callback.query))
    assert landed["statusCode"] == 303, landed.get("body", "")[:500]
    assert header(landed, "Location") == "/dev/_dashboards/app/discover"
    cookies = set_cookies(landed)
    assert len(cookies) == 1 and cookies[0].startswith("access_es_session=")
    assert "Secure" in cookies[0] and "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    home = client.request("GET", "/_access-es/", headers=[("Accept", "text/html")])
    assert home["statusCode"] == 200 and "ada@example.com" in home["body"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', home["body"]).group(1)
    out = client.request("POST", "/_access-es/logout", body=f"csrf_token={token}".encode(),
                         headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")])
    query = parse_qs(urlsplit(header(out, "Location")).query)
    assert query["post_logout_redirect_uri"] == [f"https://{EXECUTE_API}/dev/_access-es/login"]


# -- Chromium ------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


from .test_browser import chrome  # noqa: E402,F401  (the fixture: headless Chromium, its own profile)


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Chromium and chromedriver are not installed here "
                    "(make test installs Debian's chromium and chromium-driver when apt-get is available)")
def test_sso_in_chromium(bed, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    idp, proxy, _ = bed
    wait = WebDriverWait(chrome, 30)

    def log_in_with_sso(login: str) -> None:
        chrome.get(proxy.url + "/_dashboards/")
        assert "/_access-es/login" in chrome.current_url
        chrome.find_element(By.ID, "sso").click()                    # "Log in with SSO"
        wait.until(lambda d: d.current_url.startswith(idp.issuer + "/interaction/"))
        chrome.find_element(By.NAME, "login").send_keys(login)
        chrome.find_element(By.NAME, "password").send_keys("any-password")
        chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(lambda d: d.current_url == proxy.url + "/_dashboards/")

    def log_out() -> None:
        chrome.get(proxy.url + "/_access-es/")
        chrome.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()   # Log out
        wait.until(lambda d: d.current_url.startswith(idp.issuer + "/session/end"))
        chrome.find_element(By.CSS_SELECTOR, "button[name=logout]").click()       # the provider's "Yes, sign me out"
        wait.until(lambda d: d.current_url == proxy.url + "/_access-es/login")

    log_in_with_sso("ada")
    chrome.find_element(By.ID, "search").click()
    wait.until(lambda d: "hits" in d.find_element(By.ID, "status").text)
    assert chrome.find_elements(By.CSS_SELECTOR, "#hits tbody tr")
    log_out()
    chrome.get(proxy.url + "/_dashboards/")
    assert "/_access-es/login" in chrome.current_url                # our session is gone

    log_in_with_sso("rob")                                           # es-readers: readonly
    chrome.set_script_timeout(30)
    statuses = chrome.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          const headers = {'Content-Type': 'application/json', 'osd-xsrf': 'true'};
          const read = await fetch('/logs-demo/_search', {method: 'POST', headers, body: '{}'});
          const write = await fetch('/logs-demo/_doc/1', {method: 'PUT', headers, body: '{"a": 1}'});
          done([read.status, write.status, (await write.json()).error.type]);
        })();
    """)
    assert statuses == [200, 403, "forbidden"]
    log_out()


# -- access-es check -------------------------------------------------------------------------------------

def test_check_reads_the_providers_discovery_and_keys_and_prints_the_redirect_url(bed, standin, moto_server,
                                                                                   accounts_file):
    from .test_check import base_env, check

    idp, _, _ = bed
    r = check(base_env(standin, moto_server, accounts_file, **sso_env(idp.issuer)), "--url", "https://kibana.example.com")
    out = r.stdout
    assert f"[ok  ] SSO provider: {idp.issuer}/.well-known/openid-configuration read: issuer {idp.issuer}, " \
           "client authentication client_secret_basic, RP-initiated logout" in out, out
    assert f"[ok  ] SSO keys: {idp.issuer}/jwks: " in out and "ID tokens accepted signed with RS256" in out
    assert "[ok  ] SSO redirect URL: people come back to https://kibana.example.com/_access-es/oidc/callback" in out
    r = check(base_env(standin, moto_server, accounts_file, **sso_env("http://127.0.0.1:9")))
    assert "[FAIL] SSO provider: the provider's discovery document (http://127.0.0.1:9/.well-known/" \
           "openid-configuration) cannot be reached" in r.stdout and r.returncode == 1

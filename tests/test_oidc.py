"""Single sign-on against a real OpenID provider (npm oidc-provider, testbed/oidc) on loopback: the
app in-process (Flask's test client is the browser on our side, requests the browser at the
provider), the provider a Node process with its own login form, discovery, JWKS, token, userinfo and
end_session endpoints. The whole round trip, then every way it must fail: each answers a page with a
"Try again" link, a log reason on the record, and never a session."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from access_es import create_app
from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.settings import load_settings
from access_es.stores import open_stores
from testbed.oidc_provider import (
    CLIENT_ID, CLIENT_SECRET, ensure_installed, log_in_at_provider, start_provider, stop_provider,
)

from .test_views import ENDPOINT, FakePool, Unsigned, recorded

CALLBACK = "http://localhost/_access-es/oidc/callback"   # Flask's test client is http://localhost
LOGIN_PAGE = "http://localhost/_access-es/login"
PAGE = {"Accept": "text/html,application/xhtml+xml"}


def _provider(tmp_path_factory, **options):
    reason = ensure_installed()
    if reason:
        pytest.skip(reason)
    p = start_provider(tmp_path_factory.mktemp("idp"), [CALLBACK], [LOGIN_PAGE], **options)
    return p


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """Claims the OpenID way: the ID token has only sub, email and groups come from userinfo."""
    p = _provider(tmp_path_factory)
    yield p
    stop_provider(p)


@pytest.fixture(scope="module")
def generous_provider(tmp_path_factory):
    """Puts every granted claim in the ID token (userinfo is not needed), accepts client_secret_post only."""
    p = _provider(tmp_path_factory, id_token_claims=True, auth_method="client_secret_post", only_auth_method=True)
    yield p
    stop_provider(p)


def sso_env(issuer: str, **extra) -> dict:
    return {"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32, "ACCESS_ES_OIDC_ISSUER": issuer,
            "ACCESS_ES_OIDC_CLIENT_ID": CLIENT_ID, "ACCESS_ES_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "ACCESS_ES_OIDC_SCOPES": "openid email profile groups", "ACCESS_ES_OIDC_ADMIN_GROUPS": "es-admins",
            "ACCESS_ES_OIDC_READONLY_GROUPS": "es-readers,auditors", **extra}


def make_app(tmp_path, issuer, **extra):
    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("alice", "admin", hash_password("alice-password-1")))
    stores.accounts.put(Account("rob@example.com", "admin", hash_password("rob-password-123")))
    app = create_app(load_settings(sso_env(issuer, **extra)), signer=Unsigned(), stores=stores)
    pool = FakePool()
    app.extensions["access_es.upstream"]._pool = pool
    records = recorded(app)
    return app, stores, pool, records


class Person:
    """One browser: Flask's test client on our side, a requests session at the provider."""

    def __init__(self, app):
        self.client = app.test_client()
        self.at_idp = requests.Session()

    def get(self, path, **kw):
        return self.client.get(path, headers=PAGE, **kw)

    def start(self, next_path: str | None = "/_dashboards/app/discover") -> str:
        answer = self.get("/_access-es/oidc/login", query_string={"next": next_path} if next_path else None)
        assert answer.status_code == 303, answer.text
        return answer.location

    def sign_in(self, authorization_url: str, login: str) -> str:
        """At the provider; answers our callback's path and query, where the provider sends the browser."""
        answer = log_in_at_provider(self.at_idp, authorization_url, login)
        assert answer.is_redirect and answer.headers["Location"].startswith(CALLBACK), answer.text[:500]
        parts = urlsplit(answer.headers["Location"])
        return f"{parts.path}?{parts.query}"

    def log_in(self, login: str, next_path: str | None = "/_dashboards/app/discover"):
        return self.get(self.sign_in(self.start(next_path), login))


@pytest.fixture
def site(tmp_path, provider):
    return make_app(tmp_path, provider.issuer)


def refused(answer, status: int, records, reason: str):
    """A failure page: the status, what went wrong, a Try again link, a log reason, no session."""
    assert answer.status_code == status, answer.text[:800]
    assert "text/html" in answer.content_type
    assert re.search(r'<a class="retry" href="/_access-es/oidc/login[^"]*">Try again</a>', answer.text), answer.text
    assert "Traceback" not in answer.text
    assert reason in (records[-1].reason or ""), records[-1].reason
    cookies = answer.headers.getlist("Set-Cookie")
    assert not any("_user_id" in c for c in cookies)


def logged_in_as(person) -> str | None:
    home = person.client.get("/_access-es/", headers=PAGE)
    m = re.search(r"<dt>Logged in as</dt><dd>([^<]*)</dd>", home.text)
    return m.group(1) if m else None


# -- the round trip ----------------------------------------------------------------------------------

def test_the_login_page_offers_sso_and_the_round_trip_lands_where_asked(site, provider):
    app, stores, pool, records = site
    person = Person(app)
    page = person.get("/_access-es/login?next=/_dashboards/app/discover")
    assert "Log in with SSO" in page.text and 'name="password"' in page.text
    sso = re.search(r'href="([^"]+)">Log in with SSO', page.text).group(1)
    assert sso == "/_access-es/oidc/login?next=/_dashboards/app/discover"

    authorization = person.get(sso).location
    query = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(provider.issuer + "/auth?")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["scope"] == ["openid email profile groups"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32

    landed = person.get(person.sign_in(authorization, "ada"))
    assert landed.status_code == 303 and landed.location == "/_dashboards/app/discover"
    assert records[-1].auth == "oidc" and records[-1].account.name == "ada@example.com"
    cookie = landed.headers.get("Set-Cookie")
    assert cookie.startswith("access_es_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    ada = stores.accounts.get("ada@example.com")
    assert ada == Account("ada@example.com", "admin", "", None, sso=True, sso_subject=ada.sso_subject)
    assert ada.sso_subject.startswith(provider.issuer + " ")  # the provider's subject it belongs to
    assert logged_in_as(person) == "ada@example.com"

    pool.add("PUT", "/logs/_doc/1", status=201)
    write = person.client.put("/logs/_doc/1", data=b"{}", headers={"Content-Type": "application/json",
                                                                    "kbn-xsrf": "true"})
    assert write.status_code == 201 and records[-1].auth == "session"


def test_groups_from_userinfo_a_single_string_and_the_readonly_role(site, provider):
    app, stores, pool, records = site
    person = Person(app)
    assert person.log_in("sol").status_code == 303       # "groups": "es-readers", from userinfo
    assert stores.accounts.get("sol@example.com").role == "readonly"
    pool.add("GET", "/logs/_search")
    assert person.client.get("/logs/_search", headers={"Accept": "application/json"}).status_code == 200
    refused_write = person.client.put("/logs/_doc/1", data=b"{}", headers={"Content-Type": "application/json",
                                                                            "kbn-xsrf": "true"})
    assert refused_write.status_code == 403


def test_the_role_follows_the_groups_at_each_login(site, provider):
    app, stores, _, _ = site
    users = dict(provider.users)
    try:
        provider.set_users({**users, "ada": {**users["ada"], "groups": ["auditors"]}})
        assert Person(app).log_in("ada").status_code == 303
        assert stores.accounts.get("ada@example.com").role == "readonly"
        provider.set_users(users)
        assert Person(app).log_in("ada").status_code == 303
        assert stores.accounts.get("ada@example.com").role == "admin"
    finally:
        provider.set_users(users)


def test_claims_in_the_id_token_and_a_provider_that_takes_client_secret_post_only(tmp_path, generous_provider):
    app, stores, _, records = make_app(tmp_path, generous_provider.issuer)
    person = Person(app)
    assert person.log_in("ada").status_code == 303
    assert records[-1].account.name == "ada@example.com" and stores.accounts.get("ada@example.com").sso


def test_rotated_signing_keys_are_fetched_again(site, provider):
    app, _, _, records = site
    assert Person(app).log_in("ada").status_code == 303      # the JWKS is cached now
    kids = provider.rotate()
    assert Person(app).log_in("ada").status_code == 303, records[-1].reason
    assert app.extensions["access_es.oidc"].jwks()["keys"][0]["kid"] == kids[0]


# -- what must fail ---------------------------------------------------------------------------------

def test_not_in_any_allowed_group_is_403(site):
    app, stores, _, records = site
    person = Person(app)
    answer = person.log_in("eve")
    refused(answer, 403, records, "'eve@example.com' is in no allowed group")
    assert "not in a group that may use this site" in answer.text
    assert stores.accounts.get("eve@example.com") is None and logged_in_as(person) is None


def test_a_password_account_is_not_taken_over_by_sso(site):
    app, stores, _, records = site
    refused(Person(app).log_in("rob"), 403, records, "'rob@example.com' is a password account")
    assert not stores.accounts.get("rob@example.com").sso


def test_a_state_this_browser_did_not_start_is_400(site, provider):
    app, _, _, records = site
    victim, attacker = Person(app), Person(app)
    callback = attacker.sign_in(attacker.start(), "ada")     # the attacker's own code, planted on the victim
    refused(victim.get(callback), 400, records, "state mismatch")
    assert logged_in_as(victim) is None
    refused(victim.get("/_access-es/oidc/callback?code=x"), 400, records, "state mismatch")


def test_a_replayed_callback_is_400_even_with_the_cookie_from_before(site):
    app, _, _, records = site
    person = Person(app)
    callback = person.sign_in(person.start(), "ada")
    before = person.client.get_cookie("access_es_session").value
    assert person.get(callback).status_code == 303
    refused(person.get(callback), 400, records, "state mismatch")      # the cookie of now has no such state
    replay = Person(app)
    replay.client.set_cookie("access_es_session", before)              # a copy taken before the callback
    refused(replay.get(callback), 400, records, "replayed callback")
    assert logged_in_as(replay) is None


def test_a_reused_code_is_refused_by_the_provider_and_400(site):
    app, _, _, records = site
    person = Person(app)
    used = person.sign_in(person.start(), "ada")
    assert person.get(used).status_code == 303
    fresh = person.sign_in(person.start(), "ada")
    code = parse_qs(urlsplit(used).query)["code"][0]
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    answer = person.get(f"/_access-es/oidc/callback?code={code}&state={state}")
    refused(answer, 400, records, "the token endpoint refused the code: invalid_grant")


def test_an_error_from_the_provider_is_400(site, provider):
    app, _, _, records = site
    person = Person(app)
    page = person.at_idp.get(person.start(), timeout=10)
    abort_url = re.search(r'href="([^"]*/abort)"', page.text).group(1)      # the provider's "Cancel"
    abort = person.at_idp.get(abort_url, allow_redirects=False, timeout=10)
    while abort.headers["Location"].startswith(provider.issuer):
        abort = person.at_idp.get(abort.headers["Location"], allow_redirects=False, timeout=10)
    parts = urlsplit(abort.headers["Location"])
    answer = person.get(f"{parts.path}?{parts.query}")
    refused(answer, 400, records, "error='access_denied'")
    assert "access_denied" in answer.text


@pytest.mark.parametrize("mode,status,reason", [
    ("expired", 401, "ID token refused: expired"),
    ("aud", 401, "ID token refused: invalid_claim: Invalid claim: 'aud'"),        # issued to another client
    ("nonce", 400, "nonce mismatch"),
    ("foreign-key", 401, "ID token refused: InvalidKeyIdError"),                  # not in the JWKS, even refetched
    ("foreign-kid", 401, "ID token refused: BadSignatureError"),                  # a real kid, another key
    ("none", 401, "ID token refused: UnsupportedAlgorithmError: unsupported_algorithm: Algorithm of 'none'"),
    ("hs256-pubkey", 401, "ID token refused: UnsupportedAlgorithmError: unsupported_algorithm: Algorithm of 'HS256'"),
])
def test_a_bad_id_token_is_refused(site, provider, mode, status, reason):
    app, stores, _, records = site
    person = Person(app)
    authorization = person.start()
    provider.tamper(mode)
    refused(person.get(person.sign_in(authorization, "ada")), status, records, reason)
    assert logged_in_as(person) is None


def test_next_cannot_lead_off_site_across_the_round_trip(site):
    app, _, _, _ = site
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/_access-es/oidc/login?next=//e",
                 "/%2e%2e/../_access-es/login", "\t//evil.example"):
        landed = Person(app).log_in("ada", next_path=evil)
        assert landed.status_code == 303 and landed.location == "/_dashboards/", (evil, landed.location)


def test_an_unreachable_provider_is_502_with_a_page(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # closed again: nothing listens there
    app, _, _, records = make_app(tmp_path, f"http://127.0.0.1:{port}")
    answer = Person(app).get("/_access-es/oidc/login?next=/_dashboards/")
    assert answer.status_code == 502 and "Try again" in answer.text
    assert "discovery document" in records[-1].reason and "cannot be reached" in records[-1].reason


# -- logout -------------------------------------------------------------------------------------------

def test_logout_ends_our_session_then_the_providers(site, provider):
    app, _, _, _ = site
    person = Person(app)
    assert person.log_in("ada").status_code == 303
    home = person.get("/_access-es/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    out = person.client.post("/_access-es/logout", data={"csrf_token": token}, headers=PAGE)
    assert out.status_code == 303 and out.location.startswith(provider.issuer + "/session/end?")
    query = parse_qs(urlsplit(out.location).query)
    assert query["post_logout_redirect_uri"] == [LOGIN_PAGE] and query["client_id"] == [CLIENT_ID]
    assert query["id_token_hint"][0].count(".") == 2
    assert logged_in_as(person) is None                      # ours ended before the provider's
    # the provider asks to confirm, then comes back to our login page
    from testbed.oidc_provider import form_of

    confirm = person.at_idp.get(out.location, timeout=10)
    action, fields = form_of(confirm.text, confirm.url)
    fields["logout"] = "yes"
    back = person.at_idp.post(action, data=fields, allow_redirects=False, timeout=10)
    while back.headers["Location"].startswith(provider.issuer):
        back = person.at_idp.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert back.headers["Location"] == LOGIN_PAGE
    # and at the provider, the person has to sign in again
    again = person.at_idp.get(person.start(), timeout=10)
    assert 'name="login"' in again.text


def test_a_password_login_logs_out_without_the_provider(site):
    app, _, _, _ = site
    person = Person(app)
    page = person.get("/_access-es/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert person.client.post("/_access-es/login", data={"csrf_token": token, "username": "alice",
                                                         "password": "alice-password-1"}).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', person.get("/_access-es/").text).group(1)
    out = person.client.post("/_access-es/logout", data={"csrf_token": token}, headers=PAGE)
    assert out.location == "/_access-es/login"


# -- password login off --------------------------------------------------------------------------------

def test_with_password_login_off_browsers_go_straight_to_sso(tmp_path, provider):
    import base64

    app, _, pool, records = make_app(tmp_path, provider.issuer, ACCESS_ES_PASSWORD_LOGIN="off")
    person = Person(app)
    sent = person.get("/_dashboards/app/discover?q=1")
    assert sent.status_code == 303 and sent.location == "/_access-es/oidc/login?next=/_dashboards/app/discover%3Fq%3D1"
    page = person.get("/_access-es/login")
    assert "Log in with SSO" in page.text and 'name="password"' not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    refusal = person.client.post("/_access-es/login", data={"csrf_token": "x", "username": "alice",
                                                             "password": "alice-password-1"}, headers=PAGE)
    assert refusal.status_code == 403 and "turned off" in refusal.text and token is None
    basic = "Basic " + base64.b64encode(b"alice:alice-password-1").decode()
    assert person.client.get("/logs/_search", headers={"Authorization": basic}).status_code == 401
    assert "ACCESS_ES_PASSWORD_LOGIN=off" in records[-1].reason
    landed = person.get(person.sign_in(person.get(sent.location).location, "ada"))
    assert landed.location == "/_dashboards/app/discover?q=1"
    assert logged_in_as(person) == "ada@example.com"

"""Single sign-on's rules without a provider: its settings, the algorithms and client authentication
taken from a discovery document, groups to roles, and what ACCESS_ES_PASSWORD_LOGIN=off and an SSO
account (no password) mean for the other ways in. (tests/test_oidc.py runs the round trip against a
real provider.)"""
from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from access_es import create_app
from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.auth import oidc
from access_es.pages import safe_next
from access_es.settings import ConfigError, OidcSettings, load_settings
from access_es.stores import open_stores

from .test_views import ENDPOINT, FakePool, Unsigned

BASE = {"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32}
SSO = {"ACCESS_ES_OIDC_ISSUER": "https://idp.example.com/", "ACCESS_ES_OIDC_CLIENT_ID": "cid",
       "ACCESS_ES_OIDC_CLIENT_SECRET": "secret", "ACCESS_ES_OIDC_ADMIN_GROUPS": "ops, es-admins",
       "ACCESS_ES_OIDC_READONLY_GROUPS": "staff"}


def test_sso_settings_and_their_defaults():
    s = load_settings({**BASE, **SSO})
    o = s.oidc
    assert (o.issuer, o.client_id, o.client_secret, o.scopes, o.username_claim, o.groups_claim) == (
        "https://idp.example.com/", "cid", "secret", "openid email profile", "email", "groups")
    assert o.admin_groups == ("ops", "es-admins") and o.readonly_groups == ("staff",) and o.redirect_url is None
    assert o.discovery_url == "https://idp.example.com/.well-known/openid-configuration"
    assert "'secret'" not in repr(s) and "'secret'" not in repr(o)
    assert s.password_login is True and load_settings(BASE).oidc is None
    assert load_settings({**BASE, **SSO, "ACCESS_ES_PASSWORD_LOGIN": "off"}).password_login is False


def test_every_sso_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as e:
        load_settings({**BASE, "ACCESS_ES_OIDC_ISSUER": "http://idp.example.com", "ACCESS_ES_OIDC_SCOPES": "email",
                       "ACCESS_ES_OIDC_REDIRECT_URL": "https://kibana.example.com/callback",
                       "ACCESS_ES_PASSWORD_LOGIN": "maybe"})
    text = str(e.value)
    for expected in ("ACCESS_ES_OIDC_ISSUER='http://idp.example.com' must use https://",
                     "ACCESS_ES_OIDC_CLIENT_ID is required", "ACCESS_ES_OIDC_CLIENT_SECRET is required",
                     "must include 'openid'", "ACCESS_ES_OIDC_ADMIN_GROUPS or ACCESS_ES_OIDC_READONLY_GROUPS",
                     "must end with /_access-es/oidc/callback", "ACCESS_ES_PASSWORD_LOGIN='maybe'"):
        assert expected in text
    with pytest.raises(ConfigError, match="set without ACCESS_ES_OIDC_ISSUER"):
        load_settings({**BASE, "ACCESS_ES_OIDC_CLIENT_ID": "cid"})
    # a provider on this machine may be plain http (the tests' own)
    assert load_settings({**BASE, **SSO, "ACCESS_ES_OIDC_ISSUER": "http://127.0.0.1:8080"}).oidc


def test_the_client_secret_may_be_a_reference(monkeypatch):
    import access_es.settings as settings

    monkeypatch.setattr(settings, "fetch_secret", lambda ref, env: f"read from {ref}")
    s = load_settings({**BASE, **SSO, "ACCESS_ES_OIDC_CLIENT_SECRET": "ssm:/access-es/oidc"})
    assert s.oidc.client_secret == "read from ssm:/access-es/oidc"


def _provider(metadata: dict) -> oidc.Provider:
    p = oidc.Provider(OidcSettings("https://idp.example.com", "cid", "secret"))
    p._metadata, p._metadata_at = {"issuer": "https://idp.example.com", **metadata}, float("inf")
    return p


def test_only_asymmetric_algorithms_are_accepted_whatever_is_advertised():
    advertised = ["none", "HS256", "HS512", "RS256", "ES256", "PS384", "EdDSA"]
    assert _provider({"id_token_signing_alg_values_supported": advertised}).algorithms() == [
        "RS256", "ES256", "PS384", "EdDSA"]
    assert _provider({}).algorithms() == ["RS256"]
    assert _provider({"id_token_signing_alg_values_supported": ["HS256"]}).algorithms() == []


@pytest.mark.parametrize("supported,method", [
    (None, "client_secret_basic"),
    (["client_secret_basic", "client_secret_post"], "client_secret_basic"),
    (["client_secret_post"], "client_secret_post"),
    (["private_key_jwt", "client_secret_post"], "client_secret_post"),
])
def test_client_secret_basic_unless_only_post_is_supported(supported, method):
    metadata = {"token_endpoint_auth_methods_supported": supported} if supported else {}
    assert _provider(metadata).token_auth_method() == method


def test_a_discovery_document_must_be_the_issuers():
    from access_es.errors import ProviderUnreachable

    with pytest.raises(ProviderUnreachable) as e:
        oidc.check_metadata({"issuer": "https://evil.example", "authorization_endpoint": "a", "token_endpoint": "t",
                             "jwks_uri": "j"}, "https://idp.example.com")
    assert "names issuer 'https://evil.example'" in e.value.log_reason and e.value.status == 502
    with pytest.raises(ProviderUnreachable) as e:
        oidc.check_metadata({"issuer": "https://idp.example.com/", "authorization_endpoint": "a"},
                            "https://idp.example.com")
    assert "lacks token_endpoint, jwks_uri" in e.value.log_reason


@pytest.mark.parametrize("claim,role", [
    (["staff", "es-admins"], "admin"), (["staff"], "readonly"), ("staff", "readonly"), ("ops", "admin"),
    (["marketing"], None), ([], None), (None, None), ({"staff": 1}, None), ([["staff"]], None), ("Staff", None),
])
def test_groups_to_a_role(claim, role):
    s = load_settings({**BASE, **SSO}).oidc
    assert oidc.role_for(oidc.groups_of(claim), s) == role


def test_next_never_points_into_the_sso_round_trip():
    assert safe_next("/_access-es/oidc/login?next=/x", "/home") == "/home"
    assert safe_next("/_access-es/oidc/callback?code=1", "/home") == "/home"
    assert safe_next("/dev/_access-es/oidc/callback", "/dev/home", "/dev") == "/dev/home"
    assert safe_next("/_dashboards/app", "/home") == "/_dashboards/app"


@pytest.fixture
def stores(tmp_path):
    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("alice", "admin", hash_password("alice-password-1")))
    stores.accounts.put(Account("ada@example.com", "admin", "", None, sso=True))
    return stores


def _app(stores, **env):
    app = create_app(load_settings({**BASE, "ACCESS_ES_THROTTLE_ACCOUNT": "1000", **env}), signer=Unsigned(),
                     stores=stores)
    pool = FakePool()
    pool.add("GET", "/logs/_search")
    app.extensions["access_es.upstream"]._pool = pool
    return app.test_client()


def basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode(),
            "Accept": "application/json"}


@pytest.mark.parametrize("password", ["", "x", "any-password-at-all"])
def test_an_sso_account_never_logs_in_with_a_password(stores, password, monkeypatch):
    from access_es.accounts import passwords

    client = _app(stores)
    # even a password that would verify against the dummy hash an unknown name is checked against
    monkeypatch.setattr(passwords, "_hasher", type("Yes", (), {"verify": lambda self, h, p: True})())
    assert client.get("/logs/_search", headers=basic("ada@example.com", password)).status_code in (400, 401)
    page = client.get("/_access-es/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/_access-es/login", data={"csrf_token": token, "username": "ada@example.com",
                                                    "password": password or "p"})
    assert answer.status_code == 401


def test_without_sso_there_are_no_sso_routes_and_no_sso_button(stores):
    client = _app(stores)
    assert client.get("/_access-es/oidc/login", headers={"Accept": "text/html"}).status_code == 404
    assert client.get("/_access-es/oidc/callback?code=1&state=2").status_code == 404
    assert "Log in with SSO" not in client.get("/_access-es/login").text


def test_password_login_off_refuses_passwords_and_sessions_of_password_accounts(stores):
    on = _app(stores)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', on.get("/_access-es/login").text).group(1)
    assert on.post("/_access-es/login", data={"csrf_token": token, "username": "alice",
                                              "password": "alice-password-1"}).status_code == 303
    assert on.get("/logs/_search", headers={"Accept": "application/json"}).status_code == 200
    off = _app(stores, ACCESS_ES_PASSWORD_LOGIN="off")
    off.set_cookie("access_es_session", on.get_cookie("access_es_session").value)
    assert off.get("/logs/_search", headers={"Accept": "application/json"}).status_code == 401
    assert off.get("/logs/_search", headers=basic("alice", "alice-password-1")).status_code == 401
    page = off.get("/_access-es/login")
    assert 'name="password"' not in page.text and "turned off" in page.text


def test_sso_loads_nothing_heavy_at_start_or_on_a_proxied_request():
    code = """
import sys
from access_es import create_app
from access_es.settings import load_settings
from access_es.stores import open_stores
import tempfile, os
env = {"ACCESS_ES_ENDPOINT": "https://search-x.us-east-1.es.amazonaws.com", "ACCESS_ES_SECRET_KEY": "k" * 32,
       "ACCESS_ES_OIDC_ISSUER": "https://idp.example.com", "ACCESS_ES_OIDC_CLIENT_ID": "c",
       "ACCESS_ES_OIDC_CLIENT_SECRET": "s", "ACCESS_ES_OIDC_ADMIN_GROUPS": "a"}
app = create_app(load_settings(env), stores=open_stores(os.path.join(tempfile.mkdtemp(), "u.json")))
c = app.test_client()
c.get("/logs/_search", headers={"Accept": "application/json"})
c.get("/_access-es/login", headers={"Accept": "text/html"})
print(sorted(m for m in sys.modules if m.split(".")[0] in ("authlib", "joserfc", "requests", "cryptography")
             or m == "access_es.auth.oidc"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

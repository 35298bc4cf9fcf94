"""API keys in-process (the Flask app with a fake upstream pool): the key's shape, the way in (Basic
password or Bearer), what kills a key at the very next request, the throttle, the record and the log,
the person's own keys on /_access-es/, and the attacks. Over the wire, with two worker processes and
both stores: test_keys_wire.py."""
import base64
import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import replace

import pytest

import access_es.auth.apikey as apikey
from access_es import create_app
from access_es.accounts import Account, AccountError, check_password
from access_es.accounts.keys import (DUMMY_HASH, KEY_PREFIX, KeyRecord, create_key, key_hash, key_id_of, new_key,
                                     revoke_key)
from access_es.accounts.passwords import hash_password
from access_es.settings import ConfigError, key_max_days, load_settings

from .test_views import ENDPOINT, FakePool, Unsigned, app, client, login, pool, recorded, stores  # noqa: F401  (fixtures)

PW = "person-password-1"


def basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode(),
            "Accept": "application/json"}


def bearer(key):
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


def person(stores, role="admin") -> str:
    name = "p" + uuid.uuid4().hex[:8]
    stores.accounts.put(Account(name, role, hash_password(PW)))
    return name


def key_for(stores, name, days=30, key_name=None) -> str:
    return create_key(stores.keys, name, key_name, days)[1]


@pytest.fixture
def lines(caplog):
    """Every log record of access-es (the request lines and the rest), as text."""
    with caplog.at_level(logging.DEBUG, logger="access_es"):
        yield lambda: [r.getMessage() for r in caplog.records]


def answer(client, *args, **kwargs):
    r = client.open(*args, **kwargs)
    r.close()  # the request's line is written when the answer is finished
    return r


# -- the key itself -----------------------------------------------------------------------------------

def test_a_key_is_recognisable_random_and_kept_only_as_its_hash(stores):
    key_id, key = new_key()
    assert key.startswith(KEY_PREFIX + key_id + "_") and len(key) == 64
    assert key_id_of(key) == key_id and re.fullmatch(r"[0-9a-f]{16}", key_id)
    assert len({new_key()[1] for _ in range(100)}) == 100
    record, key = create_key(stores.keys, person(stores), "ci", 10)
    kept = stores.keys.get(record.id)
    assert kept.hash == hashlib.sha256(key.encode()).hexdigest() == key_hash(key)
    assert key not in repr(kept) and key[len(KEY_PREFIX) + 17:] not in repr(kept)
    assert round(kept.expires - kept.created) == 10 * 86400


@pytest.mark.parametrize("value", ["", "aes_", "aes_0123456789abcdef_", "aes_0123456789ABCDEF_" + "a" * 43,
                                   "aes_0123456789abcdef_" + "a" * 42, "aes_0123456789abcdef_" + "a" * 44,
                                   "xes_0123456789abcdef_" + "a" * 43, "aes_0123456789abcdef_" + "a" * 42 + "=",
                                   " aes_0123456789abcdef_" + "a" * 43])
def test_only_the_exact_shape_is_a_key(value):
    assert key_id_of(value) is None


def test_a_password_may_not_look_like_a_key():
    with pytest.raises(AccountError, match="API keys start"):
        check_password("aes_long-enough-password")
    assert check_password("not-aes_at-the-start") == "not-aes_at-the-start"


def test_the_maximum_lifetime_setting():
    base = {"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32}
    assert load_settings(base).key_max_days == 90 == key_max_days({})
    assert load_settings({**base, "ACCESS_ES_KEY_MAX_DAYS": "7"}).key_max_days == 7 == \
        key_max_days({"ACCESS_ES_KEY_MAX_DAYS": "7"})
    for bad in ("0", "x", "3651"):
        with pytest.raises(ConfigError, match="ACCESS_ES_KEY_MAX_DAYS"):
            load_settings({**base, "ACCESS_ES_KEY_MAX_DAYS": bad})
        with pytest.raises(ConfigError, match="ACCESS_ES_KEY_MAX_DAYS"):
            key_max_days({"ACCESS_ES_KEY_MAX_DAYS": bad})


# -- the way in -----------------------------------------------------------------------------------------

def test_a_key_as_the_basic_password_acts_as_its_account(client, pool, stores, lines):
    pool.add("POST", "/logs/_doc/1", status=201)
    name = person(stores)
    key = key_for(stores, name, key_name="nightly")
    r = answer(client, "/logs/_doc/1", method="POST", data=b"{}", content_type="application/json",
               headers=basic(name, key))
    assert r.status_code == 201 and len(pool.calls) == 1
    assert "Authorization" not in pool.calls[0].headers or key not in pool.calls[0].headers["Authorization"]
    line = json.loads([m for m in lines() if m.startswith("{")][-1])
    assert line["account"] == name and line["auth"] == "key" and line["key_name"] == "nightly"
    assert key not in "\n".join(lines())


def test_a_bearer_key_finds_its_account_by_itself(client, pool, stores, app):
    pool.add("GET", "/x")
    seen = recorded(app)
    name = person(stores, "readonly")
    r = answer(client, "/x", headers=bearer(key_for(stores, name)))
    assert r.status_code == 200 and seen[-1].account.name == name and seen[-1].auth == "key"
    assert answer(client, "/x", headers={"Authorization": "bearer " + key_for(stores, name)}).status_code == 200


def test_a_readonly_key_reads_but_cannot_write(client, pool, stores):
    pool.add("POST", "/logs/_search")
    name = person(stores, "readonly")
    key = key_for(stores, name)
    for headers in (basic(name, key), bearer(key)):
        assert answer(client, "/logs/_search", method="POST", data=b"{}", headers=headers).status_code == 200
        r = answer(client, "/logs/_doc/1", method="PUT", data=b"{}", headers=headers)
        assert r.status_code == 403 and "readonly" in r.get_json()["error"]["reason"]
    assert [c.url for c in pool.calls] == ["/logs/_search", "/logs/_search"]


def test_a_key_acts_with_its_accounts_role_of_the_moment(client, pool, stores):
    pool.add("DELETE", "/logs")
    name = person(stores, "readonly")
    key = key_for(stores, name)
    assert answer(client, "/logs", method="DELETE", headers=bearer(key)).status_code == 403
    stores.accounts.put(replace(stores.accounts.get(name), role="admin"))
    assert answer(client, "/logs", method="DELETE", headers=bearer(key)).status_code == 200
    stores.accounts.put(replace(stores.accounts.get(name), role="readonly"))
    assert answer(client, "/logs", method="DELETE", headers=bearer(key)).status_code == 403


def test_a_password_change_does_not_end_keys(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name)
    stores.accounts.put(replace(stores.accounts.get(name), password_hash=hash_password("another-password-2")))
    assert answer(client, "/x", headers=basic(name, key)).status_code == 200


# -- what kills a key, at its very next request -------------------------------------------------------------

def _refused(client, name, key):
    return [answer(client, "/x", headers=h).status_code for h in (basic(name, key), bearer(key))] == [401, 401]


def test_revocation_takes_effect_at_the_next_request(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name, key_name="ci")
    assert answer(client, "/x", headers=basic(name, key)).status_code == 200
    assert revoke_key(stores.keys, name, "ci") and not revoke_key(stores.keys, name, "ci")
    assert _refused(client, name, key)


def test_expiry_takes_effect_at_the_next_request(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    record, key = create_key(stores.keys, name, None, 1)
    assert answer(client, "/x", headers=bearer(key)).status_code == 200
    stores.keys.delete(record.id)
    stores.keys.create(replace(record, expires=time.time() - 1))
    assert _refused(client, name, key)


def test_lowering_the_maximum_shortens_existing_keys(stores, pool):
    name = person(stores)
    record, key = create_key(stores.keys, name, None, 30)
    stores.keys.delete(record.id)
    stores.keys.create(replace(record, created=record.created - 8 * 86400))
    settings = load_settings({"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32,
                              "ACCESS_ES_KEY_MAX_DAYS": "7"})
    short = create_app(settings, signer=Unsigned(), stores=stores)
    short.extensions["access_es.upstream"]._pool = pool
    pool.add("GET", "/x")
    assert short.test_client().get("/x", headers=bearer(key)).status_code == 401


def test_the_accounts_removal_ends_its_keys(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name)
    assert answer(client, "/x", headers=basic(name, key)).status_code == 200
    stores.accounts.remove(name)   # even removed behind the CLI's back: the key needs its account
    assert _refused(client, name, key)


def test_removing_an_account_deletes_its_keys_so_a_new_account_of_that_name_gets_none(stores):
    name = person(stores)
    key_for(stores, name)
    key_for(stores, name)
    other = person(stores)
    key_for(stores, other)
    assert stores.remove_account(name) is True
    assert stores.keys.of_account(name) == [] and len(stores.keys.of_account(other)) == 1


def test_no_cache_keeps_a_key_alive(client, pool, stores, app):
    """The Basic cache remembers passwords for a minute; a key must never enter it."""
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name, key_name="ci")
    for _ in range(3):
        assert answer(client, "/x", headers=basic(name, key)).status_code == 200
    assert app.extensions["access_es.basic_cache"]._entries == {}
    revoke_key(stores.keys, name, "ci")
    assert answer(client, "/x", headers=basic(name, key)).status_code == 401


# -- attacks -----------------------------------------------------------------------------------------------

def test_a_key_of_another_account_is_refused_with_basic(client, pool, stores, lines):
    pool.add("GET", "/x")
    alice_like, mallory = person(stores, "admin"), person(stores, "readonly")
    mallory_key = key_for(stores, mallory, key_name="mine")
    r = answer(client, "/x", headers=basic(alice_like, mallory_key))
    assert r.status_code == 401 and pool.calls == []
    assert "belongs to another account" in "\n".join(lines())
    # and a Bearer key is its own account's, never anyone else's
    assert answer(client, "/x", headers=bearer(mallory_key)).status_code == 200
    assert json.loads([m for m in lines() if m.startswith("{")][-1])["account"] == mallory


def _altered(key: str) -> list[str]:
    flip = lambda s, i: s[:i] + ("B" if s[i] != "B" else "C") + s[i + 1:]  # noqa: E731
    return [key[:-1], key[:40], key[:21], key + "A", flip(key, len(key) - 1), flip(key, 30), flip(key, 21),
            key.replace(key[4:20], "0" * 16), key.upper(), key[:4] + key[5:] + "a", key + " x", key + "\x00"]


def test_a_truncated_or_altered_key_is_refused(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name)
    for bad in _altered(key):
        assert answer(client, "/x", headers=basic(name, bad)).status_code == 401, bad
        assert answer(client, "/x", headers=bearer(bad)).status_code == 401, bad
    assert pool.calls == []
    assert answer(client, "/x", headers=bearer(key)).status_code == 200


@pytest.mark.parametrize("param", ["api_key", "key", "access_token", "token", "apikey", "password", "auth"])
def test_a_key_in_the_query_string_is_not_accepted(client, pool, stores, param):
    pool.add("GET", "/x")
    key = key_for(stores, person(stores))
    r = answer(client, f"/x?{param}={key}", headers={"Accept": "application/json"})
    assert r.status_code == 401 and pool.calls == []
    r = answer(client, "/x", method="POST", data={param: key}, headers={"Accept": "application/json"})
    assert r.status_code == 401 and pool.calls == []


def test_a_key_header_other_than_authorization_is_not_accepted(client, pool, stores):
    pool.add("GET", "/x")
    key = key_for(stores, person(stores))
    for header in ("X-Api-Key", "Api-Key", "X-Access-Token", "Proxy-Authorization"):
        assert answer(client, "/x", headers={header: key, "Accept": "application/json"}).status_code == 401
    assert answer(client, "/x", headers={"Authorization": f"ApiKey {key}", "Accept": "application/json"}).status_code \
        == 401
    assert pool.calls == []


def test_the_hash_comparison_is_constant_time_and_the_same_work_for_unknown_ids(client, pool, stores, monkeypatch):
    import hmac

    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(apikey.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    pool.add("GET", "/x")
    name = person(stores)
    record, key = create_key(stores.keys, name, None, 5)
    answer(client, "/x", headers=bearer(key))
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    answer(client, "/x", headers=bearer(wrong))
    unknown = key.replace(key[4:20], "f" * 16)
    answer(client, "/x", headers=bearer(unknown))
    assert compared == [(key_hash(key), record.hash), (key_hash(wrong), record.hash), (key_hash(unknown), DUMMY_HASH)]
    # and no other comparison of a hash in the way in
    source = open(apikey.__file__).read()
    assert not re.search(r"\.hash\s*[!=]=|[!=]=\s*\w*\.hash\b", source)


def test_a_key_never_starts_a_session(client, pool, stores):
    name = person(stores)
    key = key_for(stores, name)
    assert login(client, name, key).status_code == 401


def test_a_key_never_appears_in_logs(client, pool, stores, lines):
    pool.add("GET", "/x")
    name = person(stores)
    key = key_for(stores, name, key_name="ci")
    answer(client, "/x", headers=basic(name, key))
    answer(client, "/x", headers=bearer(key))
    answer(client, "/x", headers=bearer(key[:-2]))
    answer(client, "/x", headers=basic("someone-else", key))
    revoke_key(stores.keys, name, "ci")
    answer(client, "/x", headers=bearer(key))
    text = "\n".join(lines())
    assert len([m for m in lines() if m.startswith("{")]) == 5
    assert key[len(KEY_PREFIX) + 17:] not in text and key[:-2] not in text and "aes_" not in text


# -- throttling -----------------------------------------------------------------------------------------

@pytest.fixture
def strict(stores, pool):
    """The app with the throttle's default-like limits: 3 per account and address, 6 per address."""
    settings = load_settings({"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32,
                              "ACCESS_ES_THROTTLE_ACCOUNT": "3", "ACCESS_ES_THROTTLE_ADDRESS": "6"})
    app = create_app(settings, signer=Unsigned(), stores=stores)
    app.extensions["access_es.upstream"]._pool = pool
    pool.add("GET", "/x")
    return app


def test_wrong_keys_count_toward_login_throttling_like_passwords(strict, stores):
    c = strict.test_client()
    name = person(stores)
    key = key_for(stores, name)
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    codes = [c.get("/x", headers=basic(name, wrong), environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    r = c.get("/x", headers=basic(name, wrong), environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert int(r.headers["Retry-After"]) > 0
    # the same counters as passwords: the right password from there is refused too
    assert c.get("/x", headers=basic(name, PW), environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    # a right key is never refused by the throttle (nothing to guess in 256 bits; scripts not locked out)
    assert c.get("/x", headers=basic(name, key), environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    # elsewhere, the owner's password works
    assert c.get("/x", headers=basic(name, PW), environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200


def test_wrong_bearer_keys_are_throttled_per_address(strict, stores):
    c = strict.test_client()
    name = person(stores)
    key = key_for(stores, name)
    guesses = [key.replace(key[4:20], uuid.uuid4().hex[:16]) for _ in range(8)]
    codes = [c.get("/x", headers=bearer(g), environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code
             for g in guesses]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429]
    # garbage counts too
    c2 = [c.get("/x", headers=bearer("nonsense"), environ_base={"REMOTE_ADDR": "198.51.100.3"}).status_code
          for _ in range(7)]
    assert c2[-1] == 429


def test_last_used_is_written_at_most_once_a_minute(client, pool, stores, monkeypatch):
    pool.add("GET", "/x")
    name = person(stores)
    record, key = create_key(stores.keys, name, None, 5)
    assert stores.keys.get(record.id).last_used is None
    touched = []
    real_touch = stores.keys.touch
    monkeypatch.setattr(stores.keys, "touch", lambda i, t: touched.append(t) or real_touch(i, t))
    for _ in range(5):
        assert answer(client, "/x", headers=bearer(key)).status_code == 200
    assert len(touched) == 1 and stores.keys.get(record.id).last_used == touched[0]
    later = time.time() + 61
    monkeypatch.setattr(apikey.time, "time", lambda: later)
    assert answer(client, "/x", headers=bearer(key)).status_code == 200
    assert len(touched) == 2 and stores.keys.get(record.id).last_used == later


# -- the person's own keys on /_access-es/ -------------------------------------------------------------------

def _token(client, path="/_access-es/"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_page_creates_a_key_shown_once_lists_and_revokes_it(client, pool, stores):
    pool.add("GET", "/x")
    name = person(stores)
    assert login(client, name, PW).status_code == 303
    home = client.get("/_access-es/")
    assert home.status_code == 200 and "You have no API keys" in home.get_data(as_text=True)
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "laptop-script",
                                              "expires_days": "7"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    key, = re.findall(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", page)
    assert "shown only this once" in page
    record, = stores.keys.of_account(name)
    assert record.name == "laptop-script" and round((record.expires - record.created) / 86400) == 7
    # listed, never shown again
    page = client.get("/_access-es/").get_data(as_text=True)
    assert "laptop-script" in page and key not in page and "aes_" not in page
    assert answer(client, "/x", headers=bearer(key)).status_code == 200
    r = client.post("/_access-es/keys/revoke", data={"csrf_token": _token(client), "name": "laptop-script"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/_access-es/")
    assert stores.keys.of_account(name) == []
    assert answer(client, "/x", headers=bearer(key)).status_code == 401


def test_the_page_refuses_bad_input_with_a_message(client, stores):
    name = person(stores)
    login(client, name, PW)
    for data, message in [({"name": "bad name"}, "invalid key name"), ({"expires_days": "91"}, "from 1 to 90"),
                          ({"expires_days": "soon"}, "from 1 to 90"), ({"expires_days": "0"}, "from 1 to 90")]:
        r = client.post("/_access-es/keys", data={"csrf_token": _token(client), **data})
        assert r.status_code == 400 and message in r.get_data(as_text=True), data
    client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "twice"})
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "twice"})
    assert r.status_code == 400 and "already" in r.get_data(as_text=True)
    assert [k.name for k in stores.keys.of_account(name)] == ["twice"]


def test_the_key_forms_need_the_csrf_token(client, stores):
    name = person(stores)
    login(client, name, PW)
    record, key = create_key(stores.keys, name, "keep", 5)
    other = client.application.test_client()
    login(other, person(stores), PW)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": _token(other)}):
        assert client.post("/_access-es/keys", data={**data, "name": "x"}).status_code == 400
        assert client.post("/_access-es/keys/revoke", data={**data, "name": "keep"}).status_code == 400
    assert client.post(f"/_access-es/keys?csrf_token={_token(client)}", data={"name": "x"}).status_code == 400
    assert [k.name for k in stores.keys.of_account(name)] == ["keep"]


def test_a_person_manages_only_their_own_keys(client, pool, stores):
    pool.add("GET", "/x")
    victim = person(stores)
    key = key_for(stores, victim, key_name="shared-name")
    login(client, person(stores), PW)
    r = client.post("/_access-es/keys/revoke", data={"csrf_token": _token(client), "name": "shared-name"})
    assert r.status_code == 404
    assert answer(client.application.test_client(), "/x", headers=bearer(key)).status_code == 200


def test_keys_are_managed_with_a_session_never_with_a_key_or_a_password(app, stores):
    name = person(stores)
    key = key_for(stores, name)
    c = app.test_client()
    for headers in (bearer(key), basic(name, key), basic(name, PW)):
        r = c.post("/_access-es/keys", data={"name": "successor"}, headers=headers)
        assert r.status_code == 403, headers
        r = c.post("/_access-es/keys/revoke", data={"name": "x"}, headers=headers)
        assert r.status_code == 403
    assert c.post("/_access-es/keys", data={"name": "x"}, headers={"Accept": "application/json"}).status_code == 401
    assert len(stores.keys.of_account(name)) == 1


def test_creating_a_key_on_the_page_never_logs_it(client, stores, lines):
    login(client, person(stores), PW)
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "logged"})
    r.close()
    key, = re.findall(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", r.get_data(as_text=True))
    text = "\n".join(lines())
    assert '"key_name": "logged"' in text and key not in text


def test_the_store_keeps_no_key(stores):
    record, key = create_key(stores.keys, person(stores), "x", 5)
    path = stores.location + ".state.db"
    assert key.encode() not in open(path, "rb").read()
    assert isinstance(stores.keys.get(record.id), KeyRecord)


# -- on Lambda, through Zappa's handler ---------------------------------------------------------------------

def test_keys_through_zappas_handler(standin, tmp_path):
    from urllib.parse import urlencode

    from botocore.credentials import Credentials as BotoCredentials

    from access_es.signing import AWS4Signer
    from access_es.stores import open_stores

    from .conftest import ACCESS_KEY, APP_SECRET, REGION, SECRET_KEY, SESSION_TOKEN
    from .zappa_harness import LAMBDA_ENV, LambdaClient, handler_for

    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("lam", "readonly", hash_password(PW)))
    settings = load_settings({"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                              "ACCESS_ES_REGION": REGION, "ACCESS_ES_TRUST_PROXY": "1", **LAMBDA_ENV})
    signer = AWS4Signer(REGION, "es", credentials=lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
    handler = handler_for(create_app(settings, signer=signer, stores=stores))
    person_ = LambdaClient(handler)
    assert person_.login("lam", PW)["statusCode"] == 303
    home = person_.request("GET", "/_access-es/", headers=[("Accept", "text/html")])
    token = re.search(r'name="csrf_token" value="([^"]+)"', home["body"]).group(1)
    assert 'action="/_access-es/keys"' in home["body"]   # a custom domain: no stage prefix
    made = person_.request("POST", "/_access-es/keys", body=urlencode({"csrf_token": token, "name": "lambda"}).encode(),
                           headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")])
    assert made["statusCode"] == 200
    key, = re.findall(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", made["body"])

    script = LambdaClient(handler)
    auth = "Basic " + base64.b64encode(f"lam:{key}".encode()).decode()
    assert script.request("GET", "/_echo/l", headers=[("Authorization", auth)])["statusCode"] == 200
    assert script.request("GET", "/_echo/l", headers=[("Authorization", f"Bearer {key}")])["statusCode"] == 200
    assert script.request("PUT", "/movies/_doc/1", body=b"{}", headers=[("Authorization", f"Bearer {key}"),
                          ("Content-Type", "application/json")])["statusCode"] == 403
    assert script.cookies == {}
    revoke_key(stores.keys, "lam", "lambda")
    assert script.request("GET", "/_echo/l", headers=[("Authorization", f"Bearer {key}")])["statusCode"] == 401
    assert all(s.verified and key not in str(s.headers) for s in standin.seen)


def test_with_password_logins_off_keys_still_work(stores, pool):
    settings = load_settings({"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32,
                              "ACCESS_ES_PASSWORD_LOGIN": "off"})
    app = create_app(settings, signer=Unsigned(), stores=stores)
    app.extensions["access_es.upstream"]._pool = pool
    pool.add("GET", "/x")
    c = app.test_client()
    name = person(stores)
    key = key_for(stores, name)
    assert c.get("/x", headers=basic(name, PW)).status_code in (401, 403)   # the password: refused
    assert c.get("/x", headers=basic(name, key)).status_code == 200
    assert c.get("/x", headers=bearer(key)).status_code == 200


def test_an_sso_account_gets_keys_like_any_other(client, pool, stores):
    pool.add("GET", "/x")
    name = "sso-" + uuid.uuid4().hex[:6]
    stores.accounts.put(Account(name, "readonly", "", sso=True))
    key = key_for(stores, name)
    assert answer(client, "/x", headers=basic(name, key)).status_code == 200
    assert answer(client, "/x", headers=bearer(key)).status_code == 200

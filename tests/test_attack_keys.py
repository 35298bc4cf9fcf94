"""Adversarial review of API keys (auth/apikey.py, accounts/keys.py, the key forms of /_access-es/).

In-process, with test_views' app and fake upstream and test_keys' helpers. A case that holds is a
regression test; a case that breaks is a strict xfail whose reason is the finding."""
from __future__ import annotations

import base64
import logging
import re

import pytest

from access_es import create_app
from access_es.accounts.keys import create_key
from access_es.settings import load_settings

from .test_keys import PW, _token, answer, basic, bearer, key_for, person
from .test_views import ENDPOINT, FakePool, Unsigned, app, client, login, pool, stores  # noqa: F401  (fixtures)

# Many servers and logins per test: `make test` runs these, `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

KEY = re.compile(r"aes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def lines(caplog):
    with caplog.at_level(logging.DEBUG, logger="access_es"):
        yield lambda: "\n".join(r.getMessage() for r in caplog.records)


def raw(value: str) -> dict:
    return {"Authorization": value, "Accept": "application/json"}


# -- the way in -----------------------------------------------------------------------------------

def test_two_authorization_headers_joined_never_authenticate(client, pool, stores):
    """`access-es serve` joins repeated headers with ', ' (server/environ.py): whichever order, a good
    key beside other credentials is never taken for either account."""
    pool.add("GET", "/x")
    a, b = person(stores), person(stores)
    key_a, key_b = key_for(stores, a), key_for(stores, b)
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    for value in (f"Bearer {key_a}, Basic {b64(b + ':' + PW)}", f"Basic {b64(b + ':wrong-password')}, Bearer {key_a}",
                  f"Bearer {key_a}, Bearer {key_b}", f"Basic {b64(a + ':' + key_a)}, Basic {b64(b + ':' + key_b)}",
                  f"Bearer {key_a} {key_b}", f"Bearer {key_a}x", f"Basic {b64(a + ':' + key_a)}, x"):
        r = answer(client, "/x", headers=raw(value))
        assert r.status_code in (400, 401), (value, r.status_code)


def test_unknown_id_and_wrong_secret_answer_exactly_alike(client, stores):
    name = person(stores)
    key = key_for(stores, name)
    key_id = key[4:20]
    wrong_secret = key[:-1] + ("A" if key[-1] != "A" else "B")
    unknown_id = "aes_" + ("0" * 16 if key_id != "0" * 16 else "1" * 16) + key[20:]
    misshaped = key[:-1]
    answers = [answer(client, "/x", headers=bearer(v)) for v in (wrong_secret, unknown_id, misshaped)]
    answers += [answer(client, "/x", headers=basic(name, v)) for v in (wrong_secret, unknown_id, misshaped)]
    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data() for r in answers}) == 1
    assert len({r.headers.get("WWW-Authenticate") for r in answers}) == 1
    assert all(key not in r.get_data(as_text=True) for r in answers)


@pytest.mark.parametrize("variant", [str.upper, str.title, lambda n: n + " ", lambda n: " " + n, lambda n: n + "\x00"])
def test_a_key_with_a_look_alike_name_is_refused(client, pool, stores, variant):
    name = person(stores)
    key = key_for(stores, name)
    r = answer(client, "/x", headers=basic(variant(name), key))
    assert r.status_code == 401


def test_a_readonly_key_cannot_borrow_an_admin_session(client, pool, stores):
    """The credentials sent decide alone: a readonly key beside an admin's session cookie stays readonly."""
    admin, reader = person(stores, "admin"), person(stores, "readonly")
    key = key_for(stores, reader)
    assert login(client, admin, PW).status_code == 303
    r = answer(client, "/idx/_doc/1", method="PUT", json={}, headers={**bearer(key), "kbn-xsrf": "1"})
    assert r.status_code == 403
    # and the key page refuses the mix: a key is on the request
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "successor"}, headers=bearer(key))
    assert r.status_code == 403 and stores.keys.of_account(admin) == [] and len(stores.keys.of_account(reader)) == 1


# now held: FOUND (medium): a key sent as the Basic *user name* (`curl -u KEY:` - the habit of
# Stripe-style APIs, and what many clients' 'API key' fields do) is not recognised as a key: it goes
# down the password path, where the name is logged in clear (\"Basic auth failed for 'aes_...'\", the
# throttle's login_lockout event), so a live key lands in CloudWatch. Should: treat a Basic name that
# starts with aes_ as a key attempt (accept it as Bearer would, or refuse it without naming it), and
# never log a name that has a key's shape.
def test_a_key_sent_as_the_basic_user_name_never_reaches_the_log(client, pool, stores, lines):
    name = person(stores)
    key = key_for(stores, name)
    for password in ("", "x"):
        answer(client, "/x", headers=basic(key, password))
    assert key not in lines()


# now held: FOUND (low): a key pasted into the login form's name field is logged in clear (\"login
# failed for 'aes_...'\"). Should: never log a name with a key's shape (log its id only).
def test_a_key_typed_as_the_login_name_never_reaches_the_log(client, stores, lines):
    name = person(stores)
    key = key_for(stores, name)
    login(client, key, "some-password").close()  # the request's line is written when the answer is finished
    assert key not in lines()


def test_wrong_keys_under_a_persons_name_never_lock_out_their_right_key(stores):
    pool = FakePool()
    app = create_app(load_settings({"ACCESS_ES_ENDPOINT": ENDPOINT, "ACCESS_ES_SECRET_KEY": "k" * 32,
                                    "ACCESS_ES_THROTTLE_ACCOUNT": "3", "ACCESS_ES_THROTTLE_ADDRESS": "5"}),
                     signer=Unsigned(), stores=stores)
    app.extensions["access_es.upstream"]._pool = pool
    victim = person(stores)
    key = key_for(stores, victim)
    wrong = key[:-2] + ("AA" if key[-2:] != "AA" else "BB")
    statuses = []
    for i in range(40):
        c, env = app.test_client(), {"REMOTE_ADDR": f"198.51.100.{i}"}
        statuses.append(answer(c, "/x", headers=basic(victim, wrong), environ_base=env).status_code)
        statuses.append(answer(c, "/x", headers=bearer(wrong), environ_base=env).status_code)
    assert 429 in statuses and 200 not in statuses
    for addr in ("198.51.100.1", "203.0.113.9"):
        pool.add("GET", "/x")
        c, env = app.test_client(), {"REMOTE_ADDR": addr}
        assert answer(c, "/x", headers=basic(victim, key), environ_base=env).status_code == 200
        pool.add("GET", "/x")
        assert answer(c, "/x", headers=bearer(key), environ_base=env).status_code == 200


# -- the key page ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key_name", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a" * 65,
                                      "ünicode", "tab\tname", "new\nline", "../../etc", "x' OR '1'='1"])
def test_hostile_key_names_are_refused_and_never_reflected_raw(client, stores, key_name):
    name = person(stores)
    login(client, name, PW)
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": key_name})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and stores.keys.of_account(name) == []
    assert "<script>" not in page and "<img" not in page


def test_a_key_name_of_64_characters_is_fine(client, stores):
    name = person(stores)
    login(client, name, PW)
    r = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "a" * 64})
    assert r.status_code == 200 and [k.name for k in stores.keys.of_account(name)] == ["a" * 64]


def test_another_persons_key_cannot_be_revoked_by_its_id_or_name(client, pool, stores):
    pool.add("GET", "/x")
    victim = person(stores)
    record, key = create_key(stores.keys, victim, "victims-key", 30)
    login(client, person(stores), PW)
    for value in (record.id, "victims-key", key, f"{victim}/victims-key", "*", ""):
        r = client.post("/_access-es/keys/revoke", data={"csrf_token": _token(client), "name": value})
        assert r.status_code == 404, value
    assert answer(client.application.test_client(), "/x", headers=bearer(key)).status_code == 200


def test_a_revoke_form_from_another_site_is_refused_even_with_the_victims_cookie(client, stores):
    """Login-CSRF's sibling: a cross-site form posts with the victim's cookie but cannot know the token."""
    victim = person(stores)
    create_key(stores.keys, victim, "keep", 30)
    login(client, victim, PW)
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}, {}):
        r = client.post("/_access-es/keys/revoke", data={"name": "keep"}, headers=headers)
        assert r.status_code == 400
        r = client.post("/_access-es/keys", data={"name": "attackers"}, headers=headers)
        assert r.status_code == 400
    assert [k.name for k in stores.keys.of_account(victim)] == ["keep"]


def test_the_page_that_shows_a_key_is_never_stored_and_a_repost_shows_a_new_key(client, stores):
    name = person(stores)
    login(client, name, PW)
    token = _token(client)
    first = client.post("/_access-es/keys", data={"csrf_token": token, "name": "one"})
    assert first.headers["Cache-Control"] == "no-store"
    key1, = KEY.findall(first.get_data(as_text=True))
    again = client.post("/_access-es/keys", data={"csrf_token": token, "name": "one"})  # the back button's repost
    assert key1 not in again.get_data(as_text=True)
    home = client.get("/_access-es/")
    assert home.headers["Cache-Control"] == "no-store" and key1 not in home.get_data(as_text=True)


def test_a_key_page_csrf_token_from_before_login_is_dead_after_it(app, stores):
    """The token is bound to the session, which login replaces: a token an attacker fixed is worthless."""
    c = app.test_client()
    before = _token(c, "/_access-es/login")
    name = person(stores)
    login(c, name, PW)
    r = c.post("/_access-es/keys", data={"csrf_token": before, "name": "x"})
    assert r.status_code == 400 and stores.keys.of_account(name) == []


def test_a_key_made_in_a_session_outlives_the_session_and_is_recorded_as_a_key(client, pool, stores, lines):
    """By design: keys are for scripts and live their own lifetime (the README says so); the record
    tells key requests from the session's."""
    pool.add("GET", "/x")
    name = person(stores)
    login(client, name, PW)
    page = client.post("/_access-es/keys", data={"csrf_token": _token(client), "name": "script"})
    key, = KEY.findall(page.get_data(as_text=True))
    client.post("/_access-es/logout", data={"csrf_token": _token(client)})
    r = answer(client.application.test_client(), "/x", headers=bearer(key))
    assert r.status_code == 200
    last = lines().splitlines()[-1]
    assert '"key"' in last and '"script"' in last and key not in last

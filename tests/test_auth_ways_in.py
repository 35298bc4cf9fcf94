"""Authentication's one entry point (access_es/auth/__init__.py): the ways in are asked in order,
the first that finds credentials of its kind decides alone, and what it found goes on the record."""
import base64
from types import SimpleNamespace


import access_es.auth as auth
from access_es.accounts import Account

from .test_views import app, client, login, pool, recorded, stores  # noqa: F401  (fixtures)


def basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def test_a_new_way_in_slots_in_beside_the_others(client, pool, monkeypatch):
    carol = Account("carol", "readonly", "not-a-hash")

    def account_of_request(req, app):
        return carol if req.headers.get("X-Api-Key") == "k-carol" else None

    key_way = SimpleNamespace(NAME="apikey", init_app=lambda app: None, account_of_request=account_of_request)
    monkeypatch.setattr(auth, "WAYS_IN", (key_way, *auth.WAYS_IN))
    pool.add("GET", "/x")
    seen = recorded(client.application)
    assert client.get("/x", headers={"X-Api-Key": "k-carol"}).status_code == 200
    assert seen[-1].account is carol and seen[-1].auth == "apikey"
    assert client.get("/x", headers=basic("alice", "alice-password-1")).status_code == 200
    assert seen[-1].account.name == "alice" and seen[-1].auth == "basic"


def test_wrong_basic_credentials_are_not_rescued_by_a_session(client, pool):
    pool.add("GET", "/x")
    login(client, "alice", "alice-password-1")
    assert client.get("/x", headers={"Accept": "application/json"}).status_code == 200
    assert client.get("/x", headers=basic("alice", "wrong-password")).status_code == 401

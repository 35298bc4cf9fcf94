"""The store contract, run against both backends: the JSON file + SQLite, and DynamoDB (moto_server)."""
import itertools
import threading
import time
import uuid

import boto3
import pytest

from access_es.accounts import Account, AccountError
from access_es.accounts.keys import KeyRecord
from access_es.stores import SessionRecord, StoreUnavailable, init_store, open_stores

from .conftest import REGION

_tables = itertools.count()


@pytest.fixture(params=["file", "dynamodb"])
def stores(request, tmp_path):
    if request.param == "file":
        return open_stores(str(tmp_path / "users.json"))
    request.getfixturevalue("moto_env")
    location = f"dynamodb://access-es-test-{next(_tables)}-{uuid.uuid4().hex[:6]}"
    init_store(location, REGION)
    return open_stores(location, REGION)


def test_accounts(stores):
    a = stores.accounts
    assert a.get("alice") is None and list(a.all()) == []
    a.put(Account("alice", "admin", "h1"))
    a.put(Account("bob", "readonly", "h2"))
    assert a.get("alice") == Account("alice", "admin", "h1")
    assert [x.name for x in a.all()] == ["alice", "bob"]
    a.put(Account("alice", "readonly", "h3"))
    assert a.get("alice").role == "readonly"
    assert a.remove("alice") is True and a.remove("alice") is False
    assert a.get("alice") is None


def test_an_sso_account_is_kept_as_one(stores):
    a = stores.accounts
    a.put(Account("ada@example.com", "readonly", "", None, sso=True))
    a.put(Account("alice", "admin", "h1"))
    assert a.get("ada@example.com") == Account("ada@example.com", "readonly", "", None, sso=True)
    assert a.get("alice").sso is False
    assert [x.sso for x in a.all()] == [True, False]


def test_sessions(stores):
    s = stores.sessions
    now = time.time()
    s.create("k1", SessionRecord("alice", now, now), expires=now + 3600)
    assert s.get("k1") == SessionRecord("alice", now, now)
    s.touch("k1", now + 5)
    assert s.get("k1").last_seen == now + 5
    s.delete("k1")
    assert s.get("k1") is None
    s.touch("k1", now + 9)  # touching a deleted session does not bring it back
    assert s.get("k1") is None


def test_counters_are_atomic(stores, request):
    c = stores.counters
    expires = time.time() + 600
    assert c.count("x") == 0

    def bump():
        for _ in range(10):
            c.add("x", 1, expires)

    # DynamoDB's ADD is atomic by AWS's word, moto_server's is not (a read-modify-write its threads can
    # interleave): against it the bumps take turns; the atomicity there is the ADD update expression's
    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
        if request.node.callspec.params["stores"] == "dynamodb":
            t.join()
    for t in threads:
        t.join()
    assert c.count("x") == 40
    assert c.add("x", -1, expires) == 39
    c.reset("x")
    assert c.count("x") == 0
    c.add("old", 1, time.time() - 1)
    assert c.count("old") == 0  # expired counters count for nothing, even before TTL removes them


def test_keys(stores):
    k = stores.keys
    now = time.time()
    assert k.get("0123456789abcdef") is None and k.of_account() == [] and k.of_account("alice") == []
    one = KeyRecord("0123456789abcdef", "alice", "ci", "h" * 64, now, now + 86400)
    two = KeyRecord("1123456789abcdef", "alice", "laptop", "i" * 64, now + 1, now + 2 * 86400)
    three = KeyRecord("2123456789abcdef", "bob", "ci", "j" * 64, now, now + 86400)
    for record in (one, two, three):
        k.create(record)
    assert k.get(one.id) == one and k.get(three.id) == three
    assert k.of_account("alice") == [one, two] and k.of_account() == [one, two, three]
    with pytest.raises(AccountError, match="has a key named 'ci' already"):
        k.create(KeyRecord("3123456789abcdef", "alice", "ci", "k" * 64, now, now + 86400))
    k.touch(one.id, now + 5)
    assert k.get(one.id).last_used == now + 5
    assert k.delete(one.id) is True and k.delete(one.id) is False
    k.touch(one.id, now + 9)  # a use racing a revocation does not bring the key back
    assert k.get(one.id) is None and k.of_account("alice") == [two]


def test_removing_an_account_removes_its_keys(stores):
    now = time.time()
    stores.accounts.put(Account("carol", "admin", "h"))
    stores.keys.create(KeyRecord("4123456789abcdef", "carol", "a", "h" * 64, now, now + 60))
    stores.keys.create(KeyRecord("5123456789abcdef", "dave", "a", "h" * 64, now, now + 60))
    assert stores.remove_account("carol") is True
    assert stores.accounts.get("carol") is None and stores.keys.of_account("carol") == []
    assert [x.account for x in stores.keys.of_account()] == ["dave"]


def test_init_is_idempotent(tmp_path):
    location = str(tmp_path / "users.json")
    assert "created" in init_store(location)
    assert "exists already" in init_store(location)


def test_dynamodb_table_is_on_demand_with_pitr_and_ttl(moto_env):
    name = f"access-es-init-{uuid.uuid4().hex[:6]}"
    said = init_store(f"dynamodb://{name}", REGION)
    assert "created table" in said and "point-in-time" in said and "TTL" in said
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = client.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert init_store(f"dynamodb://{name}", REGION) == f"table {name} is ready already"


def test_an_unreachable_table_fails_closed_with_a_reason(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    stores = open_stores("dynamodb://nowhere", REGION)
    with pytest.raises(StoreUnavailable, match="nowhere cannot be used") as e:
        stores.accounts.get("alice")
    assert e.value.status == 503


def test_a_missing_table_fails_closed(moto_env):
    with pytest.raises(StoreUnavailable, match="ResourceNotFoundException"):
        open_stores("dynamodb://never-created", REGION).accounts.get("alice")

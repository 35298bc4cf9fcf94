import json
import os
import stat

import pytest

from access_es.accounts import Account, AccountError, check_name, check_password, check_role
from access_es.stores import open_stores
from access_es.accounts.passwords import hash_password, verify_password


def test_hashes_are_salted_argon2_and_verify():
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("$argon2id$")
    assert verify_password(a, "correct horse")
    assert not verify_password(a, "correct horsf")
    assert not verify_password(None, "access-es: no such account")
    assert not verify_password("not-a-hash", "x")


def test_file_store_round_trip_and_permissions(tmp_path):
    path = tmp_path / "users.json"
    store = open_stores(str(path)).accounts
    assert store.get("alice") is None and list(store.all()) == []
    store.put(Account("alice", "admin", hash_password("pw-alice-1")))
    store.put(Account("bob", "readonly", hash_password("pw-bob-22")))
    assert [a.name for a in store.all()] == ["alice", "bob"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert set(data["users"]["bob"]) == {"role", "password_hash"}
    assert "pw-bob" not in path.read_text()
    # another store object (another process) sees changes
    other = open_stores(str(path)).accounts
    assert other.get("bob").readonly and not other.get("alice").readonly
    assert store.remove("bob") and not store.remove("bob")
    assert other.get("bob") is None


def test_a_broken_file_is_a_clear_error(tmp_path):
    path = tmp_path / "users.json"
    path.write_text("{not json")
    with pytest.raises(AccountError, match="cannot read the accounts file"):
        open_stores(str(path)).accounts.get("alice")


@pytest.mark.parametrize("name", ["", "a:b", "a b", "x" * 65, "é", "a\nb"])
def test_bad_names(name):
    with pytest.raises(AccountError):
        check_name(name)


def test_roles_and_passwords():
    assert check_role("readonly") == "readonly"
    with pytest.raises(AccountError):
        check_role("root")
    with pytest.raises(AccountError, match="at least 8"):
        check_password("short")
    with pytest.raises(AccountError):
        check_password("long enough\n")


def test_the_dummy_hash_costs_what_a_real_one_costs():
    from argon2 import PasswordHasher, extract_parameters

    from access_es.accounts.passwords import DUMMY_HASH

    assert extract_parameters(DUMMY_HASH) == extract_parameters(PasswordHasher().hash("x"))

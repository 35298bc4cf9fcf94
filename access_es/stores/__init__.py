"""Where state lives: accounts, login sessions, API keys and failure counters, behind four small interfaces,
with two backends side by side, chosen by ACCESS_ES_USERS:

- a path (`users.json`): accounts in that JSON file, sessions, API keys and counters in an SQLite
  file beside it (`users.json.state.db`), shared by every process on the machine (files.py);
- `dynamodb://TABLE`: all four in one DynamoDB table, shared by every Lambda container
  (dynamodb.py).

Sessions live server-side so that logging out really ends a session: the cookie only names it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

from ..accounts import Account
from ..accounts.keys import KeyRecord
from ..errors import StoreUnavailable  # noqa: F401  (the stores raise it; importers find it here)

DYNAMODB_SCHEME = "dynamodb://"


@dataclass(frozen=True)
class SessionRecord:
    account: str
    created: float    # epoch seconds
    last_seen: float


class AccountStore(Protocol):
    location: str

    def get(self, name: str) -> Account | None: ...

    def all(self) -> Iterator[Account]: ...

    def put(self, account: Account) -> None: ...

    def remove(self, name: str) -> bool: ...


class SessionStore(Protocol):
    """Keys are hashes of the session ids that cookies carry; a leaked store opens no session."""

    def create(self, key: str, record: SessionRecord, expires: float) -> None: ...

    def get(self, key: str) -> SessionRecord | None: ...

    def touch(self, key: str, last_seen: float) -> None: ...

    def delete(self, key: str) -> None: ...


class KeyStore(Protocol):
    """API keys by id (accounts/keys.py): only their hashes. Read on every request a key makes, never
    cached, so a revoked key is dead at its next request in every process."""

    def create(self, record: KeyRecord) -> None:
        """Add a key; AccountError if its account has a key of that name already."""

    def get(self, key_id: str) -> KeyRecord | None: ...

    def of_account(self, account: str | None = None) -> list[KeyRecord]:
        """The keys of `account` (of every account when None), by account, then creation."""

    def touch(self, key_id: str, last_used: float) -> None:
        """Record a use; never brings back a deleted key."""

    def delete(self, key_id: str) -> bool: ...


class CounterStore(Protocol):
    """Atomic counters for login throttling; a key names one account or address in one window."""

    def count(self, key: str) -> int: ...

    def add(self, key: str, delta: int, expires: float) -> int:
        """Add atomically; returns the new count."""

    def reset(self, key: str) -> None: ...


@dataclass(frozen=True)
class Stores:
    location: str
    accounts: AccountStore
    sessions: SessionStore
    counters: CounterStore
    keys: KeyStore

    def remove_account(self, name: str) -> bool:
        """Remove an account and its API keys (keys first: a failure halfway leaves fewer keys, never
        keys without their account to come back to life in a new account of the same name)."""
        self.remove_keys_of(name)
        return self.accounts.remove(name)

    def remove_keys_of(self, name: str) -> int:
        keys = self.keys.of_account(name)
        for key in keys:
            self.keys.delete(key.id)
        return len(keys)


def open_stores(location: str, region: str | None = None) -> Stores:
    """The stores at `location` (settings.users); `region` is the DynamoDB table's (settings.aws_region,
    None for botocore's own chain)."""
    if location.startswith(DYNAMODB_SCHEME):
        from .dynamodb import DynamoTable

        table = DynamoTable(location[len(DYNAMODB_SCHEME):], region)
        return Stores(location, table, table.sessions, table.counters, table.keys)
    from .files import FileAccounts, SqliteState

    state = SqliteState(location + ".state.db")
    return Stores(location, FileAccounts(location), state.sessions, state.counters, state.keys)


def init_store(location: str, region: str | None = None) -> str:
    """Create what the store needs (idempotent); returns a sentence saying what was done."""
    if location.startswith(DYNAMODB_SCHEME):
        from .dynamodb import create_table

        return create_table(location[len(DYNAMODB_SCHEME):], region)
    from .files import FileAccounts

    return FileAccounts(location).init()

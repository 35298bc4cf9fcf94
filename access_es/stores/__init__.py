"""Where state lives: accounts, login sessions and failure counters, behind three small interfaces,
with two backends side by side, chosen by ACCESS_ES_USERS:

- a path (`users.json`): accounts in that JSON file, sessions and counters in an SQLite file beside
  it (`users.json.state.db`), shared by every process on the machine (files.py);
- `dynamodb://TABLE`: all three in one DynamoDB table, shared by every Lambda container
  (dynamodb.py).

Sessions live server-side so that logging out really ends a session: the cookie only names it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

from ..accounts import Account
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


def open_stores(location: str, region: str | None = None) -> Stores:
    """The stores at `location` (settings.users); `region` is the DynamoDB table's (settings.aws_region,
    None for botocore's own chain)."""
    if location.startswith(DYNAMODB_SCHEME):
        from .dynamodb import DynamoTable

        table = DynamoTable(location[len(DYNAMODB_SCHEME):], region)
        return Stores(location, table, table.sessions, table.counters)
    from .files import FileAccounts, SqliteState

    state = SqliteState(location + ".state.db")
    return Stores(location, FileAccounts(location), state.sessions, state.counters)


def init_store(location: str, region: str | None = None) -> str:
    """Create what the store needs (idempotent); returns a sentence saying what was done."""
    if location.startswith(DYNAMODB_SCHEME):
        from .dynamodb import create_table

        return create_table(location[len(DYNAMODB_SCHEME):], region)
    from .files import FileAccounts

    return FileAccounts(location).init()

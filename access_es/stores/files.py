"""The file backend (ACCESS_ES_USERS=path), the local default: accounts in a JSON file, sessions, API
keys and throttling counters in an SQLite database beside it.

Accounts:

    {"users": {"alice": {"role": "admin", "password_hash": "$argon2id$..."},
               "ada@example.com": {"role": "readonly", "password_hash": "", "sso": true}}}

Reads are cached by the file's mtime and size, so a request costs one stat(), and an edit by
`access-es users ...` is seen by a running server without a restart. Writes go to a temporary
file in the same folder that replaces the old one atomically, readable by the owner only.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import time
from typing import Iterator

from ..accounts import Account, AccountError
from ..accounts.keys import KeyRecord
from . import SessionRecord, StoreUnavailable


class FileAccounts:
    def __init__(self, location: str):
        self.location = location
        self._lock = threading.Lock()
        self._cache_key: tuple[int, int, int] | None = None
        self._cache: dict[str, Account] = {}

    def _load(self) -> dict[str, Account]:
        try:
            st = os.stat(self.location)
        except FileNotFoundError:
            return {}
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key == self._cache_key:
            return self._cache  # unchanged (the cache is set before its key): no lock on the hot path
        with self._lock:
            if key != self._cache_key:
                self._cache = self._parse()
                self._cache_key = key
            return self._cache

    def _parse(self) -> dict[str, Account]:
        try:
            with open(self.location, encoding="utf-8") as f:
                data = json.load(f)
            users = data["users"]
            return {
                name: Account(name=name, role=entry["role"], password_hash=entry["password_hash"],
                              iam_role=entry.get("iam_role"), sso=entry.get("sso") is True,
                              sso_subject=entry.get("sso_subject"))
                for name, entry in users.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise AccountError(f"cannot read the accounts file {self.location}: {e}") from None

    def get(self, name: str) -> Account | None:
        return self._load().get(name)

    def all(self) -> Iterator[Account]:
        return iter(sorted(self._load().values(), key=lambda a: a.name))

    def _write(self, accounts: dict[str, Account]) -> None:
        data = {
            "users": {
                a.name: {"role": a.role, "password_hash": a.password_hash, **({"iam_role": a.iam_role} if a.iam_role else {}),
                         **({"sso": True} if a.sso else {}),
                         **({"sso_subject": a.sso_subject} if a.sso_subject else {})}
                for a in sorted(accounts.values(), key=lambda a: a.name)
            }
        }
        folder = os.path.dirname(os.path.abspath(self.location))
        fd, tmp = tempfile.mkstemp(prefix=".users-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
                f.write("\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.location)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def put(self, account: Account) -> None:
        accounts = dict(self._load())
        accounts[account.name] = account
        self._write(accounts)

    def remove(self, name: str) -> bool:
        accounts = dict(self._load())
        if accounts.pop(name, None) is None:
            return False
        self._write(accounts)
        return True

    def init(self) -> str:
        if os.path.exists(self.location):
            self._parse()
            return f"{self.location} exists already ({len(self._load())} accounts)"
        self._write({})
        return f"created {self.location} (no accounts yet)"


class SqliteState:
    """Sessions, API keys and counters in one SQLite file: atomic, shared by every process and thread
    on this machine, and kept across restarts (back it up with the accounts file: the keys are
    there). WAL mode lets readers work while a writer commits."""

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self.sessions = _SqliteSessions(self)
        self.counters = _SqliteCounters(self)
        self.keys = _SqliteKeys(self)

    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, account TEXT NOT NULL, "
                    "created REAL NOT NULL, last_seen REAL NOT NULL, expires REAL NOT NULL)"
                )
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                    "expires REAL NOT NULL)"
                )
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, account TEXT NOT NULL, "
                    "name TEXT NOT NULL, hash TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL, "
                    "last_used REAL, UNIQUE (account, name))"
                )
                os.chmod(self.path, 0o600)
            except (sqlite3.Error, OSError) as e:
                raise StoreUnavailable(
                    f"cannot open the session database {self.path}: {e}",
                    hint="the folder of ACCESS_ES_USERS must be writable; on Lambda use "
                    "ACCESS_ES_USERS=dynamodb://TABLE",
                ) from None
            self._local.conn = conn
        return conn

    def run(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self.db().execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise StoreUnavailable(f"session database {self.path} failed: {e}") from None


class _SqliteSessions:
    def __init__(self, state: SqliteState):
        self.state = state

    def create(self, key: str, record: SessionRecord, expires: float) -> None:
        self.state.run("DELETE FROM sessions WHERE expires < ?", (time.time(),))
        self.state.run("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?)",
                       (key, record.account, record.created, record.last_seen, expires))

    def get(self, key: str) -> SessionRecord | None:
        rows = self.state.run("SELECT account, created, last_seen FROM sessions WHERE key = ?", (key,))
        return SessionRecord(*rows[0]) if rows else None

    def touch(self, key: str, last_seen: float) -> None:
        self.state.run("UPDATE sessions SET last_seen = ? WHERE key = ?", (last_seen, key))

    def delete(self, key: str) -> None:
        self.state.run("DELETE FROM sessions WHERE key = ?", (key,))


class _SqliteCounters:
    def __init__(self, state: SqliteState):
        self.state = state

    def count(self, key: str) -> int:
        rows = self.state.run("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
        return rows[0][0] if rows else 0

    def add(self, key: str, delta: int, expires: float) -> int:
        rows = self.state.run(
            "INSERT INTO counters VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET count = count + excluded.count "
            "RETURNING count", (key, delta, expires))
        return rows[0][0]

    def reset(self, key: str) -> None:
        self.state.run("DELETE FROM counters WHERE key = ?", (key,))


class _SqliteKeys:
    COLUMNS = "id, account, name, hash, created, expires, last_used"

    def __init__(self, state: SqliteState):
        self.state = state

    def create(self, record: KeyRecord) -> None:
        self.state.run("DELETE FROM api_keys WHERE expires < ?", (time.time() - 7 * 86400,))
        try:
            self.state.db().execute(f"INSERT INTO api_keys ({self.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    (record.id, record.account, record.name, record.hash, record.created,
                                     record.expires, record.last_used))
        except sqlite3.IntegrityError:
            raise AccountError(f"account {record.account!r} has a key named {record.name!r} already") from None
        except sqlite3.Error as e:
            raise StoreUnavailable(f"session database {self.state.path} failed: {e}") from None

    def get(self, key_id: str) -> KeyRecord | None:
        rows = self.state.run(f"SELECT {self.COLUMNS} FROM api_keys WHERE id = ?", (key_id,))
        return KeyRecord(*rows[0]) if rows else None

    def of_account(self, account: str | None = None) -> list[KeyRecord]:
        if account is None:
            rows = self.state.run(f"SELECT {self.COLUMNS} FROM api_keys ORDER BY account, created")
        else:
            rows = self.state.run(f"SELECT {self.COLUMNS} FROM api_keys WHERE account = ? ORDER BY created",
                                  (account,))
        return [KeyRecord(*row) for row in rows]

    def touch(self, key_id: str, last_used: float) -> None:
        self.state.run("UPDATE api_keys SET last_used = ? WHERE id = ?", (last_used, key_id))

    def delete(self, key_id: str) -> bool:
        return bool(self.state.run("DELETE FROM api_keys WHERE id = ? RETURNING id", (key_id,)))

"""Accounts in a JSON file (ACCESS_ES_USERS=path), the local default.

    {"users": {"alice": {"role": "admin", "password_hash": "$argon2id$..."}}}

Reads are cached by the file's mtime and size, so a request costs one stat(), and an edit by
`access-es users ...` is seen by a running server without a restart. Writes go to a temporary
file in the same folder that replaces the old one atomically, readable by the owner only.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from typing import Iterator

from . import Account, AccountError


class FileStore:
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
                name: Account(name=name, role=entry["role"], password_hash=entry["password_hash"])
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
                a.name: {"role": a.role, "password_hash": a.password_hash}
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

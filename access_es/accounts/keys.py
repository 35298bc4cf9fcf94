"""API keys: what a key looks like, how it is made, and what of it is kept (pure).

A key is `aes_` + an id (16 hex digits) + `_` + a secret (secrets.token_urlsafe(32): 256 random
bits), 64 characters in all, e.g. `aes_3f9a0c1d2e4b5a69_Xq...`:
- the prefix tells a key from a password (a password may not start with it) and lets secret
  scanners find one that leaked;
- the id names the key's record in the store, so a key sent alone (`Authorization: Bearer`) finds
  its account, and a leaked key can be told apart without revealing its secret (`keys list` shows ids);
- only the key's SHA-256 is kept. A fast hash is the right tool for a secret of 256 random bits:
  nobody can guess one, with or without its hash, so Argon2's slowness (which protects guessable
  passwords) would only cost every request of every script. Unkeyed, so rotating
  ACCESS_ES_SECRET_KEY does not void every key; the hashes are compared in constant time.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import AccountError, check_name

if TYPE_CHECKING:
    from ..stores import KeyStore

KEY_PREFIX = "aes_"
_KEY = re.compile(r"aes_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
# What a wrong key is compared with when its id names no key: the same work either way.
DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
# `last used` is written at most this often per key (like a session's activity), to spare the store.
TOUCH_SECONDS = 60


@dataclass(frozen=True)
class KeyRecord:
    """What the store keeps of a key: never the key itself."""

    id: str
    account: str
    name: str
    hash: str          # SHA-256 of the whole key, hex
    created: float     # epoch seconds
    expires: float
    last_used: float | None = None


def new_key() -> tuple[str, str]:
    """A fresh (id, key)."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(value: str) -> str | None:
    """The id of `value` if it has a key's exact shape, else None."""
    m = _KEY.fullmatch(value)
    return m.group(1) if m else None


def loggable_name(name: str) -> str:
    """An account name as a log line may show it: a key typed where a name goes (`curl -u KEY:`) shows
    only its prefix and id, never its secret."""
    if isinstance(name, str) and name.startswith(KEY_PREFIX):
        return name[:len(KEY_PREFIX) + 16] + "... (a key's secret, not shown)"
    return name


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def check_key_name(name: str) -> str:
    """A key's name follows the rule of account names (shown in logs and lists, typed in commands)."""
    try:
        return check_name(name)
    except AccountError:
        raise AccountError(f"invalid key name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'") from None


def check_expires_days(days: int, max_days: int) -> int:
    if not 1 <= days <= max_days:
        raise AccountError(f"--expires-days must be from 1 to {max_days} (ACCESS_ES_KEY_MAX_DAYS)")
    return days


def expires_at(record: KeyRecord, max_days: int) -> float:
    """When the key dies: its own expiry, or sooner if ACCESS_ES_KEY_MAX_DAYS was lowered since."""
    return min(record.expires, record.created + max_days * 86400)


def create_key(store: "KeyStore", account: str, name: str | None, days: int) -> tuple[KeyRecord, str]:
    """Make a key for `account` (which the caller found) and keep its hash: (its record, the key).
    This is the key's only appearance; the caller shows it once."""
    key_id, key = new_key()
    now = time.time()
    record = KeyRecord(key_id, account, check_key_name(name) if name else key_id, key_hash(key), now,
                       now + days * 86400)
    store.create(record)
    return record, key


def revoke_key(store: "KeyStore", account: str, name: str) -> bool:
    """Delete `account`'s key called `name`; False when it has none."""
    return any([store.delete(k.id) for k in store.of_account(account) if k.name == name])

"""The API-key way in: a script sends a key (accounts/keys.py) with every request, either as the
password of HTTP Basic with its account's name (`curl -u NAME:KEY`, `http_auth=(NAME, KEY)`), or
alone as `Authorization: Bearer KEY`. Any Basic password that starts with `aes_` is a key attempt,
never a password (a password may not start so), so keys never reach the password check or the
Basic cache; and any Bearer token is a key attempt.

Nothing is cached: every request reads the key's record and its account from the store, so a
revoked or expired key, or one whose account was removed, is refused at its next request in every
process, and the key acts with its account's role of the moment. A fast hash (SHA-256) makes that
cheap; the comparison is in constant time, with the same work whether or not the id names a key.

Failed attempts count toward login throttling exactly as wrong passwords do (the same counters:
the name sent with Basic, else the key's account, and the client's address), and once a limit is
reached further failures are answered 429. A right key is never refused by the throttle: with 256
random bits there is nothing to guess, and someone else's wrong guesses must not lock scripts out.
Kept apart from the password check (credentials.py), so that turning password logins off leaves
keys working.
"""
from __future__ import annotations

import hmac
import time

from flask import request

from ..accounts import Account
from ..accounts.keys import DUMMY_HASH, KEY_PREFIX, loggable_name, TOUCH_SECONDS, KeyRecord, expires_at, key_hash, key_id_of
from ..errors import Unauthorized
from ..record import record_of
from .basic import basic_credentials
from .credentials import client_address, name_lock, settings, stores, throttle

NAME = "key"


def init_app(app) -> None:
    """Nothing to set up: keys live in the stores, which auth.init_app attaches."""


def key_of_request(req=None) -> tuple[str | None, str] | None:
    """(the account name sent with it, or None for Bearer; the key) when the request carries a key."""
    header = (req or request).headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return None, value.strip()
    if scheme.lower() == "basic":
        name, password = basic_credentials(req)
        if password.startswith(KEY_PREFIX):
            return name, password
    return None


def account_of_request(req, app) -> Account | None:
    """The account whose key this request carries; None when it carries none. Raises Unauthorized
    for a wrong, revoked or expired key (TooManyAttempts once the throttle's limit is reached)."""
    found = key_of_request(req)
    if found is None:
        return None
    claimed, key = found
    account, record, why = check_key(claimed, key, app)
    if account is None:
        who = claimed if claimed is not None else (record.account if record else None)
        _failed(who if who is not None else f"key:{key_id_of(key) or '?'}", why, req, app)
    record_of(req.environ).key_name = record.name
    return account


def check_key(claimed: str | None, key: str, app=None) -> tuple[Account | None, KeyRecord | None, str]:
    """(the account, the key's record, "") when `key` is a live key (of account `claimed`, when a
    name was sent with it); else (None, the record if its id names one, why not)."""
    key_id = key_id_of(key)
    stores_ = stores(app)
    record = stores_.keys.get(key_id) if key_id else None
    matches = hmac.compare_digest(key_hash(key), record.hash if record else DUMMY_HASH)
    if record is None or not matches:
        return None, None, "not a valid API key"
    if claimed is not None and claimed != record.account:
        return None, record, f"API key {record.name!r} belongs to another account"
    now = time.time()
    if now >= expires_at(record, settings(app).key_max_days):
        return None, record, f"API key {record.name!r} of {record.account!r} has expired"
    account = stores_.accounts.get(record.account)
    if account is None:
        return None, record, f"API key {record.name!r}: account {record.account!r} was removed"
    if record.last_used is None or now - record.last_used >= TOUCH_SECONDS:
        stores_.keys.touch(record.id, now)
    return account, record, ""


def _failed(name: str, why: str, req, app) -> None:
    """Count a failed attempt like a wrong password (429 once a limit is reached), then refuse it."""
    address = client_address(req)
    with name_lock(name):
        throttle(app).check(name, address)
        throttle(app).failed(name, address)
    raise Unauthorized("wrong, expired or revoked API key",
                       log_reason=f"API key refused for {loggable_name(name)!r} from {address}: {why}")

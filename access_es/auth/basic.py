"""The Basic way in: an API client sends its name and password with every request
(`Authorization: Basic`). Verified once (credentials.py), then remembered for BASIC_CACHE_SECONDS so
a client does not pay an Argon2 hash per request. Credentials sent decide alone: a wrong password
is a 401 even with a valid session cookie beside it. A password that starts with `aes_` is an API
key (apikey.py's to check, never remembered here: a revoked key must not live on in this cache).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time

from flask import current_app, request

from ..accounts import Account
from ..accounts.keys import loggable_name
from ..accounts.keys import KEY_PREFIX
from ..errors import BadRequest, Unauthorized
from .credentials import account_stamp, check_credentials, client_address, name_lock, settings, stores

NAME = "basic"
BASIC_CACHE_SECONDS = 60
BASIC_CACHE_SIZE = 4096


class BasicCache:
    """Recently verified Basic credentials, so API clients do not pay an Argon2 hash per request.

    Keyed by an HMAC of name and password under a random per-process key: an entry reveals neither.
    An entry holds the account's stamp, so a password change or removal invalidates it at once.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._entries: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _id(self, name: str, password: str) -> str:
        return hmac.new(self._key, f"{name}\x00{password}".encode("utf-8", "surrogateescape"),
                        hashlib.sha256).hexdigest()

    def lookup(self, name: str, password: str) -> str | None:
        entry = self._entries.get(self._id(name, password))
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def remember(self, name: str, password: str, stamp: str) -> None:
        with self._lock:
            if len(self._entries) >= BASIC_CACHE_SIZE:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= BASIC_CACHE_SIZE:
                    self._entries.clear()
            self._entries[self._id(name, password)] = (time.monotonic() + BASIC_CACHE_SECONDS, stamp)


def init_app(app) -> None:
    app.extensions["access_es.basic_cache"] = BasicCache()


def account_of_request(req, app) -> Account | None:
    """The account whose Basic credentials this request carries; None when it carries none.
    Raises Unauthorized when they are wrong, BadRequest when they are malformed."""
    creds = basic_credentials(req)
    if creds is None or creds[1].startswith(KEY_PREFIX):
        return None
    # API keys (sent as Basic's password) are to be checked before this point: they work whatever
    # ACCESS_ES_PASSWORD_LOGIN says. What is left is a password, refused when password logins are off.
    if not settings(app).password_login:
        raise Unauthorized("logging in with a password is turned off here; use an API key",
                           log_reason=f"Basic auth with a password refused for {loggable_name(creds[0])!r} from "
                                      f"{client_address(req)}: ACCESS_ES_PASSWORD_LOGIN=off")
    account = basic_account(*creds, req=req, app=app)
    if account is None:
        raise Unauthorized("wrong name or password",
                           log_reason=f"Basic auth failed for {loggable_name(creds[0])!r} from {client_address(req)}")
    return account


def basic_credentials(req=None) -> tuple[str, str] | None:
    """(name, password) from the request's Basic Authorization header (Flask's request when `req` is
    left out); None when it sends none."""
    header = (req or request).headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise BadRequest("malformed Basic Authorization header: expected base64 of name:password") from None
    name, sep, password = decoded.partition(":")
    if not sep:
        raise BadRequest("malformed Basic Authorization header: expected base64 of name:password")
    return name, password


def basic_account(name: str, password: str, req=None, app=None) -> Account | None:
    app = app or current_app
    cache: BasicCache = app.extensions["access_es.basic_cache"]
    account = _cached(cache, name, password, app)
    if account is not None:
        return account
    with name_lock(name):
        # a concurrent request with the same credentials may have verified them meanwhile
        account = _cached(cache, name, password, app)
        if account is not None:
            return account
        account = check_credentials(name, password, req, app)
        if account is not None:
            cache.remember(name, password, account_stamp(account, app))
        return account


def _cached(cache: BasicCache, name: str, password: str, app) -> Account | None:
    stamp = cache.lookup(name, password)
    if stamp is not None:
        account = stores(app).accounts.get(name)
        if account is not None and hmac.compare_digest(account_stamp(account, app), stamp):
            return account
    return None

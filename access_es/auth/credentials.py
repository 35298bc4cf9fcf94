"""A name and a password, checked: the one way every password-based way in (the login form, Basic)
verifies credentials. Throttled (throttle.py) and one at a time per account name, with the same
work and the same answer whether or not the account exists.

Also the account's stamp: a value derived from its password hash under the app's secret key, kept
with a session or a cached Basic check, so a password change or a removed account voids both at once.
"""
from __future__ import annotations

import hashlib
import hmac
import threading

from flask import current_app, request

from ..accounts import Account
from ..stores import Stores
from .throttle import Throttle


# `app` and `req` below: the app (made by create_app) and the request (a Werkzeug Request), given
# by the proxy's own path, which runs outside Flask; left out, Flask's current ones (our pages).

def stores(app=None) -> Stores:
    return (app or current_app).extensions["access_es.stores"]


def settings(app=None):
    return (app or current_app).extensions["access_es.settings"]


def throttle(app=None) -> Throttle:
    return (app or current_app).extensions["access_es.throttle"]


def client_address(req=None) -> str:
    return (req or request).remote_addr or "unknown"


def account_stamp(account: Account, app=None) -> str:
    secret_key = (app or current_app).config["SECRET_KEY"]
    return hmac.new(secret_key.encode(), account.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def check_credentials(name: str, password: str, req=None, app=None) -> Account | None:
    """The account if the password is right, after the throttle counts and allows the attempt.

    The same work (one Argon2 verification) and the same answer whether or not the account exists.
    An SSO account (auth/oidc.py) has no password: it is answered as an unknown name, always.
    """
    from ..accounts import passwords

    address = client_address(req)
    with name_lock(name):
        throttle(app).check(name, address)
        account = stores(app).accounts.get(name)
        if account is not None and account.sso:
            account = None
        if passwords.verify_password(account.password_hash if account else None, password):
            throttle(app).succeeded(name, address)
            return account
        throttle(app).failed(name, address)
        return None


# One lock per account name (striped: bounded memory): attempts for a name are checked, verified and
# counted one at a time, so parallel guesses cannot outrun the throttle, and concurrent Basic
# requests with the same new credentials verify once (the others then find them cached).
_NAME_LOCKS = [threading.RLock() for _ in range(64)]


def share_name_locks_across_processes() -> None:
    """Make the name locks hold across the worker processes that `access-es serve` forks next (they
    share the throttle's counters, so one lock per process would let each verify a guess at once).
    Process-shared semaphores are not available everywhere (not on Lambda, which runs one request
    per process anyway), so only serve asks for them, before it forks."""
    import multiprocessing

    _NAME_LOCKS[:] = [multiprocessing.RLock() for _ in range(len(_NAME_LOCKS))]


def name_lock(name: str) -> threading.RLock:
    return _NAME_LOCKS[int(hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16) % 64]

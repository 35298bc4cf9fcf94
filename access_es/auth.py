"""Who is asking: a browser session (flask-login over Flask's signed cookie) or HTTP Basic credentials
sent with each request by an API client.

The session cookie holds the account name and a stamp derived from the account's password hash
(HMAC with the app's secret key), never a password: changing the password or removing the account
ends every session of it, because the stamp no longer matches.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging

from flask import Flask, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user

from .accounts import Account, AccountStore
from .accounts.passwords import verify_password
from .errors import BadRequest, Unauthorized

SESSION_COOKIE = "access_es_session"
log = logging.getLogger("access_es.auth")


class User(UserMixin):
    """flask-login's view of an Account."""

    def __init__(self, account: Account, stamp: str):
        self.account = account
        self.stamp = stamp

    def get_id(self) -> str:
        return f"{self.account.name}:{self.stamp}"


def session_stamp(secret_key: str, account: Account) -> str:
    return hmac.new(secret_key.encode(), account.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def store() -> AccountStore:
    return current_app.extensions["access_es.accounts"]


def user_for(account: Account) -> User:
    return User(account, session_stamp(current_app.config["SECRET_KEY"], account))


def init_app(app: Flask, accounts: AccountStore) -> None:
    app.extensions["access_es.accounts"] = accounts
    manager = LoginManager()
    manager.session_protection = None  # IPs and user agents change behind API Gateway; the stamp decides
    manager.init_app(app)

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        name, _, stamp = user_id.rpartition(":")
        account = store().get(name)
        if account is None:
            return None
        user = user_for(account)
        return user if hmac.compare_digest(user.stamp, stamp) else None


def check_credentials(name: str, password: str) -> Account | None:
    """The account if the password is right; the same work whether or not the account exists."""
    account = store().get(name)
    ok = verify_password(account.password_hash if account else None, password)
    return account if ok else None


def basic_credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
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


def current_account() -> Account | None:
    """The authenticated account for this request, or None. Basic credentials, when sent, decide
    alone (a wrong password is never rescued by a session cookie)."""
    if "account" in g:
        return g.account
    account = None
    creds = basic_credentials()
    if creds is not None:
        account = check_credentials(*creds)
        if account is None:
            g.auth_failure = f"wrong name or password for Basic auth user {creds[0]!r}"
            raise Unauthorized("wrong name or password", headers=challenge())
        g.auth_method = "basic"
    elif current_user.is_authenticated:
        account = current_user.account
        g.auth_method = "session"
    g.account = account
    return account


def challenge() -> dict[str, str]:
    """WWW-Authenticate for API clients only: a browser's XHR that got one would pop up the native
    password dialog over Kibana."""
    if is_browser_request():
        return {}
    return {"WWW-Authenticate": 'Basic realm="access-es", charset="UTF-8"'}


def is_browser_request() -> bool:
    """Requests made by a browser page (navigation or XHR) rather than by curl or an API client."""
    h = request.headers
    return bool(
        h.get("Sec-Fetch-Mode") or h.get("kbn-xsrf") or h.get("osd-xsrf") or h.get("X-Requested-With")
        or "text/html" in h.get("Accept", "")
    )


def wants_page() -> bool:
    """A top-level browser navigation: it should get a page (or a redirect to the login page), where
    everything else (XHR, API clients) gets JSON."""
    h = request.headers
    if h.get("kbn-xsrf") or h.get("osd-xsrf") or h.get("X-Requested-With"):
        return False
    mode = h.get("Sec-Fetch-Mode")
    if mode and mode != "navigate":
        return False
    return "text/html" in h.get("Accept", "")

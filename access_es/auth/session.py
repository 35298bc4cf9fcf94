"""The session way in: a person logs in once with the form (pages.py) and their browser then sends
a cookie.

Sessions are server-side records (access_es/stores): the signed cookie (Flask's session, via
flask-login) carries the account name, the account's stamp (credentials.account_stamp) and a random
session id whose hash keys the record. So:
- logging out deletes the record: a copy of the cookie taken before is worthless;
- a password change or a removed account ends every session of it (the stamp no longer matches);
- a session ends ACCESS_ES_SESSION_HOURS after login, or after ACCESS_ES_IDLE_MINUTES unused;
- every login makes a new session id (no fixation).
The cookie never holds a password. Why a cookie no longer counts goes on the request's record.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import Flask, current_app, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from flask_login import LoginManager, UserMixin, login_user, logout_user

from ..accounts import Account
from ..record import RequestRecord, record_of
from ..stores import SessionRecord
from .credentials import account_stamp, settings, stores

NAME = "session"
SESSION_COOKIE = "access_es_session"
SESSION_ID = "_sid"


class User(UserMixin):
    """flask-login's view of an Account."""

    def __init__(self, account: Account, stamp: str):
        self.account = account
        self.stamp = stamp

    def get_id(self) -> str:
        return f"{self.account.name}:{self.stamp}"


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever this request came over HTTPS (directly, or as
    a trusted proxy's X-Forwarded-Proto says; see ACCESS_ES_TRUST_PROXY)."""

    _serializer = None

    def __init__(self) -> None:
        self._read: dict[str, tuple[dict, int]] = {}  # cookie -> (its data, when it was signed)

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)

    def open_session(self, app: Flask, request):
        # Flask's reading of the cookie (verify the signature and its age, decode the JSON) costs a
        # browser's every proxied request; a cookie already read is found here, its age checked
        # again as itsdangerous checks it. Only cookies that verified are kept.
        value = request.cookies.get(self.get_cookie_name(app))
        known = self._read.get(value) if value else None
        if known is not None:
            age = int(time.time()) - known[1]
            if 0 <= age <= app.permanent_session_lifetime.total_seconds():
                return self.session_class(known[0])
        serializer = self.get_signing_serializer(app)
        if not value or serializer is None:
            return super().open_session(app, request)
        try:
            data, signed = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                            return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(type(v) in (str, int, float, bool, type(None)) for v in data.values()):  # nothing to share
            if len(self._read) >= 4096:
                self._read.clear()
            self._read[value] = (data, int(signed.timestamp()))
        return self.session_class(data)

    def get_signing_serializer(self, app: Flask):
        # Built once: Flask builds a new one (key derivation included) for every request, cookie or
        # not, which was a tenth of the proxy's own CPU per request. The key is fixed at start-up.
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookie()
    manager = LoginManager()
    manager.session_protection = None  # addresses and user agents change behind API Gateway; the record decides
    manager.init_app(app)
    manager.user_loader(load_user)


# Where flask-login keeps the logged-in user's id in the session (flask_login.login_user).
USER_ID = "_user_id"


def account_of_request(req, app) -> Account | None:
    """The account of this request's session cookie, if its session still stands. Read here rather
    than through flask-login's current_user, so that the proxy's path, which runs outside Flask,
    asks the same way our pages do (flask-login keeps the user id in the session; its remember-me
    cookie is never set here)."""
    if has_request_context() and request.environ is req.environ:
        data = session  # Flask opened it already
    else:
        data = app.session_interface.open_session(app, req)
    user_id = data.get(USER_ID) if data is not None else None
    if not isinstance(user_id, str):
        return None
    user = _user_for(user_id, data.get(SESSION_ID), app, record_of(req.environ))
    return user.account if user is not None else None


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def load_user(user_id: str) -> User | None:
    """flask-login's user loader (our pages' current_user): the user of this request's session
    cookie, if its server-side record still stands."""
    return _user_for(user_id, session.get(SESSION_ID), current_app, record_of(request.environ))


def _user_for(user_id, session_id, app, request_record: RequestRecord) -> User | None:
    # Both faces ask here (flask-login hands our pages whatever the cookie held): only strings count.
    if not isinstance(user_id, str) or not isinstance(session_id, str):
        return None
    name, _, stamp = user_id.rpartition(":")
    if not name:
        return None
    key = _session_key(session_id)
    all_stores = stores(app)
    record = all_stores.sessions.get(key)
    now = time.time()
    s = settings(app)
    if record is None or record.account != name:
        return _ended(request_record, None, "session unknown or ended")
    if now - record.created > s.session_hours * 3600:
        return _ended(request_record, key, "session reached its maximum lifetime", all_stores)
    if now - record.last_seen > s.idle_minutes * 60:
        return _ended(request_record, key, "session idle for too long", all_stores)
    account = all_stores.accounts.get(name)
    if account is None:
        return _ended(request_record, key, "account removed", all_stores)
    if not account.sso and not s.password_login:
        return _ended(request_record, key, "password logins are off (ACCESS_ES_PASSWORD_LOGIN=off)", all_stores)
    user = User(account, account_stamp(account, app))
    if not hmac.compare_digest(user.stamp, stamp):
        return _ended(request_record, key, "password changed since login", all_stores)
    # Record activity, but write at most once a minute (or a tenth of the idle time).
    if now - record.last_seen > min(60, s.idle_minutes * 6):
        all_stores.sessions.touch(key, now)
    return user


def _ended(request_record: RequestRecord, key: str | None, why: str, all_stores=None) -> None:
    if key:
        all_stores.sessions.delete(key)
    request_record.session_ended = why
    return None


def start_session(account: Account) -> None:
    """Log in: a new session id and record, a fresh cookie (nothing planted before survives)."""
    session.clear()
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    stores().sessions.create(_session_key(session_id), SessionRecord(account.name, now, now),
                             expires=now + settings().session_hours * 3600)
    session[SESSION_ID] = session_id
    login_user(User(account, account_stamp(account)))
    session.permanent = True
    record_of(request.environ).account = account


def end_session() -> None:
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        stores().sessions.delete(_session_key(session_id))
    logout_user()
    session.clear()

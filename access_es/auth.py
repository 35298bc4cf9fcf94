"""Who is asking: a browser session or HTTP Basic credentials sent with each request by an API client.

Sessions are server-side records (access_es/stores): the signed cookie (Flask's session, via
flask-login) carries the account name, a stamp derived from the account's password hash, and a
random session id whose hash keys the record. So:
- logging out deletes the record: a copy of the cookie taken before is worthless;
- a password change or a removed account ends every session of it (the stamp no longer matches);
- a session ends ACCESS_ES_SESSION_HOURS after login, or after ACCESS_ES_IDLE_MINUTES unused;
- every login makes a new session id (no fixation).
The cookie never holds a password.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import threading
import time

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from .accounts import Account
from .accounts.passwords import verify_password
from .errors import BadRequest, Unauthorized
from .record import current as current_record
from .stores import SessionRecord, Stores
from .throttle import Throttle

SESSION_COOKIE = "access_es_session"
SESSION_ID = "_sid"
BASIC_CACHE_SECONDS = 60
BASIC_CACHE_SIZE = 4096
log = logging.getLogger("access_es.auth")


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

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)

    def get_signing_serializer(self, app: Flask):
        # Built once: Flask builds a new one (key derivation included) for every request, cookie or
        # not, which was a tenth of the proxy's own CPU per request. The key is fixed at start-up.
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer


def session_stamp(secret_key: str, account: Account) -> str:
    return hmac.new(secret_key.encode(), account.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def stores() -> Stores:
    return current_app.extensions["access_es.stores"]


def throttle() -> Throttle:
    return current_app.extensions["access_es.throttle"]


def settings():
    return current_app.extensions["access_es.settings"]


def user_for(account: Account) -> User:
    return User(account, session_stamp(current_app.config["SECRET_KEY"], account))


def init_app(app: Flask, store: Stores) -> None:
    app.extensions["access_es.stores"] = store
    s = app.extensions["access_es.settings"]
    app.extensions["access_es.throttle"] = Throttle(
        store.counters, s.throttle_account, s.throttle_address, s.throttle_minutes * 60
    )
    app.extensions["access_es.basic_cache"] = BasicCache()
    app.session_interface = SessionCookie()
    manager = LoginManager()
    manager.session_protection = None  # addresses and user agents change behind API Gateway; the record decides
    manager.init_app(app)
    manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    """The user of this request's session cookie, if its server-side record still stands."""
    name, _, stamp = user_id.rpartition(":")
    session_id = session.get(SESSION_ID)
    if not name or not isinstance(session_id, str):
        return None
    key = _session_key(session_id)
    record = stores().sessions.get(key)
    now = time.time()
    s = settings()
    if record is None or record.account != name:
        return _ended(None, "session unknown or ended")
    if now - record.created > s.session_hours * 3600:
        return _ended(key, "session reached its maximum lifetime")
    if now - record.last_seen > s.idle_minutes * 60:
        return _ended(key, "session idle for too long")
    account = stores().accounts.get(name)
    if account is None:
        return _ended(key, "account removed")
    user = user_for(account)
    if not hmac.compare_digest(user.stamp, stamp):
        return _ended(key, "password changed since login")
    # Record activity, but write at most once a minute (or a tenth of the idle time).
    if now - record.last_seen > min(60, s.idle_minutes * 6):
        stores().sessions.touch(key, now)
    return user


def _ended(key: str | None, why: str) -> None:
    if key:
        stores().sessions.delete(key)
    current_record().session_ended = why
    return None


def start_session(account: Account) -> None:
    """Log in: a new session id and record, a fresh cookie (nothing planted before survives)."""
    session.clear()
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    stores().sessions.create(_session_key(session_id), SessionRecord(account.name, now, now),
                             expires=now + settings().session_hours * 3600)
    session[SESSION_ID] = session_id
    login_user(user_for(account))
    session.permanent = True
    current_record().account = account


def end_session() -> None:
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        stores().sessions.delete(_session_key(session_id))
    logout_user()
    session.clear()


def client_address() -> str:
    return request.remote_addr or "unknown"


def check_credentials(name: str, password: str) -> Account | None:
    """The account if the password is right, after the throttle counts and allows the attempt.

    The same work (one Argon2 verification) and the same answer whether or not the account exists.
    """
    address = client_address()
    with _name_lock(name):
        throttle().check(name, address)
        account = stores().accounts.get(name)
        if verify_password(account.password_hash if account else None, password):
            throttle().succeeded(name, address)
            return account
        throttle().failed(name, address)
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


def _name_lock(name: str) -> threading.RLock:
    return _NAME_LOCKS[int(hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16) % 64]


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


def basic_account(name: str, password: str) -> Account | None:
    cache: BasicCache = current_app.extensions["access_es.basic_cache"]
    account = _cached(cache, name, password)
    if account is not None:
        return account
    with _name_lock(name):
        # a concurrent request with the same credentials may have verified them meanwhile
        account = _cached(cache, name, password)
        if account is not None:
            return account
        account = check_credentials(name, password)
        if account is not None:
            cache.remember(name, password, user_for(account).stamp)
        return account


def _cached(cache: "BasicCache", name: str, password: str) -> Account | None:
    stamp = cache.lookup(name, password)
    if stamp is not None:
        account = stores().accounts.get(name)
        if account is not None and hmac.compare_digest(user_for(account).stamp, stamp):
            return account
    return None


def current_account() -> Account | None:
    """The authenticated account for this request, or None. Basic credentials, when sent, decide
    alone (a wrong password is never rescued by a session cookie)."""
    record = current_record()
    if record.auth is not None:
        return record.account
    account = None
    creds = basic_credentials()
    if creds is not None:
        account = basic_account(*creds)
        if account is None:
            raise Unauthorized("wrong name or password",
                               log_reason=f"Basic auth failed for {creds[0]!r} from {client_address()}")
        record.auth = "basic"
    elif current_user.is_authenticated:
        account = current_user.account
        record.auth = "session"
    record.account = account
    return account


"""Who is asking: one entry point, who_is_asking(), and one module per way in.

- apikey.py: an API key, sent with every request by scripts (as the Basic password, or Bearer);
- basic.py: HTTP Basic credentials, sent with every request by API clients;
- session.py: a browser's session cookie, after a login with the form (pages.py) or with single
  sign-on (oidc.py: the OpenID Connect round trip that ends in the same start_session).

Each way in answers `account_of_request(req, app)`: the account its credentials prove, None when the request
carries none of its kind, or an error (Unauthorized, BadRequest) when they are wrong. who_is_asking
asks them in WAYS_IN's order, and the first that finds credentials of its kind decides alone: a
wrong Basic password is never rescued by a session cookie. What it found (the account and the way
in) goes on the request's record. A new way in (SSO next) is a module with a NAME, init_app and
account_of_request, placed in WAYS_IN.

All of them keep their state in the stores (access_es/stores: accounts, sessions, API keys, the
throttle's counters) and check passwords through credentials.py (throttled, one at a time per
name); API keys are checked apart from passwords (apikey.py), counted by the same throttle.
"""
from __future__ import annotations

from flask import Flask

from ..accounts import Account
from ..record import record_of
from ..stores import Stores
from . import apikey, basic, session
from .credentials import check_credentials, client_address, share_name_locks_across_processes  # noqa: F401
from .session import SESSION_COOKIE, end_session, start_session  # noqa: F401
from .throttle import Throttle

WAYS_IN = (apikey, basic, session)


def init_app(app: Flask, store: Stores) -> None:
    app.extensions["access_es.stores"] = store
    s = app.extensions["access_es.settings"]
    app.extensions["access_es.throttle"] = Throttle(
        store.counters, s.throttle_account, s.throttle_address, s.throttle_minutes * 60
    )
    for way in WAYS_IN:
        way.init_app(app)


def who_is_asking(req=None, app=None) -> Account | None:
    """The authenticated account for the request `req` (a Werkzeug Request) to `app` (made by
    create_app), or None; left out, Flask's current request and app (our pages)."""
    if req is None:
        from flask import current_app, request

        req, app = request._get_current_object(), current_app._get_current_object()
    record = record_of(req.environ)
    if record.auth is not None:
        return record.account
    for way in WAYS_IN:
        account = way.account_of_request(req, app)
        if account is not None:
            record.account, record.auth = account, way.NAME
            return account
    return None

"""The Flask app's error handlers: every exception a view raises is answered by the one renderer
(errors.render); a person's browser that needs a login goes to the login page instead, and comes
back afterwards."""
from __future__ import annotations

import logging

from flask import Flask, Response, redirect, request
from werkzeug.exceptions import HTTPException

from .browser import wants_page
from .errors import InternalError, ProxyError, Unauthorized, from_http_exception, render

log = logging.getLogger("access_es.errors")


def respond(error: ProxyError) -> Response:
    status, headers, body = render(error, request.environ)
    return Response(body, status=status, headers=headers)


def named_error(e: Exception, method: str, path: str) -> ProxyError:
    """Any exception a request's handling raised, as one of our named errors, logged as it must be:
    ours of 500 and over by their reason, anything unnamed with its trace (which goes to the log,
    never to the client). Called while `e` is being handled (the trace is the current one). For
    Flask's handlers below and for the proxy's path outside Flask (proxy/views.py)."""
    if isinstance(e, ProxyError):
        if e.status >= 500:
            log.error("%s: %s", e.error_type, e.reason)
        return e
    if isinstance(e, HTTPException):
        return from_http_exception(e)
    log.exception("unexpected error handling %s %s", method, path)
    return InternalError(f"access-es failed unexpectedly ({type(e).__name__}); see its log")


def init_app(app: Flask) -> None:
    @app.errorhandler(ProxyError)
    def proxy_error(e: ProxyError):
        if isinstance(e, Unauthorized) and request.method in ("GET", "HEAD") and wants_page(request.headers):
            return _to_login(e)
        return respond(named_error(e, request.method, request.path))

    @app.errorhandler(HTTPException)
    @app.errorhandler(Exception)
    def other_error(e: Exception):
        return respond(named_error(e, request.method, request.path))


def _to_login(e: Unauthorized):
    """A person in a browser: the login page (straight to single sign-on when password logins are
    off), then back here."""
    from .pages import login_url, oidc_login_url, password_login, sso_configured
    from .proxy.request import raw_path_of
    from .record import record_of

    record_of(request.environ).reason = e.log_reason
    env = request.environ
    next_path = request.script_root + raw_path_of(
        env.get("REQUEST_URI") or env.get("RAW_URI"), env.get("PATH_INFO", "/"), env.get("SCRIPT_NAME", ""),
    )
    if env.get("QUERY_STRING"):
        next_path += "?" + env["QUERY_STRING"]
    if not password_login() and sso_configured():
        return redirect(oidc_login_url(next_path), 303)
    return redirect(login_url(next_path), 303)

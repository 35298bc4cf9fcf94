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


def init_app(app: Flask) -> None:
    @app.errorhandler(ProxyError)
    def proxy_error(e: ProxyError):
        if isinstance(e, Unauthorized) and request.method in ("GET", "HEAD") and wants_page(request.headers):
            return _to_login(e)
        if e.status >= 500:
            log.error("%s: %s", e.error_type, e.reason)
        return respond(e)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return respond(from_http_exception(e))

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        # The trace goes to the log, never to the client.
        log.exception("unexpected error handling %s %s", request.method, request.path)
        return respond(InternalError(f"access-es failed unexpectedly ({type(e).__name__}); see its log"))


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

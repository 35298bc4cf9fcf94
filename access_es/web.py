"""Errors in one place: every failure the proxy itself produces gets a status, a reason in the log,
JSON for API clients and XHRs, and a readable page for a browser (or a trip to the login page)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from .auth import challenge, wants_page
from .errors import ProxyError, Unauthorized
from .proxy.request import raw_path_of
from .record import current as current_record

log = logging.getLogger("access_es.errors")


def template_dir() -> str:
    """Templates sit at the top of the source tree (and of the Zappa bundle); an installed package
    carries them as access_es/templates (setup.py maps the folder there)."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "templates", package / "templates"):
        if (candidate / "login.html").is_file():
            return str(candidate)
    raise RuntimeError(f"access-es templates not found next to {package}")


def _error_response(status: int, error_type: str, title: str, reason: str, hint: str | None,
                    headers: dict[str, str], log_reason: str | None = None):
    current_record().reason = log_reason or reason
    if wants_page():
        body = render_template("error.html", status=status, title=title, reason=reason, hint=hint)
        response = app_response(body, status)
    else:
        payload = {"error": {"type": error_type, "reason": reason}, "status": status}
        if hint:
            payload["error"]["hint"] = hint
        response = jsonify(payload)
        response.status_code = status
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def app_response(body: str, status: int):
    from flask import make_response

    response = make_response(body, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ProxyError)
    def proxy_error(e: ProxyError):
        if isinstance(e, Unauthorized):
            headers = {**challenge(), **e.headers}
            if request.method in ("GET", "HEAD") and wants_page():
                # A person in a browser: the login page, then back here.
                from .pages import login_url

                current_record().reason = e.log_reason
                env = request.environ
                next_path = request.script_root + raw_path_of(
                    env.get("REQUEST_URI") or env.get("RAW_URI"), env.get("PATH_INFO", "/"),
                    env.get("SCRIPT_NAME", ""),
                )
                if env.get("QUERY_STRING"):
                    next_path += "?" + env["QUERY_STRING"]
                return redirect(login_url(next_path), 303)
        else:
            headers = e.headers
        if e.status >= 500:
            log.error("%s: %s", e.error_type, e.reason)
        return _error_response(e.status, e.error_type, e.title, e.reason, e.hint, headers, e.log_reason)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        reason = {404: "no such page of access-es", 405: "method not allowed here"}.get(
            e.code or 500, e.description or e.name
        )
        return _error_response(e.code or 500, e.name.lower().replace(" ", "_"), e.name, reason, None, {})

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        # The trace goes to the log, never to the client.
        log.exception("unexpected error handling %s %s", request.method, request.path)
        return _error_response(500, "internal_error", "Internal error",
                               f"access-es failed unexpectedly ({type(e).__name__}); see its log", None, {})

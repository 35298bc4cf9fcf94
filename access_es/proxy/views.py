"""The proxy's path: every request outside /_access-es/, for every method, from who is asking to
the answer. Glue between the network and the pure rules in request.py, response.py and access.py.

`relay()` is the path itself. It runs outside Flask for the requests Kibana, Dashboards and API
clients send (`ProxiedRequests`, the WSGI layer in front of the Flask app): Flask's per-request
machinery (contexts, routing, sessions opened and saved, response objects) was a quarter of the
proxy's CPU per answer. What needs Flask goes to it: our own pages, and a person's browser
navigating to a proxied page (the Flask route below), whose answer may be a trip to the login page
(error_handlers.py) and back. Both ask `relay()`, and refusals are rendered by the one renderer.
"""
from __future__ import annotations

from typing import Iterable

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import EnvironHeaders, Headers, HeaderSet
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES, parse_set_header
from werkzeug.routing import PathConverter
from werkzeug.utils import redirect
from werkzeug.wrappers import Request

from ..access import cross_site_denial, product_could_allow, readonly_denial, safe_to_repeat
from ..auth import SESSION_COOKIE, who_is_asking
from ..browser import wants_page
from ..error_handlers import named_error
from ..errors import Forbidden, ProxyError, Unauthorized, render
from ..iam_roles import iam_role_for, role_name
from ..record import record_of
from .request import canonical_query, decoded_segments, raw_path_of, upstream_headers, upstream_path
from .response import client_headers, rewrite_location

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
OWN_NAMESPACE = "_access-es"


class Answer:
    """What relay() answers: a status line, headers in order (duplicates kept), and a body (bytes
    held whole, or an iterable still being read from the upstream)."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes | Iterable[bytes]):
        self.status, self.headers, self.body = status, headers, body

    @property
    def status_code(self) -> int:
        return int(self.status.split(" ", 1)[0])


def path_of(environ: dict) -> tuple[str, list[str]]:
    """The request's path as the upstream gets it, and its decoded segments."""
    raw_path = raw_path_of(environ.get("REQUEST_URI") or environ.get("RAW_URI"), environ.get("PATH_INFO", "/"),
                           environ.get("SCRIPT_NAME", ""))
    path = upstream_path(raw_path)
    return path, decoded_segments(path)


def relay(app, req: Request) -> Answer:
    """The proxy's path for one request: who is asking, may they, sign and forward, the answer.
    `app`: the app made by create_app (its extensions: settings, upstream, stores); raises
    ProxyError (or Werkzeug's HTTPException) for a refusal."""
    environ = req.environ
    method = req.method
    if method not in METHODS:  # CONNECT, TRACE, WebDAV's: none is Elasticsearch's
        raise MethodNotAllowed(valid_methods=METHODS)
    if method == "OPTIONS" and environ.get("REQUEST_URI") == "*":
        # `OPTIONS *` asks about this server, not about the index pattern '*'.
        return Answer("204 No Content", [("Allow", ", ".join(METHODS))], b"")
    path, segments = path_of(environ)
    if segments[:1] == [OWN_NAMESPACE]:
        # Our own namespace, however it was spelled: never proxied, even for unknown routes.
        raise NotFound()
    query = canonical_query(environ.get("QUERY_STRING", ""))
    record = record_of(environ)
    record.upstream_path = path

    # who is asking
    account = who_is_asking(req, app)
    if account is None:
        raise Unauthorized("log in first, or send Basic credentials")

    settings = app.extensions["access_es.settings"]
    headers_in = req.headers
    if method == "GET" and not segments and wants_page(headers_in):
        # A browser landing on the root goes to Kibana/Dashboards, not to the cluster's JSON banner.
        page = redirect(req.script_root + settings.home, 302)
        return Answer(page.status, page.headers.to_wsgi_list(), page.get_data())

    # may they
    if record.auth == "session":
        reason = cross_site_denial(method, headers_in, req.host, path, query)
        if reason:
            raise Forbidden(reason)
    body = req.get_data(cache=False)  # raw bytes; never parsed as a form
    if account.readonly:
        reason = _readonly_reason(req, app, path, query, body)
        if reason:
            raise Forbidden(reason)
    record.bytes_in = len(body)

    # sign and forward
    iam_role = iam_role_for(account, settings.iam_role_map)
    if iam_role:
        record.iam_role = role_name(iam_role)
    answer = app.extensions["access_es.upstream"].send(
        method, path, query, upstream_headers(headers_in.items(), SESSION_COOKIE), body,
        repeatable=safe_to_repeat(method, path), identity=account,
    )
    record.retried = answer.retried or None
    record.upstream_status = answer.status
    record.upstream_ms = answer.elapsed_ms

    # the answer: the upstream's headers, in order, duplicates kept
    headers = client_headers(answer.headers)
    if any(n.lower() == "location" for n, _ in headers):
        proxy_root = req.host_url.rstrip("/") + req.script_root
        headers = [
            (n, rewrite_location(v, settings.endpoint, proxy_root) if n.lower() == "location" else v)
            for n, v in headers
        ]
    if (answer.body is not None and method != "HEAD" and answer.status not in (204, 304)
            and not any(n.lower() == "content-length" for n, _ in headers)):
        # It came chunked: we know its length now. Never on a 204 (RFC 9110 8.6 forbids it) or a 304
        # (where it would describe the resource, not this empty answer).
        headers.append(("Content-Length", str(len(answer.body))))
    return Answer(status_line(answer.status, answer.reason), headers,
                  answer.body if answer.body is not None else answer.stream)


def _readonly_reason(req: Request, app, path: str, query: str, body: bytes) -> str | None:
    """The readonly rule, judged against the upstream's own product once a verdict depends on it."""
    product = app.extensions["access_es.upstream_product"]
    shape = (req.method, path, query, {k.lower() for k in req.headers.keys()}, body,
             req.headers.get("Content-Type"))
    products = product.known()
    reason = readonly_denial(*shape, products)
    if reason and products is None and product_could_allow(*shape):
        products = product.learn(app.extensions["access_es.upstream"])
        if products:
            reason = readonly_denial(*shape, products)
    return reason


def status_line(code: int, reason: str) -> str:
    """The upstream's status and reason; its code's standard reason when it sent none."""
    reason = reason.strip()
    return f"{code} {reason}" if reason else f"{code} {HTTP_STATUS_CODES.get(code, 'Unknown').upper()}"


def with_vary_cookie(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answer depends on who is asking, and a browser's credentials are its cookie: caches must
    not share it across cookies. Added to the upstream's own Vary, if it sent one."""
    varies = [i for i, (n, _) in enumerate(headers) if n.lower() == "vary"]
    if not varies:
        headers.append(("Vary", "Cookie"))
        return headers
    listed = {t.strip().lower() for i in varies for t in headers[i][1].split(",")}
    if "cookie" not in listed and "*" not in listed:
        name, value = headers[varies[-1]]
        headers[varies[-1]] = (name, f"{value.strip()}, Cookie" if value.strip() else "Cookie")
    return headers


class ProxiedRequests:
    """WSGI, in front of the Flask app: the proxied requests answered here, the rest (our pages and
    a person's browser navigating) passed to Flask."""

    def __init__(self, app, flask_wsgi_app):
        self.app = app
        self.flask_wsgi_app = flask_wsgi_app

    def __call__(self, environ: dict, start_response):
        if _for_flask(environ):
            return self.flask_wsgi_app(environ, start_response)
        # Not kept in the environ (Werkzeug's default): the request and its environ would make a
        # reference cycle that only the garbage collector frees, for every proxied request.
        req = Request(environ, populate_request=False)
        record = record_of(environ)
        record.path = req.path
        try:
            answer = relay(self.app, req)
        except Exception as e:
            status, headers, body = render(named_error(e, req.method, req.path), environ)
            answer = Answer(status_line(status, ""), headers, body)
        finally:
            if record.bytes_in is None:
                record.bytes_in = req.content_length or 0
        start_response(answer.status, with_vary_cookie(answer.headers))
        status = answer.status_code
        if req.method == "HEAD" or 100 <= status < 200 or status in (204, 304):
            close = getattr(answer.body, "close", None)
            if close is not None:
                close()
            return []
        return [answer.body] if isinstance(answer.body, bytes) else answer.body


def _for_flask(environ: dict) -> bool:
    """Our own pages, and a person's browser navigating (GET or HEAD of a page), go through Flask."""
    # The method as Werkzeug reads it (upper-cased), as Flask's routing and relay() will see it.
    if environ.get("REQUEST_METHOD", "").upper() in ("GET", "HEAD") and "text/html" in environ.get("HTTP_ACCEPT", "") \
            and wants_page(EnvironHeaders(environ)):
        return True
    if environ.get("REQUEST_URI") == "*":
        return True
    if OWN_NAMESPACE not in environ.get("PATH_INFO", ""):
        return False  # PATH_INFO is the path decoded: our namespace, however spelled, shows in it
    try:
        return path_of(environ)[1][:1] == [OWN_NAMESPACE]
    except ProxyError:
        return False  # a malformed path: refused on the proxy's path, like any other request's


# -- through Flask: a person's browser navigating ------------------------------------------------------

bp = Blueprint("proxy", __name__)


class AnyPath(PathConverter):
    """Werkzeug's path converter, but a decoded newline ('%0A' in a document id) matches too."""

    regex = r"[^/][\s\S]*?"


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["anypath"] = AnyPath


class RelayedResponse(Response):
    """The upstream's answer as it is: Werkzeug would otherwise compute a Content-Length for HEAD
    answers (telling the client the resource is empty) and strip validators from 304s."""

    automatically_set_content_length = False

    def get_wsgi_headers(self, environ) -> Headers:
        return self.headers  # as they are (no copy: the response is answered once, then dropped)

    @property
    def vary(self) -> HeaderSet:
        # Final already (with_vary_cookie named Cookie, unless the upstream said `*`): Flask's session
        # adds Cookie through this property, and Werkzeug's own reads the first Vary line only, then
        # rewrites every line as that one: the upstream's other Vary lines would be lost. So a copy
        # of every line, which nothing writes back.
        return parse_set_header(", ".join(self.headers.getlist("Vary")))


@bp.route("/", defaults={"_": ""}, methods=METHODS, provide_automatic_options=False)
@bp.route("/<anypath:_>", methods=METHODS, provide_automatic_options=False)
def proxy(_: str):
    answer = relay(current_app._get_current_object(), request._get_current_object())
    response = RelayedResponse(answer.body, status=answer.status, direct_passthrough=True)
    # Replace Flask's defaults wholesale: the upstream's headers, in order, duplicates kept.
    response.headers.clear()
    for name, value in with_vary_cookie(answer.headers):
        response.headers.add(name, value)
    return response

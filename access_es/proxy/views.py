"""The proxy view: glue between the network and the pure rules in request.py, response.py and
access.py. Everything not under /_access-es/ lands here, for every method."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter

from ..access import cross_site_denial, product_could_allow, readonly_denial, safe_to_repeat
from ..auth import SESSION_COOKIE, who_is_asking
from ..browser import wants_page
from ..errors import Forbidden, Unauthorized
from ..record import record_of
from ..iam_roles import iam_role_for, role_name
from .request import canonical_query, decoded_segments, raw_path_of, upstream_headers, upstream_path
from .response import client_headers, rewrite_location

bp = Blueprint("proxy", __name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


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


def _readonly_reason(req, app, path: str, query: str, body: bytes) -> str | None:
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


@bp.route("/", defaults={"_": ""}, methods=METHODS, provide_automatic_options=False)
@bp.route("/<anypath:_>", methods=METHODS, provide_automatic_options=False)
def proxy(_: str):
    # The request and the app themselves, not Flask's proxies to them: each use of a proxy looks the
    # object up again, and this view uses them a few dozen times per request.
    req = request._get_current_object()
    app = current_app._get_current_object()
    environ = req.environ
    method = req.method
    if method == "OPTIONS" and environ.get("REQUEST_URI") == "*":
        # `OPTIONS *` asks about this server, not about the index pattern '*'.
        return Response(status=204, headers={"Allow": ", ".join(METHODS)})
    raw_path = raw_path_of(
        environ.get("REQUEST_URI") or environ.get("RAW_URI"), environ.get("PATH_INFO", "/"),
        environ.get("SCRIPT_NAME", ""),
    )
    path = upstream_path(raw_path)
    segments = decoded_segments(path)
    if segments[:1] == ["_access-es"]:
        # Our own namespace, however it was spelled: never proxied, even for unknown routes.
        raise NotFound()
    query = canonical_query(environ.get("QUERY_STRING", ""))
    record = record_of(environ)
    record.upstream_path = path

    account = who_is_asking()
    if account is None:
        raise Unauthorized("log in first, or send Basic credentials")

    settings = app.extensions["access_es.settings"]
    headers_in = req.headers
    if method == "GET" and not segments and wants_page(headers_in):
        # A browser landing on the root goes to Kibana/Dashboards, not to the cluster's JSON banner.
        return redirect(req.script_root + settings.home, 302)

    if record.auth == "session":
        reason = cross_site_denial(method, headers_in, req.host)
        if reason:
            raise Forbidden(reason)

    body = req.get_data(cache=False)  # raw bytes; never parsed as a form
    if account.readonly:
        reason = _readonly_reason(req, app, path, query, body)
        if reason:
            raise Forbidden(reason)
    record.bytes_in = len(body)
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

    headers = client_headers(answer.headers)
    if any(n.lower() == "location" for n, _ in headers):
        proxy_root = req.host_url.rstrip("/") + req.script_root
        headers = [
            (n, rewrite_location(v, settings.endpoint, proxy_root) if n.lower() == "location" else v)
            for n, v in headers
        ]
    body_out = answer.body if answer.body is not None else answer.stream
    response = RelayedResponse(body_out, status=f"{answer.status} {answer.reason}".strip(),
                               direct_passthrough=True)
    # Replace Flask's defaults wholesale: the upstream's headers, in order, duplicates kept.
    response.headers.clear()
    for name, value in headers:
        response.headers.add(name, value)
    if (answer.body is not None and method != "HEAD" and answer.status not in (204, 304)
            and "Content-Length" not in response.headers):
        # It came chunked: we know its length now. Never on a 204 (RFC 9110 8.6 forbids it) or a 304
        # (where it would describe the resource, not this empty answer).
        response.headers["Content-Length"] = str(len(answer.body))
    return response

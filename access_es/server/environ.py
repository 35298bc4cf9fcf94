"""A parsed request head (h11's Request) as a WSGI environ, and the checks a head must pass beyond
HTTP/1.1's grammar (which h11 enforces) before the app sees it. Pure functions, tested directly."""
from __future__ import annotations

import re
import sys
from urllib.parse import unquote_to_bytes

from ..errors import BadRequest, ProxyError

_FOLDED = re.compile(rb"\n[ \t]")
_PROXY_HEADERS = ("HTTP_X_FORWARDED_", "HTTP_FORWARDED")


def head_problem(head: bytes) -> ProxyError | None:
    """What is wrong with a raw request head that h11 would accept: folded header lines (obsolete
    line folding, which h11 joins; RFC 9112 5.2 lets a server refuse them, and we do, so that no two
    parsers on the path can read the head differently)."""
    if _FOLDED.search(head):
        return BadRequest("folded (multi-line) header values are not accepted (RFC 9112 5.2)")
    return None


def request_problem(request) -> ProxyError | None:
    """What is wrong with a parsed request (h11.Request) that we refuse before the app sees it."""
    if request.http_version not in (b"1.1", b"1.0"):
        return BadRequest("malformed request line: expected METHOD TARGET HTTP/1.1")
    coding = length = None
    for name, value in request.headers:  # lower-cased names
        if name == b"transfer-encoding":
            coding = value
        elif name == b"content-length":
            length = value
    if coding is not None and length is not None:
        return BadRequest("a request may not carry both Transfer-Encoding and Content-Length")
    return None


def body_length(request) -> int | None:
    """The length of a request's body as its head declares it: its Content-Length, 0 when it
    declares none, None when it is chunked (known only once read). (request_problem refuses a head
    that declares both.)"""
    chunked = False
    for name, value in request.headers:
        if name == b"content-length":
            return int(value)
        chunked = chunked or name == b"transfer-encoding"
    return None if chunked else 0


def build_environ(request, *, client: tuple[str, int], server: tuple[str, int], trust_proxy: int,
                  multiprocess: bool) -> dict:
    """PEP 3333's environ for `request`. REQUEST_URI is the raw target (the proxy takes its path
    from there: `%2F` in a document id must stay encoded); PATH_INFO is the decoded path, for routing.
    Repeated headers are joined with ", " (cookies with "; "). Without ACCESS_ES_TRUST_PROXY, the
    X-Forwarded-* and Forwarded headers are dropped: they neither count nor travel upstream."""
    target = request.target.decode("latin-1")
    path, _, query = target.partition("?")
    if not path.startswith("/"):
        if "://" in path:  # absolute form: the path starts after the authority
            rest = path.split("://", 1)[1]
            path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        else:
            path = "/"  # `*` (OPTIONS *): the app reads REQUEST_URI for that
    environ = {
        "REQUEST_METHOD": request.method.decode("ascii"),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/" + request.http_version.decode("ascii"),
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
        # The body stream ends where the body ends (chunked bodies have no CONTENT_LENGTH).
        "wsgi.input_terminated": True,
    }
    for raw_name, raw_value in request.headers.raw_items():
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            environ[name] = value
            continue
        if name == "TRANSFER_ENCODING":
            continue  # the body reaches the app decoded
        key = "HTTP_" + name
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ", ") + value
        else:
            environ[key] = value
    if not trust_proxy:
        for key in [k for k in environ if k.startswith(_PROXY_HEADERS)]:
            del environ[key]
    return environ

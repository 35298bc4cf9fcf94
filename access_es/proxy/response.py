"""Response in, response out: what of the upstream's answer reaches the client. Pure functions."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

from .request import HOP_BY_HOP, connection_tokens

_DEFAULT_PORTS = {"http": 80, "https": 443}


def client_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """End-to-end upstream headers, duplicates and order kept (several Set-Cookie stay several).

    Content-Encoding passes (the body is relayed as the upstream's raw bytes), and so does a
    Content-Length that describes that body: one value (a repeated identical value is one value,
    RFC 9110 8.6). With Transfer-Encoding the length is framing (RFC 9112 6.3) and is dropped, as is
    a set of conflicting lengths; the body is then sent with the length we count, or chunked.
    """
    headers = list(headers)
    dropped = HOP_BY_HOP | connection_tokens(headers)
    lengths = {v.strip() for n, v in headers if n.lower() == "content-length" for v in v.split(",")}
    chunked = any(n.lower() == "transfer-encoding" for n, _ in headers)
    keep_length = len(lengths) == 1 and not chunked and next(iter(lengths)).isdigit()
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower in dropped:
            continue
        if lower == "content-length":
            if not keep_length or any(n.lower() == "content-length" for n, _ in out):
                continue
            value = next(iter(lengths))
        out.append((name, value))
    return out


def _origin(scheme: str, netloc: str) -> tuple[str, str, int | None]:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def rewrite_location(location: str, endpoint: str, proxy_root: str) -> str:
    """Point an upstream redirect back at the proxy.

    A Location on the upstream's own origin (absolute, or scheme-relative) would send the browser
    to a host it cannot use without our signature; it becomes the same path under `proxy_root`
    (our scheme://host plus any mount prefix, no trailing slash). Relative Locations already
    resolve against us, and other origins are left alone: they are not ours to proxy.
    """
    try:
        target = urlsplit(location)
        upstream = urlsplit(endpoint)
        if location.startswith("//"):
            scheme = upstream.scheme
        elif target.scheme:
            scheme = target.scheme.lower()
        else:
            return location
        if _origin(scheme, target.netloc) != _origin(upstream.scheme, upstream.netloc):
            return location
    except ValueError:
        return location
    rest = target.path or "/"
    if target.query:
        rest += "?" + target.query
    if target.fragment:
        rest += "#" + target.fragment
    return proxy_root.rstrip("/") + rest

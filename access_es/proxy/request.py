"""Request in, request out: pure functions that turn what the client sent into what the upstream gets.

Everything here works on plain strings and lists, so it is tested without a server. WSGI hands us
the request target as latin-1 decoded text of the raw bytes; we keep it that way until we encode.

The invariant the signer relies on: the target we send upstream is in strict RFC 3986 form (only
unreserved characters literal, everything else %XX with upper-case hex), so the bytes on the wire
and the canonical request AWS rebuilds from them agree, whatever the client sent.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlsplit

from ..errors import BadRequest

_UNRESERVED = "-_.~"  # plus ASCII letters and digits, which quote never encodes
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")

# RFC 9110 7.6.1: connection-specific headers are for one hop only.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})

# Never sent upstream: the upstream host is ours to set, credentials are the client's to us (not to
# AWS), x-amz-* would be mistaken for our signature's, Content-Length is recomputed from the body we
# forward, Expect is answered by our server, and a client Date header would replace X-Amz-Date in
# the signer's eyes.
_DROPPED_REQUEST_HEADERS = frozenset({"host", "authorization", "content-length", "expect", "date"})


def _strict(raw: bytes) -> str:
    return quote_from_bytes(raw, safe=_UNRESERVED)


def _check_escapes(raw: bytes, where: str) -> None:
    if _BAD_ESCAPE.search(raw):
        raise BadRequest(f"invalid percent-encoding in the {where}: '%' must be followed by two hex digits")


def canonical_query(raw_query: str) -> str:
    """Re-encode a query string in strict RFC 3986 form, keeping order and duplicates.

    Decoded once, with '+' meaning space (HTML forms and most clients), then re-encoded so that a
    space is %20 and a literal plus %2B. A bare `key` stays bare (it means `key=` to AWS and to ES).
    Empty pieces (`a=1&&b=2`) carry no meaning and are dropped.
    """
    raw = raw_query.encode("latin-1")
    _check_escapes(raw, "query string")
    pairs: list[str] = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name, eq, value = piece.partition(b"=")
        if not name:
            # AWS refuses to sign a parameter without a name; say so instead of dropping it.
            raise BadRequest("a query parameter has an empty name (e.g. '?=value')")
        parts = []
        for component in (name, value) if eq else (name,):
            decoded = unquote_to_bytes(component.replace(b"+", b" "))
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError:
                # The signer (and Elasticsearch) read parameters as UTF-8; bytes that aren't would be
                # signed one way and sent another.
                raise BadRequest("the query string is not valid UTF-8 once percent-decoded") from None
            parts.append(_strict(decoded))
        pairs.append("=".join(parts))
    return "&".join(pairs)


def query_pairs(canonical: str) -> list[tuple[str, str]]:
    """Decoded (name, value) pairs of a query already in strict form; for access rules and logs."""
    out = []
    for piece in canonical.split("&") if canonical else []:
        name, _, value = piece.partition("=")
        out.append((unquote_to_bytes(name).decode("utf-8"), unquote_to_bytes(value).decode("utf-8")))
    return out


def raw_path_of(request_uri: str | None, path_info: str, script_name: str = "") -> str:
    """The path as the client sent it, still percent-encoded.

    Servers decode PATH_INFO (losing the difference between '/' and '%2F') and some collapse '//';
    the raw request target (REQUEST_URI / RAW_URI) keeps both. Absolute-form targets
    (`GET http://host/path`) give only their path: the upstream is ours to choose, never the client's.
    """
    if request_uri:
        target = request_uri
        if not target.startswith("/"):
            target = urlsplit(target).path or "/"
        path = target.split("?", 1)[0].split("#", 1)[0]
        if script_name and (path == script_name or path.startswith(script_name + "/")):
            path = path[len(script_name):]
        return path or "/"
    # Without the raw target, re-encode the decoded path: '%2F' is lost but nothing else is.
    raw = (path_info or "/").encode("latin-1")
    return quote_from_bytes(raw, safe="/" + _UNRESERVED)


def _remove_dot_segments(segments: list[bytes]) -> list[bytes]:
    """RFC 3986 5.2.4 over decoded segments; '..' at the root goes nowhere."""
    out: list[bytes] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == b".":
            if last:
                out.append(b"")
        elif seg == b"..":
            if out:
                out.pop()
            if last:
                out.append(b"")
        else:
            out.append(seg)
    return out


def upstream_path(raw_path: str) -> str:
    """The path we send (and sign): strict RFC 3986, dot segments resolved, '//' and '%2F' kept.

    Each segment is decoded and re-encoded on its own, so an encoded slash inside a document id
    stays part of that id. '%2E%2E' is '..' (RFC 3986 says they are the same), so it is resolved
    too: access rules then see the path the upstream will route.
    """
    raw = raw_path.encode("latin-1")
    _check_escapes(raw, "path")
    if not raw.startswith(b"/"):
        raw = b"/" + raw
    segments = [unquote_to_bytes(s) for s in raw.split(b"/")]
    # segments[0] is the empty string before the leading '/'
    resolved = [b""] + _remove_dot_segments(segments[1:])
    if len(resolved) == 1:
        resolved.append(b"")
    return "/".join(_strict(s) for s in resolved)


def decoded_segments(path: str) -> list[str]:
    """The non-empty segments of a strict-form path, fully decoded ('%2F' splits too), for rules.

    Elasticsearch decodes the whole path before routing, so an access rule must look at the same
    thing: `/%5Fbulk` is `/_bulk`.
    """
    text = unquote_to_bytes(path).decode("utf-8", errors="replace")
    return [s for s in text.split("/") if s]


def connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
    return tokens


def strip_cookie(cookie_header: str, cookie_name: str) -> str:
    """Remove one cookie (ours) from a Cookie header, keeping the others byte for byte.

    Servers join repeated Cookie headers with ", " (HTTP/2 front ends send one per cookie), and a
    cookie value may not contain a comma (RFC 6265), so both ';' and ',' separate cookies here.
    """
    kept = []
    for crumb in re.split(r"[;,]", cookie_header):
        name = crumb.split("=", 1)[0].strip()
        if crumb.strip() and name != cookie_name:
            kept.append(crumb.strip())
    return "; ".join(kept)


def upstream_headers(headers: Iterable[tuple[str, str]], session_cookie: str) -> list[tuple[str, str]]:
    """The client's headers that go upstream.

    Dropped: hop-by-hop headers (and any the client named in Connection), Host, the client's
    Authorization and X-Amz-* (ours replace them), Content-Length, Expect, Date, and our own session
    cookie. Everything else passes, in order: kbn-*, osd-*, securitytenant, Content-Type, Accept*,
    other cookies (Dashboards' tenant cookie among them).
    """
    headers = list(headers)
    dropped = HOP_BY_HOP | connection_tokens(headers)
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower in dropped or lower in _DROPPED_REQUEST_HEADERS or lower.startswith("x-amz-"):
            continue
        if lower == "cookie":
            value = strip_cookie(value, session_cookie)
            if not value:
                continue
        out.append((name, value))
    return out

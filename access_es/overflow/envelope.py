"""How big the Lambda response envelope of an answer would be: pure functions, no guessing.

Behind API Gateway, Zappa turns our WSGI answer into a dict (Zappa's LambdaHandler.handler):
    {"body": ..., "isBase64Encoded": true?, "statusCode": N,
     "headers": {name: last value}, "multiValueHeaders": {name: [every value, any case]}}
and the Lambda runtime serialises it as JSON (awslambdaric's marshaller: default separators,
ASCII-escaped on runtimes before Python 3.12, raw UTF-8 from 3.12 on). Lambda refuses a
synchronous answer whose serialised payload is over 6,291,556 bytes.

The body is base64 (4/3 larger) when binary support is on and the answer has a Content-Encoding or a
mimetype that is not one of Zappa's text types; otherwise it is UTF-8 text, JSON-escaped (a quote
or backslash doubles, a control character or, before 3.12, any non-ASCII character becomes a
six-byte \\uXXXX escape). The rules below rebuild that dict with the same Werkzeug Response Zappa
uses, so the count is exact.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

LAMBDA_LIMIT = 6_291_556  # bytes of serialised response payload a synchronous invoke may return

# zappa.utilities.DEFAULT_TEXT_MIMETYPES (copied: importing zappa costs a cold start dearly)
ZAPPA_TEXT_MIMETYPES = (
    "text/", "application/json", "application/javascript", "application/ecmascript", "application/xml",
    "application/xml-external-parsed-entity", "application/xml-dtd", "image/svg+xml",
)


@dataclass(frozen=True)
class EnvelopeRule:
    binary_support: bool = True
    text_mimetypes: tuple[str, ...] = ZAPPA_TEXT_MIMETYPES
    ensure_ascii: bool = True        # runtimes before python3.12
    single_value_headers: bool = True  # API Gateway REST events carry both header maps
    multi_value_headers: bool = True
    cookie_copies: bool = False        # Zappa's Set-Cookie copying middleware (wsgi.py turns it off)


def _zappa_view(status: int, headers: Iterable[tuple[str, str]], cookie_copies: bool):
    """The Werkzeug Response Zappa builds from our WSGI answer: Werkzeug adds a default
    Content-Type if there is none, and Zappa's middleware, when on, appends a lower-case copy of
    every Set-Cookie header."""
    from werkzeug.wrappers import Response

    headers = list(headers)
    copies = [(n.lower(), v) for n, v in headers if n.lower() == "set-cookie"] if cookie_copies else []
    return Response(status=status, headers=headers + copies)


def is_base64(status: int, headers: Iterable[tuple[str, str]], rule: EnvelopeRule) -> bool:
    view = _zappa_view(status, headers, rule.cookie_copies)
    if not rule.binary_support:
        return False
    return bool(view.headers.get("Content-Encoding")) or not view.mimetype.startswith(rule.text_mimetypes)


def _dumps(value, rule: EnvelopeRule) -> bytes:
    return json.dumps(value, ensure_ascii=rule.ensure_ascii).encode("utf-8")


def _frame(status: int, headers: Iterable[tuple[str, str]], rule: EnvelopeRule, with_body: bool,
           base64: bool) -> int:
    """Bytes of the envelope without the body string's own bytes (its key and separators included)."""
    view = _zappa_view(status, headers, rule.cookie_copies)
    envelope: dict = {}
    if with_body:
        envelope["body"] = ""
        if base64:
            envelope["isBase64Encoded"] = True
    envelope["statusCode"] = view.status_code
    if rule.single_value_headers:
        envelope["headers"] = {k: v for k, v in view.headers}
    if rule.multi_value_headers:
        envelope["multiValueHeaders"] = {k: view.headers.getlist(k) for k, _ in view.headers}
    return len(_dumps(envelope, rule)) - (2 if with_body else 0)  # the "" placeholder


def envelope_size(status: int, headers: list[tuple[str, str]], body: bytes, rule: EnvelopeRule) -> int | None:
    """The exact serialised size, or None when Zappa could not encode the body at all (a text
    mimetype whose body is not UTF-8: Zappa would fail with an opaque 500)."""
    base64 = is_base64(status, headers, rule)
    body_size = _body_size([body], rule, base64)
    return None if body_size is None else _frame(status, headers, rule, bool(body), base64) + body_size


def _body_size(chunks: Sequence[bytes], rule: EnvelopeRule, base64: bool) -> int | None:
    """What the body (the chunks it is made of) adds to the envelope, its quotes included; None when
    it cannot be encoded. An all-ASCII body is counted chunk by chunk, never joined."""
    length = sum(map(len, chunks))
    if not length:
        return 0
    if base64:
        return 2 + 4 * ((length + 2) // 3)
    ascii_size = 0
    for chunk in chunks:
        size = _ascii_json_size(chunk, rule.ensure_ascii)
        if size is None:
            break
        ascii_size += size
    else:
        return 2 + ascii_size
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return len(_dumps(text, rule))


# Printable ASCII that JSON writes as it is: everything but the quote and the backslash.
_PLAIN = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
_SHORT_ESCAPES = b"\b\f\n\r\t"  # a control character json writes as two bytes; the others take six


def _ascii_json_size(body: bytes, ensure_ascii: bool) -> int | None:
    """The JSON string size of an all-ASCII body (quotes excluded) from byte counts, a fifth of what
    escaping it costs; None for any other body. A quote or backslash doubles; \\b \\f \\n \\r \\t
    double; any other control character becomes \\u00XX, and so does DEL when ensure_ascii.

    One pass over the body deletes what JSON keeps as it is; the counting is done on what is left
    (in JSON text, mostly its quotes). A count per character over the whole body, three passes,
    cost twice as much: 1 MiB of JSON is about 0.45 ms this way."""
    if not body.isascii():
        return None
    escaped = body.translate(None, _PLAIN)  # quotes, backslashes, control characters and DEL
    controls = escaped.translate(None, b'"\\')
    size = len(body) + len(escaped) - len(controls)  # a quote or backslash: one byte more
    if controls:
        short = sum(controls.count(c) for c in _SHORT_ESCAPES)
        dels = controls.count(0x7F)
        size += short + 5 * (len(controls) - short - dels) + (5 * dels if ensure_ascii else 0)
    return size


# The most JSON bytes one byte of UTF-8 text can become: a control character is one byte and a
# six-byte \\u00XX escape (a quote or backslash only doubles; a multi-byte character's escapes are
# at most two JSON bytes per UTF-8 byte before Python 3.12, and itself after).
_MOST_JSON_BYTES_PER_BYTE = 6


def fits(status: int, headers: list[tuple[str, str]], body: bytes | Sequence[bytes], rule: EnvelopeRule,
         limit: int) -> bool:
    """envelope_size(...) is not None and <= limit, without escaping more of the body than it takes
    to know: an ASCII body is counted until even the worst case of the rest fits; other text up to
    about a sixth of the limit is only checked for UTF-8.
    `body`: the bytes, or the chunks they are made of (an answer held as it came, not joined)."""
    chunks = [body] if isinstance(body, (bytes, bytearray)) else body
    length = sum(map(len, chunks))
    base64 = is_base64(status, headers, rule)
    frame = _frame(status, headers, rule, length > 0, base64)
    if length and not base64:
        room = limit - frame - 2  # what the body's JSON string may take, its quotes aside
        if all(chunk.isascii() for chunk in chunks):
            return _ascii_fits(chunks, room, rule.ensure_ascii)
        if _MOST_JSON_BYTES_PER_BYTE * length <= room:
            try:
                b"".join(chunks).decode("utf-8")
            except UnicodeDecodeError:
                return False  # Zappa could not encode it at all
            return True
    body_size = _body_size(chunks, rule, base64)
    return body_size is not None and frame + body_size <= limit


def _ascii_fits(chunks: Sequence[bytes], room: int, ensure_ascii: bool, least: int = 4096) -> bool:
    """Whether all-ASCII chunks escape to at most `room` bytes of JSON: counted exactly, a piece at
    a time, until even the worst case of what is not yet counted fits, or what is counted does not.
    Each piece is what must be counted at the least (a byte counted saves at most five on its worst
    case), and at least `least` bytes: a body just over a sixth of the limit (1 MiB) is decided on
    a few KiB, one of 3 MiB on about 2.5 MiB."""
    left = sum(map(len, chunks))
    size = 0
    for chunk in chunks:
        start = 0
        while start < len(chunk):
            over = size + _MOST_JSON_BYTES_PER_BYTE * left - room
            if over <= 0:
                return True
            piece = chunk[start:start + max(least, over // (_MOST_JSON_BYTES_PER_BYTE - 1) + 1)]
            size += _ascii_json_size(piece, ensure_ascii)
            if size > room:
                return False
            left -= len(piece)
            start += len(piece)
    return size <= room  # all counted (nothing at all, when the body is empty: no room is then too little)


def smallest_envelope(status: int, headers: list[tuple[str, str]], body_length: int, rule: EnvelopeRule) -> int:
    """A size the envelope cannot be under for a body of this length, known without the body:
    exact for base64 bodies; for text, every byte costs at least one byte of JSON."""
    base64 = is_base64(status, headers, rule)
    frame = _frame(status, headers, rule, body_length > 0, base64)
    if not body_length:
        return frame
    return frame + 2 + (4 * ((body_length + 2) // 3) if base64 else body_length)


def lambda_rule(runtime: str) -> EnvelopeRule:
    """The rule of the Lambda function we run in: Zappa's settings module (binary_support and any
    additional text mimetypes) and the JSON escaping of the runtime (AWS_EXECUTION_ENV, e.g.
    AWS_Lambda_python3.11, read by settings.py)."""
    m = re.search(r"python3\.(\d+)", runtime)
    ensure_ascii = not (m and int(m.group(1)) >= 12)
    binary_support, extra = True, ()
    try:
        import zappa_settings  # written into the bundle by `zappa deploy`

        binary_support = bool(getattr(zappa_settings, "BINARY_SUPPORT", True))
        extra = tuple(getattr(zappa_settings, "ADDITIONAL_TEXT_MIMETYPES", None) or ())
    except ImportError:
        pass
    from ..lambda_adapter import cookie_copies_active

    return EnvelopeRule(binary_support=binary_support, text_mimetypes=ZAPPA_TEXT_MIMETYPES + extra,
                        ensure_ascii=ensure_ascii, cookie_copies=cookie_copies_active())

"""Independent server-side verifier for AWS Signature Version 4 (header auth).

This module re-implements, from the SigV4 specification, the check that the
Amazon OpenSearch Service (service ``es``) and OpenSearch Serverless (service
``aoss``) front ends perform on an incoming request.  It rebuilds the canonical
request from the bytes that were actually put on the wire (the raw
request-target and the raw header list), so it can catch a proxy that signs
one thing and sends another.

It deliberately does NOT call botocore's or requests-aws4auth's signing code:
those are the implementations it is used to check.  Only the standard library
is used.

Spec references (AWS General Reference, "Create a signed AWS API request"):
  1. canonical request  = METHOD \\n CanonicalURI \\n CanonicalQuery \\n
                          CanonicalHeaders \\n SignedHeaders \\n HashedPayload
  2. string to sign     = "AWS4-HMAC-SHA256" \\n X-Amz-Date \\n scope \\n
                          hex(sha256(canonical request))
  3. signing key        = HMAC chain "AWS4"+secret -> date -> region ->
                          service -> "aws4_request"
  4. signature          = hex(HMAC(signing key, string to sign))
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote_to_bytes

__all__ = [
    "Credentials",
    "SignatureError",
    "Verified",
    "verify",
    "ALGORITHM",
    "AMZ_DATE_FORMAT",
]

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

# RFC 3986 section 2.3 unreserved characters: the only ones SigV4 leaves
# unencoded in canonical query names/values.
_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
)
_HEX_UPPER = frozenset("0123456789ABCDEF")
_HEX_ANY = frozenset("0123456789ABCDEFabcdef")

_AMZ_DATE_RE = re.compile(r"\d{8}T\d{6}Z")
_SCOPE_DATE_RE = re.compile(r"\d{8}")
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")
_SHA256_HEX_RE = re.compile(r"[0-9a-f]{64}")
# SigV4 "Trimall": runs of (ASCII) whitespace inside a header value become one
# space.  Restricted to ASCII whitespace on purpose: header bytes are not
# Unicode text, so e.g. U+00A0 must not be treated as whitespace.
_WS_RUN_RE = re.compile(r"[ \t\r\n\f\v]+")

_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details."
)
_INVALID_TOKEN = "The security token included in the request is invalid."


# --------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """A key pair the verifier knows about.

    ``token`` set means a temporary (STS) credential: every request made with
    it must carry ``X-Amz-Security-Token`` equal to ``token``.
    """

    access_key: str
    secret_key: str
    token: str | None = None


class SignatureError(Exception):
    """A rejected request, shaped like AWS's JSON error responses."""

    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(f"{status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class Verified:
    """What a successful verification established (useful for debugging)."""

    access_key: str
    signed_headers: tuple[str, ...]
    canonical_request: str
    string_to_sign: str


# --------------------------------------------------------------------------
# Error helpers (AWS error types; status codes as the AWS front end uses them)
# --------------------------------------------------------------------------


def _missing_token() -> SignatureError:
    return SignatureError(
        403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    )


def _incomplete(message: str) -> SignatureError:
    return SignatureError(403, "IncompleteSignatureException", message)


def _invalid(message: str) -> SignatureError:
    return SignatureError(403, "InvalidSignatureException", message)


def _unrecognized() -> SignatureError:
    return SignatureError(403, "UnrecognizedClientException", _INVALID_TOKEN)


def _bad_query(message: str) -> SignatureError:
    return SignatureError(400, "InvalidQueryException", message)


# --------------------------------------------------------------------------
# Authorization header
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _AuthHeader:
    access_key: str
    scope_date: str
    scope_region: str
    scope_service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def _parse_authorization(value: str) -> _AuthHeader:
    """Parse ``AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..``.

    The three components are comma separated; AWS tolerates optional
    whitespace after each comma, so we strip every component.
    """
    raw = value.strip()
    algorithm, _, rest = raw.partition(" ")
    if algorithm != ALGORITHM:
        # AWS treats an unknown scheme as an incomplete SigV4 signature.
        raise _incomplete(
            f"Unsupported AWS 'algorithm': '{algorithm}'. "
            f"Only '{ALGORITHM}' is supported. Authorization={raw}"
        )

    fields: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            raise _incomplete(f"Authorization header has an empty component. Authorization={raw}")
        name, eq, val = part.partition("=")
        if not eq:
            raise _incomplete(
                f"Authorization header requires each component to be of the form "
                f"'key=value', got '{part}'. Authorization={raw}"
            )
        if name not in ("Credential", "SignedHeaders", "Signature"):
            raise _incomplete(
                f"Authorization header contains unknown component '{name}'. "
                f"Authorization={raw}"
            )
        if name in fields:
            raise _incomplete(
                f"Authorization header contains '{name}' more than once. Authorization={raw}"
            )
        fields[name] = val

    # AWS lists every missing required component in one message.
    missing = [
        f"Authorization header requires '{n}' parameter."
        for n in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(n)
    ]
    if missing:
        raise _incomplete(" ".join(missing) + f" Authorization={raw}")

    # Credential = AKID/YYYYMMDD/region/service/aws4_request.  Access key IDs
    # never contain '/', so exactly five parts are expected.
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or not all(cred):
        raise _incomplete(
            "Credential must have exactly 5 slash-separated, non-empty parts: "
            f"AKID/YYYYMMDD/region/service/{TERMINATOR}; got '{fields['Credential']}'."
        )
    akid, scope_date, region, service, terminator = cred
    if not _SCOPE_DATE_RE.fullmatch(scope_date):
        raise _incomplete(
            f"Credential scope date must be YYYYMMDD, got '{scope_date}'."
        )

    # SignedHeaders is a ';'-separated list.  The spec requires lowercase
    # names sorted by code point; AWS recomputes the canonical request using
    # this list verbatim, so a non-canonical list can only come from a signer
    # that does not follow the spec.  We reject it explicitly.
    signed = tuple(fields["SignedHeaders"].split(";"))
    if any(not h for h in signed):
        raise _incomplete(
            f"SignedHeaders contains an empty header name: '{fields['SignedHeaders']}'."
        )
    if any(h != h.lower() for h in signed):
        raise _invalid(
            f"SignedHeaders must be lowercase: '{fields['SignedHeaders']}'."
        )
    if list(signed) != sorted(set(signed)):
        raise _invalid(
            "SignedHeaders must be sorted by character code and contain no "
            f"duplicates: '{fields['SignedHeaders']}'."
        )

    return _AuthHeader(
        access_key=akid,
        scope_date=scope_date,
        scope_region=region,
        scope_service=service,
        terminator=terminator,
        signed_headers=signed,
        signature=fields["Signature"],
    )


# --------------------------------------------------------------------------
# Canonical URI
# --------------------------------------------------------------------------


def _normalize_path(raw_path: str) -> str:
    """Remove dot segments (RFC 3986 5.2.4) and collapse runs of '/'.

    AWS normalizes the path for every service except S3 before building the
    canonical URI.  Empty segments (from '//') are dropped, '.' is dropped,
    '..' pops the previous segment (never above the root).  A trailing '/'
    is kept only when the raw path ended in '/' and something remains;
    an empty result becomes '/'.  (This matches the published SigV4 test
    suite: '//example//' -> '/example/', '/example/..' -> '/'.)
    """
    out: list[str] = []
    for seg in raw_path.split("/"):
        if seg == "" or seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    if not out:
        return "/"
    trailing = "/" if raw_path.endswith("/") else ""
    return "/" + "/".join(out) + trailing


def _canonical_uri(raw_path: str) -> str:
    """Canonical URI for non-S3 services: normalize, then encode once MORE.

    The path as sent is already percent-encoded; AWS encodes it a second time
    with only unreserved characters and '/' left alone ("double encoding"),
    so '%2F' on the wire becomes '%252F', a raw '*' becomes '%2A'.  Non-ASCII
    characters present in ``raw_path`` are encoded as UTF-8 (published SigV4
    test suite, get-utf8).
    """
    return quote(_normalize_path(raw_path), safe="/~")


# --------------------------------------------------------------------------
# Canonical query string
# --------------------------------------------------------------------------


def _strict_violation(component: str) -> str | None:
    """Why ``component`` (a wire-form name or value) is not strict RFC 3986.

    Strict form = what a SigV4 canonical query contains: unreserved
    characters as-is, everything else as %XX with UPPERCASE hex, and no
    unreserved character percent-encoded.  Returns None when strict.
    Assumes escapes were already validated by ``_check_escapes``.
    """
    i = 0
    while i < len(component):
        ch = component[i]
        if ch == "%":
            hexpair = component[i + 1 : i + 3]
            if any(c not in _HEX_UPPER for c in hexpair):
                return f"escape '%{hexpair}' uses lowercase hex (must be '%{hexpair.upper()}')"
            decoded = chr(int(hexpair, 16))
            if decoded in _UNRESERVED:
                return (
                    f"escape '%{hexpair}' encodes the unreserved character "
                    f"'{decoded}', which must be sent literally"
                )
            i += 3
            continue
        if ch not in _UNRESERVED:
            if ch == "+":
                return "raw '+' must be percent-encoded as %2B (a '+' is not a space in SigV4)"
            if ch == " ":
                return "raw space must be percent-encoded as %20"
            if ord(ch) > 0x7E or ord(ch) < 0x20:
                return f"raw character {ch!r} must be percent-encoded as UTF-8"
            return f"raw character '{ch}' must be percent-encoded as %{ord(ch):02X}"
        i += 1
    return None


def _check_escapes(component: str, where: str) -> None:
    """Reject malformed percent escapes ('%zz', '%4', a lone '%').

    These have no defined decoding, so the canonical query cannot be built;
    rejected whatever the strictness setting.
    """
    i = 0
    while True:
        i = component.find("%", i)
        if i < 0:
            return
        hexpair = component[i + 1 : i + 3]
        if len(hexpair) != 2 or any(c not in _HEX_ANY for c in hexpair):
            raise _bad_query(
                f"Query {where} contains an invalid percent-escape "
                f"'{component[i:i + 3]}': '%' must be followed by two hex digits."
            )
        i += 3


def _strict_encode(data: bytes) -> str:
    """RFC 3986 encoding used by SigV4: unreserved as-is, else %XX uppercase."""
    return quote(data, safe="-_.~")


def _canonical_query(raw_query: str, strict: bool) -> str:
    """Build the canonical query string from the query as sent.

    SigV4: each name and value is URI-encoded (strict RFC 3986, uppercase
    hex), pairs are sorted by encoded name then encoded value, a name with
    no '=' gets an empty value, and pairs are joined with '&'.

    Because the wire form is already encoded, we first percent-decode and
    then re-encode.  A '+' is NOT decoded to a space: AWS reads the query
    literally, so a '+' on the wire is the character '+' (canonical '%2B').
    """
    pairs: list[tuple[str, str]] = []
    for piece in raw_query.split("&"):
        if piece == "":
            if strict and raw_query != "":
                raise _bad_query(
                    f"Query string '{raw_query}' contains an empty parameter "
                    "(stray '&'); not in strict RFC 3986 form."
                )
            continue
        name, _, value = piece.partition("=")
        _check_escapes(name, f"parameter name '{name}'")
        _check_escapes(value, f"value of parameter '{name}'")
        if strict:
            if name == "":
                raise _bad_query(
                    f"Query parameter '{piece}' has an empty name; not in strict RFC 3986 form."
                )
            for what, comp in (("name", name), ("value", value)):
                why = _strict_violation(comp)
                if why:
                    raise _bad_query(
                        f"Query parameter '{name}' {what} '{comp}' is not in strict "
                        f"RFC 3986 form: {why}."
                    )
        pairs.append(
            (_strict_encode(unquote_to_bytes(name)), _strict_encode(unquote_to_bytes(value)))
        )
    # Sort by code point of the ENCODED name, then encoded value (ASCII only
    # at this point, so Python's str ordering is code-point ordering).
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


# --------------------------------------------------------------------------
# Headers, dates, signing key
# --------------------------------------------------------------------------


def _collect_headers(headers: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Lowercased name -> values in wire order (duplicates kept)."""
    out: dict[str, list[str]] = {}
    for name, value in headers:
        out.setdefault(name.strip().lower(), []).append(value)
    return out


def _canonical_header_value(values: list[str]) -> str:
    """SigV4: trim each value, collapse internal whitespace runs to one
    space, and join repeated headers with ',' in the order they were sent
    (published test suite, get-header-value-order)."""
    return ",".join(_WS_RUN_RE.sub(" ", v.strip()) for v in values)


def _single(hdrs: dict[str, list[str]], name: str, display: str) -> str | None:
    vals = hdrs.get(name)
    if not vals:
        return None
    if len(vals) > 1:
        raise _incomplete(f"The request contains more than one '{display}' header.")
    return vals[0].strip()


def _to_utc(dt: datetime) -> datetime:
    # A naive ``now`` is taken to be UTC.
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _fmt(dt: datetime) -> str:
    return dt.strftime(AMZ_DATE_FORMAT)


def _skew_label(max_skew: timedelta) -> str:
    secs = int(max_skew.total_seconds())
    if secs % 60 == 0:
        return f"{secs // 60} min."
    return f"{secs} sec."


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k_date = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, TERMINATOR)


# --------------------------------------------------------------------------
# The verifier
# --------------------------------------------------------------------------


def verify(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    keys: Mapping[str, Credentials],
    region: str,
    service: str,
    now: datetime,
    max_skew: timedelta = timedelta(minutes=5),
    strict_query: bool = True,
) -> Verified:
    """Verify a SigV4 (Authorization header) request as AWS would.

    ``target`` is the raw request-target from the request line (origin form,
    still percent-encoded); ``headers`` the raw header list in wire order.
    Returns a ``Verified`` on success, raises ``SignatureError`` otherwise.
    """
    body = bytes(body)
    hdrs = _collect_headers(headers)

    # -- 1. Authorization header present and well formed -------------------
    auth_values = hdrs.get("authorization")
    if not auth_values:
        raise _missing_token()
    if len(auth_values) > 1:
        raise _incomplete("The request contains more than one 'Authorization' header.")
    auth = _parse_authorization(auth_values[0])

    # -- 2. X-Amz-Date: required, ISO-8601 basic format ---------------------
    amz_date = _single(hdrs, "x-amz-date", "X-Amz-Date")
    if amz_date is None:
        raise _incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' "
            "or a 'Date' header. (This verifier requires 'X-Amz-Date'.) "
            f"Authorization={auth_values[0].strip()}"
        )
    if not _AMZ_DATE_RE.fullmatch(amz_date):
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )
    try:
        request_time = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(
            tzinfo=timezone.utc
        )
    except ValueError:
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None

    # -- 3. Credential scope must match the request date and this endpoint --
    if auth.terminator != TERMINATOR:
        raise _invalid(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{auth.terminator}'."
        )
    if auth.scope_date != amz_date[:8]:
        raise _invalid(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
            f"version of date from HTTP: '{auth.scope_date}' != '{amz_date[:8]}', "
            f"from '{amz_date}'."
        )
    if auth.scope_region != region:
        raise _invalid(
            f"Credential should be scoped to a valid region, not '{auth.scope_region}'."
        )
    if auth.scope_service != service:
        raise _invalid(f"Credential should be scoped to correct service: '{service}'.")

    # -- 4. Mandatory signed headers ------------------------------------------
    if "host" not in auth.signed_headers:
        raise _invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if "x-amz-date" not in auth.signed_headers:
        raise _invalid("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")

    # -- 5. Clock skew --------------------------------------------------------
    now_utc = _to_utc(now)
    label = _skew_label(max_skew)
    if request_time < now_utc - max_skew:
        raise _invalid(
            f"Signature expired: {amz_date} is now earlier than "
            f"{_fmt(now_utc - max_skew)} ({_fmt(now_utc)} - {label})"
        )
    if request_time > now_utc + max_skew:
        raise _invalid(
            f"Signature not yet current: {amz_date} is still later than "
            f"{_fmt(now_utc + max_skew)} ({_fmt(now_utc)} + {label})"
        )

    # -- 6. Access key and session token --------------------------------------
    creds = keys.get(auth.access_key)
    if creds is None:
        raise _unrecognized()
    sent_token = _single(hdrs, "x-amz-security-token", "X-Amz-Security-Token")
    if creds.token is None:
        # A token sent with a long-term key is as invalid as a wrong token.
        if sent_token is not None:
            raise _unrecognized()
    else:
        if sent_token is None or not hmac.compare_digest(
            sent_token.encode("utf-8"), creds.token.encode("utf-8")
        ):
            raise _unrecognized()

    # -- 7. Payload hash --------------------------------------------------------
    body_hash = hashlib.sha256(body).hexdigest()
    content_sha = _single(hdrs, "x-amz-content-sha256", "X-Amz-Content-SHA256")
    if content_sha is None:
        if service == "aoss":
            # OpenSearch Serverless requires the payload hash header.
            raise _invalid(
                "The request must contain an 'x-amz-content-sha256' header "
                f"for service '{service}'."
            )
        payload_hash = body_hash
    else:
        if content_sha == UNSIGNED_PAYLOAD:
            raise _invalid(
                "'x-amz-content-sha256' is 'UNSIGNED-PAYLOAD', which this "
                "verifier does not accept: the payload must be signed."
            )
        if not _SHA256_HEX_RE.fullmatch(content_sha) or not hmac.compare_digest(
            content_sha, body_hash
        ):
            raise _invalid(
                "The provided 'x-amz-content-sha256' header does not match what "
                f"was computed. (sent '{content_sha}', computed '{body_hash}')"
            )
        payload_hash = content_sha

    # -- 8. Canonical request ------------------------------------------------------
    # Every header named in SignedHeaders must be in the request.  Checked
    # only now, after the credential checks, because AWS resolves the access
    # key / session token before it computes a signature (so a stripped,
    # signed X-Amz-Security-Token reports UnrecognizedClientException).
    for name in auth.signed_headers:
        if name not in hdrs:
            raise _invalid(
                f"Header '{name}' is listed in SignedHeaders but is not present in the request."
            )
    path, has_q, query = target.partition("?")
    if not path.startswith("/"):
        raise SignatureError(
            400,
            "InvalidRequestException",
            f"Request-target must be in origin form ('/path?query'), got '{target}'.",
        )
    canonical_uri = _canonical_uri(path)
    canonical_query = _canonical_query(query, strict_query) if has_q else ""
    canonical_headers = "".join(
        f"{name}:{_canonical_header_value(hdrs[name])}\n" for name in auth.signed_headers
    )
    signed_headers = ";".join(auth.signed_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            canonical_uri,
            canonical_query,
            canonical_headers,
            signed_headers,
            payload_hash,
        ]
    )

    # -- 9. String to sign, signing key, signature ------------------------------
    scope = f"{auth.scope_date}/{auth.scope_region}/{auth.scope_service}/{TERMINATOR}"
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = _signing_key(creds.secret_key, auth.scope_date, auth.scope_region, auth.scope_service)
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    # Signature must be lowercase hex, compared in constant time.  A badly
    # formatted signature is simply a signature that does not match.
    provided = auth.signature
    if not (
        _SIGNATURE_RE.fullmatch(provided)
        and hmac.compare_digest(provided.encode("ascii"), expected.encode("ascii"))
    ):
        raise _invalid(
            f"{_SIGNATURE_MISMATCH}\n\n"
            f"The Canonical String for this request should have been\n'{canonical_request}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n"
        )

    return Verified(
        access_key=auth.access_key,
        signed_headers=auth.signed_headers,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
    )

"""Every error access-es answers by itself, and the one renderer of their two faces.

Each error is a named exception whose class holds its status, its type (the JSON `error.type`) and
its title (the page's heading). render() turns one into an answer: JSON for API clients and XHRs, a
readable page for a person's browser (browser.wants_page decides), and records its reason on the
request's record for the log. The Flask app (error_handlers.py) and the WSGI layers that answer
outside it (the server's early refusals, the Lambda adapter, the overflow rule) all use it.

`reason` is what we show and log; `log_reason`, when given, is logged instead (it may name the
account or address that the client must not be told about). Neither ever contains a secret.
"""
from __future__ import annotations

import functools
import json
from http import HTTPStatus
from pathlib import Path


def aws_error_code(e: Exception) -> str | None:
    """The error code of a botocore ClientError (`AccessDenied`, `NoSuchBucket`...), else None."""
    response = getattr(e, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def describe_aws_error(e: Exception) -> str:
    """A short, log-safe line for an AWS failure: its error code (or exception type) and message."""
    return f"{aws_error_code(e) or type(e).__name__}: {e}"[:300]


class ProxyError(Exception):
    status = 500
    title = "Internal error"
    error_type = "proxy_error"

    def __init__(self, reason: str, *, hint: str | None = None, headers: dict[str, str] | None = None,
                 log_reason: str | None = None, retry: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.headers = headers or {}
        self.log_reason = log_reason or reason
        self.retry = retry  # a URL to start over at ("Try again" on the page), e.g. a new SSO login


# -- the request ------------------------------------------------------------------------------------

class BadRequest(ProxyError):
    status = 400
    title = "Bad request"
    error_type = "bad_request"


class RequestTimeout(ProxyError):
    status = 408
    title = "Request timeout"
    error_type = "request_timeout"


class RequestTooLarge(ProxyError):
    status = 413
    title = "Request too large"
    error_type = "request_too_large"


class HeadersTooLarge(ProxyError):
    status = 431
    title = "Request header fields too large"
    error_type = "request_header_fields_too_large"


class NotImplementedCoding(ProxyError):
    status = 501
    title = "Not implemented"
    error_type = "not_implemented"


class HTTPError(ProxyError):
    """A routing or protocol error that Werkzeug raised (404, 405, 413 of our forms...), by its code."""

    def __init__(self, status: int, title: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.title = title
        self.error_type = title.lower().replace(" ", "_")


def from_http_exception(e) -> HTTPError:
    """Werkzeug's HTTPException as one of ours."""
    status = e.code or 500
    reason = {404: "no such page of access-es", 405: "method not allowed here"}.get(status, e.description or e.name)
    error = HTTPError(status, e.name, reason)
    if getattr(e, "valid_methods", None):
        error.headers["Allow"] = ", ".join(e.valid_methods)  # a 405 must say what is (RFC 9110 15.5.6)
    return error


# -- who is asking, and may they ----------------------------------------------------------------------

class Unauthorized(ProxyError):
    status = 401
    title = "Login required"
    error_type = "unauthorized"
    # Invites an API client to send Basic credentials; never a browser (browser.sent_by_browser).
    challenge = 'Basic realm="access-es", charset="UTF-8"'


class Forbidden(ProxyError):
    status = 403
    title = "Not allowed"
    error_type = "forbidden"


class TooManyAttempts(ProxyError):
    status = 429
    title = "Too many failed logins"
    error_type = "too_many_attempts"


class SsoRefused(ProxyError):
    """A single sign-on round trip that cannot be finished: a state or nonce that does not match this
    browser's login, a callback or code used twice, an error the provider sent back."""

    status = 400
    title = "Single sign-on failed"
    error_type = "sso_failed"


class SsoTokenInvalid(ProxyError):
    """The provider's ID token (or userinfo answer) does not prove who is asking: a bad signature, an
    algorithm we do not accept, another issuer or audience, expired."""

    status = 401
    title = "Single sign-on failed"
    error_type = "sso_token_invalid"


class SsoNotAllowed(ProxyError):
    """A person the provider vouches for, but in none of the allowed groups (or whose name cannot be an
    account here)."""

    status = 403
    title = "Not allowed"
    error_type = "sso_not_allowed"


class ProviderUnreachable(ProxyError):
    """The OpenID provider (discovery, JWKS, token or userinfo endpoint) cannot be reached or answered
    something unusable."""

    status = 502
    title = "Identity provider unreachable"
    error_type = "identity_provider_unreachable"


class StoreUnavailable(ProxyError):
    """The accounts store cannot be read or written: fail closed (nobody gets in) and say why."""

    status = 503
    title = "Accounts store unavailable"
    error_type = "accounts_store_unavailable"


# -- the upstream and the answer ---------------------------------------------------------------------

class UpstreamUnreachable(ProxyError):
    status = 502
    title = "Upstream unreachable"
    error_type = "upstream_unreachable"


class UpstreamBadAnswer(ProxyError):
    """The upstream answered, but not with something we can relay whole."""

    status = 502
    title = "Upstream answer unusable"
    error_type = "upstream_bad_answer"


class UpstreamCredentialsUnavailable(ProxyError):
    """The IAM role a request must be signed as could not be assumed: it is not sent at all (never
    with another identity)."""

    status = 502
    title = "Upstream credentials unavailable"
    error_type = "upstream_credentials_unavailable"


class UpstreamTimeout(ProxyError):
    status = 504
    title = "Upstream timed out"
    error_type = "upstream_timeout"


class AnswerTooLarge(ProxyError):
    """An answer larger than Lambda can return, and no overflow bucket to put it in."""

    status = 502
    title = "Answer too large"
    error_type = "answer_too_large"


class OverflowFailed(ProxyError):
    status = 502
    title = "Oversized answer could not be stored"
    error_type = "overflow_failed"


# -- access-es itself ----------------------------------------------------------------------------------

class NotConfigured(ProxyError):
    """The proxy itself is set up wrongly (e.g. no AWS credentials); an operator must act."""

    status = 500
    title = "Proxy misconfigured"
    error_type = "proxy_misconfigured"


class InternalError(ProxyError):
    """A failure nobody named: the trace goes to the log, never to the client."""

    status = 500
    title = "Internal error"
    error_type = "internal_error"


# -- the renderer ----------------------------------------------------------------------------------------

OWN_HOME = "/_access-es/"  # the page linked from error pages, under the app's mount prefix


def render(error: ProxyError, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """The answer to `error` for the request of `environ`: (status, headers, body). Records the
    error's log reason on the request's record."""
    from werkzeug.datastructures import EnvironHeaders

    from .browser import sent_by_browser, wants_page
    from .record import record_of

    record_of(environ).reason = error.log_reason
    request_headers = EnvironHeaders(environ)
    if wants_page(request_headers):
        home = environ.get("SCRIPT_NAME", "").rstrip("/") + OWN_HOME
        body = _pages().get_template("error.html").render(
            status=error.status, title=error.title, reason=error.reason, hint=error.hint, home=home,
            retry=error.retry).encode()
        content_type = "text/html; charset=utf-8"
    else:
        payload: dict = {"type": error.error_type, "reason": error.reason}
        if error.hint:
            payload["hint"] = error.hint
        body = json.dumps({"error": payload, "status": error.status}).encode()
        content_type = "application/json"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    challenge = getattr(error, "challenge", None)
    if challenge and not sent_by_browser(request_headers):
        headers.append(("WWW-Authenticate", challenge))
    headers += error.headers.items()
    return error.status, headers, body


def wsgi_error(environ: dict, start_response, error: ProxyError) -> list[bytes]:
    """Answer `error` as a WSGI app would, for the layers that answer outside Flask."""
    status, headers, body = render(error, environ)
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def template_dir() -> str:
    """Templates sit at the top of the source tree (and of the Zappa bundle); an installed package
    carries them as access_es/templates (setup.py maps the folder there)."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "templates", package / "templates"):
        if (candidate / "login.html").is_file():
            return str(candidate)
    raise RuntimeError(f"access-es templates not found next to {package}")


@functools.cache
def _pages():
    """The error page's templates, rendered the same inside Flask and outside it."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(template_dir()), autoescape=select_autoescape(["html"]))

"""The proxy's own failures: a small set of named exceptions, mapped in one place (web.py) to a status
and to the two faces of an error, JSON for API clients and a readable page for browsers.

`reason` is what we show and log; `log_reason`, when given, is logged instead (it may name the
account or address that the client must not be told about). Neither ever contains a secret.
"""
from __future__ import annotations


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
                 log_reason: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.headers = headers or {}
        self.log_reason = log_reason or reason


class BadRequest(ProxyError):
    status = 400
    title = "Bad request"
    error_type = "bad_request"


class RequestTooLarge(ProxyError):
    status = 413
    title = "Request too large"
    error_type = "request_too_large"


class RequestTimeout(ProxyError):
    status = 408
    title = "Request timeout"
    error_type = "request_timeout"


class HeadersTooLarge(ProxyError):
    status = 431
    title = "Request header fields too large"
    error_type = "request_header_fields_too_large"


class NotImplementedCoding(ProxyError):
    status = 501
    title = "Not implemented"
    error_type = "not_implemented"


class Unauthorized(ProxyError):
    status = 401
    title = "Login required"
    error_type = "unauthorized"


class Forbidden(ProxyError):
    status = 403
    title = "Not allowed"
    error_type = "forbidden"


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


class NotConfigured(ProxyError):
    """The proxy itself is set up wrongly (e.g. no AWS credentials); an operator must act."""

    status = 500
    title = "Proxy misconfigured"
    error_type = "proxy_misconfigured"


def page_wanted(headers) -> bool:
    """A top-level browser navigation: it should get a page (or a redirect to the login page), where
    everything else (XHR, API clients) gets JSON. `headers`: any case-insensitive mapping."""
    if headers.get("kbn-xsrf") or headers.get("osd-xsrf") or headers.get("X-Requested-With"):
        return False
    mode = headers.get("Sec-Fetch-Mode")
    if mode and mode != "navigate":
        return False
    return "text/html" in headers.get("Accept", "")


def wsgi_error(environ: dict, start_response, e: ProxyError, status: int, error_type: str):
    """The two faces of an error for WSGI layers outside Flask (the overflow rule, the Lambda
    adapter): JSON for API clients and XHRs, a short page for a person's browser."""
    import json
    from html import escape

    from werkzeug.datastructures import EnvironHeaders

    environ["access_es.reason"] = e.reason
    title = {413: "Request too large", 502: "Bad gateway"}.get(status, "Error")
    if page_wanted(EnvironHeaders(environ)):
        hint = f"<p>{escape(e.hint)}</p>" if e.hint else ""
        body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} {title}"
                f"</title></head><body><h1>{status} · {title}</h1><p role=\"alert\">{escape(e.reason)}</p>"
                f"{hint}</body></html>").encode()
        content_type = "text/html; charset=utf-8"
    else:
        error = {"type": error_type, "reason": e.reason}
        if e.hint:
            error["hint"] = e.hint
        body = json.dumps({"error": error, "status": status}).encode()
        content_type = "application/json"
    start_response(f"{status} {title}", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                         ("Cache-Control", "no-store")])
    return [body]

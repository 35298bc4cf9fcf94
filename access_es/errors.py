"""The proxy's own failures: a small set of named exceptions, mapped in one place (web.py) to a status
and to the two faces of an error, JSON for API clients and a readable page for browsers.

`reason` is what we show and log; `log_reason`, when given, is logged instead (it may name the
account or address that the client must not be told about). Neither ever contains a secret.
"""
from __future__ import annotations


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


class UpstreamTimeout(ProxyError):
    status = 504
    title = "Upstream timed out"
    error_type = "upstream_timeout"


class NotConfigured(ProxyError):
    """The proxy itself is set up wrongly (e.g. no AWS credentials); an operator must act."""

    status = 500
    title = "Proxy misconfigured"
    error_type = "proxy_misconfigured"

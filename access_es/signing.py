"""Signing upstream requests with the function's own AWS identity (SigV4).

One small interface, `Signer`: given the method, URL, Host and body of the request we are about to
send, it returns the headers that carry the signature. The implementation is botocore's own SigV4
signer (the one every AWS SDK call in Python goes through), fed by botocore's credential chain
(environment, profile, container or Lambda role), refreshed as the role's keys rotate; we do not
write any SigV4 ourselves.

Only Host and the X-Amz-* headers we add are signed. AWS requires no more, and every header left
out of the signature is one that cannot make it fail: the client's own headers pass through as they
are (a Content-Type with odd spacing or a latin-1 byte cannot be folded one way here and another
at AWS).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from .errors import NotConfigured

SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"


class Signer(Protocol):
    def sign(self, method: str, url: str, host: str, body: bytes) -> dict[str, str]:
        """The signature headers for this request (`url` already in the strict form it is sent in)."""
        ...


def default_credentials() -> Any:
    """botocore's credential chain; RefreshableCredentials for roles. Imported here, not at module
    load, because botocore costs a Lambda cold start more than anything else we import."""
    import botocore.session

    return botocore.session.get_session().get_credentials()


class AWS4Signer:
    """SigV4 with botocore, for `es` or `aoss`.

    x-amz-content-sha256 is always sent (OpenSearch Serverless requires it) and
    X-Amz-Security-Token whenever the keys are temporary. The signer holds no per-request state, so
    server threads share it without a lock; RefreshableCredentials has its own.
    """

    def __init__(self, region: str, service: str, credentials: Callable[[], Any] = default_credentials):
        self.region = region
        self.service = service
        self._load_credentials = credentials
        self._credentials: Any = None
        self.clock_offset = 0.0  # seconds to add to our clock, learnt from AWS's "Signature expired"

    def reset(self) -> None:
        """Forget the credentials: the next signature asks the credential chain afresh (after AWS
        said the session token expired)."""
        self._credentials = None

    def _resolve(self) -> Any:
        creds = self._credentials
        if creds is None:
            creds = self._load_credentials()
            if creds is None:
                raise NotConfigured(
                    "no AWS credentials found to sign upstream requests",
                    hint="give the Lambda function a role, or set AWS_PROFILE or "
                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY where the proxy runs",
                )
            self._credentials = creds
        return creds

    def sign(self, method: str, url: str, host: str, body: bytes) -> dict[str, str]:
        from botocore.awsrequest import AWSRequest

        # Frozen once per request: a role key rotating mid-signature cannot mix two key pairs.
        frozen = self._resolve().get_frozen_credentials()
        headers = {"Host": host, "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
        request = AWSRequest(method=method, url=url, headers=headers, data=body)
        _signer_class()(frozen, self.service, self.region, self.clock_offset).add_auth(request)
        return {name: value for name, value in request.headers.items() if name.lower() != "host"}


_SIGNER_CLASS: type | None = None


def _signer_class() -> type:
    """botocore's SigV4Auth, signing at our clock plus the offset AWS taught us (see
    Upstream.send: AWS's Date header gives it after a "Signature expired")."""
    global _SIGNER_CLASS
    if _SIGNER_CLASS is None:
        from botocore.auth import SigV4Auth

        class SigV4AuthAtOffset(SigV4Auth):
            def __init__(self, credentials, service_name, region_name, clock_offset: float):
                super().__init__(credentials, service_name, region_name)
                self.clock_offset = clock_offset

            def _modify_request_before_signing(self, request):
                # add_auth has just stamped request.context['timestamp'] with botocore's clock;
                # X-Amz-Date and the scope are derived from it after this hook.
                if self.clock_offset:
                    now = datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)
                    request.context["timestamp"] = now.strftime(SIGV4_TIMESTAMP)
                super()._modify_request_before_signing(request)

        _SIGNER_CLASS = SigV4AuthAtOffset
    return _SIGNER_CLASS

"""Signing upstream requests (SigV4), and everything signing needs: credentials, their refresh, the
clock offset.

One small interface, `Signer`, and what the transport may tell it. The transport asks it for the
signature headers of the request it is about to send (`sign`), and tells it when AWS refused a
request it signed for a reason a signer can mend (`rejected`: the session token expired, or our
clock is off AWS's); the signer then mends what it owns and says whether a second try may pass.
Either call carries `identity`, the caller's word for whom the request is signed (the proxy's own
identity when None): the transport passes it through without looking at it, so an implementation
that signs each account with its own IAM role slots in beside `AWS4Signer` with no transport change.

`AWS4Signer` signs with the proxy's own AWS identity, through botocore's own SigV4 signer (the one
every AWS SDK call in Python goes through), fed by botocore's credential chain (environment,
profile, container or Lambda role), refreshed as the role's keys rotate; we do not write any SigV4
ourselves.

Only Host and the X-Amz-* headers we add are signed. AWS requires no more, and every header left
out of the signature is one that cannot make it fail: the client's own headers pass through as they
are (a Content-Type with odd spacing or a latin-1 byte cannot be folded one way here and another
at AWS).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from .errors import NotConfigured

log = logging.getLogger("access_es.signing")

SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"

# Why AWS refused a signed request, when a signer may mend it (also the request log's `retried`).
EXPIRED_TOKEN = "expired-token"  # "The security token included in the request is expired"
CLOCK_SKEW = "clock-skew"        # "Signature expired" / "Signature not yet current"


@dataclass(frozen=True)
class Rejection:
    """AWS's 403 to a request we signed: why (EXPIRED_TOKEN or CLOCK_SKEW), and AWS's clock when it
    answered (its Date header; None if it sent none or an unreadable one)."""
    reason: str
    server_date: datetime | None = None


class Signer(Protocol):
    """Signs upstream requests, and owns what that takes: credentials, their refresh, the clock
    offset. One per process, shared by every server thread.

    `identity` is opaque to the transport: whatever the caller of `Upstream.send` gave it (None: the
    proxy's own identity). An implementation gives it meaning, e.g. the account, and so the IAM role,
    a request is signed for.
    """

    def sign(self, method: str, url: str, host: str, body: bytes, *, identity: object = None) -> dict[str, str]:
        """The headers that sign this request for `identity`, to add to it as they are (`url` already
        in the strict form it is sent in; `host` the Host header it is sent with). Raises one of our
        named errors (errors.py) when it cannot sign; the request is then not sent."""
        ...

    def rejected(self, rejection: Rejection, *, identity: object = None) -> bool:
        """AWS refused a request signed for `identity`, before running it. Mend what can be mended
        (fresh credentials, the clock offset) and say whether the same request, signed again, may
        pass: True only when something changed."""
        ...


def default_credentials() -> Any:
    """botocore's credential chain; RefreshableCredentials for roles. Imported here, not at module
    load, because botocore costs a Lambda cold start more than anything else we import."""
    import botocore.session

    return botocore.session.get_session().get_credentials()


class AWS4Signer:
    """SigV4 with botocore, for `es` or `aoss`, as the proxy's own identity (`identity` is ignored).

    x-amz-content-sha256 is always sent (OpenSearch Serverless requires it) and
    X-Amz-Security-Token whenever the keys are temporary. The signer holds no per-request state, so
    server threads share it without a lock; RefreshableCredentials has its own.
    """

    def __init__(self, region: str, service: str, credentials: Callable[[], Any] = default_credentials):
        self.region = region
        self.service = service
        self._load_credentials = credentials
        self._credentials: Any = None
        self._clock_offset = 0.0  # seconds to add to our clock, learnt from AWS's "Signature expired"

    def sign(self, method: str, url: str, host: str, body: bytes, *, identity: object = None) -> dict[str, str]:
        # Frozen once per request: a role key rotating mid-signature cannot mix two key pairs.
        return self.sign_with(self.credentials().get_frozen_credentials(), method, url, host, body)

    def sign_with(self, frozen: Any, method: str, url: str, host: str, body: bytes) -> dict[str, str]:
        """The signature headers with these (frozen) credentials, at our clock plus the offset."""
        from botocore.awsrequest import AWSRequest

        headers = {"Host": host, "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
        request = AWSRequest(method=method, url=url, headers=headers, data=body)
        _signer_class()(frozen, self.service, self.region, self._clock_offset).add_auth(request)
        return {name: value for name, value in request.headers.items() if name.lower() != "host"}

    def rejected(self, rejection: Rejection, *, identity: object = None) -> bool:
        if rejection.reason == EXPIRED_TOKEN:
            # Forget the credentials: the next signature asks the credential chain afresh.
            log.warning(json.dumps({"event": "credentials_refreshed",
                                    "reason": "the upstream said the security token expired"}))
            self._credentials = None
            return True
        if rejection.reason == CLOCK_SKEW and rejection.server_date is not None:
            offset = (rejection.server_date - datetime.now(timezone.utc)).total_seconds()
            log.warning(json.dumps({"event": "clock_skew_corrected", "offset_s": round(offset, 1),
                                    "reason": "the upstream refused our X-Amz-Date; check this machine's clock (NTP)"}))
            self._clock_offset = offset
            return True
        return False

    def forget_credentials(self) -> None:
        """Ask the credential chain afresh at the next signature (the keys were refused as stale)."""
        self._credentials = None

    def credentials(self) -> Any:
        """The proxy's own credentials (botocore's, refreshable), loaded on first use."""
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


def signer_for(settings: Any) -> Signer:
    """The signer the settings call for: each account's IAM role (ACCESS_ES_IAM_ROLES, or its own), else
    the proxy's own identity, for `es` or `aoss`."""
    from .iam_roles import RoleSigner

    return RoleSigner(settings.region, settings.service, settings.iam_role_map, settings.iam_role_seconds)


_SIGNER_CLASS: type | None = None
# SigV4 signing keys by (secret key, day, region, service): derived once a day per key, not per request.
_SIGNING_KEYS: dict[tuple[str, str, str, str], bytes] = {}


def _signer_class() -> type:
    """botocore's SigV4Auth, signing at our clock plus the offset AWS taught us (AWS4Signer.rejected:
    AWS's Date header gives it after a "Signature expired")."""
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

            def signature(self, string_to_sign, request):
                # botocore's own signature(), with its signing key (four HMACs of the secret key, the
                # day, the region and the service, derived by botocore's _sign) kept for the day
                # instead of derived again for every request.
                scope = (self.credentials.secret_key, request.context["timestamp"][0:8], self._region_name,
                         self._service_name)
                k_signing = _SIGNING_KEYS.get(scope)
                if k_signing is None:
                    k_date = self._sign(f"AWS4{scope[0]}".encode(), scope[1])
                    k_signing = self._sign(self._sign(self._sign(k_date, scope[2]), scope[3]), "aws4_request")
                    if len(_SIGNING_KEYS) >= 64:  # old days, forgotten keys: bounded
                        _SIGNING_KEYS.clear()
                    _SIGNING_KEYS[scope] = k_signing
                return self._sign(k_signing, string_to_sign, hex=True)

        _SIGNER_CLASS = SigV4AuthAtOffset
    return _SIGNER_CLASS

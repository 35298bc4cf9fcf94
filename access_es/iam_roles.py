"""One IAM role per access-es role (or per account): which IAM role signs an account's requests, and
the signer that assumes it.

`ACCESS_ES_IAM_ROLES` maps the roles `admin` and `readonly` to IAM role ARNs, and an account may have
its own (`access-es users set NAME --iam-role ARN`), which wins. The domain then sees who is asking,
and its fine-grained access control enforces the same rule as the proxy, behind it (README: "The
domain as the second wall"). An account with no IAM role is signed as the proxy itself.

`RoleSigner` gets each role's temporary credentials with STS AssumeRole, made with the proxy's own
credentials through botocore (`AWS_ENDPOINT_URL_STS` and the rest of boto's configuration apply):
botocore's `AssumeRoleCredentialFetcher` inside its `DeferredRefreshableCredentials`, one per IAM role
and account per process, shared by its threads. They are refreshed ahead of expiry (from 7 minutes
before, by one thread while the others go on signing with the current keys; from 5 minutes before,
every thread waits for one STS call under botocore's lock), so no request goes out with expired keys,
and there is one STS call per role and account per lifetime (at 53 minutes with the default hour).
When a role cannot be assumed the request is refused with a 502 and never sent as anyone else.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import threading
from typing import Any, Callable

from .errors import ProxyError, UpstreamCredentialsUnavailable
from .signing import EXPIRED_TOKEN, AWS4Signer, Rejection, default_credentials

log = logging.getLogger("access_es.signing")

# STS: RoleSessionName and SourceIdentity are 2-64 characters of [\w+=,.@-].
_NOT_IN_SESSION_NAME = re.compile(r"[^A-Za-z0-9+=,.@_-]")
# Refresh windows, seconds before expiry (botocore's defaults are 15 and 10 minutes: a call every 45
# minutes for hour-long keys).
ADVISORY_REFRESH_S = 7 * 60
MANDATORY_REFRESH_S = 5 * 60
# STS answers in well under a second: a request waits at most this for it (one attempt; a slow STS
# must not hold requests, nor every thread waiting on a role's refresh, for botocore's 60 s x 3).
STS_CONNECT_TIMEOUT_S = 2.0
STS_READ_TIMEOUT_S = 3.0
# A role STS refused is not asked again for this long (the same 502 meanwhile): a mistyped ARN or a
# missing trust policy must not turn every request into an AssumeRole against the account's quota.
REMEMBER_FAILURE_S = 15.0
# STS's answers that mean the proxy's own keys are stale (a rewritten credentials file, rotated keys).
_OWN_KEYS_STALE = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}


def session_name(account_name: str) -> str:
    """The account's name as STS takes it for RoleSessionName and SourceIdentity: characters outside
    [A-Za-z0-9+=,.@_-] become '-', cut to 64, and a one-character name gets a '=' (STS wants 2; no
    account name has one, so `a=` cannot be another account's)."""
    return _NOT_IN_SESSION_NAME.sub("-", account_name)[:64].ljust(2, "=")


def role_name(arn: str) -> str:
    """The role's name as logs show it: the last segment of its ARN (`es-admin`)."""
    return arn.rsplit("/", 1)[-1]


def iam_role_for(account: Any, mapping: dict[str, str]) -> str | None:
    """The ARN that signs for `account`: its own, else its role's, else None (the proxy itself)."""
    if account is None:
        return None
    return getattr(account, "iam_role", None) or mapping.get(account.role)


def _hint(arn: str) -> str:
    return (f"let the proxy's own IAM identity assume {arn}: its trust policy must name the proxy's role "
            "(sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession), and the proxy's role needs "
            f"sts:AssumeRole and sts:SetSourceIdentity on {arn}")


def sts_failure(e: Exception) -> str:
    """A log- and client-safe line for a failed AssumeRole: AWS's error code and message, or what kind
    of failure it was; never a response body (a half-read answer may hold a role's keys)."""
    from .errors import aws_error_code

    code = aws_error_code(e)
    if code:
        message = getattr(e, "response", {}).get("Error", {}).get("Message", "")
        return f"{code}: {message}"[:300]
    kind = type(e).__name__
    if "Timeout" in kind:
        return f"STS did not answer within {STS_READ_TIMEOUT_S:g} s ({kind})"
    if kind in ("EndpointConnectionError", "ConnectionClosedError", "ProxyConnectionError", "SSLError"):
        return f"STS could not be reached ({kind})"
    return f"STS's answer could not be used ({kind})"


def _failure_hint(arn: str, reason: str) -> str:
    if "DurationSeconds" in reason:
        return ("lower ACCESS_ES_IAM_ROLE_SECONDS: it may not exceed the role's MaxSessionDuration, and a role "
                "assumed with a role's own keys (the proxy on Lambda, ECS or EC2: role chaining) lasts one hour "
                "at most")
    return _hint(arn)


def _quiet_botocore_refresh_warnings() -> None:
    """botocore logs a failed refresh with its traceback, whose parse errors quote STS's raw answer
    (perhaps half a role's keys); `assume_role_failed` above says the same, safely."""
    logging.getLogger("botocore.credentials").setLevel(logging.ERROR)


class RoleSigner:
    """Signs each request as the IAM role its account maps to (`identity`: the Account), or as the
    proxy itself when none does. The Signer interface (signing.py); AWS4Signer does the signing."""

    def __init__(self, region: str, service: str, mapping: dict[str, str], seconds: int = 3600,
                 credentials: Callable[[], Any] = default_credentials, client_creator: Callable | None = None,
                 clock: Callable[[], Any] | None = None):
        self.mapping = dict(mapping)
        self.seconds = seconds
        self.own = AWS4Signer(region, service, credentials)
        self._client_creator = client_creator
        self._clock = clock  # botocore's own (tz-aware now) unless a test gives another
        self._roles: dict[tuple[str, str], Any] = {}   # (ARN, session name) -> refreshable credentials
        self._failed: dict[tuple[str, str], tuple[float, UpstreamCredentialsUnavailable]] = {}
        self._lock = threading.Lock()

    def sign(self, method: str, url: str, host: str, body: bytes, *, identity: object = None) -> dict[str, str]:
        arn = iam_role_for(identity, self.mapping)
        if arn is None:
            return self.own.sign(method, url, host, body)
        key = (arn, session_name(identity.name))
        failed = self._failed.get(key)
        if failed is not None and self._now() < failed[0]:
            raise failed[1]
        credentials = self._credentials(*key)
        try:
            frozen = credentials.get_frozen_credentials()
        except ProxyError:
            raise
        except Exception as e:
            raise self._failure(key, identity.name, e) from None
        return self.own.sign_with(frozen, method, url, host, body)

    def _failure(self, key: tuple[str, str], account: str, e: Exception) -> UpstreamCredentialsUnavailable:
        """Forget the role's credentials, log why, and the 502 to answer (remembered a while, unless
        the proxy's own keys were stale: they are reloaded, and the next request may pass)."""
        from .errors import aws_error_code

        arn = key[0]
        reason = sts_failure(e)
        self._forget(*key)
        error = UpstreamCredentialsUnavailable(
            f"the IAM role {role_name(arn)} could not be assumed ({reason}); the request was not sent",
            hint=_failure_hint(arn, reason))
        if aws_error_code(e) in _OWN_KEYS_STALE:
            self.own.forget_credentials()
        else:
            with self._lock:
                self._failed[key] = (self._now() + REMEMBER_FAILURE_S, error)
        return error

    def _now(self) -> float:
        if self._clock is not None:
            return self._clock().timestamp()
        import time

        return time.time()

    def rejected(self, rejection: Rejection, *, identity: object = None) -> bool:
        arn = iam_role_for(identity, self.mapping)
        if arn is not None and rejection.reason == EXPIRED_TOKEN:
            # AWS says the role's token expired before botocore thought so: assume the role afresh.
            log.warning(json.dumps({"event": "credentials_refreshed", "iam_role": role_name(arn),
                                    "reason": "the upstream said the security token expired"}))
            self._forget(arn, session_name(identity.name))
            return True
        # The clock offset is the proxy's, whoever signs; the proxy's own keys are its own.
        return self.own.rejected(rejection, identity=None if arn else identity)

    def iam_role_of(self, identity: object) -> str | None:
        """The role name the request log shows (`iam_role`), or None for the proxy's own identity."""
        arn = iam_role_for(identity, self.mapping)
        return role_name(arn) if arn else None

    # -- the cache of assumed roles ---------------------------------------------------------------
    def _credentials(self, arn: str, name: str) -> Any:
        key = (arn, name)
        credentials = self._roles.get(key)
        if credentials is None:
            with self._lock:
                credentials = self._roles.get(key)
                if credentials is None:
                    credentials = self._roles[key] = self._assume(arn, name)
        return credentials

    def _forget(self, arn: str, name: str) -> None:
        with self._lock:
            self._roles.pop((arn, name), None)
            self._failed.pop((arn, name), None)

    def _assume(self, arn: str, name: str) -> Any:
        """Refreshable credentials of `arn` for the account `name`; nothing is asked of STS until the
        first signature needs them."""
        from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

        _quiet_botocore_refresh_warnings()

        class RoleCredentials(DeferredRefreshableCredentials):
            _advisory_refresh_timeout = ADVISORY_REFRESH_S
            _mandatory_refresh_timeout = MANDATORY_REFRESH_S

        source = self.own.credentials()
        from botocore.config import Config

        sts_config = Config(connect_timeout=STS_CONNECT_TIMEOUT_S, read_timeout=STS_READ_TIMEOUT_S,
                            retries={"total_max_attempts": 1})
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=functools.partial(self._client_creator or _client_creator(self.own.region),
                                             config=sts_config),
            source_credentials=source,
            role_arn=arn,
            extra_args={"RoleSessionName": name, "SourceIdentity": name, "DurationSeconds": self.seconds},
            expiry_window_seconds=ADVISORY_REFRESH_S,  # its cache: the same view of "about to expire"
        )

        def fetch() -> dict:
            try:
                metadata = fetcher.fetch_credentials()
            except Exception as e:
                # logged here, safely, for the advisory window too (botocore then keeps the current keys)
                log.warning(json.dumps({"event": "assume_role_failed", "iam_role": role_name(arn), "account": name,
                                        "reason": sts_failure(e)}))
                raise
            log.info(json.dumps({"event": "assumed_role", "iam_role": role_name(arn), "account": name,
                                 "expires": metadata.get("expiry_time")}))
            return metadata

        if self._clock is not None:
            return RoleCredentials(refresh_using=fetch, method="assume-role", time_fetcher=self._clock)
        return RoleCredentials(refresh_using=fetch, method="assume-role")


_SESSION: Any = None


def _client_creator(region: str) -> Callable:
    """botocore's create_client of one session (made once, when a role is first assumed), for the
    domain's region: its configuration (AWS_ENDPOINT_URL_STS, proxies) is the one boto follows."""
    global _SESSION
    if _SESSION is None:
        import botocore.session

        _SESSION = botocore.session.get_session()
    return functools.partial(_SESSION.create_client, region_name=region)

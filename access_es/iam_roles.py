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

from .errors import ProxyError, UpstreamCredentialsUnavailable, describe_aws_error
from .signing import EXPIRED_TOKEN, AWS4Signer, Rejection, default_credentials

log = logging.getLogger("access_es.signing")

# STS: RoleSessionName and SourceIdentity are 2-64 characters of [\w+=,.@-].
_NOT_IN_SESSION_NAME = re.compile(r"[^A-Za-z0-9+=,.@_-]")
# Refresh windows, seconds before expiry (botocore's defaults are 15 and 10 minutes: a call every 45
# minutes for hour-long keys).
ADVISORY_REFRESH_S = 7 * 60
MANDATORY_REFRESH_S = 5 * 60


def session_name(account_name: str) -> str:
    """The account's name as STS takes it for RoleSessionName and SourceIdentity: characters outside
    [A-Za-z0-9+=,.@_-] become '-', cut to 64, and a one-character name gets a '-' (STS wants 2)."""
    return _NOT_IN_SESSION_NAME.sub("-", account_name)[:64].ljust(2, "-")


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
        self._lock = threading.Lock()

    def sign(self, method: str, url: str, host: str, body: bytes, *, identity: object = None) -> dict[str, str]:
        arn = iam_role_for(identity, self.mapping)
        if arn is None:
            return self.own.sign(method, url, host, body)
        credentials = self._credentials(arn, session_name(identity.name))
        try:
            frozen = credentials.get_frozen_credentials()
        except ProxyError:
            raise
        except Exception as e:
            self._forget(arn, session_name(identity.name))
            log.warning(json.dumps({"event": "assume_role_failed", "iam_role": role_name(arn),
                                    "account": identity.name, "reason": describe_aws_error(e)}))
            raise UpstreamCredentialsUnavailable(
                f"the IAM role {role_name(arn)} could not be assumed ({describe_aws_error(e)}); "
                "the request was not sent", hint=_hint(arn)) from None
        return self.own.sign_with(frozen, method, url, host, body)

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

    def _assume(self, arn: str, name: str) -> Any:
        """Refreshable credentials of `arn` for the account `name`; nothing is asked of STS until the
        first signature needs them."""
        from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

        class RoleCredentials(DeferredRefreshableCredentials):
            _advisory_refresh_timeout = ADVISORY_REFRESH_S
            _mandatory_refresh_timeout = MANDATORY_REFRESH_S

        source = self.own.credentials()
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._client_creator or _client_creator(self.own.region),
            source_credentials=source,
            role_arn=arn,
            extra_args={"RoleSessionName": name, "SourceIdentity": name, "DurationSeconds": self.seconds},
            expiry_window_seconds=ADVISORY_REFRESH_S,  # its cache: the same view of "about to expire"
        )

        def fetch() -> dict:
            metadata = fetcher.fetch_credentials()
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

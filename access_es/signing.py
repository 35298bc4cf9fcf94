"""Signing upstream requests with the function's own AWS identity (SigV4).

One small interface, `Signer`: a requests auth callable (the shape requests' own auth.py has) that
receives a prepared request and returns it signed. The implementation is requests-aws4auth, fed
by botocore's credential chain (environment, profile, container or Lambda role), refreshed as
the role's keys rotate; we do not write any SigV4 ourselves.
"""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

import requests

from .errors import NotConfigured


_WHITESPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


class Signer(Protocol):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest: ...


def default_credentials() -> Any:
    """botocore's credential chain; RefreshableCredentials for roles. Imported here, not at module
    load, because botocore costs a Lambda cold start more than anything else we import."""
    import botocore.session

    return botocore.session.get_session().get_credentials()


class AWS4Signer:
    """SigV4 with requests-aws4auth, for `es` or `aoss`.

    requests-aws4auth keeps the current key and scope in the auth object and changes them when the
    credentials or the date change; with several server threads that is shared state, so one lock
    guards a whole signature (a fraction of a millisecond). x-amz-content-sha256 is always set
    (OpenSearch Serverless requires it) and X-Amz-Security-Token whenever the keys are temporary.
    """

    def __init__(self, region: str, service: str, credentials: Callable[[], Any] = default_credentials):
        self.region = region
        self.service = service
        self._load_credentials = credentials
        self._credentials: Any = None
        self._auth: Any = None
        self._lock = threading.Lock()
        self.clock_offset = 0.0  # seconds to add to our clock, learnt from AWS's "Signature expired"

    def reset(self) -> None:
        """Forget the credentials: the next signature asks the credential chain afresh (after AWS
        said the session token expired)."""
        with self._lock:
            self._credentials = None
            self._auth = None

    def _resolve(self) -> Any:
        if self._credentials is None:
            creds = self._load_credentials()
            if creds is None:
                raise NotConfigured(
                    "no AWS credentials found to sign upstream requests",
                    hint="give the Lambda function a role, or set AWS_PROFILE or "
                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY where the proxy runs",
                )
            self._credentials = creds
        return self._credentials

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            creds = self._resolve()
            if self._auth is None:
                # refreshable_credentials: AWS4Auth asks the credentials object for frozen keys
                # on every request, so a rotated role key is picked up without a restart.
                self._auth = _aws4auth_class()(
                    refreshable_credentials=creds, region=self.region, service=self.service
                )
            if self.clock_offset:
                # requests-aws4auth signs with the X-Amz-Date it finds on the request
                now = datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)
                request.headers["X-Amz-Date"] = now.strftime("%Y%m%dT%H%M%SZ")
            return self._auth(request)



def _aws4auth_class() -> type:
    """requests-aws4auth, with AWS's own whitespace rule for canonical header values.

    SigV4 folds every run of whitespace in a signed header value into one space (what AWS and
    botocore do: ' '.join(value.split())). requests-aws4auth folds with shlex, which keeps runs
    inside quoted strings and raises on an unbalanced quote: a Content-Type such as
    `text/plain; "a  b"` would be signed one way and checked another (403 from AWS), and
    `text/plain; "a b` would crash the signer. The rest of the signature is the library's.
    """
    from requests_aws4auth import AWS4Auth

    class AWS4AuthFolding(AWS4Auth):
        @staticmethod
        def amz_norm_whitespace(text: str) -> str:
            # ASCII whitespace only: header bytes reach us as latin-1 text, and 0xA0 is not a space.
            return _WHITESPACE_RUN.sub(" ", text).strip(" \t")

    return AWS4AuthFolding

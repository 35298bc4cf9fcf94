"""A stand-in for AWS STS's AssumeRole, for tests and `make demo`: a real HTTP/1.1 server on loopback
speaking the Query API as botocore does (POST form, `Action=AssumeRole`, XML answers), reached
through `AWS_ENDPOINT_URL_STS`.

Like AWS it refuses a call whose SigV4 signature (service `sts`) does not verify with the caller's
keys, and answers AccessDenied for a role the caller may not assume. A role it may assume gets fresh
temporary keys, which it adds to `keys`: the dict the stand-in domain verifies with, so the domain
knows them, and (in `expires`) when they stop working. Tests can deny a role, throttle, set the
lifetime of the keys it issues and read every call in `calls`.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .sigv4_verify import Credentials, SignatureError, verify

NS = "https://sts.amazonaws.com/doc/2011-06-15/"


@dataclass
class AssumeRoleCall:
    role_arn: str
    session_name: str
    source_identity: str | None
    duration: int | None
    caller: str | None            # the access key that signed the call (None: it did not verify)
    answered: str                 # "ok" or the error code
    issued: str | None = None     # the temporary access key it handed out


@dataclass
class StsStandIn:
    """`callers`: the keys that may call (the proxy's own); `roles`: the ARNs that exist and may be
    assumed by them; `keys`: where issued keys go (the domain's key table)."""
    callers: dict[str, Credentials]
    roles: set[str]
    keys: dict[str, Credentials]
    region: str = "us-east-1"
    lifetime: timedelta = timedelta(hours=1)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))  # for expirations
    # for signatures (a test may run `clock` ahead while botocore signs at the real time)
    signature_clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    denied: set[str] = field(default_factory=set)       # roles whose trust policy leaves the caller out
    throttled: bool = False
    calls: list[AssumeRoleCall] = field(default_factory=list)
    expires: dict[str, datetime] = field(default_factory=dict)  # issued access key -> when it expires
    issued_for: dict[str, str] = field(default_factory=dict)    # issued access key -> role ARN

    def __post_init__(self):
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "StsStandIn":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="sts-standin", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def assumed(self, arn: str | None = None) -> list[AssumeRoleCall]:
        """The calls that handed out keys (for one role, if named)."""
        return [c for c in self.calls if c.answered == "ok" and (arn is None or c.role_arn == arn)]

    # -- the API ----------------------------------------------------------------------------------
    def answer(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, str]:
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        call = AssumeRoleCall(params.get("RoleArn", ""), params.get("RoleSessionName", ""),
                              params.get("SourceIdentity"), int(params["DurationSeconds"])
                              if params.get("DurationSeconds", "").isdigit() else None, None, "")
        try:
            verified = verify(method, target, headers, body, keys=self.callers, region=self.region,
                              service="sts", now=self.signature_clock())
            call.caller = verified.access_key
        except SignatureError as e:
            return self._error(call, e.status, e.error_type, e.message)
        if params.get("Action") == "GetCallerIdentity":
            return 200, (f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
                         f"<Arn>arn:aws:iam::123456789012:user/access-es-proxy</Arn><UserId>{call.caller}</UserId>"
                         "<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata>"
                         f"<RequestId>{secrets.token_hex(8)}</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
        if params.get("Action") != "AssumeRole":
            return self._error(call, 400, "InvalidAction", f"Could not find operation {params.get('Action')}")
        if self.throttled:
            return self._error(call, 400, "Throttling", "Rate exceeded")
        if call.role_arn not in self.roles or call.role_arn in self.denied:
            return self._error(call, 403, "AccessDenied",
                               f"User: {call.caller} is not authorized to perform: sts:AssumeRole on resource: "
                               f"{call.role_arn}")
        if not 2 <= len(call.session_name) <= 64:
            return self._error(call, 400, "ValidationError", "RoleSessionName must be 2 to 64 characters")
        access_key = "ASIA" + secrets.token_hex(8).upper()
        secret, token = secrets.token_urlsafe(30), secrets.token_urlsafe(60)
        expiration = self.clock() + self.lifetime
        with self._lock:
            self.keys[access_key] = Credentials(access_key, secret, token)
            self.expires[access_key] = expiration
            self.issued_for[access_key] = call.role_arn
            call.answered, call.issued = "ok", access_key
            self.calls.append(call)
        role = call.role_arn.rsplit("/", 1)[-1]
        source = f"<SourceIdentity>{escape(call.source_identity)}</SourceIdentity>" if call.source_identity else ""
        return 200, (
            f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult>{source}'
            f"<AssumedRoleUser><AssumedRoleId>AROASTANDIN:{escape(call.session_name)}</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{call.role_arn.split(':')[4]}:assumed-role/{escape(role)}/"
            f"{escape(call.session_name)}</Arn></AssumedRoleUser>"
            f"<Credentials><AccessKeyId>{access_key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken>"
            f"<Expiration>{expiration.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
            f"</AssumeRoleResult><ResponseMetadata><RequestId>{secrets.token_hex(8)}</RequestId>"
            f"</ResponseMetadata></AssumeRoleResponse>")

    def _error(self, call: AssumeRoleCall, status: int, code: str, message: str) -> tuple[int, str]:
        call.answered = code
        with self._lock:
            self.calls.append(call)
        kind = "Receiver" if status >= 500 else "Sender"
        return status, (f'<ErrorResponse xmlns="{NS}"><Error><Type>{kind}</Type><Code>{escape(code)}</Code>'
                        f"<Message>{escape(message)}</Message></Error>"
                        f"<RequestId>{secrets.token_hex(8)}</RequestId></ErrorResponse>")


def _handler(sts: StsStandIn):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, xml = sts.answer("POST", self.path, list(self.headers.items()), body)
            data = xml.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return H

"""One record per request: who asked, what was refused and why, where the request went upstream
and how the answer ended. The request's log line is written from it and from nothing else.

It is made at the door (logs.RequestLog, the outermost WSGI layer, which every request passes,
including those the server or the Lambda adapter answers without the app) and kept in the WSGI
environ under ENVIRON_KEY, the one key of ours there. Each layer fills in what it alone knows:

- the Lambda adapter: the API Gateway request id;
- authentication (auth/): the account, the way it proved itself (and the API key's name), why a
  session ended;
- the proxy view: the upstream path, status and time, a retry, the IAM role it signed as, the bytes sent up;
- the error renderer (errors.py) and our own pages: why the request was refused;
- the overflow rule: where a large answer went;
- the door, last: the status sent, the bytes sent, the time taken.

Pure data: nothing here imports Flask or the transport.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accounts import Account

ENVIRON_KEY = "access_es.record"


@dataclass(slots=True, eq=False)
class RequestRecord:
    method: str | None = None
    path: str | None = None              # as asked: PATH_INFO at the door, the app's request.path once it ran
    request_id: str | None = None        # X-Amzn-Trace-Id, else API Gateway's request id
    started: float = 0.0                 # time.monotonic() at the door
    # who is asking
    account: "Account | None" = None
    auth: str | None = None              # how they proved it: "key", "basic", "session"
    key_name: str | None = None          # the API key's name (never the key): the key used, or made or revoked on the page
    session_ended: str | None = None     # why a session cookie no longer counts
    # the upstream
    upstream_path: str | None = None
    upstream_status: int | None = None
    upstream_ms: float | None = None
    retried: str | None = None           # why the request was sent a second time
    iam_role: str | None = None          # the IAM role it was signed as (its name), when not the proxy's own
    bytes_in: int | None = None          # the request body's bytes, once the app knows them
    # the answer
    status: int | None = None
    bytes_out: int = 0
    overflow: dict | None = None         # a large answer: stored (key, size), refused, or failed
    reason: str | None = None            # why the request was refused or failed (log-safe)

    def log_fields(self) -> dict[str, Any]:
        """The record as the log line shows it (time and duration are the door's to add)."""
        fields = {
            "method": self.method,
            "request_id": self.request_id,
            "account": self.account.name if self.account is not None else None,
            "auth": self.auth,
            "key_name": self.key_name,
            "session_ended": self.session_ended,
            "path": self.upstream_path or self.path,
            "upstream_status": self.upstream_status,
            "upstream_ms": round(self.upstream_ms, 1) if self.upstream_ms is not None else None,
            "bytes_in": self.bytes_in,
            "reason": self.reason,
            "retried": self.retried,
            "iam_role": self.iam_role,
            "status": self.status,
            "bytes_out": self.bytes_out,
            "overflow": self.overflow or None,
        }
        return {k: v for k, v in fields.items() if v is not None}


def record_of(environ: dict) -> RequestRecord:
    """This request's record (one is made if the request did not come through the door, e.g. a WSGI
    layer called on its own in a test)."""
    record = environ.get(ENVIRON_KEY)
    if record is None:
        record = environ[ENVIRON_KEY] = RequestRecord(method=environ.get("REQUEST_METHOD"),
                                                      path=environ.get("PATH_INFO"))
    return record


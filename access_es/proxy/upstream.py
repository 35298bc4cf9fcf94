"""The transport to the upstream domain: one requests.Session, created once, reused (keep-alive, TLS
sessions), signing through the Signer it is given. Network failures become named errors here.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

import requests
from requests.adapters import HTTPAdapter

from ..errors import BadRequest, UpstreamBadAnswer, UpstreamTimeout, UpstreamUnreachable
from ..signing import Signer

log = logging.getLogger("access_es.upstream")

# Bodies up to this size are read before we answer, so a failure while reading them is a clean
# 502 rather than a cut connection; larger ones are relayed as they arrive.
BUFFER_LIMIT = 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class UpstreamResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes | None           # read already (small answers, HEAD)
    stream: Iterator[bytes] | None  # or still to be read (large answers)
    elapsed_ms: float
    retried: str | None = None      # why it was sent a second time, if it was


def signature_problem(body: bytes) -> str | None:
    """What AWS's 403 says about our signature, when it is something we can mend."""
    text = body[:2000].decode("utf-8", "replace")
    if "security token included in the request is expired" in text:
        return "expired-token"
    if "Signature expired" in text or "Signature not yet current" in text:
        return "clock-skew"
    return None


def clock_offset(headers: list[tuple[str, str]]) -> float | None:
    """Seconds between the upstream's clock (its Date header) and ours."""
    from email.utils import parsedate_to_datetime

    value = next((v for n, v in headers if n.lower() == "date"), None)
    try:
        theirs = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    if theirs is None or theirs.tzinfo is None:
        return None
    return (theirs - datetime.now(timezone.utc)).total_seconds()


class Upstream:
    def __init__(self, endpoint: str, host: str, signer: Signer, timeout: float, pool_size: int = 32):
        self.endpoint = endpoint
        self.host = host
        self.timeout = timeout
        self.signer = signer
        session = requests.Session()
        # No default headers (requests would add Accept-Encoding and User-Agent of its own), no
        # per-request environment lookups (netrc, proxies: slow, and the wrong place to decide).
        session.headers.clear()
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies(endpoint)
        session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("AWS_CA_BUNDLE") or True
        )
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.session = session

    def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, *,
             repeatable: bool = True) -> UpstreamResponse:
        """Send, and once more when AWS refused our signature for a reason we can mend: an expired
        session token (fresh credentials) or our clock (AWS's Date gives the offset). AWS refuses
        those before running anything; still, only requests safe to repeat are sent again."""
        answer = self._send_once(method, path, query, headers, body)
        if answer.status != 403 or answer.body is None or not repeatable:
            return answer
        problem = signature_problem(answer.body)
        if problem == "expired-token" and hasattr(self.signer, "reset"):
            log.warning(json.dumps({"event": "credentials_refreshed",
                                    "reason": "the upstream said the security token expired"}))
            self.signer.reset()
        elif problem == "clock-skew" and hasattr(self.signer, "clock_offset"):
            offset = clock_offset(answer.headers)
            if offset is None:
                return answer
            log.warning(json.dumps({"event": "clock_skew_corrected", "offset_s": round(offset, 1),
                                    "reason": "the upstream refused our X-Amz-Date; check this machine's clock (NTP)"}))
            self.signer.clock_offset = offset
        else:
            return answer
        retried = self._send_once(method, path, query, headers, body)
        retried.retried = problem
        return retried

    def _send_once(self, method: str, path: str, query: str, headers: list[tuple[str, str]],
                   body: bytes) -> UpstreamResponse:
        url = self.endpoint + path + ("?" + query if query else "")
        out_headers = {}
        for name, value in headers:
            # WSGI already joined repeated request headers with ", "; keep the first spelling.
            key = next((k for k in out_headers if k.lower() == name.lower()), name)
            out_headers[key] = f"{out_headers[key]}, {value}" if key in out_headers else value
        out_headers["Host"] = self.host
        started = time.monotonic()
        try:
            resp = self.session.request(
                method,
                url,
                data=body if body else None,
                headers=out_headers,
                auth=self.signer,
                allow_redirects=False,
                stream=True,
                timeout=(self.timeout, self.timeout),
            )
        except requests.exceptions.Timeout as e:
            raise UpstreamTimeout(
                f"the upstream did not answer within {self.timeout:g} s",
                hint="narrow the query or its time range, or use async search (_async_search) "
                "for long-running searches",
            ) from e
        except requests.exceptions.InvalidHeader as e:
            # e.g. a value starting with a non-ASCII space (0xA0): nothing was sent
            raise BadRequest(f"a request header cannot be forwarded: {_short(e)}") from e
        except requests.exceptions.RequestException as e:
            raise UpstreamUnreachable(f"cannot reach the upstream: {_short(e)}") from e
        if 100 <= resp.status_code < 200 and resp.status_code != 101:
            # http.client skips only 100 Continue; a 102/103 here would hide the real answer.
            resp.close()
            raise UpstreamBadAnswer(f"the upstream sent an interim {resp.status_code} answer this proxy "
                                    "cannot relay")
        raw = resp.raw
        headers_out = list(raw.headers.items())
        length = resp.headers.get("Content-Length")
        small = method == "HEAD" or resp.status_code in (204, 304) or (
            length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT
        )
        if small:
            try:
                body_bytes = b"" if method == "HEAD" else raw.read(decode_content=False)
            except Exception as e:  # urllib3's ReadTimeoutError, ProtocolError, ...
                resp.close()
                if "timed out" in str(e).lower():
                    raise UpstreamTimeout(
                        f"the upstream stopped sending within {self.timeout:g} s"
                    ) from e
                raise UpstreamBadAnswer(f"the upstream's answer broke off: {_short(e)}") from e
            raw.release_conn()  # fully read: the connection goes back to the pool for reuse
            return UpstreamResponse(resp.status_code, resp.reason or "", headers_out, body_bytes, None,
                                    (time.monotonic() - started) * 1000)
        return UpstreamResponse(resp.status_code, resp.reason or "", headers_out, None, _relay(resp),
                                (time.monotonic() - started) * 1000)


def _relay(resp: requests.Response) -> Iterator[bytes]:
    """The upstream's raw bytes (still compressed if they were), released when done or abandoned.

    A failure mid-body propagates: the server then cuts the connection, which the client sees as
    an incomplete answer (short of Content-Length, or no final chunk), never as a complete one.
    """
    try:
        yield from resp.raw.stream(CHUNK, decode_content=False)
    except BaseException:
        resp.close()  # half-read: this connection cannot be reused
        raise
    resp.raw.release_conn()


def _short(e: Exception) -> str:
    text = str(e)
    # urllib3 wraps: "HTTPConnectionPool(host=..., port=...): Max retries exceeded ... (Caused by X)"
    if "Caused by " in text:
        text = text.split("Caused by ", 1)[1].rstrip(")")
    return text[:300]

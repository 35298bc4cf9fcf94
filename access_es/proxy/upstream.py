"""The transport to the upstream domain: one urllib3 connection pool, created once, reused (keep-alive,
TLS sessions), signing through the Signer it is given, for the identity its caller names. Network
failures become named errors here.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from ..errors import BadRequest, UpstreamBadAnswer, UpstreamTimeout, UpstreamUnreachable
from ..signing import CLOCK_SKEW, EXPIRED_TOKEN, Rejection, Signer

# Bodies up to this size are read before we answer, so a failure while reading them is a clean
# 502 rather than a cut connection; larger ones are relayed as they arrive.
BUFFER_LIMIT = 1024 * 1024
# Larger answers are relayed in reads of up to this size (an upstream chunk smaller than it comes
# as it is). Each read costs its trip through the server's layers and a send of its own: 64 KiB
# reads made a 1 MiB answer cost about 0.5 ms more CPU than 256 KiB ones (1 MiB reads: no less).
CHUNK = 256 * 1024


@dataclass
class UpstreamResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes | None           # read already (small answers, HEAD)
    stream: Iterator[bytes] | None  # or still to be read (large answers)
    elapsed_ms: float
    retried: str | None = None      # why it was sent a second time, if it was


def rejection(answer: UpstreamResponse) -> Rejection | None:
    """What AWS's 403 says about our signature, when it is something a signer may mend."""
    if answer.status != 403 or answer.body is None:
        return None
    text = answer.body[:2000].decode("utf-8", "replace")
    if "security token included in the request is expired" in text:
        return Rejection(EXPIRED_TOKEN)
    if "Signature expired" in text or "Signature not yet current" in text:
        return Rejection(CLOCK_SKEW, server_date(answer.headers))
    return None


def server_date(headers: list[tuple[str, str]]) -> datetime | None:
    """The upstream's clock: its Date header, when it sent one we can read."""
    from email.utils import parsedate_to_datetime

    value = next((v for n, v in headers if n.lower() == "date"), None)
    try:
        theirs = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    if theirs is None or theirs.tzinfo is None:
        return None
    return theirs


class Upstream:
    """One connection pool to the domain, created once and reused (keep-alive, TLS sessions, and a
    CA bundle parsed once rather than per connection). urllib3 directly: requests' per-request
    machinery (merging settings, hooks, cookie jars) cost more CPU than the rest of the proxy."""

    def __init__(self, endpoint: str, host: str, signer: Signer, timeout: float, pool_size: int = 32, *,
                 ca_bundle: str | None = None, proxy: str | None = None):
        self.endpoint = endpoint
        self.host = host
        self.timeout = timeout
        self.signer = signer
        self._pool_size = pool_size
        self._ca_bundle = ca_bundle
        self._proxy = proxy
        # through an outbound proxy, plain http goes as a forward (an absolute target)
        self._absolute_target = bool(proxy) and not endpoint.startswith("https:")
        # Made on first use (connect()): urllib3 and an https endpoint's CA bundle (a few tens of ms
        # to parse) are then paid by the first request, not by every cold start.
        self._pool = None
        self._timeout = None
        self._lock = threading.Lock()

    def connect(self):
        """The connection pool, made once (`access-es serve` makes it before forking its workers)."""
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    import urllib3

                    self._timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
                    options = {"maxsize": self._pool_size, "block": False, "retries": False}
                    if self.endpoint.startswith("https:"):
                        options["ssl_context"] = _tls_context(self._ca_bundle)
                    if self._proxy:
                        # An outbound proxy (settings.outbound_proxy: HTTPS_PROXY/HTTP_PROXY, NO_PROXY honoured).
                        manager = urllib3.ProxyManager(self._proxy, num_pools=1, **options)
                        pool = manager.connection_from_url(self.endpoint)
                    else:
                        pool = urllib3.connection_from_url(self.endpoint, **options)
                    from .answer_head import connection_class

                    pool.ConnectionCls = connection_class(pool.ConnectionCls)
                    self._pool = pool
                pool = self._pool
        return pool

    def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, *,
             repeatable: bool = True, identity: object = None) -> UpstreamResponse:
        """Send, signed for `identity` (opaque here: the signer's business; None for the proxy's own),
        and once more when AWS refused our signature for a reason the signer mends: an expired
        session token (fresh credentials) or our clock (AWS's Date gives the offset). AWS refuses
        those before running anything; still, only requests safe to repeat are sent again."""
        answer = self._send_once(method, path, query, headers, body, identity)
        if not repeatable:
            return answer
        problem = rejection(answer)
        if problem is None or not self.signer.rejected(problem, identity=identity):
            return answer
        retried = self._send_once(method, path, query, headers, body, identity)
        retried.retried = problem.reason
        return retried

    def _send_once(self, method: str, path: str, query: str, headers: list[tuple[str, str]],
                   body: bytes, identity: object) -> UpstreamResponse:
        import urllib3  # loaded by connect() already: a look-up in sys.modules

        pool = self._pool or self.connect()
        target = path + ("?" + query if query else "")
        url = self.endpoint + target
        out_headers = merged_headers(headers)
        out_headers["Host"] = self.host
        out_headers.update(self.signer.sign(method, url, self.host, body, identity=identity))
        started = time.monotonic()
        try:
            resp = pool.urlopen(
                method, url if self._absolute_target else target, body=body or None, headers=out_headers,
                retries=False, redirect=False, assert_same_host=False, timeout=self._timeout,
                preload_content=False, decode_content=False,
            )
        except urllib3.exceptions.NewConnectionError as e:
            # refused, DNS: said before the timeout clause, as urllib3 files these under ConnectTimeoutError
            raise UpstreamUnreachable(f"cannot reach the upstream: {_short(e)}") from e
        except (urllib3.exceptions.TimeoutError, TimeoutError) as e:  # connecting, or waiting for headers
            raise UpstreamTimeout(
                f"the upstream did not answer within {self.timeout:g} s",
                hint="narrow the query or its time range, or use async search (_async_search) "
                "for long-running searches",
            ) from e
        except ValueError as e:
            # http.client refuses a header it cannot send (a control character in it): nothing was sent
            raise BadRequest(f"a request header cannot be forwarded: {_short(e)}") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise UpstreamUnreachable(f"cannot reach the upstream: {_short(e)}") from e
        if 100 <= resp.status < 200 and resp.status != 101:
            # http.client skips only 100 Continue; a 102/103 here would hide the real answer.
            resp.close()
            raise UpstreamBadAnswer(f"the upstream sent an interim {resp.status} answer this proxy "
                                    "cannot relay")
        headers_out = list(resp.headers.items())
        length = resp.headers.get("Content-Length")
        small = method == "HEAD" or resp.status in (204, 304) or (
            length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT
        )
        if small:
            try:
                body_bytes = b"" if method == "HEAD" else resp.read(decode_content=False)
            except Exception as e:  # urllib3's ReadTimeoutError, ProtocolError, ...
                resp.close()
                if isinstance(e, (urllib3.exceptions.TimeoutError, TimeoutError)) or "timed out" in str(e).lower():
                    raise UpstreamTimeout(
                        f"the upstream stopped sending within {self.timeout:g} s"
                    ) from e
                raise UpstreamBadAnswer(f"the upstream's answer broke off: {_short(e)}") from e
            resp.release_conn()  # fully read: the connection goes back to the pool for reuse
            return UpstreamResponse(resp.status, resp.reason or "", headers_out, body_bytes, None,
                                    (time.monotonic() - started) * 1000)
        return UpstreamResponse(resp.status, resp.reason or "", headers_out, None, _relay(resp),
                                (time.monotonic() - started) * 1000)


def merged_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """One value per name (the first spelling of the name kept), repeated names joined with ", ":
    WSGI already joined most repeated request headers that way."""
    out: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        key = spelling.setdefault(name.lower(), name)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _tls_context(bundle: str | None):
    """Verification against `bundle` (settings.ca_bundle: REQUESTS_CA_BUNDLE / AWS_CA_BUNDLE) when
    given, else certifi's public CAs (what requests used), loaded once for every connection of the pool."""
    import ssl

    if not bundle:
        import certifi

        bundle = certifi.where()
    return ssl.create_default_context(cafile=bundle)


def _relay(resp) -> Iterator[bytes]:
    """The upstream's raw bytes (still compressed if they were), released when done or abandoned.

    A failure mid-body propagates: the server then cuts the connection, which the client sees as
    an incomplete answer (short of Content-Length, or no final chunk), never as a complete one.
    """
    try:
        yield from resp.stream(CHUNK, decode_content=False)
    except BaseException:
        resp.close()  # half-read: this connection cannot be reused
        raise
    resp.release_conn()


def _short(e: Exception) -> str:
    text = str(e)
    # urllib3 wraps: "HTTPConnectionPool(host=..., port=...): Max retries exceeded ... (Caused by X)"
    if "Caused by " in text:
        text = text.split("Caused by ", 1)[1].rstrip(")")
    return text[:300]

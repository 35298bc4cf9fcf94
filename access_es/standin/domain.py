"""A stand-in for an Amazon Elasticsearch / OpenSearch domain, for tests and for `make demo`.

It is a real HTTP/1.1 server on loopback that, like AWS, refuses any request whose SigV4 signature
does not verify from the bytes on the wire (sigv4_verify.py, beside it, rebuilds the canonical request
independently of the signer under test). Behind the signature check it offers:

- test routes: /_echo/... (reports exactly what arrived), /_status/CODE, /_redirect, /_bytes/N,
  /_slow/SECONDS, /_reset, /_short, /_cookies, /_stall;
- a tiny Elasticsearch: GET /, /_cat/indices, /{index}/_search and /_search, /{index}/_count,
  /{index}/_doc/{id} (GET/PUT/POST/DELETE), over a few sample indices;
- a small Dashboards-like page at /_dashboards/ (and /_plugin/kibana/) whose script, like Kibana,
  fetches with kbn-xsrf/osd-xsrf headers: a search whose hits it shows, and a deliberately large
  one.

Every request is recorded in `seen` (method, raw target, raw headers, body, verification result)
so tests can assert on what the upstream really got.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, unquote_to_bytes

from .sigv4_verify import Credentials, SignatureError, verify

DEMO_PAGE = Path(__file__).with_name("dashboards.html")
# How access-es's own `GET /` (learning the domain's product, access_es/proxy/product.py) introduces
# itself; the stand-in counts those apart from what clients sent (it imports nothing of the proxy's).
PRODUCT_CHECK_AGENT = "access-es ("


@dataclass
class Seen:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    verified: bool
    error: str | None = None
    peer_port: int = 0            # the client's port: tells whether connections were reused

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def header_names(self) -> set[str]:
        return {n.lower() for n, _ in self.headers}


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "application/json; charset=UTF-8"
    # special behaviours
    reset: bool = False           # close the connection without answering
    declared_length: int | None = None  # send this Content-Length whatever the body is

    @classmethod
    def json(cls, data, status: int = 200, headers=None) -> "Reply":
        return cls(status, list(headers or []), json.dumps(data).encode())


Handler = Callable[["Request"], Reply]


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    peer_port: int = 0

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def segments(self) -> list[str]:
        return [unquote(s) for s in self.path.split("/") if s]

    @property
    def params(self) -> list[tuple[str, str]]:
        query = self.target.split("?", 1)[1] if "?" in self.target else ""
        out = []
        for piece in query.split("&"):
            if piece:
                name, _, value = piece.partition("=")
                out.append((unquote_to_bytes(name).decode(), unquote_to_bytes(value).decode()))
        return out

    def param(self, name: str, default: str | None = None) -> str | None:
        return next((v for n, v in self.params if n == name), default)

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


class StandIn:
    def __init__(self, keys: dict[str, Credentials], *, region: str = "us-east-1", service: str = "es",
                 host: str = "127.0.0.1", port: int = 0, strict_query: bool = True,
                 clock: Callable[[], datetime] | None = None, sample_data: bool = True):
        self.keys = keys
        self.region = region
        self.service = service
        self.strict_query = strict_query
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.seen: list[Seen] = []
        self.product_checks = 0  # the proxy's own `GET /` for the readonly rule (not in `seen`)
        self.routes: dict[str, Handler] = {}
        # keys whose session token AWS considers expired (their signatures verify, and are refused)
        self.expired_keys: set[str] = set()
        # temporary keys' expiry times (the STS stand-in's `expires`): refused from then on
        self.key_expiry: dict[str, datetime] = {}
        self.indices: dict[str, dict[str, dict]] = sample_indices() if sample_data else {}
        self._lock = threading.Lock()
        self._server = _Server((host, port), _make_handler(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StandIn":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- test helpers ----------------------------------------------------------------------------
    def route(self, prefix: str, handler: Handler) -> None:
        """Answer every request whose path starts with `prefix` with `handler` (after the signature
        check)."""
        self.routes[prefix] = handler

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()
            self.product_checks = 0
        self.routes.clear()
        self.expired_keys.clear()

    def last(self) -> Seen:
        return self.seen[-1]

    # -- request handling ------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        try:
            verified = verify(req.method, req.target, req.headers, req.body, keys=self.keys, region=self.region,
                              service=self.service, now=self.clock(), strict_query=self.strict_query)
            expiry = self.key_expiry.get(verified.access_key)
            if verified.access_key in self.expired_keys or (expiry is not None and self.clock() >= expiry):
                raise SignatureError(403, "ExpiredTokenException",
                                     "The security token included in the request is expired")
        except SignatureError as e:
            self._record(req, False, e.message)
            # AWS's answer: status, JSON {"message": ...} and the error type in a header.
            return Reply.json({"message": e.message}, e.status, [("x-amzn-ErrorType", e.error_type)])
        if req.method == "GET" and req.target == "/" and (req.header("User-Agent") or "").startswith(PRODUCT_CHECK_AGENT):
            # the proxy asking which product we are, on its own account: kept apart from what clients sent
            self.product_checks += 1
        else:
            self._record(req, True, None)
        for prefix in sorted(self.routes, key=len, reverse=True):
            if req.path.startswith(prefix):
                return self.routes[prefix](req)
        return self._builtin(req)

    def _record(self, req: Request, ok: bool, error: str | None) -> None:
        with self._lock:
            self.seen.append(Seen(req.method, req.target, req.headers, req.body, ok, error, req.peer_port))

    def _builtin(self, req: Request) -> Reply:
        seg = req.segments
        first = seg[0] if seg else ""
        test_route = TEST_ROUTES.get(first)
        if test_route:
            return test_route(self, req)
        if first in ("_dashboards", "_plugin"):
            return dashboards(self, req)
        return elasticsearch(self, req)


# ---- test routes --------------------------------------------------------------------------------

def echo(_: StandIn, req: Request) -> Reply:
    data = {
        "method": req.method,
        "target": req.target,
        "path": req.path,
        "params": req.params,
        "headers": req.headers,
        "body_length": len(req.body),
        "body_sha256": hashlib.sha256(req.body).hexdigest(),
    }
    if len(req.body) <= 64 * 1024:
        data["body_b64"] = base64.b64encode(req.body).decode()
    return Reply.json(data)


def status(_: StandIn, req: Request) -> Reply:
    code = int(req.segments[1]) if len(req.segments) > 1 else 200
    headers = []
    for name, value in req.params:
        if name == "header":
            n, _, v = value.partition(":")
            headers.append((n.strip(), v.strip()))
    body = b"" if code in (204, 304) or req.method == "HEAD" else json.dumps({"status": code}).encode()
    return Reply(code, headers, body, content_type=None if code in (204, 304) else "application/json")


def redirect(_: StandIn, req: Request) -> Reply:
    code = int(req.param("code", "302"))
    return Reply(code, [("Location", req.param("to", "/"))], b"", content_type=None)


def pattern_bytes(n: int, seed: int = 0) -> bytes:
    """n deterministic pseudo-random bytes (binary, all 256 values)."""
    rnd = random.Random(seed or n)
    return rnd.randbytes(n)


def payload(_: StandIn, req: Request) -> Reply:
    n = int(req.segments[1])
    kind = req.param("type", "application/octet-stream")
    body = pattern_bytes(n) if "octet" in kind else (b"x" * n)
    headers = []
    if req.param("gzip") and "gzip" in (req.header("Accept-Encoding") or ""):
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    if req.param("chunked"):
        chunk = 64 * 1024
        return Reply(200, headers, (body[i:i + chunk] for i in range(0, len(body), chunk)), content_type=kind)
    return Reply(200, headers, body, content_type=kind)


def slow(_: StandIn, req: Request) -> Reply:
    time.sleep(float(req.segments[1]))
    return Reply.json({"slept": float(req.segments[1])})


def stall(_: StandIn, req: Request) -> Reply:
    """Headers and part of the body, then silence."""
    seconds = float(req.segments[1]) if len(req.segments) > 1 else 5.0

    def body():
        yield b'{"partial": '
        time.sleep(seconds)
        yield b'"done"}'

    return Reply(200, [], body(), declared_length=len(b'{"partial": "done"}'))


def reset(_: StandIn, __: Request) -> Reply:
    return Reply(reset=True)


def short(_: StandIn, __: Request) -> Reply:
    return Reply(200, [], b'{"cut": "', declared_length=1000)


def cookies(_: StandIn, __: Request) -> Reply:
    return Reply.json({"ok": True}, headers=[
        ("Set-Cookie", "security_authentication=abc; Path=/; HttpOnly"),
        ("Set-Cookie", "securitytenant=global; Path=/"),
    ])


TEST_ROUTES: dict[str, Callable[[StandIn, Request], Reply]] = {
    "_echo": echo, "_status": status, "_redirect": redirect, "_bytes": payload, "_slow": slow,
    "_stall": stall, "_reset": reset, "_short": short, "_cookies": cookies,
}


# ---- a tiny Elasticsearch ------------------------------------------------------------------------

def sample_indices() -> dict[str, dict[str, dict]]:
    levels = ["INFO", "WARN", "ERROR", "DEBUG"]
    services = ["checkout", "search", "login", "billing", "inventory"]
    logs = {}
    for i in range(200):
        logs[str(i + 1)] = {
            "@timestamp": f"2026-11-{1 + i % 27:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            "level": levels[i % 4],
            "service": services[i % 5],
            "message": f"{services[i % 5]} request {i + 1} finished with {levels[i % 4].lower()} status",
            "latency_ms": (i * 37) % 900,
        }
    movies = {
        "1": {"title": "The Matrix", "year": 1999, "genre": "science fiction"},
        "2": {"title": "Spirited Away", "year": 2001, "genre": "animation"},
        "3": {"title": "Amélie", "year": 2001, "genre": "comedy"},
        "4": {"title": "Arrival", "year": 2016, "genre": "science fiction"},
    }
    # Large documents, so a broad search answers far more than Lambda may return (about 9 MiB).
    big = {str(i + 1): {"blob": "".join(chr(97 + (i + j) % 26) for j in range(1024)) * 900,
                        "n": i + 1} for i in range(10)}
    return {"logs-demo": logs, "movies": movies, "big-docs": big}


def _matches(doc: dict, query: dict | None) -> bool:
    if not query or "match_all" in query:
        return True
    for kind in ("match", "match_phrase", "term"):
        if kind in query:
            fieldname, wanted = next(iter(query[kind].items()))
            if isinstance(wanted, dict):
                wanted = wanted.get("query", wanted.get("value"))
            return str(wanted).lower() in str(doc.get(fieldname, "")).lower()
    if "query_string" in query:
        text = str(query["query_string"].get("query", "")).lower().strip("*")
        return not text or any(text in str(v).lower() for v in doc.values())
    return True


def search(stand: StandIn, indices: list[str], body: dict, q: str | None) -> dict:
    query = body.get("query")
    if q:
        query = {"query_string": {"query": q}}
    hits = []
    for name in indices:
        for doc_id, doc in stand.indices.get(name, {}).items():
            if _matches(doc, query):
                hits.append({"_index": name, "_id": doc_id, "_score": 1.0, "_source": doc})
    size = int(body.get("size", 10))
    start = int(body.get("from", 0))
    return {
        "took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0,
                 "hits": hits[start:start + size]},
    }


def _error(status: int, kind: str, reason: str) -> Reply:
    return Reply.json({"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind,
                                 "reason": reason}, "status": status}, status)


def _resolve(stand: StandIn, expr: str) -> list[str] | None:
    names = []
    for part in expr.split(","):
        if part.endswith("*"):
            names += [n for n in stand.indices if n.startswith(part[:-1])]
        elif part in stand.indices:
            names.append(part)
        else:
            return None
    return names


def elasticsearch(stand: StandIn, req: Request) -> Reply:
    seg, method = req.segments, req.method
    try:
        body = json.loads(req.body) if req.body.strip() else {}
    except ValueError:
        return _error(400, "parse_exception", "request body is not valid JSON")
    if not seg:
        if method in ("GET", "HEAD"):
            return Reply.json({
                "name": "standin", "cluster_name": "123456789012:access-es-demo",
                # as an Amazon OpenSearch Service domain running Elasticsearch 7.10 answers (the OSS build)
                "version": {"number": "7.10.2", "build_flavor": "oss", "build_type": "tar",
                            "lucene_version": "8.7.0"},
                "tagline": "You Know, for Search",
            })
        return _error(405, "method_not_allowed", f"{method} / is not allowed")
    if seg == ["_cat", "indices"]:
        lines = [f"green open {n} 1 0 {len(d)} 0" for n, d in sorted(stand.indices.items())]
        return Reply(200, [], ("\n".join(lines) + "\n").encode(), content_type="text/plain; charset=UTF-8")
    if seg[-1] in ("_search", "_count") and len(seg) <= 2:
        indices = list(stand.indices) if len(seg) == 1 else _resolve(stand, seg[0])
        if indices is None:
            return _error(404, "index_not_found_exception", f"no such index [{seg[0]}]")
        result = search(stand, indices, body, req.param("q"))
        if seg[-1] == "_count":
            return Reply.json({"count": result["hits"]["total"]["value"]})
        return Reply.json(result)
    if len(seg) >= 2 and seg[1] == "_doc":
        index = stand.indices.get(seg[0])
        doc_id = seg[2] if len(seg) > 2 else None
        if method in ("PUT", "POST"):
            index = stand.indices.setdefault(seg[0], {})
            doc_id = doc_id or hashlib.sha1(req.body).hexdigest()[:20]
            created = doc_id not in index
            index[doc_id] = body
            return Reply.json({"_index": seg[0], "_id": doc_id, "result": "created" if created else "updated"},
                              201 if created else 200)
        if index is None:
            return _error(404, "index_not_found_exception", f"no such index [{seg[0]}]")
        if doc_id not in index:
            return Reply.json({"_index": seg[0], "_id": doc_id, "found": False}, 404)
        if method == "DELETE":
            del index[doc_id]
            return Reply.json({"_index": seg[0], "_id": doc_id, "result": "deleted"})
        return Reply.json({"_index": seg[0], "_id": doc_id, "found": True, "_source": index[doc_id]})
    if len(seg) == 1 and method in ("GET", "HEAD"):
        if seg[0] in stand.indices:
            return Reply.json({seg[0]: {"mappings": {}, "settings": {}}})
        return _error(404, "index_not_found_exception", f"no such index [{seg[0]}]")
    return _error(400, "illegal_argument_exception", f"stand-in does not implement {method} {req.path}")


# ---- a Dashboards-like page ----------------------------------------------------------------------

def dashboards(stand: StandIn, req: Request) -> Reply:
    seg = req.segments
    base = "/_dashboards" if seg[0] == "_dashboards" else "/_plugin/kibana"
    rest = seg[1:] if seg[0] == "_dashboards" else seg[2:]
    if req.method in ("GET", "HEAD") and (not rest or rest[0] == "app"):
        html = DEMO_PAGE.read_text(encoding="utf-8").replace("{{BASE}}", base)
        return Reply(200, [], html.encode(), content_type="text/html; charset=utf-8")
    if rest == ["api", "status"]:
        return Reply.json({"name": "standin", "status": {"overall": {"state": "green"}}})
    if rest[:2] == ["internal", "search"]:
        # Like Kibana/Dashboards: state-changing API calls need the xsrf header.
        if not (req.header("osd-xsrf") or req.header("kbn-xsrf")):
            return Reply.json({"statusCode": 400, "error": "Bad Request",
                               "message": "Request must contain a osd-xsrf header."}, 400)
        params = json.loads(req.body or b"{}").get("params", {})
        indices = _resolve(stand, params.get("index", "*")) or []
        return Reply.json({"rawResponse": search(stand, indices, params.get("body", {}), None),
                           "isPartial": False, "isRunning": False})
    return Reply.json({"statusCode": 404, "error": "Not Found"}, 404)


# ---- the HTTP server ----------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _make_handler(stand: StandIn):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "standin"
        # headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back some 40 ms
        disable_nagle_algorithm = True

        def log_message(self, *args):  # quiet
            pass

        def date_time_string(self, timestamp=None):  # the Date header tells the stand-in's own clock
            from email.utils import format_datetime

            return format_datetime(stand.clock(), usegmt=True)

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                out = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(out)
                    out += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self):
            req = Request(self.command, self.path, list(self.headers.items()), self._read_body(),
                          self.client_address[1])
            reply = stand.handle(req)
            if reply.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(reply.status)
            headers = list(reply.headers)
            if reply.content_type and not any(n.lower() == "content-type" for n, _ in headers):
                headers.append(("Content-Type", reply.content_type))
            for name, value in headers:
                self.send_header(name, value)
            body = reply.body
            if isinstance(body, (bytes, bytearray)):
                length = reply.declared_length if reply.declared_length is not None else len(body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                if reply.declared_length is not None and reply.declared_length != len(body):
                    self.close_connection = True
                return
            if reply.declared_length is not None:
                self.send_header("Content-Length", str(reply.declared_length))
                self.end_headers()
                for chunk in body:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in body:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

    return H

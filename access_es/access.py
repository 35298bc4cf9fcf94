"""Who may do what: the readonly rule, as a pure function over the request the upstream would see.

Roles: `admin` may send anything; `readonly` may send
  - GET, HEAD and OPTIONS, except the few GETs that act on the cluster (flush, refresh, a `refresh`
    parameter) and the SQL/PPL plugins (which can be configured to delete);
  - POST to read-only endpoints only (ES_READ_ENDPOINTS, KIBANA_READ_PATHS below), which is how
    searches with bodies are sent;
  - DELETE only to release one scroll or point in time by its id (never `_all`: that would end
    everybody's);
and nothing else. Requests carrying a method-override header or a `_method` parameter are refused
outright: some middleboxes honour them, and a readonly account has no use for them.

The rule looks at the decoded path ('%5Fbulk' is '_bulk'; '%2F' is a '/'), after dot segments were
resolved, because that is what the upstream routes.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from .proxy.request import decoded_segments, query_pairs

ROLES = ("admin", "readonly")

METHOD_OVERRIDE_HEADERS = frozenset({"x-http-method-override", "x-http-method", "x-method-override"})

# Index (and legacy type) names never start with '_', so a segment not starting with '_' is an
# `{index}`, and `_doc` cannot pose as a type (`POST /idx/_doc/_search` indexes a document).
_INDEX = r"[^_/][^/]*/"
# Endpoints that had typed routes (`/{index}/{type}/_search`) in Elasticsearch 5-7 / OpenSearch 1.
# The others must not get a type segment: `POST /idx/doc/_field_caps` has no such route and falls
# through to `POST /{index}/{type}/{id}`, which indexes the body as document `_field_caps`.
_TYPED = r"_search|_msearch|_count|_mget|_validate/query|_search/template|_msearch/template|_mtermvectors"
_UNTYPED = r"_field_caps|_search_shards|_terms_enum|_async_search|_pit|_search/point_in_time|_rank_eval"
ES_READ_ENDPOINTS = re.compile(
    r"^(?:"
    rf"(?:{_INDEX}){{0,2}}(?:{_TYPED})"
    rf"|(?:{_INDEX})?(?:{_UNTYPED})"
    rf"|{_INDEX}(?:_termvectors|_explain)(?:/[^/]+)?"
    r"|_search/scroll(?:/[^/]+)?"
    r"|_render/template(?:/[^/]+)?"
    r")$"
)
ES_RELEASE_ENDPOINTS = re.compile(r"^(?:_search/scroll(?:/[^/]+)?|_pit|_search/point_in_time(?:/[^/]+)?)$")
# GETs that act on the cluster rather than read it.
ES_GET_ACTIONS = frozenset({"_flush", "_refresh", "synced", "_forcemerge", "_cache", "_upgrade"})
ES_QUERY_PLUGINS = frozenset({"_sql", "_ppl"})

# Kibana lives under /_plugin/kibana/ on Amazon Elasticsearch, Dashboards under /_dashboards/.
KIBANA_PREFIXES = ("_plugin/kibana/", "_dashboards/")
KIBANA_READ_PATHS = re.compile(
    r"^(?:internal/search/[^/]+(?:/[^/]+)?|internal/bsearch|internal/_msearch"
    r"|api/saved_objects/_bulk_get|api/saved_objects/_bulk_resolve"
    r"|api/index_patterns/_fields_for_wildcard"
    # usage counters Kibana posts on every page; they change no user data
    r"|api/ui_metric/report|api/ui_counters/_report|api/telemetry/v2/clusters/_stats)$"
)
KIBANA_CONSOLE_PROXY = "api/console/proxy"
# What the console proxy's `path` may contain: Kibana builds its URL with WHATWG URL parsing, which
# reads '\' as '/' and cuts at '#', so anything outside plain path characters could make it send
# another request than the one judged here.
_CONSOLE_PATH = re.compile(r"^[A-Za-z0-9._\-*,:/%+@~=&?]*$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def readonly_denial(method: str, path: str, query: str, header_names: set[str], body: bytes = b"") -> str | None:
    """Why a readonly account may not send this request, or None when it may.

    `path` and `query` are in the strict form we send upstream; `header_names` lower-case.
    """
    if header_names & METHOD_OVERRIDE_HEADERS:
        return "method-override headers are not allowed for readonly accounts"
    pairs = query_pairs(query)
    if any(name == "_method" for name, _ in pairs):
        return "the _method parameter is not allowed for readonly accounts"
    segments = decoded_segments(path)
    if any(s in (".", "..") for s in segments):
        return "dot segments in the path are not allowed for readonly accounts"
    return _denial(method.upper(), segments, pairs, body)


def _denial(method: str, segments: list[str], pairs: list[tuple[str, str]], body: bytes) -> str | None:
    joined = "/".join(segments)
    kibana = kibana_path(joined)
    if kibana is not None:
        return _kibana_denial(method, kibana, pairs)
    if ES_QUERY_PLUGINS & set(segments):
        return "readonly accounts may not use the SQL/PPL plugins (they can be set up to delete)"
    if method in _SAFE_METHODS:
        if ES_GET_ACTIONS & set(segments) or any(name == "refresh" for name, _ in pairs):
            return f"readonly accounts may not {method} /{joined} (it acts on the cluster)"
        return None
    if method == "POST" and ES_READ_ENDPOINTS.match(joined):
        return None
    if method == "DELETE" and ES_RELEASE_ENDPOINTS.match(joined):
        if any("_all" in s for s in segments) or any("_all" in v for _, v in pairs) or b"_all" in body:
            return "readonly accounts may release their own scrolls and points in time, not _all"
        return None
    return f"readonly accounts may not {method} /{joined}"


def kibana_path(joined: str) -> str | None:
    """The part of a path after Kibana's or Dashboards' prefix, or None when it is not theirs."""
    for prefix in KIBANA_PREFIXES:
        if (joined + "/").startswith(prefix):
            return joined[len(prefix):]
    return None


def _kibana_denial(method: str, rest: str, pairs: list[tuple[str, str]]) -> str | None:
    if method in _SAFE_METHODS:
        return None
    if method == "POST" and KIBANA_READ_PATHS.match(rest):
        return None
    if method == "POST" and rest == KIBANA_CONSOLE_PROXY:
        # Dev Tools sends `?path=/idx/_bulk&method=POST`: judge the request it would make.
        if sum(1 for n, _ in pairs if n in ("method", "path")) != 2 or not {"method", "path"} <= dict(pairs).keys():
            return "the console proxy needs exactly one method and one path parameter"
        params = dict(pairs)
        inner_method = params["method"].upper()
        inner_target = params["path"]
        if not _CONSOLE_PATH.match(inner_target):
            return "readonly accounts may not use the console proxy with this path"
        inner_path, _, inner_query = inner_target.partition("?")
        # the upstream decodes the inner path once more, so we do too ('%5Fbulk' is '_bulk')
        inner = [s for s in unquote(inner_path).split("/") if s]
        if any(s in (".", "..") for s in inner) or not _CONSOLE_PATH.match(unquote(inner_path)):
            return "readonly accounts may not use the console proxy with this path"
        inner_pairs = [(unquote(n), unquote(v)) for n, _, v in
                       (p.partition("=") for p in inner_query.split("&") if p)]
        reason = _denial(inner_method, inner, inner_pairs, b"")
        return None if reason is None else f"{reason} (through the console proxy)"
    return f"readonly accounts may not {method} this Kibana/Dashboards API (/{rest})"


def cross_site_denial(method: str, headers, own_host: str) -> str | None:
    """Why a cookie-authenticated request that may change something looks forged, or None.

    The session cookie is SameSite=Lax, so other sites cannot send it with a POST; but a sibling
    subdomain counts as the same site, and old browsers ignore SameSite. Kibana's own XHRs are
    same-origin and carry kbn-xsrf/osd-xsrf. So an unsafe method with a session must be same-origin
    by the browser's word (Sec-Fetch-Site, else Origin), or, from a client that sends neither, carry
    a header no cross-site form can set. (API clients with Basic credentials are not affected.)
    """
    if method.upper() in _SAFE_METHODS:
        return None
    site = headers.get("Sec-Fetch-Site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"cross-site request refused (Sec-Fetch-Site: {site})"
    origin = headers.get("Origin")
    if origin is not None:
        host = origin.split("://", 1)[-1].rstrip("/")
        return None if host.lower() == own_host.lower() else "cross-site request refused (Origin is another site)"
    if headers.get("kbn-xsrf") or headers.get("osd-xsrf") or headers.get("X-Requested-With"):
        return None
    return ("a request that changes something, sent with a session cookie, needs a kbn-xsrf (or osd-xsrf) "
            "header when the browser does not say where it came from")


def safe_to_repeat(method: str, path: str) -> bool:
    """Whether sending this request twice means no more than sending it once: idempotent methods,
    and POSTs to read endpoints (a search posted twice is still a search)."""
    method = method.upper()
    if method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        return True
    joined = "/".join(decoded_segments(path))
    if method == "POST":
        if ES_READ_ENDPOINTS.match(joined):
            return True
        kibana = kibana_path(joined)
        if kibana is not None and KIBANA_READ_PATHS.match(kibana):
            return True
    return False

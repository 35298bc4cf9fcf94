"""Who may do what: the readonly rule, as a pure function over the request the upstream would see.

Roles: `admin` may send anything; `readonly` may send
  - GET, HEAD and OPTIONS anywhere (neither Elasticsearch/OpenSearch nor Kibana/Dashboards change
    data on them);
  - POST to read-only endpoints only (ES_READ_ENDPOINTS, KIBANA_READ_PATHS below), which is how
    searches with bodies are sent;
  - DELETE only to release a scroll or a point in time (they free what the caller opened);
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

# Index (and legacy type) names never start with '_', so "zero to two segments not starting with
# '_'" is exactly the optional `{index}` or `{index}/{type}` prefix of these endpoints; `_doc` cannot
# pose as a type, so `POST /idx/_doc/_search` is an indexing request and is refused.
_TARGET = r"(?:[^_/][^/]*/){0,2}"
ES_READ_ENDPOINTS = re.compile(
    r"^(?:"
    + _TARGET
    + r"(?:_search|_msearch|_count|_mget|_field_caps|_validate/query|_search/template|_msearch/template"
    r"|_mtermvectors|_search_shards|_terms_enum|_async_search|_pit|_search/point_in_time|_rank_eval)"
    r"|[^_/][^/]*/(?:_termvectors|_explain)(?:/[^/]+)?"
    r"|_search/scroll(?:/[^/]+)?"
    r"|_render/template(?:/[^/]+)?"
    r")$"
)
ES_RELEASE_ENDPOINTS = re.compile(r"^(?:_search/scroll(?:/[^/]+)?|_pit|_search/point_in_time(?:/[^/]+)?)$")

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
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def readonly_denial(method: str, path: str, query: str, header_names: set[str]) -> str | None:
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
    return _denial(method.upper(), "/".join(segments), pairs)


def _denial(method: str, joined: str, pairs: list[tuple[str, str]]) -> str | None:
    if method in _SAFE_METHODS:
        return None
    for prefix in KIBANA_PREFIXES:
        if (joined + "/").startswith(prefix):
            return _kibana_denial(method, joined[len(prefix):], pairs)
    if method == "POST" and ES_READ_ENDPOINTS.match(joined):
        return None
    if method == "DELETE" and ES_RELEASE_ENDPOINTS.match(joined):
        return None
    return f"readonly accounts may not {method} /{joined}"


def _kibana_denial(method: str, rest: str, pairs: list[tuple[str, str]]) -> str | None:
    if method == "POST" and KIBANA_READ_PATHS.match(rest):
        return None
    if method == "POST" and rest == KIBANA_CONSOLE_PROXY:
        # Dev Tools sends `?path=/idx/_bulk&method=POST`: judge the request it would make.
        params = dict(pairs)
        inner_method = params.get("method", "").upper()
        inner_path, _, _ = params.get("path", "").partition("?")
        # the upstream decodes the inner path once more, so we do too ('%5Fbulk' is '_bulk')
        inner = [s for s in unquote(inner_path).split("/") if s]
        if not inner_method or any(s in (".", "..") for s in inner):
            return "readonly accounts may not use the console proxy this way"
        reason = _denial(inner_method, "/".join(inner), [])
        return None if reason is None else f"{reason} (through the console proxy)"
    return f"readonly accounts may not {method} this Kibana/Dashboards API (/{rest})"

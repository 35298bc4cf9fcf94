"""Who may do what: the readonly rule, as a pure function over the request the upstream will see.

Roles: `admin` may send anything; `readonly` may only read, judged as the upstream will route the
request (routing.py) against the products' own endpoint definitions, kept as data:
  - es_endpoints.py: every Elasticsearch / OpenSearch REST endpoint (6.8, 7.10, OpenSearch 1.x,
    2.x), read or write, generated from the official clients by tools/es_endpoints.py;
  - kibana_routes.py: the Kibana / Dashboards server routes a browser calls, read or write.

Elasticsearch / OpenSearch: GET, HEAD and OPTIONS are reads except the few GET endpoints that act
(flush, refresh, the SQL/PPL plugins) and a `refresh` parameter; POST, PUT, DELETE and PATCH only
reach endpoints whose every most-specific matching route is a read (search, count, mget, ...),
and DELETE only releases one's own scrolls or points in time by id, never `_all` (in the path, the
query or the JSON body, which is parsed, not searched). A path segment that would bind an index or
type parameter to a name starting with '_' (which no index has) means a route we do not know:
refused. Kibana / Dashboards: a route listed as read, or any GET/HEAD not listed as a write; the
console proxy's carried request (method, path, body) is judged by the Elasticsearch rule, and
bsearch's batched strategies like `POST /internal/search/{strategy}`. Method overrides (headers,
`_method`) are refused outright. Whatever cannot be parsed for certain is refused.
"""
from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING

from .errors import BadRequest
from .proxy.request import canonical_query, decoded_segments, query_pairs

if TYPE_CHECKING:
    from .routing import ProductRouteTables, RouteTable


METHOD_OVERRIDE_HEADERS = frozenset({"x-http-method-override", "x-http-method", "x-method-override"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSAFE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})

# What an upstream can be, each with the endpoint tags it serves (es_endpoints.py): Amazon's
# Elasticsearch 6/7 are the OSS builds; "x-pack" is Elastic's default distribution. Judged for each
# product on its own; when the upstream's product is not known, for all of them: a write in any is a write.
ES_PRODUCTS = {
    "es 6.8": ("es 6.8",), "es 6.8 x-pack": ("es 6.8", "es 6.8 x-pack"),
    "es 7.10": ("es 7.10",), "es 7.10 x-pack": ("es 7.10", "es 7.10 x-pack"),
    "os 1.x": ("os 1.x",), "os 2.x": ("os 2.x",),
}

# The route tables (about a thousand endpoints, a tenth of a second to build) are built when a rule
# first needs them (a readonly account's request, a POST's retry verdict), not at import: an admin's
# GET, and a Lambda cold start, never pay for them. `access-es serve` builds them before it forks its
# workers (route_tables()), so they share one copy. ES_ROUTES and KIBANA_ROUTES_TABLE stay readable as
# module attributes.
_TABLES: tuple[ProductRouteTables, RouteTable] | None = None
_TABLES_LOCK = threading.Lock()


def route_tables() -> tuple[ProductRouteTables, RouteTable]:
    """(the Elasticsearch / OpenSearch tables, the Kibana / Dashboards table), built once."""
    global _TABLES
    tables = _TABLES
    if tables is None:
        with _TABLES_LOCK:
            if _TABLES is None:
                from .es_endpoints import ES_ENDPOINTS
                from .kibana_routes import KIBANA_ROUTES
                from .routing import ProductRouteTables, RouteTable

                _TABLES = (ProductRouteTables(ES_ENDPOINTS, ES_PRODUCTS, writes_any_unsafe_method=True),
                           RouteTable(KIBANA_ROUTES, writes_any_unsafe_method=False))
            tables = _TABLES
    return tables


def __getattr__(name: str):
    if name == "ES_ROUTES":
        return route_tables()[0]
    if name == "KIBANA_ROUTES_TABLE":
        return route_tables()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Plugins reached through many paths (`/_sql`, `/_plugins/_sql`, `/_opendistro/_sql/...`): SQL and PPL
# can be set up to delete, so readonly may not use them whatever the method.
ES_QUERY_PLUGINS = frozenset({"_sql", "_ppl"})
# Parameters that name indices or types: no index or type starts with '_' (but `_all`), so a segment
# bound to one is a literal of a route we do not know, perhaps a plugin's write. (`_doc` is 6.8's
# usual type; the routes it is a literal of are known.)
_INDEX_PARAMS = frozenset({"index", "doc_type", "type", "target", "new_index", "name"})
# What a release (clear scroll, close a point in time) may carry in its JSON body.
_RELEASE_BODY_KEYS = frozenset({"scroll_id", "id", "pit_id"})

# The security plugin's tenant resolver takes a tenant from these query parameters or headers on any
# request and keeps it in the session (security-dashboards-plugin server/multitenancy/tenant_resolver.ts):
# the same change as `POST /api/v1/multitenancy/tenant`. (Node lower-cases header names.)
_TENANT_CHOICE = frozenset({"securitytenant_", "securitytenant", "security_tenant"})

# Kibana lives under /_plugin/kibana/ on Amazon Elasticsearch, Dashboards under /_dashboards/.
KIBANA_PREFIXES = (("_plugin", "kibana"), ("_dashboards",))
KIBANA_CONSOLE_PROXY = "/api/console/proxy"
KIBANA_BSEARCH = "/internal/bsearch"
# Index management's generic caller: `{"endpoint": "cat.aliases", "data": {...}}` names a method of the
# legacy JavaScript client (index-management-dashboards-plugin server/services/CommonService.ts,
# public/services/CommonService.ts). Its index, alias, template and data stream pages read through it.
ISM_API_CALLER = "/api/ism/apiCaller"
# The legacy client's methods (elasticsearch-js / opensearch-js legacy `api/`) that only read.
API_CALLER_READS = frozenset({
    "info", "ping", "search", "count", "get", "mget", "msearch", "exists", "getSource", "existsSource",
    "explain", "fieldCaps", "searchShards", "termvectors", "mtermvectors",
    "cat.aliases", "cat.allocation", "cat.count", "cat.fielddata", "cat.health", "cat.help", "cat.indices",
    "cat.master", "cat.clusterManager", "cat.nodeattrs", "cat.nodes", "cat.pendingTasks", "cat.plugins",
    "cat.recovery", "cat.repositories", "cat.segments", "cat.shards", "cat.snapshots", "cat.tasks",
    "cat.templates", "cat.threadPool",
    "indices.get", "indices.getAlias", "indices.getMapping", "indices.getFieldMapping", "indices.getSettings",
    "indices.getTemplate", "indices.exists", "indices.existsAlias", "indices.existsTemplate", "indices.existsType",
    "indices.stats", "indices.segments", "indices.recovery", "indices.shardStores", "indices.validateQuery",
    "indices.analyze", "cluster.health", "cluster.state", "cluster.stats", "cluster.getSettings",
    "cluster.pendingTasks", "cluster.allocationExplain", "nodes.info", "nodes.stats", "nodes.usage",
    "snapshot.get", "snapshot.getRepository", "snapshot.status", "ingest.getPipeline", "tasks.get", "tasks.list",
})
# ... of which these send a body (a query); the others send none, so a `body` is not theirs.
API_CALLER_BODIES = frozenset({
    "search", "count", "msearch", "mget", "explain", "fieldCaps", "termvectors", "mtermvectors",
    "indices.validateQuery", "indices.analyze",
})
# Keys of `data` the legacy client does not send as parameters (src/lib/client_action.js exec()):
# `method` replaces the method's own HTTP verb (`indices.get` + method DELETE is `DELETE /{index}`),
# `headers` adds headers; with `refresh` (a parameter that acts), refused whatever the method.
_API_CALLER_REFUSED_KEYS = frozenset({"method", "headers", "refresh"})
# What the console proxy's `path` may contain: Kibana 7.10 builds its URL with WHATWG URL parsing
# (which reads '\' as '/', cuts at '#' and resolves '.', '..', '%2e'), Dashboards 2.x appends it raw;
# anything outside plain path characters could be sent differently from what is judged here.
_CONSOLE_PATH = re.compile(r"^[A-Za-z0-9._\-*,:/%+@~=&?]*$")
_JSON_TYPE = re.compile(r"^\s*application/(?:json|[\w.+-]*\+json)\s*(?:;.*)?$", re.I)


def readonly_denial(method: str, path: str, query: str, header_names: set[str], body: bytes = b"",
                    content_type: str | None = None, products: tuple[str, ...] | None = None) -> str | None:
    """Why a readonly account may not send this request, or None when it may.

    `path` and `query` are in the strict form we send upstream; `header_names` lower-case;
    `content_type` the request's Content-Type (bodies are parsed only where the verdict depends on them);
    `products` what the upstream is (products_for), None when not known: judged against every product.
    """
    from .routing import Unparsable, route_segments  # loaded when a rule first needs it

    if header_names & METHOD_OVERRIDE_HEADERS:
        return "method-override headers are not allowed for readonly accounts"
    pairs = query_pairs(query)
    if any(name == "_method" for name, _ in pairs):
        return "the _method parameter is not allowed for readonly accounts"
    try:
        segments = route_segments(path)
    except Unparsable as e:
        return f"readonly accounts may not send this path ({e})"
    if any(s in (".", "..") for s in segments):
        return "dot segments in the path are not allowed for readonly accounts"
    method = method.upper()
    rest = kibana_segments(segments)
    if rest is not None:
        if any(name.lower() in _TENANT_CHOICE for name, _ in pairs) or header_names & _TENANT_CHOICE:
            return "readonly accounts may not choose the Dashboards tenant (it is chosen for them)"
        return _kibana_denial(method, rest, pairs, body, content_type, products)
    if method not in _SAFE_METHODS and kibana_segments(decoded_segments(path)) is not None:
        # '//_dashboards/...', '/_plugin%2Fkibana/...': which server gets it is not ours to guess
        return "readonly accounts may not send this path (it is Kibana's or Dashboards' spelled unusually)"
    return _es_denial(method, segments, pairs, body, content_type, products)


def product_could_allow(method: str, path: str, query: str, header_names: set[str], body: bytes = b"",
                        content_type: str | None = None) -> bool:
    """Whether some product on its own would allow what every product judged together refuses:
    only then is the upstream's product worth learning."""
    return any(readonly_denial(method, path, query, header_names, body, content_type, (product,)) is None
               for product in ES_PRODUCTS)


def products_for(banner) -> tuple[str, ...] | None:
    """The products (ES_PRODUCTS keys) an upstream can be, from its `GET /` answer (parsed JSON), or
    None when it does not say for certain. OpenSearch names its distribution, unless its
    compatibility mode (`compatibility.override_main_response_version`) makes it pass for
    Elasticsearch 7.10: so an OSS 7.x is judged as Elasticsearch 7.10 and both OpenSearch majors."""
    version = banner.get("version") if isinstance(banner, dict) else None
    number = version.get("number") if isinstance(version, dict) else None
    if not isinstance(number, str) or not re.match(r"^\d+\.", number):
        return None
    major = int(number.split(".", 1)[0])
    distribution = version.get("distribution")
    if distribution == "opensearch":
        # 3.x serves 2.x's API (less what it removed); any other major is not one we know
        return ("os 1.x",) if major == 1 else ("os 2.x",) if major in (2, 3) else None
    if distribution is not None:
        return None
    elastic_default = version.get("build_flavor") == "default"
    if major == 6:
        return ("es 6.8 x-pack",) if elastic_default else ("es 6.8",)
    if major == 7:
        return ("es 7.10 x-pack",) if elastic_default else ("es 7.10", "os 1.x", "os 2.x")
    return None


def kibana_segments(segments: list[str]) -> list[str] | None:
    """The segments after Kibana's or Dashboards' prefix, or None when the path is not theirs."""
    for prefix in KIBANA_PREFIXES:
        if tuple(segments[:len(prefix)]) == prefix:
            return segments[len(prefix):]
    return None


def _show(segments: list[str]) -> str:
    return "/" + "/".join(segments)


# ---- Elasticsearch / OpenSearch ------------------------------------------------------------------

def _es_denial(method: str, segments: list[str], pairs, body: bytes, content_type: str | None,
               products: tuple[str, ...] | None) -> str | None:
    where = _show(segments)
    if ES_QUERY_PLUGINS & set(segments):
        return "readonly accounts may not use the SQL/PPL plugins (they can be set up to delete)"
    if any(name == "refresh" for name, _ in pairs):
        return f"readonly accounts may not {method} {where} with a refresh parameter (it acts on the cluster)"
    if method == "OPTIONS":
        return None  # answered by the server's router (the allowed methods); no endpoint runs
    es_routes = route_tables()[0]
    verdict, matches = es_routes.decide("GET" if method == "HEAD" else method, segments, products)
    if method in _SAFE_METHODS:
        # A GET that acts in any product is refused whatever the upstream is: a product's table may
        # simply lack a plugin that its domain runs (the notifications test message on OpenSearch 1.x).
        if verdict is False or (products and es_routes.decide("GET", segments)[0] is False):
            return f"readonly accounts may not {method} {where} (it acts on the cluster)"
        return None
    if method not in _UNSAFE_METHODS or not verdict:
        return f"readonly accounts may not {method} {where}"
    for m in matches:
        for name, value in m.params.items():
            if name in _INDEX_PARAMS and value.startswith("_") and value not in ("_all", "_doc"):
                return f"readonly accounts may not {method} {where} (not a known read endpoint)"
    if method == "DELETE":
        return _release_denial(segments, pairs, body, content_type)
    return None


def _named_all(values) -> bool:
    return any(part.strip() == "_all" for value in values for part in value.split(","))


def _release_denial(segments: list[str], pairs, body: bytes, content_type: str | None) -> str | None:
    """A DELETE that releases scrolls or points in time: by id only, never `_all`."""
    everyone = "readonly accounts may release their own scrolls and points in time, not _all"
    if _named_all(segments) or _named_all(v for n, v in pairs if n in _RELEASE_BODY_KEYS):
        return everyone
    if any(name in ("source", "source_content_type") for name, _ in pairs):
        return "readonly accounts may not send a release's body in the query string"
    if not body.strip():
        return None
    try:
        doc = parse_json(body, content_type)
    except ValueError as e:
        return f"readonly accounts may release scrolls and points in time only with a JSON body ({e})"
    if not isinstance(doc, dict) or not set(doc) <= _RELEASE_BODY_KEYS:
        return "readonly accounts may release scrolls and points in time only by their ids"
    values = []
    for value in doc.values():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            return "readonly accounts may release scrolls and points in time only by their ids"
        values += items
    return everyone if _named_all(values) else None


def parse_json(body: bytes, content_type: str | None):
    """A JSON body as the upstream would read it, or ValueError when we cannot be sure of that:
    another content type (YAML, CBOR, SMILE read differently; without one the upstream refuses a
    body, or, in the oldest versions, sniffs it, which finds JSON in what parses as JSON), not UTF-8,
    duplicate keys (the upstream refuses or keeps another one), comments, trailing data."""
    if content_type is not None and not _JSON_TYPE.match(content_type):
        raise ValueError("not declared as application/json")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate keys")
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e.msg}") from None


# ---- Kibana / Dashboards -------------------------------------------------------------------------

def _kibana_denial(method: str, rest: list[str], pairs, body: bytes, content_type: str | None,
                   products: tuple[str, ...] | None) -> str | None:
    where = _show(rest)
    if method == "OPTIONS":
        return None
    verdict, matches = route_tables()[1].decide("GET" if method == "HEAD" else method, rest)
    if method == "POST" and rest == KIBANA_CONSOLE_PROXY.strip("/").split("/"):
        # listed as a write (it can carry any request): judged by the request it carries; only when
        # spelled exactly so (another case, or an encoded slash, stays a refused write)
        return _console_denial(pairs, body, content_type, products)
    if method == "POST" and rest == ISM_API_CALLER.strip("/").split("/"):
        return _api_caller_denial(body, content_type, products)
    if verdict is False:
        return f"readonly accounts may not {method} this Kibana/Dashboards API ({where})"
    if verdict is None:
        if method in ("GET", "HEAD"):
            return None
        return f"readonly accounts may not {method} this Kibana/Dashboards API ({where})"
    if method not in _SAFE_METHODS and any("/" in s or "\\" in s for s in rest):
        # an encoded slash in a Kibana path: hapi and Kibana's handlers may split it either way
        return f"readonly accounts may not {method} this Kibana/Dashboards API ({where})"
    paths = {m.route.record.path for m in matches}
    if KIBANA_CONSOLE_PROXY in paths:
        return _console_denial(pairs, body, content_type, products)
    if KIBANA_BSEARCH in paths:
        return _bsearch_denial(body, content_type)
    return None


def _console_denial(pairs, body: bytes, content_type: str | None, products: tuple[str, ...] | None) -> str | None:
    """Dev Tools sends `?path=/idx/_search&method=POST` and the request's body: judge the request
    Kibana will make. Kibana decodes the query once and sends `path` as it is (no further
    decoding), with its leading slashes trimmed to one; the upstream then routes it as any path."""
    from .routing import Unparsable, route_segments  # loaded when a rule first needs it

    names = [n for n, _ in pairs]
    if names.count("method") != 1 or names.count("path") != 1:
        return "the console proxy needs exactly one method and one path parameter"
    params = dict(pairs)
    inner_method = params["method"].upper()
    target = params["path"]
    if inner_method not in _SAFE_METHODS | _UNSAFE_METHODS or not _CONSOLE_PATH.match(target):
        return "readonly accounts may not use the console proxy with this method or path"
    inner_path, _, inner_query = target.partition("?")
    try:
        segments = route_segments("/" + inner_path.lstrip("/"))
        inner_pairs = query_pairs(canonical_query(inner_query))
    except (Unparsable, BadRequest):
        return "readonly accounts may not use the console proxy with this path"
    if any(s in (".", "..") for s in segments):
        return "readonly accounts may not use the console proxy with this path"
    reason = _es_denial(inner_method, segments, inner_pairs, body, content_type, products)
    return None if reason is None else f"{reason} (through the console proxy)"


def _api_caller_denial(body: bytes, content_type: str | None, products: tuple[str, ...] | None) -> str | None:
    """Index management's `POST /api/ism/apiCaller`: a legacy client method that only reads, or a
    `transport.request` whose method, path, query and body are judged as a direct request."""
    from .routing import Unparsable, route_segments  # loaded when a rule first needs it

    try:
        doc = parse_json(body, content_type)
    except ValueError as e:
        return f"readonly accounts may use index management's apiCaller only with a JSON body ({e})"
    if not isinstance(doc, dict) or not set(doc) <= {"endpoint", "data", "hideLog"}:
        return "readonly accounts may use index management's apiCaller only as its pages send it"
    endpoint, data = doc.get("endpoint"), doc.get("data")
    if not isinstance(endpoint, str):
        return "readonly accounts may use index management's apiCaller only with a named client method"
    if endpoint in API_CALLER_READS and (data is None or isinstance(data, dict)):
        refused = sorted(_API_CALLER_REFUSED_KEYS & set(data or {}))
        if "body" in (data or {}) and endpoint not in API_CALLER_BODIES:
            refused.append("body")
        if refused:
            return (f"readonly accounts may not call {endpoint} through index management with "
                    f"{', '.join(refused)} (the client would send another request than {endpoint})")
        return None
    if endpoint != "transport.request":
        return f"readonly accounts may not call {endpoint!r} through index management (it is not a read)"
    if not isinstance(data, dict) or not set(data) <= {"method", "path", "body", "querystring"} or \
            not isinstance(data.get("method"), str) or not isinstance(data.get("path"), str):
        return "readonly accounts may send transport.request only with a method and a path"
    query = data.get("querystring") or {}
    if not isinstance(query, dict) or not all(isinstance(v, (str, int, float, bool)) for v in query.values()):
        return "readonly accounts may send transport.request only with a plain querystring"
    if not _CONSOLE_PATH.match(data["path"]) or "?" in data["path"]:
        return "readonly accounts may not send transport.request with this path"
    try:
        segments = route_segments("/" + data["path"].lstrip("/"))
    except Unparsable:
        return "readonly accounts may not send transport.request with this path"
    if any(s in (".", "..") for s in segments):
        return "readonly accounts may not send transport.request with this path"
    inner_body = b"" if data.get("body") is None else json.dumps(data["body"]).encode()
    pairs = [(str(k), str(v).lower() if isinstance(v, bool) else str(v)) for k, v in query.items()]
    reason = _es_denial(data["method"].upper(), segments, pairs, inner_body, "application/json", products)
    return None if reason is None else f"{reason} (through index management's apiCaller)"


def _bsearch_denial(body: bytes, content_type: str | None) -> str | None:
    """bsearch batches searches: each item's `options.strategy` is judged as
    `POST /internal/search/{strategy}` (the SQL/PPL strategies are writes)."""
    try:
        doc = parse_json(body, content_type)
    except ValueError as e:
        return f"readonly accounts may send bsearch only with a JSON body ({e})"
    batch = doc.get("batch") if isinstance(doc, dict) else None
    if not isinstance(batch, list):
        return "readonly accounts may send bsearch only as a batch of searches"
    for item in batch:
        options = item.get("options", {}) if isinstance(item, dict) else None
        strategy = options.get("strategy", "es") if isinstance(options, dict) else None
        if not isinstance(strategy, str) or not strategy or "/" in strategy:
            return "readonly accounts may send bsearch only with named search strategies"
        verdict, _ = route_tables()[1].decide("POST", ["internal", "search", strategy])
        if not verdict:
            return f"readonly accounts may not use the {strategy!r} search strategy"
    return None


# ---- the other rules -----------------------------------------------------------------------------

def cross_site_denial(method: str, headers, own_host: str, path: str = "/", query: str = "") -> str | None:
    """Why a cookie-authenticated request that may change something looks forged, or None.

    The session cookie is SameSite=Lax, so other sites cannot send it with a POST; but a sibling
    subdomain counts as the same site, and old browsers ignore SameSite. Kibana's own XHRs are
    same-origin and carry kbn-xsrf/osd-xsrf or kbn-version/osd-version, which Kibana's server takes
    as the same proof. So an unsafe method with a session must be same-origin by the browser's word
    (Sec-Fetch-Site, else Origin), or, from a client that sends neither, carry a header no
    cross-site form can set. (API clients with Basic credentials are not affected.)

    Lax cookies do go with another site's links (a top-level GET): a link may open Kibana, but not
    make the cluster act (acts_on_cluster) when the browser says it came from elsewhere.
    """
    site = headers.get("Sec-Fetch-Site")
    if method.upper() in _SAFE_METHODS:
        if site in (None, "same-origin", "none") or not acts_on_cluster(method, path, query):
            return None
        return f"a link from another site may not make the cluster act (Sec-Fetch-Site: {site})"
    if site is not None:
        return None if site in ("same-origin", "none") else f"cross-site request refused (Sec-Fetch-Site: {site})"
    origin = headers.get("Origin")
    if origin is not None:
        host = origin.split("://", 1)[-1].rstrip("/")
        return None if host.lower() == own_host.lower() else "cross-site request refused (Origin is another site)"
    if any(headers.get(h) for h in ("kbn-xsrf", "osd-xsrf", "kbn-version", "osd-version", "X-Requested-With")):
        return None
    return ("a request that changes something, sent with a session cookie, needs a kbn-xsrf (or osd-xsrf) "
            "header when the browser does not say where it came from")


def acts_on_cluster(method: str, path: str, query: str) -> bool:
    """Whether a GET or HEAD to Elasticsearch / OpenSearch does more than read: an endpoint that acts
    in any product (flush, refresh, cache clear, a k-NN warmup...), the SQL/PPL plugins (which can be
    set up to delete), or a refresh parameter. Kibana's and Dashboards' paths are theirs to judge
    (their GETs open apps and short links), and are not judged here. `path` and `query` in strict form."""
    from .routing import Unparsable, route_segments  # loaded when a rule first needs it

    if method.upper() not in ("GET", "HEAD"):
        return False
    try:
        segments = route_segments(path)
    except Unparsable:
        return False  # a read or nothing: the upstream refuses what it cannot route
    if kibana_segments(segments) is not None:
        return False
    if ES_QUERY_PLUGINS & set(segments) or any(name == "refresh" for name, _ in query_pairs(query)):
        return True
    return route_tables()[0].decide("GET", segments)[0] is False


def safe_to_repeat(method: str, path: str) -> bool:
    """Whether sending this request twice means no more than sending it once: idempotent methods,
    and POSTs to read endpoints (a search posted twice is still a search)."""
    method = method.upper()
    if method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        return True
    if method != "POST":
        return False
    from .routing import Unparsable, route_segments  # loaded when a rule first needs it

    try:
        segments = route_segments(path)
    except Unparsable:
        return False
    rest = kibana_segments(segments)
    if rest is not None:
        verdict, matches = route_tables()[1].decide("POST", rest)
        return bool(verdict) and all(m.route.record.path != KIBANA_CONSOLE_PROXY for m in matches)
    verdict, _ = route_tables()[0].decide("POST", segments)
    return bool(verdict)

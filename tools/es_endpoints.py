"""Regenerate (or check) access_es/es_endpoints.py from the official clients' generated code.

The clients elasticsearch-py 6.8 / 7.10 and opensearch-py 1.x / 2.x are generated from the products'
REST API specs (`rest-api-spec`); the OpenSearch plugins they do not cover are in es_plugin_endpoints.py
(from the OpenSearch API specification): each API method builds its path and picks its method in code. This
script calls every API method of every namespace with every combination of its path parts, on a
transport that only records (method, path), and classifies each endpoint read or write (CLASSIFY
below). It never touches the network.

    python3 -m venv /tmp/specs-venv
    for v in elasticsearch==6.8.2 elasticsearch==7.10.1 opensearch-py==1.1.0 opensearch-py==2.4.2; do
      /tmp/specs-venv/bin/pip install --no-deps --target /tmp/specs/$v "$v"; done
    /tmp/specs-venv/bin/pip install urllib3 certifi requests python-dateutil six
    /tmp/specs-venv/bin/python tools/es_endpoints.py generate /tmp/specs/*   # rewrites the module
    /tmp/specs-venv/bin/python tools/es_endpoints.py check /tmp/specs/*      # exit 1 if it differs

Not run by `make test` (it needs the clients, which access-es does not depend on).
"""
from __future__ import annotations

import inspect
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

MODULE = Path(__file__).resolve().parent.parent / "access_es" / "es_endpoints.py"
SENTINEL = re.compile(r"QQ(\w+?)QQ")

# ---- classification -------------------------------------------------------------------------------
# GET and HEAD endpoints read. Every other endpoint (POST, PUT, DELETE) writes, except these, which the
# products define as reads that take a body (the `rest-api-spec` lists them with GET and POST, or POST
# only for lack of a body-carrying GET in some clients):
POST_READS = {
    "search", "msearch", "count", "mget", "explain", "termvectors", "mtermvectors", "field_caps",
    "search_shards", "search_template", "msearch_template", "render_search_template", "scroll",
    "rank_eval", "terms_enum", "open_point_in_time", "create_pit", "create_point_in_time", "indices.validate_query",
    "indices.analyze", "async_search.submit", "eql.search", "graph.explore", "security.has_privileges",
    "ml.evaluate_data_frame", "ml.explain_data_frame_analytics", "transform.preview_transform",
    "data_frame.preview_data_frame_transform", "rollup.rollup_search", "searchable_snapshots.stats",
    "plugins.alerting.search_monitor", "alerting.search_monitor",
    # explain, simulate and execute in a sandbox: they report what would happen and change nothing
    "cluster.allocation_explain", "ingest.simulate", "scripts_painless_execute", "indices.simulate_template",
    "indices.simulate_index_template",
}
# ... and `get_*` methods of the x-pack/plugin namespaces (ml.get_buckets, ... sent as POST with a body),
# except those that create something:
GET_PREFIX_WRITES = {"security.get_token", "xpack.security.get_token"}
# DELETEs that release what the caller opened (a scroll, a point in time), by id; `_all` is refused by
# the rule itself (access.py), and delete_all_pits is a write.
RELEASES = {"clear_scroll", "close_point_in_time", "delete_pit", "delete_point_in_time"}
# Methods the clients do not use but the specs list (the clients pick one method per endpoint): GETs
# that act on the cluster. Source: rest-api-spec/src/main/resources/rest-api-spec/api/*.json of
# elastic/elasticsearch 6.8 and 7.10 and opensearch-project/OpenSearch 1.x/2.x ("methods": ["POST", "GET"]).
ALL = ("es 6.8", "es 7.10", "os 1.x", "os 2.x")
SPEC_EXTRA = [
    ("GET", "/_flush", "indices.flush", ALL), ("GET", "/{index}/_flush", "indices.flush", ALL),
    ("GET", "/_flush/synced", "indices.flush_synced", ALL[:3]),
    ("GET", "/{index}/_flush/synced", "indices.flush_synced", ALL[:3]),
    ("GET", "/_refresh", "indices.refresh", ALL), ("GET", "/{index}/_refresh", "indices.refresh", ALL),
    ("GET", "/_cache/clear", "indices.clear_cache", ALL[:1]),
    ("GET", "/{index}/_cache/clear", "indices.clear_cache", ALL[:1]),
    ("GET", "/_sql", "sql.query", ALL[1:2]),
    # deprecated paths the clients no longer build (scroll ids go in the body)
    ("GET", "/_search/scroll/{scroll_id}", "scroll", ALL), ("POST", "/_search/scroll/{scroll_id}", "scroll", ALL),
    ("DELETE", "/_search/scroll/{scroll_id}", "clear_scroll", ALL),
    # the POST routes the clients send as PUT (spec "index" and "create": "methods": ["PUT", "POST"])
    ("POST", "/{index}/{type}/{id}", "index", ALL[:3]), ("POST", "/{index}/_doc/{id}", "index", ALL[1:]),
    ("POST", "/{index}/_create/{id}", "create", ALL[1:]), ("POST", "/{index}/{type}/{id}/_create", "create", ALL[:3]),
]


# The parts of elasticsearch-py 6.8 / 7.10 that only Elastic's default distribution serves (x-pack):
# Amazon Elasticsearch Service runs the OSS build, where these paths route elsewhere (often to a
# typed document write). Source: the x-pack rest-api-spec folder of elastic/elasticsearch 6.8 and 7.10
# (x-pack/plugin/src/test/resources/rest-api-spec/api/), which these namespaces and methods mirror.
XPACK_NAMESPACES = {
    "async_search", "autoscaling", "ccr", "data_frame", "deprecation", "enrich", "eql", "graph", "ilm",
    "license", "migration", "ml", "monitoring", "rollup", "searchable_snapshots", "security", "slm", "sql",
    "ssl", "transform", "watcher", "xpack",
}
XPACK_METHODS = {
    "open_point_in_time", "close_point_in_time", "cat.ml_data_frame_analytics", "cat.ml_datafeeds",
    "cat.ml_jobs", "cat.ml_trained_models", "cat.transforms", "indices.freeze", "indices.unfreeze",
    "indices.reload_search_analyzers", "indices.create_data_stream", "indices.delete_data_stream",
    "indices.get_data_stream", "indices.data_streams_stats", "indices.migrate_to_data_stream",
    "indices.promote_data_stream",
}


# What opensearch-py's namespaces of the same names reach on OpenSearch itself: its security plugin,
# and data streams (part of OpenSearch since 1.0).
OPENSEARCH_OWN = ("/_plugins/", "/_opendistro/", "/_data_stream")


# Methods opensearch-py 1.1 carried over from later elasticsearch-py 7.x releases that OpenSearch's
# own rest-api-spec (opensearch-project/OpenSearch 1.x, rest-api-spec/src/main/resources/rest-api-spec/api/)
# does not list: the server routes these paths elsewhere.
OPENSEARCH_PY_GHOSTS = {
    "terms_enum", "indices.disk_usage", "indices.field_usage_stats", "snapshot.repository_analyze",
    "ingest.geo_ip_stats",
}


def xpack(name: str) -> bool:
    """Whether an elasticsearch-py API method is served only by Elastic's default distribution."""
    return name.split(".", 1)[0] in XPACK_NAMESPACES or name in XPACK_METHODS


def classify(name: str, method: str, path: str) -> tuple[bool, str]:
    """(read, note) for one endpoint (client method `namespace.name`) sent with `method` to `path`."""
    short = name.rsplit(".", 1)[-1]
    if method in ("GET", "HEAD"):
        if name in {"indices.flush", "indices.flush_synced", "indices.refresh", "indices.clear_cache"} or \
                name.startswith("sql."):
            return False, "acts on the cluster (or runs SQL) though sent with GET"
        return True, ""
    if method == "DELETE" and name in RELEASES and "_all" not in path.split("/"):
        return True, "release by id; _all refused by the rule"
    if method == "POST":
        if name in POST_READS:
            return True, ""
        if "." in name and short.startswith("get") and name not in GET_PREFIX_WRITES:
            return True, "a get sent with a body"
    return False, ""


# ---- extraction (runs inside a subprocess whose sys.path has one client) -------------------------

class Recorded(Exception):
    pass


def _namespaces(client):
    yield "", client
    for attr, value in sorted(vars(client).items()):
        if attr.startswith("_") or attr == "transport":
            continue
        if hasattr(value, "transport") or type(value).__name__.endswith("Client"):
            yield attr + ".", value
            for sub, inner in sorted(vars(value).items()):
                if not sub.startswith("_") and type(inner).__name__.endswith("Client") and inner is not client:
                    yield f"{attr}.{sub}.", inner


def extract() -> list[dict]:
    try:
        import elasticsearch as lib
        client = lib.Elasticsearch(["http://localhost:9"])
    except ImportError:
        import opensearchpy as lib
        client = lib.OpenSearch(["http://localhost:9"])

    def record(method, url, params=None, headers=None, body=None, **_):
        raise Recorded(method, url)

    client.transport.perform_request = record
    out = {}
    for prefix, ns in _namespaces(client):
        for attr in dir(type(ns)):
            fn = getattr(ns, attr, None)
            if attr.startswith("_") or not callable(fn) or attr in ("ping", "close"):
                continue
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                continue
            parts = [p for p in sig.parameters if p not in ("self", "body", "params", "headers")
                     and sig.parameters[p].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                    inspect.Parameter.KEYWORD_ONLY)]
            for n in range(len(parts) + 1):
                for chosen in itertools.combinations(parts, n):
                    for body in (None, {"q": 1}):
                        kwargs = {p: f"QQ{p}QQ" for p in chosen}
                        if "body" in sig.parameters:
                            kwargs["body"] = body
                        try:
                            fn(**kwargs)
                        except Recorded as r:
                            method, url = r.args
                            path = SENTINEL.sub(r"{\1}", url.split("?", 1)[0])
                            out[(method, path)] = prefix + attr
                        except Exception:
                            pass
    return [{"method": m, "path": p, "name": n} for (m, p), n in sorted(out.items())]


# ---- the module ---------------------------------------------------------------------------------

def client_label(folder: Path) -> tuple[str, str]:
    """('es 7.10', 'elasticsearch-py 7.10.1') from a --target folder's dist-info."""
    info = next(folder.glob("*.dist-info")).name
    dist, version = info[: -len(".dist-info")].rsplit("-", 1)
    major_minor = ".".join(version.split(".")[:2])
    if dist.startswith("elasticsearch"):
        return f"es {major_minor}", f"elasticsearch-py {version}"
    return f"os {version.split('.')[0]}.x", f"opensearch-py {version}"


def build(folders: list[Path]) -> str:
    merged: dict[tuple[str, str], dict] = {}
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from es_plugin_endpoints import PLUGIN_ENDPOINTS  # the plugins the clients do not cover

    for method, path, read, products, source, note in PLUGIN_ENDPOINTS:
        merged[(method, path)] = {"read": read, "products": products.split(", "), "sources": [source], "note": note,
                                  "plugin": True}
    for folder in folders:
        product, source = client_label(folder)
        found = json.loads(subprocess.run(
            [sys.executable, __file__, "extract"], env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
            check=True, capture_output=True, text=True).stdout)
        rows = [(r["method"], r["path"], r["name"], f"{source} {r['name']}") for r in found]
        rows += [(m, p, n, f"rest-api-spec {n}.json") for m, p, n, products in SPEC_EXTRA if product in products]
        for method, path, name, where in rows:
            if product.startswith("os ") and (xpack(name) or name in OPENSEARCH_PY_GHOSTS) and \
                    not path.startswith(OPENSEARCH_OWN):
                continue  # opensearch-py 1.x kept methods (_pit, _freeze, _terms_enum) that OpenSearch never served
            tag = f"{product} x-pack" if product.startswith("es ") and xpack(name) else product
            if "%" in path:
                continue  # elasticsearch-py 6.8's cluster.stats quotes its own '/' ('/_cluster%2Fstats%2Fnodes'): a client bug
            read, note = classify(name, method, path)
            if merged.get((method, path), {}).get("plugin"):
                entry = merged[(method, path)]  # the plugin's own classification, which knows it better
                if tag not in entry["products"]:
                    entry["products"].append(tag)
                continue
            entry = merged.setdefault((method, path), {"read": read, "products": [], "sources": [], "note": note})
            if entry["read"] != read:
                entry["read"] = False  # a path that is a write anywhere is a write
                entry["note"] = "read in one product, write in another: write"
            if tag not in entry["products"]:
                entry["products"].append(tag)
            if where.split(" ")[0] + " " + name not in " | ".join(entry["sources"]):
                entry["sources"].append(where if where.startswith("rest-api-spec") else f"{source} {name}")
    lines = [
        '"""Every Elasticsearch / OpenSearch REST endpoint, classified read or write: DATA, generated by',
        "tools/es_endpoints.py from the official clients (elasticsearch-py 6.8 / 7.10, opensearch-py 1.x / 2.x,",
        "which are generated from each product's rest-api-spec). Do not edit by hand: change the",
        'classification in the tool and regenerate."""',
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "",
        "",
        "@dataclass(frozen=True)",
        "class Endpoint:",
        '    method: str     # as the client sends it: "GET", "HEAD", "POST", "PUT", "DELETE"',
        '    path: str       # "/{index}/_search": {name} is one path segment, everything else literal',
        "    read: bool      # True: only reads (allowed for readonly); False: changes state",
        '    products: str   # "es 6.8, es 7.10, os 1.x, os 2.x"; "es 7.10 x-pack": Elastic\'s default distribution only',
        "    source: str     # client version and API method it came from",
        '    note: str = ""',
        "",
        "",
        "ES_ENDPOINTS: tuple[Endpoint, ...] = (",
    ]
    for (method, path), e in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        args = [repr(method), repr(path), repr(e["read"]), repr(", ".join(e["products"])),
                repr("; ".join(e["sources"][:2]) + ("; ..." if len(e["sources"]) > 2 else ""))]
        if e["note"]:
            args.append(repr(e["note"]))
        lines.append(f"    Endpoint({', '.join(args)}),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        json.dump(extract(), sys.stdout)
        return 0
    if len(argv) < 2 or argv[0] not in ("generate", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    text = build([Path(a) for a in argv[1:]])
    if argv[0] == "generate":
        MODULE.write_text(text, encoding="utf-8")
        print(f"wrote {MODULE} ({text.count('Endpoint(') - 1} endpoints)")
        return 0
    if MODULE.read_text(encoding="utf-8") != text:
        print(f"{MODULE} differs from what the clients define: run `generate`", file=sys.stderr)
        return 1
    print("es_endpoints.py matches the clients")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

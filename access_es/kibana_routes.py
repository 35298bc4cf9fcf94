"""Kibana's and OpenSearch Dashboards' server routes a browser calls, classified read or write: DATA.

A SEED list (issue 12), to be replaced by the complete collection of the Kibana/Dashboards routes
(Kibana 6.8, 7.1-7.10, OSD 1.x/2.x, the security plugin). The format is fixed; the matcher
(access_es/routing.py) reads nothing else:

- `path` is relative to the app's base (after /_plugin/kibana or /_dashboards), as Kibana declares
  it: {name} is one segment, {name?} an optional last segment, {name*} the rest of the path (0+).
- At each segment position a literal beats a parameter (hapi's router): `POST /internal/search/sql`
  (a write) beats `POST /internal/search/{strategy}/{id?}` (a read).
- A request under the prefix that matches no route is refused for readonly unless it is a GET or
  HEAD; a GET that writes is listed here with read=False.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KibanaRoute:
    method: str     # "GET", "POST", "PUT", "DELETE", "PATCH"
    path: str       # "/api/saved_objects/{type}/{id}", "/internal/search/{strategy}/{id?}", "/x/{rest*}"
    read: bool      # True: only reads (allowed for readonly); False: changes state (refused)
    products: str   # e.g. "kibana 7.10, osd 1.x-2.x"
    source: str     # repository@version and file that registers or calls the route
    note: str = ""


_K710 = "elastic/kibana@7.10"
_OSD = "opensearch-project/OpenSearch-Dashboards@2.x"

KIBANA_ROUTES: tuple[KibanaRoute, ...] = (
    # search: the strategies are path parameters; the SQL/PPL strategies of Dashboards' query
    # enhancements run SQL/PPL, which readonly may not use
    KibanaRoute("POST", "/internal/search/{strategy}/{id?}", True, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/data/server/search/routes/search.ts"),
    KibanaRoute("POST", "/internal/search/sql", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/ppl", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/sqlasync", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/pplasync", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/sql/{id?}", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/ppl/{id?}", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/sqlasync/{id?}", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/search/pplasync/{id?}", False, "osd 2.x", f"{_OSD} query_enhancements search strategy"),
    KibanaRoute("POST", "/internal/bsearch", True, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/bfetch/server/plugin.ts",
                "each batch item's options.strategy is judged as POST /internal/search/{strategy}"),
    KibanaRoute("POST", "/internal/_msearch", True, "osd 1.x-2.x", f"{_OSD} src/plugins/data/server/search/routes/msearch.ts"),
    # saved objects
    KibanaRoute("POST", "/api/saved_objects/_bulk_get", True, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/bulk_get.ts"),
    KibanaRoute("POST", "/api/saved_objects/_bulk_resolve", True, "kibana 7.x", "elastic/kibana@7.x bulk_resolve.ts"),
    KibanaRoute("POST", "/api/saved_objects/_export", True, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/export.ts"),
    KibanaRoute("POST", "/api/saved_objects/{type}", False, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/create.ts"),
    KibanaRoute("POST", "/api/saved_objects/{type}/{id}", False, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/create.ts"),
    KibanaRoute("PUT", "/api/saved_objects/{type}/{id}", False, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/update.ts"),
    KibanaRoute("DELETE", "/api/saved_objects/{type}/{id}", False, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/saved_objects/routes/delete.ts"),
    KibanaRoute("POST", "/api/index_patterns/_fields_for_wildcard", True, "kibana 7.x, osd 1.x-2.x",
                f"{_K710} src/plugins/data/server/index_patterns/routes.ts"),
    # panels and the filter bar: they search, through the server
    KibanaRoute("POST", "/api/kibana/suggestions/values/{index}", True, "kibana 6.8-7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/data/server/autocomplete/value_suggestions_route.ts"),
    KibanaRoute("POST", "/api/metrics/vis/data", True, "kibana 6.8-7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/vis_type_timeseries/server/routes/vis.ts", "TSVB"),
    KibanaRoute("POST", "/api/timelion/run", True, "kibana 6.8-7.10", f"{_K710} src/plugins/vis_type_timelion/server/routes/run.ts"),
    KibanaRoute("POST", "/api/timeline/run", True, "osd 1.x-2.x", f"{_OSD} src/plugins/vis_type_timeline/server/routes/run.ts"),
    # Kibana 6.8-7.9's legacy Elasticsearch proxy (the legacy search source)
    KibanaRoute("POST", "/elasticsearch/_msearch", True, "kibana 6.8-7.9",
                "elastic/kibana@6.8 src/core_plugins/elasticsearch/lib/create_proxy.js"),
    KibanaRoute("POST", "/elasticsearch/{index}/_search", True, "kibana 6.8-7.9",
                "elastic/kibana@6.8 src/core_plugins/elasticsearch/lib/create_proxy.js"),
    # the app's start-up and the usage counters it posts on every page (they change no user data)
    KibanaRoute("POST", "/api/core/capabilities", True, "kibana 7.10, osd 1.x-2.x",
                f"{_K710} src/core/server/capabilities/routes/resolve_capabilities.ts"),
    KibanaRoute("POST", "/api/ui_metric/report", True, "kibana 7.x, osd 1.x-2.x",
                f"{_K710} src/plugins/usage_collection/server/routes/report_metrics.ts"),
    KibanaRoute("POST", "/api/ui_counters/_report", True, "kibana 7.x", "elastic/kibana@7.x usage_collection ui_counters"),
    KibanaRoute("POST", "/api/telemetry/v2/clusters/_stats", True, "kibana 7.x, osd 1.x-2.x",
                f"{_K710} src/plugins/telemetry/server/routes/telemetry_opt_in_stats.ts"),
    # Dev Tools: the carried request (method, path and body) is judged by the Elasticsearch rule
    KibanaRoute("POST", "/api/console/proxy", True, "kibana 6.8-7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/console/server/routes/api/console/proxy/create_handler.ts",
                "the carried request is judged by the Elasticsearch rule"),
    # short URLs: resolving one updates the saved object's access count and date
    KibanaRoute("GET", "/goto/{id}", False, "kibana 6.8-7.10, osd 1.x-2.x",
                f"{_K710} src/plugins/share/server/routes/goto.ts",
                "updates accessCount/accessDate of the url saved object"),
)

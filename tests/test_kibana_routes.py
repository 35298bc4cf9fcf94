"""The Kibana / Dashboards route table (access_es.kibana_routes): the data is sane, and the request
shapes the apps really send get the verdict the table gives them."""
import json
import re

import pytest

from access_es.access import readonly_denial
from access_es.kibana_routes import CONSOLE_PROXY_NOTE, KIBANA_ROUTES
from access_es.proxy.request import canonical_query, upstream_path

METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}
_PARAM = re.compile(r"^\{[A-Za-z_][A-Za-z0-9_]*([?*])?\}$")


# --- The data ---------------------------------------------------------------------------------------

def test_no_duplicate_method_and_path():
    seen = [(r.method, r.path) for r in KIBANA_ROUTES]
    assert len(seen) == len(set(seen)), sorted(x for x in seen if seen.count(x) > 1)


@pytest.mark.parametrize("route", KIBANA_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_is_well_formed(route):
    assert route.method in METHODS
    assert route.path.startswith("/") and not route.path.endswith("/") and "//" not in route.path
    segments = route.path[1:].split("/")
    for i, segment in enumerate(segments):
        if "{" in segment or "}" in segment:
            m = _PARAM.match(segment)
            assert m, f"placeholder must be a whole segment: {segment!r}"
            if m.group(1):  # {name?} and {name*} only at the end
                assert i == len(segments) - 1, f"{segment} must be the last segment"
    names = re.findall(r"\{([A-Za-z0-9_]+)[?*]?\}", route.path)
    assert len(names) == len(set(names)), "placeholder names repeat"
    assert route.source.strip() and route.products.strip()
    assert isinstance(route.read, bool)


def test_console_proxy_is_marked():
    proxies = [r for r in KIBANA_ROUTES if r.note.startswith(CONSOLE_PROXY_NOTE)]
    assert [(r.method, r.path, r.read) for r in proxies] == [("POST", "/api/console/proxy", False)]


def _match(method, rest):
    """A reference of the precedence rule, to check the data says what we mean (the real matcher lives
    in access.py): candidates of the method whose segments match; at each position a literal beats a
    parameter. None when nothing matches."""
    segs = [s for s in rest.split("/") if s]
    best = None
    for route in KIBANA_ROUTES:
        if route.method != method:
            continue
        pattern = route.path[1:].split("/")
        rank, ok = [], True
        for i, p in enumerate(pattern):
            if p.endswith("*}"):
                rank.append(1)
                break
            if i >= len(segs):
                ok = p.endswith("?}") and i == len(segs)
                break
            if p.startswith("{"):
                rank.append(1)
            elif p == segs[i]:
                rank.append(0)
            else:
                ok = False
                break
        else:
            ok = len(pattern) == len(segs) or (pattern[-1].endswith("?}") and len(segs) == len(pattern) - 1)
        if ok and (best is None or rank < best[0]):
            best = (rank, route)
    return None if best is None else best[1]


@pytest.mark.parametrize("method,rest,read", [
    ("POST", "internal/search/opensearch", True),
    ("POST", "internal/search/es/FmFzeW5j", True),
    ("POST", "internal/search/sql", False),
    ("POST", "internal/search/pplasync/abc", False),
    ("POST", "api/saved_objects/_bulk_get", True),
    ("POST", "api/saved_objects/_bulk_get/x", False),       # {type}/{id?}: a create
    ("POST", "api/saved_objects/dashboard", False),
    ("POST", "api/v1/configuration/validatedls/logs", True),
    ("POST", "api/v1/configuration/internalusers/bob", False),
    ("POST", "api/v1/configuration/account", False),
    ("GET", "goto/3f1b", False),
    ("GET", "api/reporting/generateReport/abc", False),
    # the Dashboards plugins: a literal read beats the parameter write beside it, and back
    ("POST", "api/alerting/monitors/_search", True),
    ("POST", "api/alerting/comments/_search", True),
    ("POST", "api/alerting/comments/alert-1", False),
    ("POST", "api/anomaly_detectors/detectors/_search", True),
    ("POST", "api/anomaly_detectors/detectors/preview", True),
    ("POST", "api/anomaly_detectors/detectors/ds-1", False),            # create on a data source
    ("POST", "api/anomaly_detectors/detectors/d1/_topAnomalies/false", True),
    ("POST", "api/anomaly_detectors/detectors/d1/stop/false", False),
    ("POST", "api/ism/transforms/_preview", True),
    ("POST", "api/ism/transforms/t1/_start", False),
    ("GET", "api/observability/event_analytics/saved_objects/addSampleSavedObjects/panels", False),
    ("GET", "api/observability/event_analytics/saved_objects/abc", True),
])
def test_precedence_gives_the_intended_verdict(method, rest, read):
    route = _match(method, rest)
    assert route is not None and route.read is read, route


# --- Request shapes the apps send -------------------------------------------------------------------
# Headers: Dashboards' browser fetch sets Content-Type, osd-version and osd-xsrf: osd-fetch on every
# same-origin call (opensearch-project/OpenSearch-Dashboards@11372a14467865a4c8974ccb79e8d5eba742681d
# src/core/public/http/fetch.ts, createRequest); Kibana 7.x's sets kbn-version (src/core/public/http/
# fetch.ts), the 6.8 legacy $http/kfetch kbn-version too, and API clients kbn-xsrf. Bodies follow the
# validation schemas of the route files cited in access_es/kibana_routes.py.
OSD_H = {"content-type", "osd-version", "osd-xsrf"}
KBN_H = {"content-type", "kbn-version"}
KBN68_H = {"content-type", "kbn-version", "kbn-xsrf"}
D, K = "/_dashboards", "/_plugin/kibana"


def _j(obj):
    return json.dumps(obj).encode()


SEARCH_BODY = _j({"params": {"index": "logs-*", "body": {"size": 500, "query": {"match_all": {}}}}})
ALLOWED = [
    # app loading (capabilities: src/core/server/capabilities/routes/resolve_capabilities.ts)
    ("POST", D + "/api/core/capabilities", "useDefaultCapabilities=false", OSD_H,
     _j({"applications": ["home", "dashboards", "discover", "visualize"]})),
    ("POST", K + "/api/core/capabilities", "", KBN_H, _j({"applications": ["kibana", "dashboards"]})),
    ("GET", D + "/api/status", "", OSD_H, b""),
    ("GET", K + "/api/licensing/info", "", KBN_H, b""),
    # saved objects (src/core/server/saved_objects/routes/*)
    ("GET", D + "/api/saved_objects/_find", "fields=title&per_page=10000&type=index-pattern", OSD_H, b""),
    ("POST", D + "/api/saved_objects/_bulk_get", "", OSD_H, _j([{"id": "722b74f0", "type": "dashboard"}])),
    ("GET", D + "/api/saved_objects/dashboard/722b74f0", "", OSD_H, b""),
    ("POST", D + "/api/saved_objects/_export", "", OSD_H,
     _j({"objects": [{"type": "dashboard", "id": "722b74f0"}], "includeReferencesDeep": True})),
    ("POST", K + "/api/saved_objects/_bulk_get", "", KBN_H, _j([{"id": "1", "type": "visualization"}])),
    # saved objects management (scroll_count.ts, relationships.ts; 6.8 scroll.js)
    ("POST", D + "/api/opensearch-dashboards/management/saved_objects/scroll/counts", "", OSD_H,
     _j({"typesToInclude": ["config", "dashboard", "index-pattern"], "searchString": ""})),
    ("GET", D + "/api/opensearch-dashboards/management/saved_objects/relationships/dashboard/722b74f0",
     "savedObjectTypes=visualization&savedObjectTypes=search", OSD_H, b""),
    ("POST", K + "/api/kibana/management/saved_objects/scroll/counts", "", KBN_H,
     _j({"typesToInclude": ["dashboard"], "searchString": "web"})),
    ("POST", K + "/api/kibana/management/saved_objects/scroll/export", "", KBN68_H,
     _j({"typesToInclude": ["dashboard", "visualization"]})),
    # index patterns, search (index_patterns/routes.ts, search/routes/search.ts, msearch.ts; 6.8 create_proxy.js)
    ("GET", D + "/api/index_patterns/_fields_for_wildcard", "pattern=logs-*&meta_fields=_source&meta_fields=_id",
     OSD_H, b""),
    ("POST", D + "/internal/search/opensearch-with-long-numerals", "", OSD_H, SEARCH_BODY),
    ("POST", D + "/internal/search/opensearch", "", OSD_H, SEARCH_BODY),
    ("POST", D + "/internal/_msearch", "", OSD_H,
     _j({"searches": [{"header": {"index": "logs-*"}, "body": {"size": 0}}]})),
    ("POST", K + "/internal/search/es", "", KBN_H, SEARCH_BODY),
    ("POST", K + "/elasticsearch/_msearch", "rest_total_hits_as_int=true&ignore_throttled=true", KBN68_H,
     b'{"index":"logs-*","ignore_unavailable":true}\n{"size":500,"query":{"match_all":{}}}\n'),
    ("POST", K + "/elasticsearch/logs-*/_search", "", KBN68_H, _j({"size": 0})),
    # autocomplete, usage counters (value_suggestions_route.ts, dql_telemetry/route.ts, kql_telemetry)
    ("POST", D + "/api/opensearch-dashboards/suggestions/values/logs-*", "", OSD_H,
     _j({"query": "ww", "field": "host.keyword", "boolFilter": []})),
    ("POST", K + "/api/kibana/suggestions/values/logs-*", "", KBN_H, _j({"query": "", "field": "host"})),
    ("POST", D + "/api/opensearch-dashboards/dql_opt_in_stats", "", OSD_H, _j({"opt_in": True})),
    ("POST", K + "/api/kibana/kql_opt_in_telemetry", "", KBN_H, _j({"opt_in": False})),
    ("POST", D + "/api/ui_metric/report", "", OSD_H,
     _j({"report": {"reportVersion": 1, "uiStatsMetrics": {}}})),
    # TSVB, Timeline/Timelion (vis.ts, run.ts)
    ("POST", D + "/api/metrics/vis/data", "", OSD_H,
     _j({"timerange": {"min": "now-15m", "max": "now"}, "panels": [{"id": "61ca57f0", "index_pattern": ""}]})),
    ("POST", D + "/api/timeline/run", "", OSD_H,
     _j({"sheet": [".opensearch(*)"], "time": {"from": "now-15m", "to": "now", "interval": "auto",
                                               "timezone": "UTC"}})),
    ("POST", K + "/api/timelion/run", "", KBN_H,
     _j({"sheet": [".es(*)"], "time": {"from": "now-15m", "to": "now", "interval": "auto", "timezone": "UTC"}})),
    # Dev Tools console carrying a read (console proxy)
    ("POST", D + "/api/console/proxy", "path=logs-*%2F_search&method=GET", OSD_H, _j({"size": 1})),
    # security plugin (server/routes/index.ts, multitenancy/routes.ts)
    ("GET", D + "/api/v1/configuration/account", "", OSD_H, b""),
    ("GET", D + "/api/v1/auth/authinfo", "", OSD_H, b""),
    ("GET", D + "/api/v1/multitenancy/tenant", "", OSD_H, b""),
    ("POST", D + "/api/v1/configuration/validatedls/logs", "", OSD_H, _j({"query": {"match_all": {}}})),
    ("POST", D + "/auth/logout", "", OSD_H, b""),
    # Dashboards plugins (bodies and queries as their routes' validation schemas take them, see the sources
    # in access_es/kibana_routes.py). Alerting: the monitors list, a monitor search, composite monitor alerts
    # (public/.../ChainedAlertDetailsFlyout: httpClient.get('../api/alerting/workflows/alerts', {query})).
    ("GET", D + "/api/alerting/monitors",
     "from=0&size=20&search=&sortField=name&sortDirection=desc&state=all", OSD_H, b""),
    ("POST", D + "/api/alerting/monitors/_search", "", OSD_H,
     _j({"query": {"bool": {"filter": [{"term": {"monitor.type": "monitor"}}]}}, "size": 1000})),
    ("GET", D + "/api/alerting/workflows/alerts",
     "workflowIds=w1&getAssociatedAlerts=true&sortString=start_time&sortOrder=desc&startIndex=0&size=1000"
     "&alertIds=a1&severityLevel=ALL&alertState=ALL&searchString=", OSD_H, b""),
    ("POST", D + "/api/alerting/_search", "", OSD_H,
     _j({"index": ["logs-*"], "query": {"size": 0, "query": {"match_all": {}}}})),
    # anomaly detection: detector search, results search (custom result index), preview
    ("POST", D + "/api/anomaly_detectors/detectors/_search", "", OSD_H,
     _j({"query": {"bool": {"must": [{"match_all": {}}]}}, "size": 1000})),
    ("POST", D + "/api/anomaly_detectors/detectors/results/_search/opensearch-ad-plugin-result-x*/true", "", OSD_H,
     _j({"size": 0, "query": {"bool": {"filter": [{"term": {"detector_id": "d1"}}]}}})),
    ("POST", D + "/api/anomaly_detectors/detectors/preview", "", OSD_H,
     _j({"periodStart": 1700000000000, "periodEnd": 1700086400000, "detectorId": "d1"})),
    # index management: policies list, the indices search, a transform preview
    ("GET", D + "/api/ism/policies", "from=0&size=20&search=&sortField=id&sortDirection=desc", OSD_H, b""),
    ("POST", D + "/api/ism/_search", "", OSD_H, _j({"index": "logs-*", "query": {"size": 10}})),
    ("POST", D + "/api/ism/transforms/_preview", "", OSD_H, _j({"transform": {"source_index": "logs-*"}})),
    # observability: trace analytics, its index checks, a DSL search, the click counter
    ("POST", D + "/api/observability/trace_analytics/query", "", OSD_H,
     _j({"index": "otel-v1-apm-span-*", "size": 0, "query": {"bool": {"filter": [], "must": []}}})),
    ("POST", D + "/api/observability/trace_analytics/data_prepper_indices", "", OSD_H, b""),
    ("POST", D + "/api/dsl/search", "", OSD_H, _j({"index": "logs-*", "size": 10, "query": {"match_all": {}}})),
    ("POST", D + "/api/observability/stats", "", OSD_H, _j({"element": "trace_analytics_dashboard"})),
    # reporting definitions, notifications channels
    ("GET", D + "/api/reporting/reportDefinitions", "fromIndex=0&maxItems=1000", OSD_H, b""),
    ("GET", D + "/api/notifications/get_configs",
     "from_index=0&max_items=1000&config_type=slack&sort_field=name&sort_order=asc", OSD_H, b""),
] + [
    # Kibana 6.8/7.x legacy platform, as its route files take them (elastic/kibana commits in kibana_routes.py):
    # saved objects (src/legacy/server/saved_objects/routes/find.ts: snake_case query, type repeatable)
    ("GET", K + "/api/saved_objects/_find", "type=index-pattern&fields=title&per_page=10000", KBN68_H, b""),
    ("GET", K + "/api/saved_objects/index-pattern/ff959d40", "", KBN68_H, b""),
    ("POST", K + "/api/saved_objects/_export", "", KBN_H,
     _j({"objects": [{"type": "dashboard", "id": "722b74f0"}], "includeReferencesDeep": True})),
    # management (find.js: camelCase query; relationships.js: ?size=)
    ("GET", K + "/api/kibana/management/saved_objects/_find",
     "perPage=50&page=1&fields=id&fields=title&type=dashboard&type=visualization&sortField=type", KBN68_H, b""),
    ("GET", K + "/api/kibana/management/saved_objects/relationships/dashboard/722b74f0", "size=10000", KBN68_H, b""),
    ("GET", K + "/api/kibana/dashboards/export", "dashboard=722b74f0", KBN68_H, b""),
    ("GET", K + "/api/kibana/settings", "", KBN68_H, b""),
    ("GET", K + "/api/status", "", KBN68_H, b""),
    ("GET", K + "/api/index_patterns/_fields_for_wildcard", "pattern=logs-*&meta_fields=%5B%22_source%22%5D",
     KBN68_H, b""),
    # the legacy kibana plugin's searches (scroll_search/index.js, search/count/register_count.js)
    ("POST", K + "/api/kibana/legacy_scroll_start", "", KBN68_H,
     _j({"index": ".kibana", "size": 100, "body": {"query": {"match_all": {}}}})),
    ("POST", K + "/api/kibana/legacy_scroll_continue", "", KBN68_H, _j({"scrollId": "DXF1ZXJ5QW5k"})),
    ("POST", K + "/api/kibana/logs-*/_count", "", KBN68_H, b""),
    # Dev Tools (console/index.js: api_server takes GET and POST; proxy_route.js: ?method=&path=)
    ("GET", K + "/api/console/api_server", "sense_version=%40%40SENSE_VERSION&apis=es_6_0", KBN68_H, b""),
    ("POST", K + "/api/console/api_server", "sense_version=%40%40SENSE_VERSION&apis=es_6_0", KBN68_H, b""),
    ("POST", K + "/api/console/proxy", "path=_cat%2Findices&method=GET", KBN68_H, b""),
    # TSVB (metrics/server/routes/vis.js, fields.js), Timelion's GET form (timelion/server/routes/run.js)
    ("POST", K + "/api/metrics/vis/data", "", KBN68_H,
     _j({"timerange": {"min": "2019-05-01T00:00:00Z", "max": "2019-05-01T00:15:00Z", "timezone": "UTC"},
         "panels": [{"id": "61ca57f0", "index_pattern": "logs-*", "series": []}], "filters": [], "query": []})),
    ("GET", K + "/api/metrics/fields", "index=logs-*", KBN68_H, b""),
    ("GET", K + "/api/timelion/run", "expression=.es(*)&from=now-15m&to=now&interval=auto&timezone=UTC",
     KBN68_H, b""),
    # usage counters of the 7.x ui_metric versions and the legacy telemetry stats
    ("POST", K + "/api/ui_metric/kibana-home/welcomeScreenMount", "", KBN_H, b""),
    ("POST", K + "/api/telemetry/report", "", KBN_H,
     _j({"report": {"uiStatsMetrics": {"kibana-home:click": {"key": "kibana-home:click", "type": "click",
                                                           "appName": "kibana-home", "eventName": "click"}}}})),
    ("POST", K + "/api/ui_metric/report", "", KBN_H, _j({"report": {"reportVersion": 1, "uiStatsMetrics": {}}})),
    ("POST", K + "/api/telemetry/v2/clusters/_stats", "", KBN_H,
     _j({"unencrypted": False, "timeRange": {"min": "2019-05-01T00:00:00Z", "max": "2019-05-02T00:00:00Z"}})),
]

REFUSED = [
    # writes of saved objects, settings, default index pattern
    ("POST", D + "/api/saved_objects/index-pattern", "", OSD_H,
     _j({"attributes": {"title": "logs-*", "timeFieldName": "@timestamp"}})),
    ("PUT", D + "/api/saved_objects/dashboard/722b74f0", "", OSD_H, _j({"attributes": {"title": "x"}})),
    ("POST", D + "/api/saved_objects/_bulk_get/x", "", OSD_H, _j({"attributes": {}})),
    ("POST", D + "/api/saved_objects/_import", "overwrite=true", OSD_H, b"--x\r\n"),
    ("POST", D + "/api/opensearch-dashboards/settings", "", OSD_H, _j({"changes": {"defaultIndex": "ff959d40"}})),
    ("POST", K + "/api/kibana/settings", "", KBN_H, _j({"changes": {"defaultIndex": "ff959d40"}})),
    ("POST", K + "/api/saved_objects/_bulk_create", "", KBN68_H, _j([{"type": "dashboard", "attributes": {}}])),
    # short URLs: the GETs bump the url object's accessCount (short_url_lookup.ts)
    ("GET", D + "/goto/3f1b1e2c", "", set(), b""),
    ("GET", K + "/goto/3f1b1e2c", "", set(), b""),
    ("GET", D + "/api/short_url/3f1b1e2c", "", OSD_H, b""),
    ("POST", D + "/api/shorten_url", "", OSD_H, _j({"url": "/app/discover#/?_g=()"})),
    # SQL/PPL, whichever route carries them (query_enhancements, query workbench)
    ("POST", D + "/internal/search/sql", "", OSD_H, _j({"query": {"query": "SELECT * FROM logs", "language": "SQL"}})),
    ("POST", D + "/internal/search/ppl", "", OSD_H, _j({"query": {"query": "source = logs", "language": "PPL"}})),
    ("POST", D + "/internal/search/sqlasync", "", OSD_H, _j({"query": {"query": "SELECT 1"}})),
    ("POST", D + "/internal/search/pplasync/abc", "", OSD_H, _j({})),
    ("POST", D + "/api/enhancements/search/ppl", "", OSD_H,
     _j({"query": {"query": "source = logs", "language": "PPL", "format": "jdbc"}})),
    ("POST", D + "/api/sql_console/sqlquery", "", OSD_H, _j({"query": "SELECT * FROM logs"})),
    # cancelling a search, telemetry settings, tenant and account changes, reports
    ("DELETE", D + "/internal/search/opensearch/FmFzeW5j", "", OSD_H, b""),
    ("POST", K + "/api/telemetry/v2/optIn", "", KBN_H, _j({"enabled": True})),
    ("PUT", K + "/api/telemetry/v2/userHasSeenNotice", "", KBN_H, b""),
    ("POST", D + "/api/v1/multitenancy/tenant", "", OSD_H, _j({"username": "partner", "tenant": "global_tenant"})),
    ("POST", D + "/api/v1/configuration/account", "", OSD_H, _j({"password": "n", "current_password": "o"})),
    ("POST", D + "/auth/login", "", OSD_H, _j({"username": "admin", "password": "x"})),
    ("GET", D + "/api/reporting/generateReport/abc",
     "timezone=UTC&dateFormat=MM%2FDD%2FYYYY&csvSeparator=%2C&allowLeadingWildcards=true", OSD_H, b""),
    ("POST", D + "/api/sample_data/ecommerce", "", OSD_H, b""),
    # Dev Tools console carrying a write
    ("POST", D + "/api/console/proxy", "path=logs%2F_doc&method=POST", OSD_H, _j({"a": 1})),
    # Dashboards plugins: alerting
    ("POST", D + "/api/alerting/monitors", "", OSD_H, _j({"name": "m", "type": "monitor", "enabled": True})),
    ("POST", D + "/api/alerting/monitors/_execute", "dryrun=true", OSD_H, _j({"name": "m", "type": "monitor"})),
    ("POST", D + "/api/alerting/monitors/m1/_acknowledge/alerts", "", OSD_H, _j({"alerts": ["a1"]})),
    ("POST", D + "/_plugins/_ppl", "", OSD_H, _j({"query": "source = logs | head 5"})),
    # anomaly detection
    ("POST", D + "/api/anomaly_detectors/detectors/d1/start", "", OSD_H, b""),
    ("POST", D + "/api/anomaly_detectors/detectors/d1/stop/false", "", OSD_H, b""),
    ("POST", D + "/api/anomaly_detectors/create_sample_data/ecommerce", "", OSD_H, b""),
    # index management
    ("POST", D + "/api/ism/applyPolicy", "", OSD_H, _j({"index": ["logs-1"], "policyId": "hot-warm"})),
    ("PUT", D + "/api/ism/policies/hot-warm", "", OSD_H, _j({"policy": {"states": []}})),
    ("POST", D + "/api/ism/apiCaller", "", OSD_H, _j({"endpoint": "indices.delete", "data": {"index": "logs-1"}})),
    # observability: PPL, sample objects created by a GET, a refresh, a notebook paragraph run
    ("POST", D + "/api/ppl/search", "", OSD_H, _j({"query": "source = logs | stats count()", "format": "viz"})),
    ("GET", D + "/api/observability/event_analytics/saved_objects/addSampleSavedObjects/panels", "", OSD_H, b""),
    ("POST", D + "/api/dsl/integrations/refresh", "", OSD_H, _j({})),
    ("POST", D + "/api/observability/notebooks/paragraph/update/run/", "", OSD_H,
     _j({"noteId": "n1", "paragraphId": "p1", "paragraphInput": "%ppl source=logs", "paragraphType": "CODE"})),
    # reporting: a definition, a test message sent by a GET
    ("POST", D + "/api/reporting/reportDefinition", "", OSD_H, _j({"report_params": {"core_params": {}}})),
    ("GET", D + "/api/reporting_notifications/test_message/c1", "feature=report", OSD_H, b""),
    # notifications: a channel, a test message (POST now, GET in early releases)
    ("POST", D + "/api/notifications/create_config", "", OSD_H, _j({"config": {"name": "c", "config_type": "slack"}})),
    ("POST", D + "/api/notifications/test_message/c1", "", OSD_H, b""),
    ("GET", D + "/api/notifications/test_message/c1", "feature=alerting", OSD_H, b""),
] + [
    # Kibana 6.8/7.x legacy platform writes (kibana_routes.py's legacy sources)
    ("POST", K + "/api/saved_objects/index-pattern", "", KBN68_H,
     _j({"attributes": {"title": "logs-*", "timeFieldName": "@timestamp"}})),
    ("POST", K + "/api/saved_objects/config/7.4.2", "overwrite=true", KBN68_H, _j({"attributes": {}})),
    ("PUT", K + "/api/saved_objects/visualization/1", "", KBN68_H, _j({"attributes": {"title": "x"}})),
    ("DELETE", K + "/api/saved_objects/dashboard/722b74f0", "", KBN68_H, b""),
    ("POST", K + "/api/saved_objects/_import", "overwrite=true", KBN_H, b"--x\r\n"),
    ("POST", K + "/api/kibana/dashboards/import", "force=true", KBN68_H, _j({"objects": [], "version": "6.8.0"})),
    ("POST", K + "/api/kibana/settings/defaultIndex", "", KBN68_H, _j({"value": "ff959d40"})),
    ("DELETE", K + "/api/kibana/settings/dateFormat:tz", "", KBN68_H, b""),
    ("POST", K + "/api/kibana/settings/_count", "", KBN68_H, _j({"value": 1})),   # settings/{key} beats {id}/_count
    ("POST", K + "/api/shorten_url", "", KBN68_H, _j({"url": "/app/kibana#/discover?_g=()"})),
    ("GET", K + "/goto_LP/3f1b1e2c", "", set(), b""),
    ("POST", K + "/api/sample_data/flights", "", KBN68_H, b""),
    ("DELETE", K + "/api/sample_data/flights", "", KBN68_H, b""),
    ("POST", K + "/api/console/proxy", "path=logs%2F_doc%2F1&method=PUT", KBN68_H, _j({"a": 1})),
    ("POST", K + "/api/interpreter/fns", "", KBN_H,
     _j({"functions": [{"id": 1, "functionName": "essql", "args": {"query": "SELECT 1"}, "context": None}]})),
]

def _denial(method, path, query, headers, body):
    return readonly_denial(method, upstream_path(path), canonical_query(query), set(headers), body)


@pytest.mark.parametrize("method,path,query,headers,body", ALLOWED, ids=lambda v: v if isinstance(v, str) else "")
def test_the_apps_reads_are_allowed(method, path, query, headers, body):
    assert _denial(method, path, query, headers, body) is None


@pytest.mark.parametrize("method,path,query,headers,body", REFUSED, ids=lambda v: v if isinstance(v, str) else "")
def test_the_apps_writes_are_refused(method, path, query, headers, body):
    assert _denial(method, path, query, headers, body) is not None


@pytest.mark.parametrize("method,path,query,headers,body", ALLOWED + REFUSED,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_shape_has_its_route_in_the_table(method, path, query, headers, body):
    """Each shape above is covered by the table, with the verdict its list says (GETs may be unlisted)."""
    rest = path.split("/_dashboards/", 1)[-1] if path.startswith(D) else path.split("/_plugin/kibana/", 1)[-1]
    route = _match(method, rest)
    expected = (method, path, query, headers, body) in ALLOWED
    if route is None:
        assert method == "GET" and expected, f"{method} {path} is not in the table"
    elif route.note.startswith(CONSOLE_PROXY_NOTE):
        pass  # judged by the request it carries
    else:
        assert route.read is expected

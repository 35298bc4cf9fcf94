"""Adversarial review of the readonly rule (issue 12 rewrite): can a `readonly` account change the
cluster or Kibana/Dashboards state, and are reads a partner needs refused?

Two levels: the pure rule (`readonly_denial`, fed with `upstream_path` / `canonical_query` as
views.py does) and the wire (`access-es serve` in front of the stand-in, Basic auth as bob: a
refusal is a 403 and nothing reaches the upstream). A case that holds is a regression test; a case
that breaks is `xfail(strict=True)` whose reason starts with FINDING and says what should happen.

How the routing findings were found: a port of Elasticsearch's PathTrie / RestController handler
selection (the four matching modes, literal-first with backtracking, 405 when the chosen node lacks
the method) was fed, product by product, with `es_endpoints.py`'s own endpoints and compared with
the rule on every route pattern instantiated with ordinary names. The table merges the endpoints of
ES 6.8, ES 7.10 (with x-pack), OpenSearch 1.x and 2.x; a read that exists in one product only
"beats" a write route that the others really dispatch to.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import requests

from access_es.access import readonly_denial
from access_es.proxy.request import canonical_query, upstream_path
from tests.conftest import PASSWORDS
from tests.test_proxy_wire import raw_request


def denial(method, raw_path, raw_query="", headers=(), body=b"", content_type=None):
    return readonly_denial(method, upstream_path(raw_path), canonical_query(raw_query),
                           {h.lower() for h in headers}, body, content_type)


def console(method, path, body=b"", content_type="application/json", prefix="/_dashboards"):
    return readonly_denial("POST", upstream_path(prefix + "/api/console/proxy"),
                           canonical_query(f"method={method}&path={quote(path, safe='')}"), set(), body,
                           content_type)


BOB = ("bob", PASSWORDS["bob"])
DOC = json.dumps({"owned": True}).encode()


def bob_raw(proxy, method: str, target: str, extra: str = "", body: bytes = b"") -> bytes:
    auth = base64.b64encode(f"{BOB[0]}:{BOB[1]}".encode()).decode()
    head = (f"{method} {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return raw_request(proxy.url, head.encode("latin-1") + body)


# ---- FOUND (critical), now held: a read of one product masked a document write of another ----------
# (fixed: the rule judges each product's routes on their own; a write in any is a write)

# `POST /{index}/{doc_type}/_rollup_search` is listed as a read (es 7.10, x-pack). Amazon's ES 6.8,
# ES 7.10 (the OSS build) and OpenSearch 1.x have no `_rollup_search`; their PathTrie dispatches
# the path to `POST /{index}/{type}/{id}`: a document with id `_rollup_search` is indexed (the index
# is created if need be). The rule lets it through because the read route "beats" the write.
ROLLUP_WRITE = ("FINDING (critical): POST /{index}/{type}/_rollup_search is a read only in ES 7.10 with x-pack; on "
                "Amazon's ES 6.8 / ES 7.10 OSS / OpenSearch 1.x the upstream routes it to POST /{index}/{type}/{id} "
                "and indexes document '_rollup_search' with the request body (creating the index if needed). "
                "Should: refuse. Fix: decide per product (configure or detect the upstream's flavour and version, "
                "and match only that product's endpoints), or count a read only when every product that has "
                "a route for the path routes it to a read, i.e. a write route that is most-specific in some "
                "product must win")


@pytest.mark.parametrize("path", ["/logs/doc/_rollup_search", "/logs-2019.01.01/log/_rollup_search",
                                  "/newindex/x/_rollup_search"])
def test_typed_rollup_search_indexes_a_document(path):
    assert denial("POST", path, body=DOC, content_type="application/json")


def test_typed_rollup_search_through_the_console_proxy():
    assert console("POST", "/logs/doc/_rollup_search", DOC)


def test_typed_rollup_search_reaches_the_upstream(proxy, standin):
    r = requests.post(proxy.url + "/logs/doc/_rollup_search", data=DOC, auth=BOB,
                      headers={"Content-Type": "application/json"}, timeout=10)
    # refused; the proxy may have asked the domain's banner (a read in x-pack Elasticsearch: is this one?),
    # which the stand-in counts apart
    assert r.status_code == 403 and standin.seen == []


# ---- FOUND (medium), now held: the same masking, where the masked write only auto-creates an index --

# These are reads in one product and `POST /{index}/{type}` or `/{index}/{type}/{id}` in another
# (ES 6.8, ES 7.10 OSS as Amazon ships it, OpenSearch 1.x). The type there starts with '_' so the
# document itself is refused at mapping time, but the bulk/index action auto-creates the missing
# index first (action.auto_create_index defaults to true): a partner can create any number of
# indices (shards, templates applied, cluster state grows).
MASKED_INDEX_CREATE = [
    ("/newidx/_pit", "x-pack PIT (es 7.10) / os 1.x; ES 6.8: POST /{index}/{type}"),
    ("/newidx/_async_search", "x-pack; ES 6.8, ES 7.10 OSS, OS 1.x: POST /{index}/{type}"),
    ("/newidx/_terms_enum", "os 1.x only in the table; ES 6.8/7.10: POST /{index}/{type}"),
    ("/newidx/_termvectors", "typeless in 7.x; ES 6.8: POST /{index}/{type}"),
    ("/newidx/_explain/1", "typeless in 7.x; ES 6.8: POST /{index}/{type}/{id}"),
    ("/newidx/_termvectors/1", "typeless in 7.x; ES 6.8: POST /{index}/{type}/{id}"),
    ("/newidx/_eql/search", "x-pack; ES 6.8, ES 7.10 OSS, OS 1.x: POST /{index}/{type}/{id}"),
    ("/newidx/_graph/explore", "x-pack; ES 6.8, ES 7.10 OSS, OS 1.x: POST /{index}/{type}/{id}"),
    ("/newidx/_search/point_in_time", "os 2.x; ES 6.8/7.10, OS 1.x: POST /{index}/{type}/{id}"),
]


@pytest.mark.parametrize("path,why", MASKED_INDEX_CREATE, ids=[p for p, _ in MASKED_INDEX_CREATE])
def test_reads_of_another_product_that_create_an_index(path, why):
    assert denial("POST", path, body=DOC, content_type="application/json"), why


# ---- FOUND (low), now held: GET endpoints of plugins that act ---------------------------------------
# (fixed: the plugins' endpoints come from the OpenSearch API specification, tools/es_plugin_endpoints.py)

def test_notifications_test_message_is_sent_by_a_get():
    # sends a test message to a configured channel (Slack, Chime, webhook, e-mail)
    assert denial("GET", "/_plugins/_notifications/feature/test/channel-1")
    assert denial("POST", "/_plugins/_notifications/feature/test/channel-1")


# loads every k-NN graph of the indices into native memory on all nodes (evicting others, may trip the
# k-NN circuit breaker): it acts like the GET _cache/clear the rule refuses
@pytest.mark.parametrize("path", ["/_plugins/_knn/warmup/vectors", "/_opendistro/_knn/warmup/vectors"])
def test_knn_warmup_is_an_action_sent_with_get(path):
    assert denial("GET", path)


# FOUND (low), now held: the security plugin's tenant resolver takes the tenant from a query parameter
# or the `securitytenant` header on any request and keeps it in its session, the same change as
# `POST /api/v1/multitenancy/tenant`, which README refuses (security-dashboards-plugin
# server/multitenancy/tenant_resolver.ts).
@pytest.mark.parametrize("query", ["security_tenant=global", "securitytenant=__user__", "securityTenant_=admin_tenant",
                                   "SECURITY_TENANT=global"])
def test_tenant_change_through_a_query_parameter(query):
    assert "tenant" in denial("GET", "/_dashboards/app/home", query)
    assert "tenant" in denial("GET", "/_plugin/kibana/goto/abc", query)


@pytest.mark.parametrize("header", ["securitytenant", "SecurityTenant"])
def test_tenant_change_through_a_header(header):
    assert "tenant" in denial("GET", "/_dashboards/api/saved_objects/_find", "type=dashboard", headers=[header])


def test_a_tenant_header_to_the_cluster_itself_only_picks_what_is_read():
    # OpenSearch reads `.kibana` of that tenant; a readonly search there changes nothing
    assert denial("GET", "/_search", headers=["securitytenant"]) is None


# ---- too strict: reads a partner needs that are refused ---------------------------------------------

@pytest.mark.xfail(strict=True, reason=(
    "TOO STRICT (low): ES 6.8 / 7.x / OS 1.x route POST /{index}/_doc/_count|_mget|_msearch to the typed "
    "read (PathTrie backtracks from the `_doc` literal to the {type} wildcard); the rule calls the typed "
    "read and `POST /{index}/_doc/{id}` incomparable and refuses. 6.8 indices commonly use the `_doc` "
    "type. Should: allow"))
@pytest.mark.parametrize("path", ["/logs/_doc/_count", "/logs/_doc/_mget", "/logs/_doc/_msearch"])
def test_typed_reads_with_the_doc_type(path):
    assert denial("POST", path) is None


# FOUND (too strict), now held: explain / simulate / sandboxed execute only report; they were listed as
# writes (the GET forms with a body passed, so clients could work around).
@pytest.mark.parametrize("path", ["/_cluster/allocation/explain", "/_ingest/pipeline/_simulate",
                                  "/_ingest/pipeline/p1/_simulate", "/_scripts/painless/_execute"])
def test_post_reads_listed_as_writes(path):
    assert denial("POST", path, body=b"{}", content_type="application/json") is None


# (was TOO STRICT (medium): the Dashboards plugins' read POSTs were not listed, e.g. alerting-dashboards-plugin's
# `router.post('/api/alerting/monitors/_search')`; now listed in kibana_routes.py)
@pytest.mark.parametrize("path", ["/api/alerting/monitors/_search", "/api/anomaly_detectors/detectors/_search",
                                  "/api/ism/_search", "/api/observability/trace_analytics/query"])
def test_dashboards_plugin_searches(path):
    assert denial("POST", "/_dashboards" + path, body=b"{}", content_type="application/json") is None


# ---- holds: writes however spelled ------------------------------------------------------------------

WRITES = [
    # spellings of _bulk and friends
    ("POST", "/_bulk", ""), ("PUT", "/_bulk", ""), ("POST", "/_BULK", ""), ("POST", "/_Bulk", ""),
    ("POST", "/%5Fbulk", ""), ("POST", "/%5fbulk", ""), ("POST", "/%255Fbulk", ""), ("POST", "/_bulk/", ""),
    ("POST", "//_bulk", ""), ("POST", "/_bulk;x=1", ""), ("POST", "/_bulk%3B", ""), ("POST", "/_bulk%00", ""),
    ("POST", "/logs/_bulk", ""), ("POST", "/logs/doc/_bulk", ""), ("POST", "/logs%2F_bulk", ""),
    ("POST", "/_search/../_bulk", ""), ("POST", "/_search/%2e%2e/_bulk", ""), ("POST", "/_search/%2E./_bulk", ""),
    ("POST", "/_search/./../_bulk", ""), ("POST", "/logs/_search/..", ""),
    ("POST", "/x/%2e%2e/_bulk", ""), ("POST", "/_search/%252e%252e/_bulk", ""),
    # documents
    ("POST", "/logs/_doc", ""), ("PUT", "/logs/_doc/1", ""), ("POST", "/logs/_doc/1", ""),
    ("POST", "/logs/_create/1", ""), ("POST", "/logs/_update/1", ""), ("POST", "/logs/doc/1/_update", ""),
    ("POST", "/logs/doc", ""), ("POST", "/logs/doc/_search%20", ""),
    ("POST", "/logs/_doc/_search", ""), ("POST", "/logs/_doc/_explain", ""), ("DELETE", "/logs/_doc/1", ""),
    ("PUT", "/logs/_search", ""), ("PATCH", "/logs/_search", ""), ("PUT", "/_mget", ""),
    # by query, reindex, scripts, templates
    ("POST", "/logs/_delete_by_query", ""), ("POST", "/logs/_update_by_query", ""), ("POST", "/_reindex", ""),
    ("PUT", "/_scripts/s1", ""), ("POST", "/_scripts/s1", ""), ("DELETE", "/_scripts/s1", ""),
    ("POST", "/_scripts/s1/search", ""), ("PUT", "/_template/t", ""), ("PUT", "/_index_template/t", ""),
    ("PUT", "/_ingest/pipeline/p", ""), ("PUT", "/_component_template/c", ""),
    # GETs that act, however spelled
    ("GET", "/_flush", ""), ("GET", "/logs/_flush", ""), ("GET", "/_flush/synced", ""), ("GET", "/_refresh", ""),
    ("GET", "/logs/_refresh", ""), ("GET", "/_cache/clear", ""), ("GET", "/logs/_cache/clear", ""),
    ("HEAD", "/_refresh", ""), ("GET", "/_FLUSH", ""), ("GET", "/_Refresh/", ""),
    ("GET", "/logs/_doc/1", "refresh=true"), ("GET", "/_search", "%72efresh"), ("POST", "/_search", "refresh"),
    ("GET", "/_search", "a=1&refresh=false&a=2"), ("GET", "/_search", "refresh=wait_for"),
    # cluster and indices
    ("PUT", "/_cluster/settings", ""), ("POST", "/_cluster/settings", ""), ("POST", "/_cluster/reroute", ""),
    ("POST", "/_tasks/_cancel", ""), ("POST", "/_tasks/n1:1/_cancel", ""),
    ("POST", "/_nodes/reload_secure_settings", ""), ("POST", "/_nodes/n1/reload_secure_settings", ""),
    ("POST", "/_cache/clear", ""), ("POST", "/_forcemerge", ""), ("POST", "/logs/_forcemerge", ""),
    ("POST", "/_flush", ""), ("POST", "/_refresh", ""), ("POST", "/logs/_open", ""), ("POST", "/logs/_close", ""),
    ("PUT", "/logs/_settings", ""), ("PUT", "/logs/_mapping", ""), ("POST", "/logs/_rollover", ""),
    ("POST", "/logs/_shrink/x", ""), ("PUT", "/logs/_alias/a", ""), ("POST", "/_aliases", ""),
    ("PUT", "/_snapshot/repo", ""), ("PUT", "/_snapshot/repo/snap", ""), ("POST", "/_snapshot/repo/snap/_restore", ""),
    ("DELETE", "/_snapshot/repo/snap", ""), ("POST", "/_snapshot/repo/_verify", ""),
    ("DELETE", "/logs", ""), ("DELETE", "/_all", ""), ("DELETE", "/*", ""), ("PUT", "/newindex", ""),
    # x-pack (not on AWS; the rule should still be sound)
    ("PUT", "/_ml/anomaly_detectors/j", ""), ("POST", "/_ml/anomaly_detectors/j/_open", ""),
    ("POST", "/_data_frame/transforms/t/_start", ""), ("POST", "/_transform/t/_start", ""),
    ("PUT", "/_rollup/job/j", ""), ("PUT", "/_ilm/policy/p", ""), ("POST", "/_ilm/stop", ""),
    ("PUT", "/_xpack/license", ""), ("PUT", "/_security/user/u", ""), ("PUT", "/_xpack/security/user/u/_password", ""),
    ("POST", "/_sql", ""), ("GET", "/_sql", "q=1"), ("POST", "/_xpack/sql", ""),
    # plugins
    ("POST", "/_opendistro/_sql", ""), ("GET", "/_opendistro/_sql", "sql=DELETE%20FROM%20logs"),
    ("GET", "/_plugins/_sql", ""), ("POST", "/_plugins/_ppl", ""), ("GET", "/_opendistro/_ppl", ""),
    ("POST", "/_plugins/_sql/close", ""), ("GET", "/_opendistro/_sql/_explain", ""),
    ("PUT", "/_plugins/_security/api/internalusers/u", ""), ("PATCH", "/_plugins/_security/api/internalusers", ""),
    ("PUT", "/_opendistro/_security/api/internalusers/u", ""), ("PATCH", "/_opendistro/_security/api/roles", ""),
    ("DELETE", "/_plugins/_security/api/cache", ""), ("PUT", "/_plugins/_security/api/account", ""),
    ("POST", "/_plugins/_alerting/monitors", ""), ("POST", "/_plugins/_alerting/monitors/m/_execute", ""),
    ("POST", "/_opendistro/_alerting/monitors/m/_execute", ""), ("POST", "/_plugins/_ism/add/logs", ""),
    ("POST", "/_opendistro/_ism/add/logs", ""), ("PUT", "/_plugins/_ism/policies/p", ""),
    ("POST", "/_plugins/_anomaly_detection/detectors/d/_start", ""),
    ("POST", "/_opendistro/_anomaly_detection/detectors", ""), ("POST", "/_plugins/_knn/models/_train", ""),
    ("POST", "/_plugins/_ml/models/m/_deploy", ""), ("POST", "/_plugins/_replication/logs/_start", ""),
    ("DELETE", "/_opendistro/_asynchronous_search/abc", ""), ("POST", "/_plugins/_rollup/jobs/j/_start", ""),
    # releases: own ids only
    ("DELETE", "/_search/scroll/_all", ""), ("DELETE", "/_search/scroll/%5Fall", ""),
    ("DELETE", "/_search/scroll/a,_all", ""), ("DELETE", "/_search/scroll", "scroll_id=_all"),
    ("DELETE", "/_search/scroll", "scroll_id=a&scroll_id=_all"), ("DELETE", "/_pit", "id=_all"),
    ("DELETE", "/_search/point_in_time/_all", ""), ("DELETE", "/_async_search/abc", ""),
    ("DELETE", "/_eql/search/abc", ""), ("DELETE", "/_search/scroll", "source=%7B%7D"),
    # method override, in any case and spelling
    ("POST", "/_search", "_method=DELETE"), ("POST", "/_search", "%5Fmethod=PUT"), ("GET", "/_search", "_method"),
    # Kibana / Dashboards
    ("POST", "/_dashboards/api/saved_objects/_import", ""), ("POST", "/_plugin/kibana/api/saved_objects/_import", ""),
    ("POST", "/_dashboards/api/saved_objects/_bulk_create", ""), ("PUT", "/_dashboards/api/saved_objects/_bulk_update", ""),
    ("POST", "/_dashboards/api/saved_objects/_resolve_import_errors", ""),
    ("POST", "/_dashboards/api/saved_objects/config/2.11.0", ""), ("POST", "/_dashboards/api/saved_objects/_bulk_get/x", ""),
    ("POST", "/_dashboards/API/saved_objects/_import", ""), ("POST", "/_dashboards/api/saved_objects/%5Fimport", ""),
    ("POST", "/_dashboards/api/saved_objects/_import/", ""), ("POST", "/_dashboards/api//saved_objects/_import", ""),
    ("POST", "/_plugin/kibana/api/kibana/settings", ""), ("POST", "/_plugin/kibana/api/kibana/settings/defaultIndex", ""),
    ("DELETE", "/_plugin/kibana/api/kibana/settings/defaultIndex", ""),
    ("POST", "/_dashboards/api/opensearch-dashboards/settings", ""),
    ("POST", "/_dashboards/api/shorten_url", ""), ("GET", "/_dashboards/goto/abc", ""), ("GET", "/_dashboards/GOTO/abc", ""),
    ("GET", "/_dashboards/goto/abc/", ""), ("GET", "/_dashboards/goto/a%2Fb", ""), ("GET", "/_dashboards/goto/a;b", ""),
    ("GET", "/_plugin/kibana/api/short_url/abc", ""), ("GET", "/_dashboards/./goto/abc", ""),
    ("GET", "/_dashboards/x/../goto/abc", ""),
    ("POST", "/_dashboards/api/v1/multitenancy/tenant", ""), ("POST", "/_dashboards/auth/login", ""),
    ("POST", "/_dashboards/api/v1/configuration/internalusers/u", ""), ("POST", "/_dashboards/api/v1/configuration/account", ""),
    ("DELETE", "/_dashboards/api/v1/configuration/cache", ""),
    ("POST", "/_dashboards/api/reporting/generateReport", ""), ("GET", "/_dashboards/api/reporting/generateReport/r1", ""),
    ("POST", "/_dashboards/api/sql_console/sqlquery", ""), ("POST", "/_dashboards/api/sql_console/pplquery", ""),
    ("POST", "/_dashboards/internal/search/sql", ""), ("POST", "/_dashboards/internal/search/Ppl", ""),
    ("POST", "/_dashboards/internal/search/sql/", ""), ("POST", "/_dashboards/internal/search/%73ql", ""),
    ("POST", "/_dashboards/internal/search/es%2F..%2Fsql", ""), ("POST", "/_dashboards/internal/search/es/../sql", ""),
    ("DELETE", "/_dashboards/internal/search/es/abc", ""),
    ("POST", "/_dashboards/api/sample_data/flights", ""), ("POST", "/_dashboards/api/telemetry/v2/optIn", ""),
    ("POST", "/_dashboards/api/opensearch-dashboards/dashboards/import", ""),
    ("POST", "/_dashboards/api/ism/apiCaller", ""), ("POST", "/_dashboards/api/alerting/monitors", ""),
    ("PUT", "/_dashboards/api/console/proxy", "method=GET&path=_search"),
    ("POST", "/_dashboards/api/Console/proxy", "method=GET&path=_search"),
    ("POST", "//_dashboards/api/saved_objects/_import", ""), ("POST", "/_plugin%2Fkibana/api/saved_objects/_import", ""),
    ("POST", "/_dashboards%2Fapi/saved_objects/_import", ""),
]


@pytest.mark.parametrize("method,path,query", WRITES)
def test_writes_are_refused(method, path, query):
    assert denial(method, path, query, body=b"{}", content_type="application/json")


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "x-http-method", "X-Method-Override",
                                    "X-HTTP-METHOD-OVERRIDE"])
def test_method_override_headers_in_any_case(header):
    assert denial("POST", "/_search", headers=[header])
    assert denial("GET", "/_dashboards/app/home", headers=[header])


CONSOLE_WRITES = [
    ("POST", "_bulk"), ("post", "_bulk"), ("PoSt", "/_bulk"), ("PUT", "logs/_doc/1"), ("DELETE", "logs"),
    ("POST", " _bulk"), ("POST", "_bulk "), ("POST", "_bulk\t"), ("POST", "_bulk\n"), ("POST", "\\_bulk"),
    ("POST", "x\\..\\_bulk"), ("POST", "_search#/../_bulk"), ("POST", "_search/../_bulk"),
    ("POST", "_search/%2e%2e/_bulk"), ("POST", "_search/%2E%2e/_bulk"), ("POST", "_search/.%2E/_bulk"),
    ("POST", "%5Fbulk"), ("POST", "%2F_bulk"), ("POST", "//_bulk"), ("POST", "///logs/_bulk"),
    ("POST", "_search?refresh=true"), ("POST", "_search?x=1&refresh"), ("POST", "_search?%72efresh"),
    ("GET", "_flush"), ("GET", "logs/_refresh"), ("GET", "_sql?sql=x"),
    ("POST", "_plugins/_ppl"), ("DELETE", "_search/scroll/_all"), ("DELETE", "_search/scroll?scroll_id=_all"),
    ("POST", "logs/_update_by_query"), ("POST", "_tasks/_cancel"), ("PATCH", "_search"),
    ("OPTIONS ", "_bulk"), ("TRACE", "_search"), ("POST", "_dashboards/api/saved_objects/_import"),
    ("POST", "http://evil/_bulk"), ("POST", "@evil/_bulk"),
]


@pytest.mark.parametrize("method,path", CONSOLE_WRITES)
def test_console_proxy_carried_writes_are_refused(method, path):
    assert console(method, path, b'{"index":{}}\n{}\n'), (method, path)
    assert console(method, path, b"{}", prefix="/_plugin/kibana")


@pytest.mark.parametrize("query", [
    "method=GET&path=_search&path=_bulk", "method=GET&method=POST&path=_bulk", "Method=POST&path=_bulk",
    "path=_bulk", "method=POST", "method=POST&path=_bulk&path=", "method=POST&path=%255Fbulk%2F..%2F_bulk",
])
def test_console_proxy_parameters_must_be_unambiguous(query):
    assert readonly_denial("POST", "/_dashboards/api/console/proxy", canonical_query(query), set(), b"{}",
                           "application/json")


@pytest.mark.parametrize("body", [
    {"batch": [{"request": {}, "options": {"strategy": "sql"}}]},
    {"batch": [{"request": {}, "options": {"strategy": "es"}}, {"request": {}, "options": {"strategy": "pplasync"}}]},
    {"batch": [{"request": {}, "options": {"strategy": "PPL"}}]},
    {"batch": [{"request": {}, "options": {"strategy": "es/../sql"}}]},
    {"batch": [{"request": {}, "options": {"strategy": ""}}]},
    {"batch": [{"request": {}, "options": {"strategy": None}}]},
    {"batch": [{"request": {}, "options": []}]},
    {"batch": "x"}, ["batch"],
])
def test_bsearch_with_sql_or_unreadable_strategies_is_refused(body):
    assert denial("POST", "/_dashboards/internal/bsearch", body=json.dumps(body).encode(),
                  content_type="application/json")


def test_bsearch_duplicate_keys_and_other_types_are_refused():
    dup = b'{"batch":[{"options":{"strategy":"es","strategy":"sql"}}]}'
    assert denial("POST", "/_dashboards/internal/bsearch", body=dup, content_type="application/json")
    ok = json.dumps({"batch": [{"request": {}, "options": {"strategy": "opensearch"}}]}).encode()
    assert denial("POST", "/_dashboards/internal/bsearch", body=ok, content_type="text/plain")
    assert denial("POST", "/_dashboards/internal/bsearch", body=ok, content_type="application/json") is None


@pytest.mark.parametrize("body", [b'{"scroll_id":"_all"}', b'{"scroll_id":["a","\\u005fall"]}',
                                  b'{"id":" _all "}', b'{"pit_id":"a,_all"}', b'{"scroll_id":"a"}\n{"scroll_id":"_all"}',
                                  b'{"scroll_id":"a","extra":{"scroll_id":"_all"}}'])
def test_releases_of_all_in_the_body_are_refused(body):
    assert denial("DELETE", "/_search/scroll", body=body, content_type="application/json")
    assert denial("DELETE", "/_pit", body=body, content_type="application/json")


# ---- holds: reads a partner needs ---------------------------------------------------------------

READS = [
    ("GET", "/", ""), ("HEAD", "/", ""), ("GET", "/_cat/indices", "v&format=json"), ("GET", "/_cluster/health", ""),
    ("GET", "/_cluster/settings", "include_defaults=true"), ("GET", "/_cluster/state/metadata", ""),
    ("GET", "/_nodes/stats", ""), ("GET", "/_tasks", "detailed"), ("GET", "/logs/_mapping", ""),
    ("GET", "/logs/_settings", ""), ("GET", "/_snapshot/repo/_all", ""), ("GET", "/_scripts/s1", ""),
    ("GET", "/_plugins/_security/api/roles/", ""), ("GET", "/_opendistro/_security/authinfo", ""),
    ("GET", "/_plugins/_alerting/monitors/m1", ""), ("GET", "/_plugins/_ism/explain/logs", ""),
    ("GET", "/logs/_doc/a%2Fb", ""), ("GET", "/logs/doc/1", ""), ("GET", "/logs/_search", "q=x&filter_path=hits"),
    ("POST", "/logs/_search", "filter_path=hits.hits._source"), ("POST", "/logs/doc/_search", ""),
    ("POST", "/_msearch", ""), ("POST", "/logs/_msearch/template", ""), ("POST", "/_mget", ""),
    ("POST", "/logs/_count", ""), ("POST", "/logs/_field_caps", "fields=*"), ("POST", "/logs/_validate/query", "explain"),
    ("POST", "/logs/_analyze", ""), ("POST", "/_search/template", ""), ("POST", "/_render/template", ""),
    ("POST", "/_search/scroll", ""), ("DELETE", "/_search/scroll", "scroll_id=abc"), ("DELETE", "/_search/scroll/abc", ""),
    ("POST", "/logs/_search", "scroll=1m&size=100"),
    ("OPTIONS", "/logs/_search", ""),
    # '%5F' is sent as '_' (strict form): this is the search it looks like, not document '_search'
    ("POST", "/logs/doc/%5Fsearch", ""),
    ("GET", "/_dashboards/app/discover", ""), ("GET", "/_plugin/kibana/app/kibana", ""),
    ("GET", "/_dashboards/api/saved_objects/_find", "type=dashboard&per_page=100"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_get", ""), ("POST", "/_dashboards/internal/search/opensearch", ""),
    ("POST", "/_plugin/kibana/internal/search/es", ""), ("POST", "/_plugin/kibana/elasticsearch/_msearch", ""),
    ("GET", "/_dashboards/api/reporting/reports", ""), ("GET", "/_dashboards/api/v1/multitenancy/tenant", ""),
    ("POST", "/_dashboards/api/console/proxy", "method=GET&path=_cat%2Findices%3Fv"),
    ("POST", "/_dashboards/api/console/proxy", "method=post&path=logs%2F_search"),
    ("POST", "/_plugin/kibana/api/console/proxy", "method=DELETE&path=_search%2Fscroll%2Fabc"),
]


@pytest.mark.parametrize("method,path,query", READS)
def test_reads_are_allowed(method, path, query):
    assert denial(method, path, query, body=b"{}", content_type="application/json") is None


def test_bsearch_of_plain_searches_is_allowed():
    body = json.dumps({"batch": [{"request": {"params": {"index": "logs"}}, "options": {"strategy": "opensearch"}},
                                 {"request": {"params": {}}}]}).encode()
    assert denial("POST", "/_dashboards/internal/bsearch", body=body, content_type="application/json") is None


# ---- over the wire: refusals are 403 and nothing reaches the upstream ---------------------------

WIRE_WRITES = [
    ("POST", "/_bulk", ""), ("POST", "/%5Fbulk", ""), ("POST", "/_BULK", ""), ("POST", "//_bulk", ""),
    ("GET", "/_flush", ""), ("GET", "/logs/_refresh", ""),
    ("POST", "/_search", "refresh=true"), ("POST", "/_search", "_method=DELETE"), ("DELETE", "/_search/scroll/_all", ""),
    ("PUT", "/_cluster/settings", ""), ("POST", "/_opendistro/_sql", ""),
    ("POST", "/_dashboards/api/saved_objects/_import", ""), ("GET", "/_dashboards/goto/abc", ""),
    ("POST", "/_dashboards/api/console/proxy", "method=post&path=%2F_bulk"),
    ("POST", "/_dashboards/api/console/proxy", "method=POST&path=_search%2F%252e%252e%2F_bulk"),
]


@pytest.mark.parametrize("method,path,query", WIRE_WRITES)
def test_wire_writes_are_403_and_never_sent(proxy, standin, method, path, query):
    answer = bob_raw(proxy, method, path + ("?" + query if query else ""),
                     "Content-Type: application/json\r\n", b'{"index":{}}\n{}\n')
    assert answer.startswith(b"HTTP/1.1 403"), answer[:300]
    assert standin.seen == []


@pytest.mark.parametrize("target", [
    "/_search/../_bulk", "/_search/%2e%2e/_bulk", "/x/./../_bulk", "http://evil.example/_bulk",
    "http://evil.example//_bulk", "/_search/..%2f_bulk?x",
])
def test_wire_dot_segments_and_absolute_forms(proxy, standin, target):
    answer = bob_raw(proxy, "POST", target, "Content-Type: application/json\r\n", b"{}")
    assert answer.split(b" ", 2)[1] in (b"400", b"403"), answer[:300]
    assert standin.seen == []


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override: DELETE", "x-http-method: PUT", "X-Method-Override: PUT",
                                    "X-HTTP-METHOD-OVERRIDE: DELETE"])
def test_wire_method_override_headers(proxy, standin, header):
    answer = bob_raw(proxy, "POST", "/logs/_search", header + "\r\nContent-Type: application/json\r\n", b"{}")
    assert answer.startswith(b"HTTP/1.1 403") and standin.seen == []


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "MOVE"])
def test_wire_unknown_methods_never_reach_the_upstream(proxy, standin, method):
    answer = bob_raw(proxy, method, "/_bulk")
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:300]
    assert standin.seen == []


def test_wire_a_read_reaches_the_upstream(proxy, standin):
    r = requests.post(proxy.url + "/logs/_search", json={"query": {"match_all": {}}}, auth=BOB, timeout=10)
    assert r.status_code != 403
    assert [(s.method, s.path) for s in standin.seen] == [("POST", "/logs/_search")]


# ---- index management's apiCaller: judged by the call it carries -------------------------------------
# (index-management-dashboards-plugin public/services/CommonService.ts posts {data, endpoint, hideLog})

def api_caller(doc, content_type="application/json"):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return denial("POST", "/_dashboards/api/ism/apiCaller", headers=["osd-xsrf"], body=body, content_type=content_type)


@pytest.mark.parametrize("doc", [
    {"endpoint": "cat.aliases", "data": {"format": "json", "name": "*logs*", "s": "alias:desc"}},
    {"endpoint": "cat.indices", "data": {"index": ["test"], "format": "json"}},
    {"endpoint": "indices.getMapping", "data": {"index": "logs-1"}, "hideLog": True},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "_data_stream/logs*"}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_index_template/tmpl"}},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/logs-1/_search", "body": {"size": 0}}},
])
def test_api_caller_reads_pass(doc):
    assert api_caller(doc) is None


@pytest.mark.parametrize("doc", [
    {"endpoint": "indices.delete", "data": {"index": "logs-1"}},
    {"endpoint": "indices.create", "data": {"index": "new"}},
    {"endpoint": "indices.putAlias", "data": {"index": "logs-1", "name": "a"}},
    {"endpoint": "cat.indices", "data": {"refresh": True}},
    {"endpoint": "transport.request", "data": {"method": "PUT", "path": "/_index_template/tmpl", "body": {}}},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/logs-1/_doc", "body": {"a": 1}}},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/logs-1/_doc%2F_search"}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_refresh"}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/x/../_bulk"}},
    {"endpoint": "transport.request", "data": {"method": "DELETE", "path": "/_search/scroll", "body": {"scroll_id": "_all"}}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_search", "querystring": {"refresh": True}}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_search?refresh=true"}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_sql", "body": {"query": "DELETE FROM x"}}},
    {"endpoint": "search", "data": {}, "extra": 1},
    {"endpoint": "cat.aliases", "endpoint2": "indices.delete"},
    {"endpoint": ["cat.aliases"]},
    b'{"endpoint": "cat.aliases", "endpoint": "indices.delete", "data": {"index": "logs-1"}}',
    b'{"endpoint": "indices.delete"',
])
def test_api_caller_writes_are_refused(doc):
    assert api_caller(doc)


def test_api_caller_body_that_is_not_json_is_refused():
    assert api_caller({"endpoint": "cat.aliases"}, content_type="application/x-www-form-urlencoded")

# Anomaly detection and the Open Distro spellings (tools/es_plugin_endpoints.py, from the plugins' handlers)
@pytest.mark.parametrize("path", ["/_plugins/_anomaly_detection/detectors/_search",
                                  "/_opendistro/_anomaly_detection/detectors/_search",
                                  "/_plugins/_anomaly_detection/detectors/results/_search",
                                  "/_opendistro/_alerting/monitors/_search"])
def test_plugin_searches_sent_with_post_are_reads(path):
    assert denial("POST", path, body=b"{}", content_type="application/json") is None


@pytest.mark.parametrize("method, path", [
    ("POST", "/_plugins/_anomaly_detection/detectors/abc/_start"),
    ("POST", "/_opendistro/_anomaly_detection/detectors/abc/_start"),
    ("POST", "/_plugins/_anomaly_detection/detectors/abc/_run"),
    ("DELETE", "/_plugins/_anomaly_detection/detectors/results"),
    ("POST", "/_opendistro/_sql"),
    ("PUT", "/_opendistro/_security/api/account"),
])
def test_plugin_actions_are_refused(method, path):
    assert denial(method, path, body=b'{"query": "SELECT 1"}', content_type="application/json") is not None

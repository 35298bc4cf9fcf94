"""Adversarial review of the readonly rule, second round: the surfaces added since
tests/test_attack_readonly.py (product-dependent judgement, index management's apiCaller, the
plugins' endpoint data, tenant choice, the Dashboards plugins' routes).

Same style: the pure rule (`readonly_denial`, fed with `upstream_path` / `canonical_query` as
views.py does) and the wire (`access-es serve` in front of the stand-in, Basic auth as bob). A case
that holds is a regression test; a case that breaks is `xfail(strict=True)` whose reason starts with
FINDING and says what happens, why, and what should happen.
"""
from __future__ import annotations

import json

import pytest
import requests

from access_es.access import API_CALLER_READS, product_could_allow, products_for, readonly_denial
from access_es.proxy.request import canonical_query, upstream_path
from tests.conftest import PASSWORDS
from tests.test_attack_readonly import bob_raw

BOB = ("bob", PASSWORDS["bob"])
API_CALLER = "/_dashboards/api/ism/apiCaller"


def denial(method, raw_path, raw_query="", headers=(), body=b"", content_type=None, products=None):
    return readonly_denial(method, upstream_path(raw_path), canonical_query(raw_query),
                           {h.lower() for h in headers}, body, content_type, products)


def api_caller(doc, products=None):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return denial("POST", API_CALLER, headers=["osd-xsrf"], body=body, content_type="application/json",
                  products=products)


# ---- FOUND (critical), now held: apiCaller's "read" client methods take a `method` parameter -------
# (fixed: `method`, `headers` and `refresh` in data are refused, and a `body` on a method that sends none)
#
# index-management-dashboards-plugin server/services/CommonService.ts passes `data` unchanged to
# `callAsCurrentUser(endpoint, data)`, i.e. to the legacy elasticsearch-js client (OpenSearch
# Dashboards core `src/core/server/opensearch/legacy/cluster_client.ts` imports `Client` from
# 'elasticsearch'). In that client every API method is built by `src/lib/client_action.js` `exec()`,
# which copies `params.method` over the spec's method (`case 'method': request.method =
# utils.toUpperString(params[key])`) and `params.body` into the request. So `indices.get` with
# `{"index": "logs", "method": "DELETE"}` sends `DELETE /logs`; `cluster.getSettings` with
# `{"method": "PUT", "body": {...}}` sends `PUT /_cluster/settings`. The rule only checks the method
# name and a `refresh` key.

METHOD_OVERRIDES = [
    ({"endpoint": "indices.get", "data": {"index": "logs", "method": "DELETE"}}, "DELETE /logs"),
    ({"endpoint": "indices.exists", "data": {"index": "logs", "method": "delete"}}, "DELETE /logs (HEAD spec)"),
    ({"endpoint": "get", "data": {"index": "logs", "type": "_doc", "id": "1", "method": "DELETE"}},
     "DELETE /logs/_doc/1"),
    ({"endpoint": "get", "data": {"index": "logs", "type": "_doc", "id": "1", "method": "PUT",
                                  "body": {"owned": True}}}, "PUT /logs/_doc/1: indexes a document"),
    ({"endpoint": "cluster.getSettings", "data": {"method": "PUT",
                                                  "body": {"persistent": {"cluster.blocks.read_only": True}}}},
     "PUT /_cluster/settings"),
    ({"endpoint": "indices.getSettings", "data": {"index": "logs", "method": "PUT",
                                                   "body": {"index": {"number_of_replicas": 0}}}},
     "PUT /logs/_settings"),
    ({"endpoint": "indices.getMapping", "data": {"index": "logs", "method": "PUT",
                                                  "body": {"properties": {"x": {"type": "keyword"}}}}},
     "PUT /logs/_mapping"),
    ({"endpoint": "indices.getAlias", "data": {"index": "logs", "name": "a", "method": "DELETE"}},
     "DELETE /logs/_alias/a"),
    ({"endpoint": "indices.getTemplate", "data": {"name": "t", "method": "DELETE"}}, "DELETE /_template/t"),
    ({"endpoint": "snapshot.get", "data": {"repository": "r", "snapshot": "s", "method": "DELETE"}},
     "DELETE /_snapshot/r/s"),
    ({"endpoint": "snapshot.getRepository", "data": {"repository": "r", "method": "DELETE"}}, "DELETE /_snapshot/r"),
    ({"endpoint": "ingest.getPipeline", "data": {"id": "p", "method": "DELETE"}}, "DELETE /_ingest/pipeline/p"),
]


@pytest.mark.parametrize("doc,sends", METHOD_OVERRIDES, ids=[s for _, s in METHOD_OVERRIDES])
def test_api_caller_read_method_with_a_method_parameter(doc, sends):
    assert api_caller(doc), sends


def test_api_caller_method_parameter_on_the_wire(proxy, standin):
    doc = {"endpoint": "indices.get", "data": {"index": "logs", "method": "DELETE"}}
    answer = bob_raw(proxy, "POST", API_CALLER, "osd-xsrf: true\r\nContent-Type: application/json\r\n",
                     json.dumps(doc).encode())
    assert answer.startswith(b"HTTP/1.1 403"), answer[:300]
    assert standin.seen == []


def test_api_caller_every_listed_method_is_a_real_legacy_name():
    # the legacy client's namespaces: a typo would only refuse a read; a name like 'transport.request'
    # in the list would be a hole
    assert "transport.request" not in API_CALLER_READS
    assert all(m.count(".") <= 1 and m.replace(".", "").isalnum() for m in API_CALLER_READS)


# holds: the data keys the client treats specially or that smuggle
@pytest.mark.parametrize("doc", [
    {"endpoint": "search", "data": {"index": "logs", "refresh": "true"}},
    {"endpoint": "mget", "data": {"index": "logs", "refresh": True, "body": {"ids": ["1"]}}},
    {"endpoint": "Indices.delete", "data": {"index": "logs"}},
    {"endpoint": "indices.delete ", "data": {"index": "logs"}},
    {"endpoint": "indices..delete", "data": {"index": "logs"}},
    {"endpoint": "cat.aliases", "data": "{\"method\": \"DELETE\"}"},
    {"endpoint": "cat.aliases", "data": ["x"]},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/logs/_doc", "query": {"x": 1}}},
    {"endpoint": "transport.request", "data": {"method": "DELETE", "path": "logs"}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_flush", "headers": {"a": "b"}}},
    {"endpoint": "transport.request", "data": {"method": "GET", "path": "/_search#/../_bulk"}},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/logs/_search%3Frefresh=true"}},
    {"endpoint": "transport.request", "data": {"method": "DELETE", "path": "/_search/scroll",
                                               "body": "{\"scroll_id\":\"_all\"}"}},
    {"endpoint": "transport.request", "data": {"method": "POST", "path": "/_plugins/_ppl",
                                               "body": {"query": "source=logs"}}},
])
def test_api_caller_smuggling_is_refused(doc):
    assert api_caller(doc)


def test_api_caller_from_the_query_string_is_refused():
    # CommonService reads the query (?endpoint=...&data=...) when the body is empty
    assert denial("POST", API_CALLER, "endpoint=indices.delete&data=%7B%22index%22%3A%22logs%22%7D",
                  headers=["osd-xsrf"], body=b"", content_type="application/json")
    assert denial("POST", API_CALLER, "endpoint=cat.aliases", headers=["osd-xsrf"], body=b"null",
                  content_type="application/json")


# ---- product-dependent judgement ------------------------------------------------------------------

BANNERS = [
    ({"version": {"number": "7.10.2", "build_flavor": "oss"}}, ("es 7.10", "os 1.x", "os 2.x")),
    ({"version": {"number": "7.10.2"}}, ("es 7.10", "os 1.x", "os 2.x")),
    ({"version": {"number": "7.10.2-SNAPSHOT", "build_flavor": "oss"}}, ("es 7.10", "os 1.x", "os 2.x")),
    ({"version": {"number": "6.8.0", "build_flavor": "oss"}}, ("es 6.8",)),
    ({"version": {"distribution": "opensearch", "number": "1.3.19"}}, ("os 1.x",)),
    ({"version": {"distribution": "opensearch", "number": "2.17.0"}}, ("os 2.x",)),
    ({"version": {"number": "8.11.0", "build_flavor": "default"}}, None),
    ({"version": {"distribution": "elasticsearch", "number": "7.10.2"}}, None),
    ({"version": {"number": 7}}, None), ({"version": "7.10.2"}, None), ([], None), ("7.10.2", None),
    ({"version": {"number": " 7.10.2"}}, None), ({"version": {"number": "v7.10.2"}}, None),
]


@pytest.mark.parametrize("banner,products", BANNERS)
def test_products_for_banners(banner, products):
    assert products_for(banner) == products


# FOUND (low), now held: an 'opensearch' distribution with a major other than 1, 2 or 3 (say the
# compatibility number 7.10.2) is not a product we know for certain.
def test_products_for_opensearch_with_a_compatibility_number():
    products = products_for({"version": {"distribution": "opensearch", "number": "7.10.2"}})
    assert products is None or "os 1.x" in products


def test_oss_7x_compatibility_is_judged_against_every_oss_table():
    # OpenSearch 1.x in compatibility mode says 7.10.2 without a distribution: the union keeps 1.x's
    # typed document routes in view (the typeless _explain/_termvectors of 7.x are reads in all three)
    products = products_for({"version": {"number": "7.10.2", "build_flavor": "oss"}})
    for path in ["/newidx/_search/point_in_time", "/newidx/_pit", "/newidx/_async_search", "/newidx/_terms_enum"]:
        assert denial("POST", path, body=b"{}", content_type="application/json", products=products), path


@pytest.mark.parametrize("products", [("os 1.x",), ("es 7.10",), ("es 6.8",), ("os 2.x",), None])
@pytest.mark.parametrize("path", ["/logs/_doc/_search_", "/logs/_doc/point_in_time", "/logs/_search/_doc",
                                  "/logs/_pit/1", "/logs/_async_search/1", "/_pit/_doc/1", "/logs/_source/1",
                                  "/logs/_explain/_doc/1"])
def test_learned_products_do_not_open_document_writes(products, path):
    assert denial("POST", path, body=b"{}", content_type="application/json", products=products), path


def test_a_learned_product_opens_only_its_own_reads():
    body, ct = b"{}", "application/json"
    assert denial("POST", "/logs/_search/point_in_time", "keep_alive=1m", body=body, content_type=ct,
                  products=("os 2.x",)) is None
    assert denial("POST", "/logs/_search/point_in_time", "keep_alive=1m", body=body, content_type=ct,
                  products=("os 1.x",))
    assert denial("POST", "/logs/_pit", body=body, content_type=ct, products=("es 7.10", "os 1.x", "os 2.x"))


@pytest.mark.parametrize("method,path", [("POST", "/_bulk"), ("PUT", "/logs/_doc/1"), ("DELETE", "/logs"),
                                         ("POST", "/logs/_update_by_query"), ("GET", "/_flush")])
def test_writes_no_product_allows_never_ask_the_banner(method, path):
    assert not product_could_allow(method, upstream_path(path), "", set(), b"{}", "application/json")


def test_refresh_is_refused_under_every_product():
    for product in ["es 6.8", "es 7.10", "os 1.x", "os 2.x", "es 7.10 x-pack"]:
        assert denial("POST", "/logs/_search/point_in_time", "refresh=true", products=(product,))


def test_wire_banner_is_the_only_extra_request(proxy, standin):
    # a read of one product only: the proxy may ask GET / (the stand-in's banner), then judges
    r = requests.post(proxy.url + "/newidx/_search/point_in_time", params={"keep_alive": "1m"}, auth=BOB,
                      timeout=10)
    others = [(s.method, s.target) for s in standin.seen if not (s.method == "GET" and s.target == "/")]
    if r.status_code == 403:
        assert others == []
    else:
        assert others == [("POST", "/newidx/_search/point_in_time?keep_alive=1m")]


# ---- tenant choice ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "securitytenant=&securitytenant=global", "security%5Ftenant=global", "security%5ftenant=global",
    "securityTenant%5F=admin_tenant", "a=1&SecurityTenant=global", "security_tenant", "securitytenant_=x",
    "security_tenant=global&security_tenant=", "x=1&%73ecuritytenant=global",
])
def test_tenant_query_spellings_are_refused(query):
    assert denial("GET", "/_dashboards/app/dashboards", query)
    assert denial("POST", "/_dashboards/api/saved_objects/_bulk_get", query, body=b"[]",
                  content_type="application/json")


@pytest.mark.parametrize("header", ["security_tenant", "Security_Tenant", "securitytenant_"])
def test_tenant_header_spellings_are_refused_at_the_pure_level(header):
    # security-dashboards-plugin's resolver reads request.headers.securitytenant or .security_tenant
    assert denial("GET", "/_dashboards/app/home", headers=[header])


def test_wire_underscore_tenant_header_never_reaches_dashboards_as_such(proxy, standin):
    # WSGI folds '_' and '-' into one HTTP_ name: the header can only leave as 'Security-Tenant', which
    # the plugin does not read; it must never reach Dashboards spelled 'security_tenant'
    answer = bob_raw(proxy, "GET", "/_dashboards/app/home", "security_tenant: global_tenant\r\n")
    if answer.startswith(b"HTTP/1.1 403"):
        return
    names = [n.lower() for s in standin.seen for n, _ in s.headers]
    assert "security_tenant" not in names and "securitytenant" not in names, names


def test_wire_tenant_query_is_403(proxy, standin):
    answer = bob_raw(proxy, "GET", "/_dashboards/app/home?security%5Ftenant=global")
    assert answer.startswith(b"HTTP/1.1 403") and standin.seen == []


# ---- plugin endpoint data: acting endpoints that must stay refused ---------------------------------

@pytest.mark.parametrize("method,path", [
    ("POST", "/_plugins/_ml/models/m1/_predict"), ("POST", "/_plugins/_ml/_predict/kmeans/m1"),
    ("POST", "/_plugins/_ml/agents/a1/_execute"), ("POST", "/_plugins/_ml/_execute/anomaly_localization"),
    ("POST", "/_plugins/_ml/memory/m1/messages"), ("PUT", "/_plugins/_ml/memory/m1"),
    ("POST", "/_plugins/_ml/memory/_search/messages"),
    ("POST", "/_plugins/_asynchronous_search"), ("POST", "/_opendistro/_asynchronous_search"),
    ("POST", "/_plugins/_alerting/monitors/_execute"), ("POST", "/_plugins/_alerting/monitors/m1/_execute"),
    ("POST", "/_plugins/_alerting/monitors/m1/_acknowledge/alerts"),
    ("POST", "/_plugins/_anomaly_detection/detectors/d1/_start"),
    ("POST", "/_plugins/_anomaly_detection/detectors/_preview/x"),
    ("POST", "/_plugins/_transform/_preview/x"), ("PUT", "/_plugins/_transform/_preview"),
    ("POST", "/_plugins/_ism/explain/_all/x"), ("POST", "/_plugins/_ism/retry/logs"),
    ("POST", "/_plugins/_security/authinfo/x"), ("PUT", "/_plugins/_security/authinfo"),
    ("DELETE", "/_plugins/_security/api/cache"), ("POST", "/_plugins/_knn/models/_train"),
    ("POST", "/_plugins/_knn/warmup/vectors"), ("POST", "/_plugins/_flow_framework/workflow/_search/x"),
    ("POST", "/_plugins/_flow_framework/workflow/w1/_provision"),
    ("POST", "/_ltr/_clearcache"), ("POST", "/_plugins/_reports/on_demand/d1"),
    ("PUT", "/_plugins/_reports/on_demand"), ("POST", "/_plugins/_reports/instance/i1"),
    ("POST", "/_plugins/_notifications/feature/test/c1"),
])
def test_plugin_actions_stay_refused(method, path):
    for products in [None, ("os 1.x",), ("os 2.x",)]:
        assert denial(method, path, body=b"{}", content_type="application/json", products=products), \
            (method, path, products)


@pytest.mark.parametrize("path", ["/_plugins/_knn/warmup/vectors", "/_opendistro/_knn/warmup/vectors",
                                  "/_plugins/_knn/warmup/a,b", "/_flush", "/logs/_refresh"])
def test_acting_gets_refused_under_every_product(path):
    for products in [None, ("os 1.x",), ("os 2.x",), ("es 7.10", "os 1.x", "os 2.x")]:
        assert denial("GET", path, products=products), (path, products)


# FOUND (low), now held: the notifications test message (a GET that sends a message, on OpenSearch
# 1.2+) was allowed once the proxy learned 'os 1.x', whose table lacks the plugin; a GET that acts in
# any product is now refused whatever the product.
def test_notifications_test_message_on_opensearch_1x():
    # (pure level only: the stand-in's banner names no product we know, and the proxy fixture keeps
    # what it learned for an hour, so the wire cannot be pointed at an OpenSearch 1.x banner here)
    assert denial("GET", "/_plugins/_notifications/feature/test/c1", products=("os 1.x",))


# ---- Dashboards plugin routes ----------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("POST", "/_dashboards/api/saved_objects/_resolve_import_errors"),
    ("POST", "/_dashboards/api/saved_objects/index-pattern"),
    ("POST", "/_dashboards/api/saved_objects/index-pattern/logs"),
    ("PUT", "/_dashboards/api/saved_objects/index-pattern/logs"),
    ("POST", "/_dashboards/api/index_patterns/index_pattern"),
    ("POST", "/_dashboards/api/index_patterns/index_pattern/x/fields"),
    ("POST", "/_dashboards/api/opensearch-dashboards/settings"),
    ("POST", "/_dashboards/api/saved_objects/_bulk_get/_import"),
    ("POST", "/_dashboards/api/saved_objects/_export/x"),
    ("POST", "/_dashboards/api/alerting/monitors/_search/x"),
    ("POST", "/_dashboards/api/alerting/monitors"), ("PUT", "/_dashboards/api/alerting/monitors/m1"),
    ("POST", "/_dashboards/api/alerting/monitors/m1/_acknowledge/alerts"),
    ("POST", "/_dashboards/api/anomaly_detectors/detectors/d1/start"),
    ("POST", "/_dashboards/api/anomaly_detectors/create_index"),
    ("POST", "/_dashboards/api/anomaly_detectors/bulk"),
    ("POST", "/_dashboards/api/ism/applyPolicy"), ("POST", "/_dashboards/api/ism/removePolicy"),
    ("POST", "/_dashboards/api/ism/retry"), ("PUT", "/_dashboards/api/ism/policies/p"),
    ("POST", "/_dashboards/api/observability/notebooks/note/savedNotebook"),
    ("POST", "/_dashboards/api/observability/event_analytics/saved_objects/query"),
    ("POST", "/_dashboards/api/reporting/generateReport"), ("POST", "/_dashboards/api/reporting/reportDefinition"),
    ("POST", "/_dashboards/api/notifications/create_config"),
    ("POST", "/_dashboards/api/ppl/search"), ("POST", "/_dashboards/api/sql/search"),
    ("POST", "/_dashboards/api/v1/multitenancy/tenant"), ("POST", "/_dashboards/api/v1/auth/login"),
    ("POST", "/_dashboards/auth/login"), ("POST", "/_dashboards/api/v1/configuration/account"),
    ("POST", "/_dashboards/internal/search/ppl"), ("POST", "/_dashboards/internal/search/sqlasync"),
    ("POST", "/_dashboards/internal/search/pplraw"), ("POST", "/_dashboards/internal/search/promql"),
    ("DELETE", "/_dashboards/internal/search/opensearch/abc"),
])
def test_dashboards_writes_stay_refused(method, path):
    assert denial(method, path, headers=["osd-xsrf"], body=b"{}", content_type="application/json")


@pytest.mark.parametrize("path", [
    "/_dashboards/api/saved_objects/_bulk_get", "/_dashboards/api/saved_objects/_export",
    "/_dashboards/api/alerting/monitors/_search", "/_dashboards/api/ism/_search",
    "/_dashboards/api/dsl/search", "/_dashboards/api/anomaly_detectors/detectors/_search",
    "/_dashboards/api/observability/trace_analytics/query", "/_dashboards/internal/search/opensearch",
])
def test_dashboards_reads_pass(path):
    assert denial("POST", path, headers=["osd-xsrf"], body=b"{}", content_type="application/json") is None

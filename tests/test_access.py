"""The readonly rule, tried with the writes a partner might attempt."""
import pytest

from access_es.access import readonly_denial
from access_es.proxy.request import canonical_query, upstream_path


def denial(method, raw_path, raw_query="", headers=()):
    return readonly_denial(method, upstream_path(raw_path), canonical_query(raw_query), set(headers))


@pytest.mark.parametrize("method,path,query", [
    ("GET", "/", ""), ("HEAD", "/logs/_doc/1", ""), ("GET", "/_cat/indices", "v"), ("OPTIONS", "/x", ""),
    ("GET", "/_cluster/health", ""),
    ("POST", "/_search", ""), ("POST", "/logs-*/_search", "scroll=1m"), ("POST", "/a,b/_msearch", ""),
    ("POST", "/logs/_count", ""), ("POST", "/_mget", ""), ("POST", "/logs/_mget", ""),
    ("POST", "/logs/_field_caps", "fields=*"), ("POST", "/logs/_validate/query", ""),
    ("POST", "/logs/_search/template", ""), ("POST", "/_msearch/template", ""),
    ("POST", "/_search/scroll", ""), ("POST", "/_search/scroll/abc", ""),
    ("POST", "/logs/_async_search", ""), ("POST", "/logs/_pit", "keep_alive=1m"),
    ("POST", "/logs/_search/point_in_time", "keep_alive=1m"), ("POST", "/logs/_termvectors/1", ""),
    ("POST", "/logs/_explain/1", ""), ("POST", "/_render/template", ""), ("POST", "/logs/doc/_search", ""),
    ("DELETE", "/_search/scroll", ""), ("DELETE", "/_pit", ""), ("DELETE", "/_search/point_in_time", ""),
    ("POST", "/_dashboards/internal/search/opensearch", ""),
    ("POST", "/_dashboards/internal/search/opensearch-with-long-numerals", ""),
    ("POST", "/_plugin/kibana/internal/search/es", ""), ("POST", "/_plugin/kibana/internal/bsearch", ""),
    ("POST", "/_plugin/kibana/api/saved_objects/_bulk_get", ""),
    ("POST", "/_dashboards/api/ui_metric/report", ""),
    ("POST", "/_dashboards/api/console/proxy", "path=%2Flogs%2F_search&method=POST"),
    ("POST", "/_dashboards/api/console/proxy", "path=_cat/indices&method=GET"),
])
def test_reads_are_allowed(method, path, query):
    assert denial(method, path, query) is None


@pytest.mark.parametrize("method,path,query", [
    ("PUT", "/logs", ""), ("DELETE", "/logs", ""), ("POST", "/logs/_doc", ""), ("PUT", "/logs/_doc/1", ""),
    ("POST", "/_bulk", ""), ("POST", "/logs/_bulk", ""), ("POST", "/logs/_update/1", ""),
    ("POST", "/logs/_delete_by_query", ""), ("POST", "/logs/_update_by_query", ""), ("POST", "/_reindex", ""),
    ("PUT", "/_snapshot/repo", ""), ("POST", "/_snapshot/repo/snap/_restore", ""),
    ("POST", "/_sql", ""), ("POST", "/_plugins/_sql", ""), ("POST", "/_opendistro/_sql", ""),
    ("PUT", "/_cluster/settings", ""), ("POST", "/logs/_close", ""), ("POST", "/_aliases", ""),
    ("POST", "/logs/_doc/_search", ""),               # _doc is not a type: this indexes a document
    ("POST", "/logs/_create/_search", ""),
    ("POST", "/%5Fbulk", ""),                         # encoded underscore
    ("POST", "/_search/../_bulk", ""),                # dot segments resolved before the rule
    ("POST", "/_search/%2e%2e/_bulk", ""),
    ("POST", "/logs/_search%2F..%2F..%2F_bulk", ""),   # encoded slashes and dots
    ("POST", "/_search", "_method=DELETE"),
    ("PATCH", "/logs/_search", ""),
    ("DELETE", "/logs/_doc/1", ""),
    ("DELETE", "/_async_search/abc", ""),
    ("POST", "/_dashboards/api/saved_objects/dashboard/1", ""),
    ("PUT", "/_dashboards/api/saved_objects/dashboard/1", ""),
    ("DELETE", "/_plugin/kibana/api/saved_objects/index-pattern/1", ""),
    ("POST", "/_dashboards/api/console/proxy", "path=%2F_bulk&method=POST"),
    ("POST", "/_dashboards/api/console/proxy", "path=%2Flogs%2F_doc%2F1&method=PUT"),
    ("POST", "/_dashboards/api/console/proxy", "path=%2F%255Fbulk&method=POST"),
    ("POST", "/_dashboards/api/console/proxy", "path=%2F_search%2F..%2F_bulk&method=POST"),
    ("POST", "/_dashboards/api/console/proxy", "path=%2F_search"),
    ("POST", "/_plugin/kibana/api/console/proxy", "path=logs/_delete_by_query&method=post"),
])
def test_writes_are_denied(method, path, query):
    assert denial(method, path, query)


@pytest.mark.parametrize("header", ["x-http-method-override", "x-http-method", "x-method-override"])
def test_method_override_headers_are_denied(header):
    assert "method-override" in denial("GET", "/_search", "", {header})


@pytest.mark.parametrize("method,path,query", [
    ("POST", "/idx/doc/_field_caps", ""), ("POST", "/idx/doc/_pit", ""), ("POST", "/idx/doc/_async_search", ""),
    ("GET", "/_flush", ""), ("GET", "/idx/_refresh", ""), ("GET", "/idx/_doc/1", "refresh=true"),
    ("GET", "/_plugins/_sql", "sql=DELETE%20FROM%20x"), ("GET", "/_opendistro/_sql", ""),
    ("POST", "/_plugins/_ppl", ""),
    ("DELETE", "/_search/scroll/_all", ""), ("DELETE", "/_search/scroll", "scroll_id=_all"),
    ("POST", "/_dashboards/api/console/proxy", "method=POST&path=%2Fx%5C..%5C_bulk"),
    ("POST", "/_dashboards/api/console/proxy", "method=POST&path=%2Fidx%2F_search%23x"),
    ("POST", "/_dashboards/api/console/proxy", "method=GET&method=POST&path=%2F_bulk"),
    ("POST", "/_dashboards/api/console/proxy", "method=GET&path=%2F_flush"),
])
def test_review_findings_stay_closed(method, path, query):
    assert denial(method, path, query)


def test_releasing_all_scrolls_through_the_body_is_denied():
    assert readonly_denial("DELETE", "/_search/scroll", "", set(), b'{"scroll_id": ["_all"]}')
    assert readonly_denial("DELETE", "/_search/scroll", "", set(), b'{"scroll_id": ["abc"]}') is None


@pytest.mark.parametrize("method,headers,expected", [
    ("GET", {}, None),
    ("POST", {"Sec-Fetch-Site": "same-origin"}, None),
    ("POST", {"Sec-Fetch-Site": "none"}, None),
    ("POST", {"Sec-Fetch-Site": "same-site"}, "cross-site"),
    ("POST", {"Sec-Fetch-Site": "cross-site", "kbn-xsrf": "1"}, "cross-site"),
    ("DELETE", {"Origin": "https://proxy.example"}, None),
    ("DELETE", {"Origin": "https://evil.example"}, "cross-site"),
    ("PUT", {"kbn-xsrf": "true"}, None),
    ("PUT", {}, "kbn-xsrf"),
])
def test_cross_site_rule(method, headers, expected):
    from access_es.access import cross_site_denial

    reason = cross_site_denial(method, headers, "proxy.example")
    assert (reason is None) if expected is None else (expected in reason)

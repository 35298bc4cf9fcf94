"""The readonly rule, tried with the writes a partner might attempt."""
import json
from urllib.parse import quote

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
    ("POST", "/_render/template", ""), ("POST", "/logs/doc/_search", ""),
    ("DELETE", "/_search/scroll", ""),
    ("POST", "/_dashboards/internal/search/opensearch", ""),
    ("POST", "/_dashboards/internal/search/opensearch-with-long-numerals", ""),
    ("POST", "/_plugin/kibana/internal/search/es", ""),
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


@pytest.mark.parametrize("path,query,site,refused", [
    ("/_flush", "", "cross-site", True),                     # a link on another site: no acting GET
    ("/logs/_cache/clear", "", "same-site", True),
    ("/_plugins/_sql", "sql=DELETE%20FROM%20logs", "cross-site", True),
    ("/logs/_doc/1", "refresh=true", "cross-site", True),
    ("/_plugins/_knn/warmup/logs", "", "cross-site", True),
    ("/_flush", "", "same-origin", False),                   # Kibana's own, or typed in the address bar
    ("/_flush", "", "none", False),
    ("/_flush", "", None, False),                            # an old browser: it cannot tell
    ("/logs/_search", "q=x", "cross-site", False),           # a shared link to a read: fine
    ("/_dashboards/app/discover", "", "cross-site", False),  # shared links to Kibana and Dashboards
    ("/_plugin/kibana/goto/abc123", "", "cross-site", False),
])
def test_links_from_other_sites_may_read_but_not_make_the_cluster_act(path, query, site, refused):
    from access_es.access import cross_site_denial

    headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate"} if site else {}
    for method in ("GET", "HEAD"):
        reason = cross_site_denial(method, headers, "proxy.example", path, query)
        assert (reason is not None) is refused, (method, path, reason)
        if refused:
            assert "another site" in reason


# ---- issue 12: the rule judges what the upstream routes ------------------------------------------

from access_es.access import parse_json, safe_to_repeat  # noqa: E402
from access_es.routing import Pattern, Unparsable, route_segments  # noqa: E402


def test_route_segments_split_on_raw_slashes_like_pathtrie():
    assert route_segments("/") == []
    assert route_segments("/idx/doc/%2F_search") == ["idx", "doc", "/_search"]
    assert route_segments("/%5Fbulk") == ["_bulk"]
    assert route_segments("//_bulk") == ["", "_bulk"]          # inner empty segments stay (Java split)
    assert route_segments("/_search//") == ["_search"]         # trailing ones vanish
    assert route_segments("/a%252Fb") == ["a%2Fb"]             # decoded once
    with pytest.raises(Unparsable):
        route_segments("/%FF")


def test_kibana_patterns_optional_and_rest():
    with_id, without = Pattern.parse("/internal/search/{strategy}/{id?}")
    assert without.match(["internal", "search", "es"], False) == {"strategy": "es"}
    assert with_id.match(["internal", "search", "es", "1"], False) == {"strategy": "es", "id": "1"}
    (rest,) = Pattern.parse("/x/{p*}")
    assert rest.match(["x"], False) == {"p": ""} and rest.match(["x", "a", "b"], False) == {"p": "a/b"}


@pytest.mark.parametrize("method,path,query", [
    # encoded slashes belong to a segment: these are POST /{index}/{type}/{id}, an indexing
    ("POST", "/idx/doc/%2F_search", ""), ("POST", "/idx/doc/%2f_search", ""), ("POST", "/idx/doc/x%2F_search", ""),
    ("POST", "/idx/%2F_search", ""), ("POST", "/idx/doc%2F_search", ""), ("POST", "/idx%2F_search", ""),
    ("POST", "/idx/doc/%252F_search", ""), ("POST", "/idx/doc/%5C_search", ""),
    # literals compare exactly: '%5F' is '_' (strict form), '_SEARCH' is no '_search'
    ("POST", "/idx/_SEARCH", ""), ("POST", "/idx/_Search", ""), ("POST", "/idx/doc/_SEARCH", ""),
    ("POST", "/%5Fbulk", ""), ("POST", "/idx/%5Fbulk", ""), ("POST", "/_BULK", ""),
    # empty segments: '//_bulk' is /{index}/_bulk with index ''
    ("POST", "//_bulk", ""), ("POST", "/idx//_bulk", ""), ("POST", "//idx/_update/1", ""),
    ("POST", "/_search//", "refresh=true"),
    # dot segments and their encodings are resolved before the rule
    ("POST", "/_search/%2E%2E/_bulk", ""), ("POST", "/_search/.%2e/_bulk", ""),
    # unknown routes under names no index has
    ("POST", "/_plugins/_foo/_search", ""), ("POST", "/_opendistro/_x/_search", ""), ("POST", "/_x/doc/_search", ""),
    ("POST", "/idx/_foo/_search", ""),
    # refresh on a read endpoint still refreshes
    ("POST", "/_mget", "refresh=true"), ("GET", "/idx/_doc/1", "refresh"),
    # releases: _all however spelled
    ("DELETE", "/_search/scroll/_all", ""), ("DELETE", "/_search/scroll/abc,_all", ""),
    ("DELETE", "/_search/scroll/%5Fall", ""), ("DELETE", "/_search/scroll", "scroll_id=x,_all"),
    ("DELETE", "/_search/point_in_time/_all", ""),
    ("DELETE", "/_search/scroll", "source=%7B%22scroll_id%22%3A%22abc%22%7D&source_content_type=application/json"),
    # SQL / PPL through Dashboards
    ("POST", "/_dashboards/internal/search/sql", ""), ("POST", "/_dashboards/internal/search/ppl", ""),
    ("POST", "/_dashboards/internal/search/sqlasync", ""), ("POST", "/_dashboards/internal/search/pplasync", ""),
    ("POST", "/_dashboards/internal/search/sql/abc", ""), ("POST", "/_dashboards/internal/search/SQL", ""),
    ("POST", "/_dashboards/internal/search/%73ql", ""),
    # short URLs write (their access count)
    ("GET", "/_dashboards/goto/abc", ""), ("GET", "/_plugin/kibana/goto/abc", ""), ("HEAD", "/_dashboards/goto/x", ""),
    # Kibana paths spelled so that the server that gets them is a guess
    ("POST", "//_dashboards/internal/search/es", ""), ("POST", "/_plugin%2Fkibana/internal/search/es", ""),
    ("POST", "/_dashboards/internal/search/es%2F..%2F..%2Fapi%2Fsaved_objects%2Fx", ""),
])
def test_issue_12_write_spellings_are_denied(method, path, query):
    assert denial(method, path, query)


@pytest.mark.parametrize("path", [
    "/idx/doc/%2F_search", "/idx/doc/%252F_search", "%2Fidx%2Fdoc%2F_search/../x", "/idx/_SEARCH", "//_bulk",
    "////_bulk", "/_search/%2e%2e/_bulk", "/_search/%2E./_bulk", "/_search/.%2E/_bulk", "/%5Fbulk",
    "/_sql?q=1", "/_plugins/_ppl", "/idx/_doc/1?refresh=true",
    "/_search/point_in_time/_all", "/idx/_foo/_search", "/_search#/x", "/x\\..\\_bulk",
])
def test_issue_12_console_proxy_carried_writes_are_denied(path):
    for method in ("POST", "PUT", "DELETE"):
        assert denial("POST", "/_dashboards/api/console/proxy", f"method={method}&path={quote(path, safe='')}")


@pytest.mark.parametrize("body", [
    b'{"scroll_id":"\\u005fall"}', b'{"scroll_id":["abc","\\u005f\\u0061ll"]}', b'{"scroll_id":"_all"}',
    b'{"scroll_id":"abc","scroll_id":"_all"}', b'{"scroll_id": /* c */ "_all"}', b'{"scroll_id":"abc"} x',
    b'{"scroll_id":"abc","other":1}', b'{"scroll_id":{"a":"_all"}}', b'["_all"]', b'\xff\xfe{}',
    b'{"pit_id":["_all"]}', b'{"id":"_all"}', b'{"scroll_id":"x,_all"}', b"scroll_id: _all",
])
def test_issue_12_release_bodies_are_parsed_not_searched(body):
    assert readonly_denial("DELETE", "/_search/scroll", "", set(), body, "application/json")
    assert denial_console("DELETE", "/_search/scroll", body)


def test_issue_12_release_body_needs_a_json_content_type():
    assert readonly_denial("DELETE", "/_search/scroll", "", set(), b'{"scroll_id":"abc"}', "application/yaml")
    assert readonly_denial("DELETE", "/_search/scroll", "", set(), b'{"scroll_id":"abc"}', "application/json") is None


def denial_console(method, path, body, content_type="application/json"):
    return readonly_denial("POST", "/_dashboards/api/console/proxy",
                           canonical_query(f"method={method}&path={quote(path, safe='')}"), set(), body, content_type)


@pytest.mark.parametrize("strategy,allowed", [
    (None, True), ("es", True), ("opensearch", True), ("ese", True), ("sql", False), ("pplasync", False),
    ("SQL", False),  # write routes are matched ignoring case, in case a router folds it
])
def test_issue_12_bsearch_strategies_are_judged_like_internal_search(strategy, allowed):
    item = {"request": {"params": {}}, "options": {} if strategy is None else {"strategy": strategy}}
    body = json.dumps({"batch": [{"request": {}}, item]}).encode()
    reason = readonly_denial("POST", "/_dashboards/internal/bsearch", "", set(), body, "application/json")
    assert (reason is None) == allowed


@pytest.mark.parametrize("body", [b"", b"not json", b'{"batch": {}}', b'{"batch": [{"options": {"strategy": 1}}]}',
                                  b'{"batch":[{"options":{"strategy":"\\u0073ql"}}]}'])
def test_issue_12_bsearch_bodies_that_cannot_be_read_are_denied(body):
    assert readonly_denial("POST", "/_plugin/kibana/internal/bsearch", "", set(), body, "application/json")


@pytest.mark.parametrize("method,path,query", [
    ("POST", "/_plugin/kibana/api/core/capabilities", ""), ("POST", "/_dashboards/api/core/capabilities", ""),
    ("POST", "/_plugin/kibana/api/kibana/suggestions/values/logs-*", ""),
    ("POST", "/_plugin/kibana/api/metrics/vis/data", ""), ("POST", "/_plugin/kibana/api/timelion/run", ""),
    ("POST", "/_dashboards/api/timeline/run", ""), ("POST", "/_dashboards/api/saved_objects/_export", ""),
    ("POST", "/_plugin/kibana/elasticsearch/_msearch", ""), ("POST", "/_plugin/kibana/elasticsearch/logs/_search", ""),
    ("POST", "/_dashboards/internal/search/es/abc", ""),
    ("GET", "/_dashboards/app/home", ""), ("GET", "/_dashboards/api/saved_objects/_find", "type=dashboard"),
    ("POST", "/_analyze", ""), ("POST", "/logs/_analyze", ""), ("POST", "/_all/_search", ""),
    ("POST", "/idx/doc/a%2Fb/_explain", ""),
    ("POST", "/idx/doc/_count", ""), ("POST", "/logs/_search", "q=_id:x"), ("POST", "/a%2Cb/_search", ""),
    ("GET", "/idx/_doc/a%2Fb", ""), ("GET", "/_nodes/stats", ""), ("GET", "/_upgrade", ""),
    ("GET", "/_search/point_in_time/_all", ""), ("HEAD", "/idx", ""),
    ("DELETE", "/_search/scroll/abc", ""), ("DELETE", "/_search/scroll", "scroll_id=a,b"),
    ("POST", "/_search/scroll/abc", ""), ("POST", "/_render/template/t1", ""),
    ("POST", "/_dashboards/api/console/proxy", "method=POST&path=%2Fidx%2F_doc%2Fa%252Fb%2F_explain"),
    ("POST", "/_dashboards/api/console/proxy", "method=GET&path=%2F%2F_cat%2Findices%3Fv"),
    ("POST", "/_dashboards/api/console/proxy", "method=HEAD&path=idx"),
])
def test_issue_12_reads_are_allowed(method, path, query):
    assert denial(method, path, query) is None


def test_issue_12_console_proxy_release_with_a_body_is_judged():
    assert denial_console("DELETE", "/_search/scroll/_all", b"")
    assert denial_console("DELETE", "/_search/scroll/x,_all", b"")
    assert denial_console("DELETE", "/_search/scroll", b'{"scroll_id":"abc"}') is None
    assert denial_console("DELETE", "/_search/scroll", b'{"scroll_id":"\\u005fall"}')


@pytest.mark.parametrize("body", [b'{"scroll_id": "_all"}', b"{bad", b'{"scroll_id": 1}'])
def test_parse_json_is_strict(body):
    if body.startswith(b"{bad"):
        with pytest.raises(ValueError):
            parse_json(body, "application/json")
    else:
        parse_json(body, None)


def test_safe_to_repeat_follows_the_rule():
    assert safe_to_repeat("POST", "/logs/_search") and safe_to_repeat("POST", "/_plugin/kibana/internal/search/es")
    assert not safe_to_repeat("POST", "/logs/_doc") and not safe_to_repeat("POST", "/idx/doc/%2F_search")
    assert not safe_to_repeat("POST", "/_dashboards/api/console/proxy")
    assert not safe_to_repeat("PATCH", "/_search")


@pytest.mark.parametrize("header", ["kbn-version", "osd-version"])
def test_version_headers_count_as_xsrf_proof(header):
    from access_es.access import cross_site_denial

    assert cross_site_denial("POST", {header: "7.10.2"}, "proxy.example") is None
    assert cross_site_denial("POST", {header: "7.10.2", "Sec-Fetch-Site": "cross-site"}, "proxy.example")


def test_the_route_data_is_well_formed():
    """What the matcher relies on: route literals spelled in unreserved characters only (so comparing
    with the decoded segment is comparing with the strict one we send), known methods, a source each."""
    import re

    from access_es.es_endpoints import ES_ENDPOINTS
    from access_es.kibana_routes import KIBANA_ROUTES

    for record in ES_ENDPOINTS + KIBANA_ROUTES:
        assert record.method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"), record
        assert record.source and record.products, record
        for pattern in Pattern.parse(record.path):
            assert all(p is None or re.fullmatch(r"[A-Za-z0-9._~-]+", p) for p in pattern.parts), record
    keys = [(r.method, r.path) for r in ES_ENDPOINTS]
    assert len(keys) == len(set(keys))
    # the products' definitions, not a hand-made list: each of the four is there
    for product in ("es 6.8", "es 7.10", "os 1.x", "os 2.x"):
        assert sum(product in r.products for r in ES_ENDPOINTS) > 100, product


@pytest.mark.parametrize("path", ["/_dashboards/api/console%2Fproxy", "/_dashboards/API/console/proxy",
                                  "/_plugin/kibana/api/Console/proxy", "/_dashboards/api/console/proxy%2F"])
def test_the_console_proxy_is_judged_by_what_it_carries_only_when_spelled_exactly(path):
    """Another spelling is not known to reach the console proxy: it stays what the route data says
    of the console proxy itself, a write, refused (never judged by the harmless request it carries)."""
    assert readonly_denial("POST", upstream_path(path), canonical_query("method=GET&path=%2F_search"),
                           {"osd-xsrf"}, b"") is not None
    assert readonly_denial("POST", upstream_path("/_dashboards/api/console/proxy"),
                           canonical_query("method=GET&path=%2F_search"), {"osd-xsrf"}, b"") is None


# Reads that only some products have: another product routes the same request to a write (ES 6.8
# reads `POST /logs/_explain/1` as `POST /{index}/{type}/{id}`: it indexes document 1, creating the
# index), and the rule does not know which product the upstream is, so it refuses them (README,
# "How a request is judged"). GET forms with a body still work where the product has them.
@pytest.mark.parametrize("method,path,query", [
    ("POST", "/logs/_async_search", ""), ("POST", "/logs/_pit", "keep_alive=1m"),
    ("POST", "/logs/_search/point_in_time", "keep_alive=1m"), ("POST", "/logs/_termvectors/1", ""),
    ("POST", "/logs/_explain/1", ""), ("DELETE", "/_pit", ""), ("DELETE", "/_search/point_in_time", ""),
    ("POST", "/idx/_explain/a%2Fb", ""), ("POST", "/idx/_explain/_x", ""),
    ("POST", "/idx/_search/point_in_time", "keep_alive=1m"), ("POST", "/_security/user/_has_privileges", ""),
    ("POST", "/logs/doc/_rollup_search", ""),
])
def test_reads_of_one_product_that_another_routes_to_a_write_are_refused(method, path, query):
    assert denial(method, path, query) is not None

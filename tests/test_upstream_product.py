"""The readonly rule judged against the upstream's own product: what `GET /` says it is (pure), what
each product's routes make of the reads only some products have, and how the proxy learns it (once
per process, only when a verdict depends on it, strict when it cannot)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import requests

from access_es.access import ES_PRODUCTS, product_could_allow, products_for, readonly_denial
from access_es.errors import UpstreamUnreachable
from access_es.proxy.product import RETRY_AFTER_S, UpstreamProduct
from access_es.proxy.request import canonical_query, upstream_path
from access_es.standin.domain import Reply, StandIn
from testbed.proxy import start_proxy, stop_proxy
from tests.conftest import PASSWORDS, REGION

AMAZON_ES_710 = {"version": {"number": "7.10.2", "build_flavor": "oss", "build_type": "tar"}}
AMAZON_ES_68 = {"version": {"number": "6.8.0", "build_flavor": "oss"}}
AMAZON_ES_56 = {"version": {"number": "5.6.16"}}
ELASTIC_710 = {"version": {"number": "7.10.2", "build_flavor": "default"}}
OPENSEARCH_13 = {"version": {"distribution": "opensearch", "number": "1.3.20"}}
OPENSEARCH_211 = {"version": {"distribution": "opensearch", "number": "2.11.0"}}
OPENSEARCH_3 = {"version": {"distribution": "opensearch", "number": "3.1.0"}}


@pytest.mark.parametrize("banner, products", [
    (AMAZON_ES_710, ("es 7.10", "os 1.x", "os 2.x")),  # or OpenSearch in compatibility mode
    (AMAZON_ES_68, ("es 6.8",)),
    ({"version": {"number": "6.2.3"}}, ("es 6.8",)),   # before build_flavor: no x-pack on Amazon
    (ELASTIC_710, ("es 7.10 x-pack",)),
    (OPENSEARCH_13, ("os 1.x",)),
    (OPENSEARCH_211, ("os 2.x",)),
    (OPENSEARCH_3, ("os 2.x",)),
    (AMAZON_ES_56, None),
    ({"version": {"number": "8.11.0", "build_flavor": "default"}}, None),
    ({"version": {"number": "7.10.2", "distribution": "opensearch-standin"}}, None),
    ({"version": {"number": "latest"}}, None),
    ({"version": "7.10.2"}, None),
    ([], None),
    ({}, None),
])
def test_products_from_the_banner(banner, products):
    assert products_for(banner) == products


def denial(method, raw_path, products, body=b"{}", raw_query=""):
    return readonly_denial(method, upstream_path(raw_path), canonical_query(raw_query), set(), body,
                           "application/json", products)


AMAZON_7 = products_for(AMAZON_ES_710)


# Reads that only some products serve; every product judged together refuses them (another routes
# the same path to a write). Judged against the upstream's own product, they pass where they are reads.
@pytest.mark.parametrize("method, path, body, reads_on", [
    ("POST", "/logs/_explain/1", b'{"query":{"match_all":{}}}', [AMAZON_7, ("os 1.x",), ("os 2.x",)]),
    ("POST", "/logs/_termvectors/1", b"{}", [AMAZON_7, ("os 2.x",)]),
    ("POST", "/logs/_termvectors", b"{}", [AMAZON_7, ("os 2.x",)]),
    ("POST", "/logs/_pit", b"", [("es 7.10 x-pack",)]),
    ("POST", "/_index_template/_simulate_index/logs-1", b"{}", [AMAZON_7, ("os 2.x",)]),  # ES 6.8: a typed write
    ("POST", "/logs/_async_search", b"{}", [("es 7.10 x-pack",)]),
    ("POST", "/logs/_search/point_in_time", b"", [("os 2.x",)]),
    ("DELETE", "/_search/point_in_time", b'{"pit_id":["abc"]}', [("os 2.x",)]),
    ("POST", "/_security/user/_has_privileges", b'{"index":[]}', [("es 7.10 x-pack",)]),
])
def test_reads_of_some_products_pass_on_those(method, path, body, reads_on):
    assert denial(method, path, None, body), "every product together refuses it"
    assert product_could_allow(method, upstream_path(path), "", set(), body, "application/json")
    for products in reads_on:
        assert denial(method, path, products, body) is None, products


# ... and stay refused where the path routes to a write, or to nothing we know.
@pytest.mark.parametrize("method, path, refused_on", [
    ("POST", "/logs/_pit", [AMAZON_7, ("es 6.8",), ("os 1.x",), ("os 2.x",)]),            # typed write / unknown
    ("POST", "/logs/_async_search", [AMAZON_7, ("es 6.8",), ("es 6.8 x-pack",)]),
    ("POST", "/logs/_explain/1", [("es 6.8",), ("es 6.8 x-pack",)]),                      # /{index}/{type}/{id}
    ("POST", "/logs/doc/_rollup_search", [AMAZON_7, ("es 6.8",), ("os 1.x",), ("os 2.x",)]),
    ("POST", "/logs/_search/point_in_time", [AMAZON_7, ("es 6.8",), ("os 1.x",)]),
    ("POST", "/logs/_terms_enum", [AMAZON_7, ("os 1.x",), ("os 2.x",)]),                  # only opensearch-py 1.x's ghost
])
def test_writes_of_other_products_stay_refused(method, path, refused_on):
    for products in refused_on:
        assert denial(method, path, products), products


def test_writes_everywhere_are_not_worth_learning_the_product():
    for method, path in [("PUT", "/logs/_doc/1"), ("GET", "/_flush"), ("POST", "/_bulk"), ("DELETE", "/logs")]:
        assert not product_could_allow(method, path, "", set(), b"{}", "application/json")
    assert all(denial("POST", "/logs/_doc/1", (p,)) for p in ES_PRODUCTS)


# ---- learning it: one `GET /` per process, cached ------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Banner:
    """An upstream whose `GET /` answers as told, counting the questions."""

    def __init__(self, status=200, body=OPENSEARCH_211, error=None):
        self.status, self.body, self.error, self.asked = status, body, error, 0

    def send(self, method, path, query, headers, body, repeatable):
        assert (method, path, query, body) == ("GET", "/", "", b"")
        self.asked += 1
        if self.error:
            raise self.error
        data = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        return SimpleNamespace(status=self.status, body=data, stream=None)


def test_the_product_is_asked_once_and_kept_an_hour():
    clock, upstream = Clock(), Banner()
    product = UpstreamProduct("es", clock=clock)
    assert product.known() is None
    assert product.learn(upstream) == ("os 2.x",) and product.known() == ("os 2.x",)
    assert product.learn(upstream) == ("os 2.x",) and upstream.asked == 1
    clock.now += 3599
    assert product.known() == ("os 2.x",)
    clock.now += 2
    assert product.known() is None  # an upgrade may have changed it
    product.learn(upstream)
    assert upstream.asked == 2


@pytest.mark.parametrize("upstream", [
    Banner(status=403, body={"message": "not authorized"}),
    Banner(body=b"<html>maintenance</html>"),
    Banner(body={"version": {"number": "7.10.2", "distribution": "opensearch-standin"}}),
    Banner(error=UpstreamUnreachable("connection refused")),
], ids=["403", "not-json", "unknown-product", "unreachable"])
def test_an_upstream_that_cannot_say_is_judged_strictly_and_asked_again_a_minute_later(upstream, caplog):
    clock = Clock()
    product = UpstreamProduct("es", clock=clock)
    assert product.learn(upstream) is None and product.known() is None
    assert product.learn(upstream) is None and upstream.asked == 1
    assert "upstream_product_unknown" in caplog.text and "every product" in caplog.text
    clock.now += RETRY_AFTER_S + 1
    product.learn(upstream)
    assert upstream.asked == 2


def test_the_stand_in_knows_the_banner_request_for_what_it_is():
    from access_es.proxy.product import USER_AGENT
    from access_es.standin.domain import PRODUCT_CHECK_AGENT

    assert USER_AGENT.startswith(PRODUCT_CHECK_AGENT)


def test_serverless_is_opensearch_2_without_asking():
    product = UpstreamProduct("aoss")
    assert product.known() == ("os 2.x",) and product.learn(None) == ("os 2.x",)


# ---- on the wire: a readonly partner's point in time on OpenSearch 2 ------------------------------

@pytest.fixture
def opensearch2(keys, accounts_file, tmp_path):
    """`access-es serve` (one process) in front of a stand-in whose banner says OpenSearch 2.11."""
    with StandIn(keys, region=REGION) as stand:
        def banner_or_builtin(req):
            if req.segments:
                return stand._builtin(req)
            return Reply.json(OPENSEARCH_211)
        stand.route("/", banner_or_builtin)
        running = start_proxy(tmp_path, stand.url, accounts_file, args=("--processes", "1"))
        try:
            yield running, stand
        finally:
            stop_proxy(running)


def test_a_partner_opens_a_point_in_time_on_opensearch_2(opensearch2):
    running, stand = opensearch2
    bob = requests.Session()
    bob.auth = ("bob", PASSWORDS["bob"])
    stand.route("/logs/_search/point_in_time", lambda req: Reply.json({"pit_id": "p1"}))
    for _ in range(3):
        r = bob.post(running.url + "/logs/_search/point_in_time", params={"keep_alive": "1m"}, timeout=10)
        assert r.status_code == 200 and r.json() == {"pit_id": "p1"}
    # still refused: a document write, however it is spelled
    assert bob.post(running.url + "/logs/_doc/_search", json={}, timeout=10).status_code == 403
    seen = [(s.method, s.target.split("?")[0]) for s in stand.seen]
    assert stand.product_checks == 1 and ("GET", "/") not in seen  # asked once, when first needed
    assert seen.count(("POST", "/logs/_search/point_in_time")) == 3
    assert ("POST", "/logs/_doc/_search") not in seen
    assert all(s.verified for s in stand.seen)
    assert '"upstream_product"' in running.log_path.read_text()

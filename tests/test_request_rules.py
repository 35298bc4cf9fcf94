"""The pure request transformations: what the upstream gets for what the client sent."""
import pytest

from access_es.errors import BadRequest
from access_es.proxy.request import (
    canonical_query, decoded_segments, query_pairs, raw_path_of, strip_cookie, upstream_headers, upstream_path,
)


@pytest.mark.parametrize("raw,expected", [
    ("", ""),
    ("a=1", "a=1"),
    ("b=2&a=1&a=0", "b=2&a=1&a=0"),                   # order and duplicates kept
    ("q=a+b", "q=a%20b"),                              # + is a space
    ("q=a%20b", "q=a%20b"),
    ("q=1%2B1", "q=1%2B1"),                            # a literal plus stays a plus
    ("q=a*b", "q=a%2Ab"),                              # reserved characters are encoded
    ("q=a%2ab", "q=a%2Ab"),                            # upper-case hex
    ("q=%41", "q=A"),                                  # unreserved characters are not
    ("q=caf\xc3\xa9", "q=caf%C3%A9"),                  # raw UTF-8 bytes (latin-1 text in WSGI)
    ("q=caf%C3%A9", "q=caf%C3%A9"),
    ("pretty", "pretty"),                              # a bare key stays bare
    ("pretty=", "pretty="),
    ("a=1&&b=2&", "a=1&b=2"),                          # empty pieces carry nothing
    ("x=a%26b%3Dc", "x=a%26b%3Dc"),                    # encoded & and = stay inside the value
    ("k%20y=v", "k%20y=v"),
    ("a=b=c", "a=b%3Dc"),
    ("q=~-_.", "q=~-_."),
    ("filter_path=hits.hits._source,took", "filter_path=hits.hits._source%2Ctook"),
    ("q=@timestamp:[now-1d TO now]", "q=%40timestamp%3A%5Bnow-1d%20TO%20now%5D"),
])
def test_canonical_query(raw, expected):
    assert canonical_query(raw) == expected


@pytest.mark.parametrize("raw", ["q=%zz", "q=%", "q=%4", "%g0=1"])
def test_invalid_percent_encoding_is_a_400(raw):
    with pytest.raises(BadRequest, match="percent-encoding"):
        canonical_query(raw)


def test_non_utf8_query_is_a_400():
    with pytest.raises(BadRequest, match="UTF-8"):
        canonical_query("q=%FF")


def test_canonical_query_is_idempotent():
    for raw in ["q=a+b&x=%2B&y=*&z=caf%C3%A9&w", "a=%26&b=%3D%3D"]:
        once = canonical_query(raw)
        assert canonical_query(once) == once


def test_query_pairs_decode():
    assert query_pairs("q=a%20b&x=%2B&w") == [("q", "a b"), ("x", "+"), ("w", "")]


@pytest.mark.parametrize("raw,expected", [
    ("/", "/"),
    ("", "/"),
    ("/logs-*/_search", "/logs-%2A/_search"),
    ("/a,b/_search", "/a%2Cb/_search"),
    ("/idx/_doc/a:b", "/idx/_doc/a%3Ab"),
    ("/idx/_doc/a%2Fb", "/idx/_doc/a%2Fb"),            # an encoded slash stays in its segment
    ("/idx//_search", "/idx//_search"),                # '//' kept
    ("/caf\xc3\xa9/_doc/1", "/caf%C3%A9/_doc/1"),       # raw non-ASCII
    ("/caf%c3%a9/_doc/1", "/caf%C3%A9/_doc/1"),
    ("/%7Euser/%41", "/~user/A"),                       # unreserved decoded
    ("/a/./b/../c", "/a/c"),
    ("/a/b/..", "/a/"),
    ("/..", "/"),
    ("/../../etc", "/etc"),
    ("/a/%2e%2e/_bulk", "/_bulk"),                     # encoded dots are dots
    ("/a b", "/a%20b"),
    ("/_dashboards/app/home", "/_dashboards/app/home"),
])
def test_upstream_path(raw, expected):
    assert upstream_path(raw) == expected


def test_upstream_path_rejects_bad_escapes():
    with pytest.raises(BadRequest):
        upstream_path("/idx/%zz")


def test_decoded_segments_see_what_elasticsearch_routes():
    assert decoded_segments("/%5Fbulk") == ["_bulk"]
    assert decoded_segments("/idx/_doc/a%2Fb") == ["idx", "_doc", "a", "b"]
    assert decoded_segments("//x//y/") == ["x", "y"]


@pytest.mark.parametrize("uri,path_info,script,expected", [
    ("/a%2Fb?x=1", "/a/b", "", "/a%2Fb"),
    ("//idx//_search", "/idx//_search", "", "//idx//_search"),
    ("http://evil.example/idx/_search?x", "/idx/_search", "", "/idx/_search"),  # absolute-form: path only
    ("/dev/idx/_search", "/idx/_search", "/dev", "/idx/_search"),                # a mount prefix
    ("/dev", "", "/dev", "/"),
    (None, "/caf\xc3\xa9/x y", "", "/caf%C3%A9/x%20y"),                            # no raw target
    ("/x#frag", "/x", "", "/x"),
])
def test_raw_path_of(uri, path_info, script, expected):
    assert raw_path_of(uri, path_info, script) == expected


def test_strip_cookie_keeps_the_others():
    assert strip_cookie("a=1; access_es_session=xyz; securitytenant=global", "access_es_session") == \
        "a=1; securitytenant=global"
    assert strip_cookie("access_es_session=xyz", "access_es_session") == ""
    assert strip_cookie("x_access_es_session=1", "access_es_session") == "x_access_es_session=1"


def test_upstream_headers():
    headers = [
        ("Host", "proxy.example"), ("Authorization", "Basic YTpi"), ("X-Amz-Date", "20200101T000000Z"),
        ("X-Amz-Security-Token", "client-token"), ("x-amz-content-sha256", "abc"),
        ("Connection", "keep-alive, X-Secret-Hop"), ("X-Secret-Hop", "1"), ("Keep-Alive", "timeout=5"),
        ("TE", "trailers"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"), ("Proxy-Authorization", "x"),
        ("Content-Length", "12"), ("Expect", "100-continue"), ("Date", "Tue, 01 Jan 2030 00:00:00 GMT"),
        ("Cookie", "access_es_session=secret; securitytenant=global"),
        ("kbn-xsrf", "true"), ("osd-xsrf", "true"), ("kbn-version", "7.10.2"), ("securitytenant", "global"),
        ("Content-Type", "application/json"), ("Accept", "application/json"), ("Accept-Encoding", "gzip"),
        ("Accept-Language", "en"), ("X-Opaque-Id", "abc"),
    ]
    out = upstream_headers(headers, "access_es_session")
    assert out == [
        ("Cookie", "securitytenant=global"),
        ("kbn-xsrf", "true"), ("osd-xsrf", "true"), ("kbn-version", "7.10.2"), ("securitytenant", "global"),
        ("Content-Type", "application/json"), ("Accept", "application/json"), ("Accept-Encoding", "gzip"),
        ("Accept-Language", "en"), ("X-Opaque-Id", "abc"),
    ]


def test_cookie_header_with_only_our_cookie_is_dropped():
    assert upstream_headers([("Cookie", "access_es_session=x")], "access_es_session") == []


def test_strip_cookie_handles_joined_cookie_headers():
    # two Cookie headers joined by the server with ", "
    assert strip_cookie("a=1, access_es_session=S", "access_es_session") == "a=1"
    assert strip_cookie("access_es_session=S, a=1; b=2", "access_es_session") == "a=1; b=2"


@pytest.mark.parametrize("raw", ["=v", "a=1&=", "="])
def test_empty_parameter_names_are_a_400(raw):
    with pytest.raises(BadRequest, match="empty name"):
        canonical_query(raw)

import pytest

from access_es.proxy.response import client_headers, rewrite_location

ENDPOINT = "https://search-x-abc.us-east-1.es.amazonaws.com"
ROOT = "https://kibana.example.com"


@pytest.mark.parametrize("location,expected", [
    (ENDPOINT + "/_dashboards/app/home", ROOT + "/_dashboards/app/home"),
    (ENDPOINT + ":443/_dashboards/?a=1#x", ROOT + "/_dashboards/?a=1#x"),           # default port is the same origin
    ("HTTPS://SEARCH-X-ABC.us-east-1.es.amazonaws.com/x", ROOT + "/x"),               # case-insensitive host
    ("//search-x-abc.us-east-1.es.amazonaws.com/y", ROOT + "/y"),                     # scheme-relative
    (ENDPOINT, ROOT + "/"),
    ("/_dashboards/login", "/_dashboards/login"),                                     # relative: already ours
    ("login?next=x", "login?next=x"),
    ("http://search-x-abc.us-east-1.es.amazonaws.com/x", "http://search-x-abc.us-east-1.es.amazonaws.com/x"),
    (ENDPOINT + ":8443/x", ENDPOINT + ":8443/x"),                                     # another origin
    ("https://evil.example/x", "https://evil.example/x"),
    ("https://s3.amazonaws.com/bucket/key?X-Amz-Signature=1", "https://s3.amazonaws.com/bucket/key?X-Amz-Signature=1"),
])
def test_rewrite_location(location, expected):
    assert rewrite_location(location, ENDPOINT, ROOT) == expected


def test_rewrite_location_keeps_a_mount_prefix():
    assert rewrite_location(ENDPOINT + "/_plugin/kibana/", ENDPOINT, "https://abc.execute-api.example/dev") == \
        "https://abc.execute-api.example/dev/_plugin/kibana/"


def test_rewrite_location_survives_garbage():
    assert rewrite_location("http://[::1", ENDPOINT, ROOT) == "http://[::1"


def test_client_headers_drop_hop_by_hop_and_keep_duplicates():
    headers = [
        ("Content-Type", "application/json"), ("Content-Length", "10"), ("Content-Encoding", "gzip"),
        ("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"),
        ("Upgrade", "h2c"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ("Warning", '299 Elasticsearch "deprecated"'), ("x-amzn-RequestId", "r1"),
    ]
    assert client_headers(headers) == [
        ("Content-Type", "application/json"), ("Content-Length", "10"), ("Content-Encoding", "gzip"),
        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Warning", '299 Elasticsearch "deprecated"'),
        ("x-amzn-RequestId", "r1"),
    ]


@pytest.mark.parametrize("headers,expected", [
    ([("Content-Length", "2, 2")], [("Content-Length", "2")]),                       # one value, listed twice
    ([("Content-Length", "2"), ("Content-Length", "2")], [("Content-Length", "2")]),
    ([("Content-Length", "2"), ("Content-Length", "3")], []),                         # conflicting: we count
    ([("Transfer-Encoding", "chunked"), ("Content-Length", "3")], []),                 # TE wins (RFC 9112 6.3)
    ([("Content-Length", "x")], []),
])
def test_content_length_describes_the_body_we_send(headers, expected):
    assert client_headers(headers) == expected

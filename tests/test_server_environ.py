"""The server's pure parts: a parsed head as a WSGI environ, and the heads refused before the app."""
from __future__ import annotations

import h11
import pytest

from access_es.errors import BadRequest
from access_es.server.environ import body_length, build_environ, head_problem, request_problem
from access_es.server.limits import MAX_REQUEST_BODY


def parse(head: bytes) -> h11.Request:
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(head)
    return conn.next_event()


def environ_of(head: bytes, trust_proxy: int = 0) -> dict:
    return build_environ(parse(head), client=("192.0.2.7", 50123), server=("127.0.0.1", 9200),
                         trust_proxy=trust_proxy, multiprocess=True)


def test_the_raw_target_stays_raw_and_the_path_is_decoded_for_routing():
    env = environ_of(b"GET /idx/_doc/a%2Fb?q=%2F&q=2 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert env["REQUEST_URI"] == "/idx/_doc/a%2Fb?q=%2F&q=2"
    assert env["PATH_INFO"] == "/idx/_doc/a/b" and env["QUERY_STRING"] == "q=%2F&q=2"
    assert (env["REMOTE_ADDR"], env["REMOTE_PORT"]) == ("192.0.2.7", "50123")
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1" and env["wsgi.input_terminated"] is True


def test_a_non_utf8_path_byte_survives_as_latin1():
    assert environ_of(b"GET /%FF HTTP/1.1\r\nHost: h\r\n\r\n")["PATH_INFO"] == "/\xff"


@pytest.mark.parametrize("target, path", [(b"*", "/"), (b"http://h:1/a/b?c", "/a/b"), (b"http://h", "/")])
def test_asterisk_and_absolute_forms(target, path):
    env = environ_of(b"OPTIONS " + target + b" HTTP/1.1\r\nHost: h\r\n\r\n")
    assert env["PATH_INFO"] == path and env["REQUEST_URI"] == target.decode()


def test_repeated_headers_are_joined_cookies_with_semicolons():
    env = environ_of(b"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\nCookie: a=1\r\nCookie: b=2\r\n"
                     b"Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n")
    assert env["HTTP_X_A"] == "1, 2" and env["HTTP_COOKIE"] == "a=1; b=2"
    assert env["CONTENT_TYPE"] == "text/plain" and env["CONTENT_LENGTH"] == "0"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env


def test_a_chunked_body_reaches_the_app_without_its_coding():
    env = environ_of(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert "HTTP_TRANSFER_ENCODING" not in env and "CONTENT_LENGTH" not in env


def test_forwarded_headers_only_when_trusted():
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.1\r\nForwarded: for=x\r\n\r\n"
    assert not [k for k in environ_of(head) if "FORWARDED" in k]
    assert environ_of(head, trust_proxy=1)["HTTP_X_FORWARDED_FOR"] == "203.0.113.1"


def test_folded_header_lines_are_a_problem():
    assert isinstance(head_problem(b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), BadRequest)
    assert isinstance(head_problem(b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n"), BadRequest)
    assert head_problem(b"GET / HTTP/1.1\r\nHost: h\r\nX: a b\r\n\r\n") is None


@pytest.mark.parametrize("head, problem", [
    (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", None),
    (b"GET / HTTP/1.0\r\n\r\n", None),
    (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", BadRequest),
    (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", BadRequest),
    # a body over the limit is refused when the app asks for it, after authentication (exchange.py)
    (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % (MAX_REQUEST_BODY + 1), None),
])
def test_request_problems(head, problem):
    found = request_problem(parse(head))
    assert (type(found) if found else None) is problem


def test_a_path_with_a_scheme_inside_is_not_an_absolute_form_target():
    env = environ_of(b"GET /u/_doc/http://x/_access-es/health HTTP/1.1\r\nHost: h\r\n\r\n")
    assert env["PATH_INFO"] == "/u/_doc/http://x/_access-es/health"


@pytest.mark.parametrize("head, length", [
    (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0),
    (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n", 12),
    (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", None),
])
def test_body_length_as_the_head_declares_it(head, length):
    assert body_length(parse(head)) == length

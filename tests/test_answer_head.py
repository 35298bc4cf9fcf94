"""The upstream answer's header reader (access_es/proxy/answer_head.py) reads every head exactly as
http.client's own parse_headers does: same headers, order, duplicates, payload and defects."""
from __future__ import annotations

import http.client
import io

import pytest
from hypothesis import given, settings, strategies as st

from access_es.proxy.answer_head import AnswerHead, parse_headers

SAMPLES = [
    b"Content-Type: application/json\r\nContent-Length: 282\r\nX-A:  b  \r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n",
    b"Date: x\r\n\r\n", b"\r\n", b"", b"A: b", b"A: b\r\n", b"A: \xe9t\xe9\r\n\n", b"A:b\r\n\r\n", b"A:\tb \t\r\n\r\n",
    b"Bad Header: x\r\nB: y\r\n\r\n", b"A: x\r\n folded\r\nB: y\r\n\r\n", b"A: x\ry\r\n\r\n", b"From me\r\n\r\n",
    b":x\r\n\r\n", b"A: 1\r\n\r\nbody after the head\r\n",
]


def same_reading(head: bytes) -> None:
    ours, theirs = parse_headers(io.BytesIO(head)), http.client.parse_headers(io.BytesIO(head))
    assert isinstance(ours, http.client.HTTPMessage)
    assert ours.items() == theirs.items() and ours._headers == theirs._headers
    for name in {name.lower() for name, _ in theirs._headers} | {"content-length", "x-absent"}:
        assert ours.get(name) == theirs.get(name) and ours.get_all(name) == theirs.get_all(name)
        assert (name in ours) == (name in theirs) and ours[name] == theirs[name]
    assert ours.get_payload() == theirs.get_payload() and ours.get_unixfrom() == theirs.get_unixfrom()
    assert [type(d) for d in ours.defects] == [type(d) for d in theirs.defects]


@pytest.mark.parametrize("head", SAMPLES)
def test_known_heads_are_read_as_http_client_reads_them(head):
    same_reading(head)


LINE = st.one_of(
    st.tuples(st.text("ABCXYZabcxyz-_!#:", min_size=0, max_size=8), st.sampled_from([":", ": ", ":\t", " :"]),
              st.text("abc =;,\t\r\n\xe9\x00", max_size=10), st.sampled_from(["\r\n", "\n", "\r", ""]))
    .map(lambda t: "".join(t)),
    st.sampled_from([" folded\r\n", "\tfolded\r\n", "From x\r\n", "\r\n", "\n"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINE, max_size=6), st.sampled_from(["\r\n", "\n", ""]))
def test_any_head_is_read_as_http_client_reads_it(lines, end):
    same_reading(("".join(lines) + end).encode("iso-8859-1"))


def test_the_answer_class_is_http_clients_with_this_reader():
    assert issubclass(AnswerHead, http.client.HTTPResponse)
    assert AnswerHead.begin.__code__ is http.client.HTTPResponse.begin.__code__
    assert AnswerHead.begin.__globals__["parse_headers"] is parse_headers

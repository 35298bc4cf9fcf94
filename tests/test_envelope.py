"""The envelope rule against Zappa's real handler: for every kind of answer, our count equals the
size of what the handler returns, serialised as the Lambda runtime does."""
import gzip
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from access_es.overflow.envelope import EnvelopeRule, envelope_size, fits, is_base64, smallest_envelope

from .zappa_harness import handler_for, payload_size, rest_event

CASES = {
    "json": ([("Content-Type", "application/json; charset=UTF-8")], json.dumps({"hits": ["a"] * 500}).encode()),
    "escape-heavy json": ([("Content-Type", "application/json")],
                          json.dumps({"q": 'a "quoted" \\ back\nslash\t' * 200, "u": "caf\u00e9 \u2713 \U0001F600"},
                                     ensure_ascii=False).encode()),
    "text": ([("Content-Type", "text/plain")], b"x" * 10_000),
    "control chars": ([("Content-Type", "text/plain")], bytes(range(32)) * 50),
    "binary": ([("Content-Type", "application/octet-stream")], bytes(range(256)) * 40),
    "gzip json": ([("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                  gzip.compress(b'{"a": 1}' * 1000)),
    "no content type": ([], b"plain body"),
    "upper-case json": ([("Content-Type", "APPLICATION/JSON")], b'{"a": 1}'),
    "empty": ([("Content-Type", "application/json")], b""),
    "cookies": ([("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2"),
                 ("Vary", "Cookie"), ("X-Dup", "1"), ("X-Dup", "2")], b"<p>hi</p>"),
}


@pytest.mark.parametrize("binary_support", [True, False])
@pytest.mark.parametrize("case", list(CASES))
def test_envelope_size_is_exact(case, binary_support):
    headers, body = CASES[case]
    if not binary_support and case in ("binary", "gzip json"):
        pytest.skip("Zappa cannot send a non-UTF-8 body without binary support")

    def wsgi(environ, start_response):
        start_response("200 OK", list(headers))
        return [body]

    handler = handler_for(wsgi, binary_support=binary_support, cookie_copies=True)
    result = handler.handler(rest_event("GET", "/x"), None)
    rule = EnvelopeRule(binary_support=binary_support, cookie_copies=True)
    assert envelope_size(200, headers, body, rule) == payload_size(result)
    assert smallest_envelope(200, headers, len(body), rule) <= payload_size(result)
    if is_base64(200, headers, rule):
        assert smallest_envelope(200, headers, len(body), rule) == payload_size(result)


def test_python312_runtimes_do_not_escape_unicode():
    headers, body = CASES["escape-heavy json"]

    def wsgi(environ, start_response):
        start_response("200 OK", list(headers))
        return [body]

    result = handler_for(wsgi).handler(rest_event("GET", "/x"), None)
    rule = EnvelopeRule(ensure_ascii=False)
    assert envelope_size(200, headers, body, rule) == payload_size(result, ensure_ascii=False)
    assert envelope_size(200, headers, body, rule) < envelope_size(200, headers, body, EnvelopeRule())


def test_a_text_body_that_is_not_utf8_cannot_be_sent_through_zappa():
    assert envelope_size(200, [("Content-Type", "text/plain")], b"\xff\xfe", EnvelopeRule()) is None


def test_without_zappas_cookie_copies_the_count_is_exact_too():
    headers, body = CASES["cookies"]

    def wsgi(environ, start_response):
        start_response("200 OK", list(headers))
        return [body]

    result = handler_for(wsgi).handler(rest_event("GET", "/x"), None)
    assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1", "b=2"]
    assert envelope_size(200, headers, body, EnvelopeRule()) == payload_size(result)


@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=100).map(lambda t: t.encode("utf-8")),
                      st.sampled_from([b"\x00" * 50, b'"' * 80, "\u2603".encode() * 40, "\U0001F600".encode() * 30])),
       content_type=st.sampled_from(["application/json", "text/plain; charset=utf-8", "application/octet-stream"]),
       ensure_ascii=st.booleans(), slack=st.integers(min_value=-200, max_value=1200))
def test_fits_agrees_with_the_exact_size(body, content_type, ensure_ascii, slack):
    """The shortcut (a text body whose worst-case escaping fits is not escaped) never changes the
    answer: limits around the exact size, worst cases (control characters, quotes, astral
    characters) included."""
    rule = EnvelopeRule(ensure_ascii=ensure_ascii)
    headers = [("Content-Type", content_type)]
    exact = envelope_size(200, headers, body, rule)
    limit = (exact or 500) + slack
    assert fits(200, headers, body, rule, limit) == (exact is not None and exact <= limit)


@given(pieces=st.lists(st.binary(max_size=120) | st.text(alphabet='a"\\\n\x00\x7f~', max_size=120).map(str.encode)
                      | st.text(max_size=40).map(lambda t: t.encode("utf-8"))
                      | st.sampled_from([b"\x00" * 50, b'"' * 80, b"x" * 100, "\u2603".encode() * 40]),
                      min_size=1, max_size=6),
       ensure_ascii=st.booleans(), slack=st.integers(min_value=-3, max_value=3) | st.integers(min_value=-300, max_value=1500))
@example(pieces=[b"a", b"\x00" * 100], ensure_ascii=True, slack=-1)  # the rest's worst case is what decides
@example(pieces=[b"x" * 100, b"\x00" * 20], ensure_ascii=True, slack=0)
def test_fits_on_the_chunks_agrees_with_the_exact_size_of_the_whole(pieces, ensure_ascii, slack):
    """An answer is judged on the chunks it was held in, counted only until the rest cannot matter
    (a chunk may split a UTF-8 character): the same verdict as the exact size of the joined body."""
    rule = EnvelopeRule(ensure_ascii=ensure_ascii)
    headers = [("Content-Type", "application/json")]
    exact = envelope_size(200, headers, b"".join(pieces), rule)
    limit = (exact or 500) + slack
    assert fits(200, headers, pieces, rule, limit) == (exact is not None and exact <= limit)


@given(pieces=st.lists(st.text(alphabet='a"\\\n\x00\x7f~', max_size=200).map(str.encode)
                      | st.sampled_from([b"\x00" * 50, b'"' * 80, b"x" * 100]), min_size=1, max_size=5),
       ensure_ascii=st.booleans(), least=st.integers(min_value=1, max_value=64),
       slack=st.integers(min_value=-3, max_value=3) | st.integers(min_value=-300, max_value=1500))
def test_an_ascii_body_counted_a_piece_at_a_time_gets_the_exact_verdict(pieces, ensure_ascii, least, slack):
    """Pieces cut from within chunks (as small as a byte) are counted as exactly as whole chunks."""
    from access_es.overflow.envelope import _ascii_fits, _ascii_json_size

    exact = sum(_ascii_json_size(p, ensure_ascii) for p in pieces)
    room = exact + slack
    assert _ascii_fits(pieces, room, ensure_ascii, least=least) == (exact <= room)


@given(text=st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200)
       | st.text(alphabet='a"\\\n\t\b\f\r\x00\x01\x1f\x7f ~', max_size=200),
       ensure_ascii=st.booleans())
def test_the_ascii_count_equals_jsons_own_escaping(text, ensure_ascii):
    from access_es.overflow.envelope import _ascii_json_size

    assert _ascii_json_size(text.encode(), ensure_ascii) == len(json.dumps(text, ensure_ascii=ensure_ascii)) - 2


# ---- the runtime's count: tests/zappa_harness.payload_size against the Lambda runtime's own encoder ----

RUNTIMES = ["AWS_Lambda_python3.11", "AWS_Lambda_python3.12", "AWS_Lambda_python3.13"]


def _runtime_size(result: dict, runtime: str, monkeypatch) -> int:
    """The size of `result` as the Lambda runtime interface client (awslambdaric, what the managed
    Python runtimes run) serialises it, under `runtime`."""
    from awslambdaric.lambda_runtime_marshaller import to_json

    monkeypatch.setenv("AWS_EXECUTION_ENV", runtime)
    return len(to_json(result).encode("utf-8"))


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("case", list(CASES))
def test_the_runtime_counts_what_the_envelope_rule_counts(case, runtime, monkeypatch):
    from access_es.overflow.envelope import lambda_rule

    headers, body = CASES[case]

    def wsgi(environ, start_response):
        start_response("200 OK", list(headers))
        return [body]

    result = handler_for(wsgi).handler(rest_event("GET", "/x"), None)
    rule = lambda_rule(runtime)
    assert _runtime_size(result, runtime, monkeypatch) == payload_size(result, ensure_ascii=rule.ensure_ascii) \
        == envelope_size(200, headers, body, rule)


@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
       runtime=st.sampled_from(RUNTIMES))
def test_the_runtime_escapes_any_text_as_the_envelope_rule_counts(text, runtime):
    from access_es.overflow.envelope import lambda_rule

    headers, body = [("Content-Type", "text/plain; charset=utf-8")], text.encode("utf-8")

    def wsgi(environ, start_response):
        start_response("200 OK", list(headers))
        return [body]

    result = handler_for(wsgi).handler(rest_event("GET", "/x"), None)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _runtime_size(result, runtime, monkeypatch) == envelope_size(200, headers, body, lambda_rule(runtime))

"""The upstream answer's head, read as http.client reads it, without its cost.

http.client parses a response's header lines with the `email` package (a feed parser, a policy, a
Message), which was about a tenth of the proxy's CPU per small answer. An answer's head whose every
line is a plain `Name: value` (a token before the colon, no folded or bare-CR line, the blank line
at its end) is read here directly into an HTTPMessage holding what the email parser would put in one: the same
names, values (leading blanks dropped, trailing ones kept), order and duplicates, and no defects.
Any other head (rare, or hostile) goes to the email parser as before, so nothing it would have read
differently is read here at all. The rest of http.client's reading (status line, 100 Continue,
limits, framing) is its own `HTTPResponse.begin`, run with this header reader.
"""
from __future__ import annotations

import email.parser
import http.client
import re
import types

_PLAIN_LINE = re.compile(r"([\x21-\x39\x3b-\x7e]+):([^\r\n]*)\r?\n")


def parse_headers(fp, _class=http.client.HTTPMessage) -> http.client.HTTPMessage:
    """http.client.parse_headers: the same reading (and limits: _read_headers), the same result."""
    lines = http.client._read_headers(fp)
    text = b"".join(lines).decode("iso-8859-1")
    if lines[-1] in (b"\r\n", b"\n") and _class is http.client.HTTPMessage:
        message = PlainHeaders()
        headers = []
        for line in lines[:-1]:
            plain = _PLAIN_LINE.fullmatch(line.decode("iso-8859-1"))
            if plain is None:
                break
            headers.append((plain.group(1), plain.group(2).lstrip(" \t")))
        else:
            message._headers = headers
            message.set_payload("")
            return message
    return email.parser.Parser(_class=_class).parsestr(text)


class PlainHeaders(http.client.HTTPMessage):
    """The HTTPMessage of a plain head: its values are latin-1 text, never holding the surrogates
    for which the email policy's header_fetch_parse would change a value, so they are returned as
    stored, without a policy call per header and per look-up (http.client and urllib3 look up and
    list an answer's headers several times)."""

    def items(self):
        return list(self._headers)

    def get(self, name, failobj=None):
        name = name.lower()
        for k, v in self._headers:
            if k.lower() == name:
                return v
        return failobj

    def get_all(self, name, failobj=None):
        name = name.lower()
        values = [v for k, v in self._headers if k.lower() == name]
        return values or failobj


class AnswerHead(http.client.HTTPResponse):
    """http.client's response, whose begin() (its own code) reads the header lines with
    parse_headers above."""

    begin = types.FunctionType(http.client.HTTPResponse.begin.__code__,
                               {**vars(http.client), "parse_headers": parse_headers}, "begin",
                               http.client.HTTPResponse.begin.__defaults__)


def connection_class(base: type) -> type:
    """urllib3's connection class (plain or TLS) whose answers are read by AnswerHead."""
    return type(base.__name__, (base,), {"response_class": AnswerHead})

"""The upstream stand-in for the large-answer bench, in a process of its own.

The stand-in domain (access_es/standin/, it verifies SigV4 like the real domain) with one more route:
`GET /_large/N?framing=chunked|length` answers N bytes of JSON text (a string of ASCII letters, so
Zappa's envelope holds it as text, one byte per byte), from a prebuilt 1 MiB block, chunked by
default. Its own process, so that the bench's client does not share a GIL with it and so that its
memory and CPU can be read from /proc as the no-proxy baseline.

    python bench/large_upstream.py      (prints its port on the first line; stops when stdin closes)
"""
from __future__ import annotations

import string
import sys

# kept lean: the stand-in and its verifier only (importing access_es loads nothing else), no pytest
from access_es.standin.domain import Reply, Request, StandIn
from access_es.standin.sigv4_verify import Credentials

MIB = 1024 * 1024
BLOCK = (string.ascii_letters.encode() * (MIB // len(string.ascii_letters) + 1))[:MIB]
HEAD, TAIL = b'{"blob":"', b'"}'


def json_body(total: int):
    """Exactly `total` bytes (at least 11) of {"blob":"..."} in pieces of at most 1 MiB."""
    yield HEAD
    left = total - len(HEAD) - len(TAIL)
    while left > 0:
        n = min(left, MIB)
        yield BLOCK[:n]
        left -= n
    yield TAIL


def large(req: Request) -> Reply:
    total = int(req.segments[1])
    length = total if req.param("framing") == "length" else None
    return Reply(200, [], json_body(total), content_type="application/json; charset=UTF-8",
                 declared_length=length)


def main() -> int:
    key_id, secret, token, region = sys.argv[1:5]
    standin = StandIn({key_id: Credentials(key_id, secret, token)}, region=region, sample_data=False)
    standin.route("/_large/", large)
    standin.start()
    print(standin.port, flush=True)
    sys.stdin.read()  # until the bench closes our stdin (or ends)
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

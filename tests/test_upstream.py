"""The transport's side of the Signer seam, with a second Signer that is not SigV4 at all: a ticket
per identity, as one IAM role per account will be. The transport runs unchanged over a real socket;
what it may do with a signer is sign for the identity its caller named and tell it what AWS refused."""
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from access_es.proxy.upstream import Upstream, UpstreamResponse, rejection
from access_es.signing import CLOCK_SKEW, EXPIRED_TOKEN, Rejection

EXPIRED = b'{"message":"The security token included in the request is expired"}'
SKEWED = (b'{"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z '
          b'(20240101T001000Z - 5 min.)"}')
DENIED = b'{"Message":"User: arn:aws:sts::1:assumed-role/x is not authorized to perform: es:ESHttpGet"}'
AWS_DATE = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


class TicketSigner:
    """A Signer that signs each identity with its own numbered ticket and, told a ticket expired,
    issues that identity the next one. Records every call, in order."""

    def __init__(self, mends: bool = True):
        self.mends = mends
        self.tickets: dict[object, int] = {}
        self.calls: list[tuple] = []

    def sign(self, method, url, host, body, *, identity=None):
        self.calls.append(("sign", method, url, host, identity))
        return {"Authorization": f"Ticket {identity}/{self.tickets.setdefault(identity, 1)}"}

    def rejected(self, rejection, *, identity=None):
        self.calls.append(("rejected", rejection, identity))
        if self.mends and rejection.reason == EXPIRED_TOKEN:
            self.tickets[identity] += 1
            return True
        return False


class Domain:
    """An upstream that answers each Authorization from a table (200 for any ticket not in it)."""

    def __init__(self):
        self.answers: dict[str, tuple[bytes, bool]] = {}  # ticket -> (403 body, send a Date header)
        self.seen: list[str] = []
        domain = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                ticket = self.headers.get("Authorization", "")
                domain.seen.append(ticket)
                body, dated = domain.answers.get(ticket, (b'{"ok":true}', True))
                self.send_response_only(403 if ticket in domain.answers else 200)
                if dated:
                    self.send_header("Date", format_datetime(AWS_DATE, usegmt=True))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def domain():
    d = Domain()
    yield d
    d.close()


def upstream_for(domain, signer):
    return Upstream(domain.url, "search-x.us-east-1.es.amazonaws.com", signer, timeout=3)


def test_each_request_is_signed_for_the_identity_its_caller_named(domain):
    signer = TicketSigner()
    upstream = upstream_for(domain, signer)
    for identity in ("alice", ("bob", "readonly"), None):
        assert upstream.send("GET", "/x", "q=1", [], b"", identity=identity).status == 200
    assert domain.seen == ["Ticket alice/1", "Ticket ('bob', 'readonly')/1", "Ticket None/1"]
    assert signer.calls[0] == ("sign", "GET", domain.url + "/x?q=1", "search-x.us-east-1.es.amazonaws.com",
                               "alice")


def test_an_expired_ticket_is_told_to_its_signer_and_a_safe_request_sent_again(domain):
    domain.answers["Ticket alice/1"] = (EXPIRED, True)
    signer = TicketSigner()
    answer = upstream_for(domain, signer).send("GET", "/x", "", [], b"", identity="alice")
    assert answer.status == 200 and answer.retried == "expired-token"
    assert domain.seen == ["Ticket alice/1", "Ticket alice/2"]
    assert [c[0] for c in signer.calls] == ["sign", "rejected", "sign"]
    assert signer.calls[1] == ("rejected", Rejection(EXPIRED_TOKEN), "alice")


def test_a_request_not_safe_to_repeat_is_sent_once(domain):
    domain.answers["Ticket alice/1"] = (EXPIRED, True)
    signer = TicketSigner()
    answer = upstream_for(domain, signer).send("POST", "/_bulk", "", [], b"{}\n", identity="alice",
                                               repeatable=False)
    assert answer.status == 403 and answer.body == EXPIRED and answer.retried is None
    assert domain.seen == ["Ticket alice/1"]


def test_what_the_signer_cannot_mend_is_answered_as_aws_said_it(domain):
    domain.answers["Ticket alice/1"] = (EXPIRED, True)
    signer = TicketSigner(mends=False)
    answer = upstream_for(domain, signer).send("GET", "/x", "", [], b"", identity="alice")
    assert answer.status == 403 and answer.body == EXPIRED and answer.retried is None
    assert domain.seen == ["Ticket alice/1"]
    assert signer.calls[-1] == ("rejected", Rejection(EXPIRED_TOKEN), "alice")


@pytest.mark.parametrize("dated", [True, False])
def test_a_clock_refusal_carries_aws_clock_to_the_signer(domain, dated):
    domain.answers["Ticket alice/1"] = (SKEWED, dated)
    signer = TicketSigner()
    answer = upstream_for(domain, signer).send("GET", "/x", "", [], b"", identity="alice")
    assert answer.status == 403 and domain.seen == ["Ticket alice/1"]  # this signer mends no clock
    assert signer.calls[-1] == ("rejected", Rejection(CLOCK_SKEW, AWS_DATE if dated else None), "alice")


def test_other_refusals_are_not_the_signers_business(domain):
    domain.answers["Ticket alice/1"] = (DENIED, True)
    signer = TicketSigner()
    answer = upstream_for(domain, signer).send("GET", "/x", "", [], b"", identity="alice")
    assert answer.status == 403 and answer.body == DENIED
    assert [c[0] for c in signer.calls] == ["sign"]


def answer(status=403, body=EXPIRED, headers=()):
    return UpstreamResponse(status, "", list(headers), body, None, 1.0)


@pytest.mark.parametrize("case, expected", [
    (answer(), Rejection(EXPIRED_TOKEN)),
    (answer(body=SKEWED, headers=[("Date", "Wed, 02 Jan 2030 03:04:05 GMT")]), Rejection(CLOCK_SKEW, AWS_DATE)),
    (answer(body=b"Signature not yet current: 20300102T031000Z is still later than ..."),
     Rejection(CLOCK_SKEW, None)),
    (answer(body=SKEWED, headers=[("Date", "not a date")]), Rejection(CLOCK_SKEW, None)),
    (answer(body=SKEWED, headers=[("Date", "Wed, 02 Jan 2030 03:04:05")]), Rejection(CLOCK_SKEW, None)),  # no zone
    (answer(body=DENIED), None),
    (answer(status=401), None),
    (answer(status=200, body=EXPIRED), None),
    (answer(body=None), None),  # a large answer, still streaming: not one of AWS's refusals
])
def test_which_answers_are_rejections(case, expected):
    assert rejection(case) == expected

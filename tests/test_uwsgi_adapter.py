"""The uWSGI adapter (access_es/uwsgi_adapter.py) in-process, with a stand-in for the `uwsgi` module
and a real loopback connection; tests/test_serve_uwsgi.py checks the same things through the server."""
from __future__ import annotations

import io
import json
import socket

import pytest

from access_es.uwsgi_adapter import CONTINUE, MAX_REQUEST_BODY, UwsgiAdapter


class Connection:
    """A client connected to a listening socket; `server_side` is what uWSGI would hold."""

    def __init__(self):
        listener = socket.create_server(("127.0.0.1", 0))
        self.client = socket.create_connection(listener.getsockname())
        self.server_side, _ = listener.accept()
        listener.close()

    def close(self):
        self.client.close()
        self.server_side.close()


class FakeUwsgi:
    def __init__(self, connection: Connection, chunks=(), fail_after: int | None = None):
        self.connection = connection
        self.chunks = list(chunks)
        self.fail_after = fail_after
        self.sent: list[bytes] = []
        self.reads = 0

    def connection_fd(self) -> int:
        return self.connection.server_side.fileno()

    def chunked_read(self) -> bytes:
        if self.fail_after is not None and self.reads >= self.fail_after:
            raise OSError("unable to receive chunked part")
        self.reads += 1
        return self.chunks.pop(0) if self.chunks else b""

    def send(self, data: bytes) -> bool:
        self.sent.append(data)
        return True


@pytest.fixture
def connection():
    c = Connection()
    yield c
    c.close()


def environ(**extra) -> dict:
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/x", "PATH_INFO": "/x", "QUERY_STRING": "",
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
           "wsgi.input": io.BytesIO(b""), "HTTP_HOST": "proxy.test"}
    env.update(extra)
    return env


class Recorder:
    """A WSGI app that records what it was given (the body read whole) and answers as told."""

    def __init__(self, headers=(("Content-Type", "text/plain"), ("Content-Length", "2"))):
        self.headers = list(headers)
        self.environ = None
        self.body = None

    def __call__(self, env, start_response):
        self.environ = env
        length = env.get("CONTENT_LENGTH")
        self.body = env["wsgi.input"].read(int(length)) if length else b""
        start_response("200 OK", list(self.headers))
        return [b"ok"]


def call(adapter, env):
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"], out["headers"] = status, headers

    answer = adapter(env, start_response)
    try:
        body = b"".join(answer)
    finally:
        getattr(answer, "close", lambda: None)()  # as uWSGI does once the body is written,
    adapter.after_request()                       # and then once the head is too
    return int(out["status"][:3]), dict(out["headers"]), body


def ended(connection: Connection) -> bool:
    """True if the server side closed the connection (the client reads end-of-file)."""
    connection.client.settimeout(1)
    try:
        return connection.client.recv(100) == b""
    except TimeoutError:
        return False


# ---- the environ -----------------------------------------------------------------------------

def test_the_client_address_comes_from_the_socket_when_uwsgi_lost_it(connection):
    app = Recorder()
    call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection)), environ(REMOTE_ADDR="0.0.0.0"))
    assert app.environ["REMOTE_ADDR"] == "127.0.0.1"


def test_an_empty_path_is_the_root(connection):
    app = Recorder()
    call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection)), environ(REQUEST_URI="/..", PATH_INFO=""))
    assert app.environ["PATH_INFO"] == "/"


def test_forwarded_headers_are_dropped_and_the_scheme_is_http_unless_trusted(connection):
    headers = {"HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil",
               "HTTP_X_FORWARDED_SSL": "on", "HTTP_FORWARDED": "for=1.2.3.4", "HTTP_X_OTHER": "kept"}
    app = Recorder()
    call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection)), environ(**headers, **{"wsgi.url_scheme": "https"}))
    assert app.environ["wsgi.url_scheme"] == "http"
    assert not [k for k in app.environ if "FORWARDED" in k] and app.environ["HTTP_X_OTHER"] == "kept"

    trusted = Recorder()
    call(UwsgiAdapter(trusted, 1, 16, 10, FakeUwsgi(connection)), environ(**headers, **{"wsgi.url_scheme": "https"}))
    # ProxyFix (inside the app) decides the scheme from X-Forwarded-Proto, as many hops as trusted
    assert trusted.environ["wsgi.url_scheme"] == "http"
    assert trusted.environ["HTTP_X_FORWARDED_PROTO"] == "https" and trusted.environ["HTTP_FORWARDED"]


# ---- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("extra,status", [
    ({"SERVER_PROTOCOL": ""}, 400),
    ({"SERVER_PROTOCOL": "HTTP/1.1 extra"}, 400),
    ({"REQUEST_URI": "/caf\xc3\xa9"}, 400),
    ({"REQUEST_URI": "/a b"}, 400),
    ({"HTTP_X_FOLDED": "a\r\n b"}, 400),
    ({"CONTENT_LENGTH": "5, 500"}, 400),
    ({"CONTENT_LENGTH": "+5"}, 400),
    ({"CONTENT_LENGTH": "\u0665"}, 400),            # a digit to str.isdigit, not to HTTP
    ({"CONTENT_LENGTH": str(MAX_REQUEST_BODY + 1)}, 413),
    ({"CONTENT_LENGTH": "5", "HTTP_TRANSFER_ENCODING": "chunked"}, 400),
    ({"HTTP_TRANSFER_ENCODING": "gzip, chunked"}, 501),
    ({"HTTP_TRANSFER_ENCODING": "xchunked"}, 501),
])
def test_what_waitress_refused_is_refused_and_the_connection_closed(connection, extra, status):
    app = Recorder()
    code, headers, body = call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection)), environ(**extra))
    assert code == status and app.environ is None
    assert json.loads(body)["error"]["reason"]
    assert headers["Server"] == "access-es" and headers["Connection"] == "close"
    assert ended(connection)


# ---- bodies -----------------------------------------------------------------------------------

def test_a_chunked_body_reaches_the_app_whole_with_its_length(connection):
    server = FakeUwsgi(connection, [b"hello ", b"chunked ", b"world"])
    app = Recorder()
    code, _, _ = call(UwsgiAdapter(app, 0, 16, 10, server), environ(REQUEST_METHOD="POST", HTTP_TRANSFER_ENCODING="chunked"))
    assert code == 200 and app.body == b"hello chunked world"
    assert app.environ["CONTENT_LENGTH"] == "19" and "HTTP_TRANSFER_ENCODING" not in app.environ
    assert server.sent == []  # no Expect, no 100 Continue
    assert ended(connection)  # uWSGI's reader may have left the trailer section unread


def test_a_chunked_body_that_cannot_be_read_whole_is_never_forwarded(connection):
    app = Recorder()
    code, _, body = call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection, [b"part"] * 3, fail_after=2)),
                         environ(REQUEST_METHOD="POST", HTTP_TRANSFER_ENCODING="chunked"))
    assert code == 400 and app.environ is None
    assert "chunked" in json.loads(body)["error"]["reason"]


def test_a_chunked_body_over_the_limit_is_413(connection, monkeypatch):
    monkeypatch.setattr("access_es.uwsgi_adapter.MAX_REQUEST_BODY", 10)
    app = Recorder()
    code, _, _ = call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection, [b"123456", b"789012"])),
                      environ(REQUEST_METHOD="POST", HTTP_TRANSFER_ENCODING="chunked"))
    assert code == 413 and app.environ is None


def test_100_continue_is_sent_before_the_first_read_only(connection):
    server = FakeUwsgi(connection)
    app = Recorder()
    env = environ(REQUEST_METHOD="POST", CONTENT_LENGTH="4", HTTP_EXPECT="100-Continue", **{"wsgi.input": io.BytesIO(b"body")})
    call(UwsgiAdapter(app, 0, 16, 10, server), env)
    assert server.sent == [CONTINUE] and app.body == b"body"

    server = FakeUwsgi(connection)

    def refuses(env, start_response):  # e.g. a 401: the body is never read
        start_response("401 Unauthorized", [("Content-Length", "0")])
        return [b""]

    call(UwsgiAdapter(refuses, 0, 16, 10, server), environ(REQUEST_METHOD="POST", CONTENT_LENGTH="4",
                                                  HTTP_EXPECT="100-continue"))
    assert server.sent == []


def test_100_continue_precedes_a_chunked_body_and_never_a_bodyless_request(connection):
    server = FakeUwsgi(connection, [b"x"])
    call(UwsgiAdapter(Recorder(), 0, 16, 10, server), environ(REQUEST_METHOD="POST", HTTP_TRANSFER_ENCODING="chunked",
                                                     HTTP_EXPECT="100-continue"))
    assert server.sent == [CONTINUE]
    server = FakeUwsgi(connection)
    code, _, _ = call(UwsgiAdapter(Recorder(), 0, 16, 10, server), environ(HTTP_EXPECT="100-continue"))
    assert code == 200 and server.sent == []


# ---- answers ----------------------------------------------------------------------------------

def test_server_header_only_when_the_answer_has_none(connection):
    _, headers, _ = call(UwsgiAdapter(Recorder(), 0, 16, 10, FakeUwsgi(connection)), environ())
    assert headers["Server"] == "access-es"
    upstream = Recorder([("Server", "nginx"), ("Content-Length", "2")])
    _, headers, _ = call(UwsgiAdapter(upstream, 0, 16, 10, FakeUwsgi(connection)), environ())
    assert headers["Server"] == "nginx"


def test_keep_alive_continues_after_a_framed_answer(connection):
    _, headers, _ = call(UwsgiAdapter(Recorder(), 0, 16, 10, FakeUwsgi(connection)), environ())
    assert "Connection" not in headers and not ended(connection)


@pytest.mark.parametrize("env,headers", [
    (environ(), [("Content-Type", "application/octet-stream")]),          # no length: ends with the close
    (environ(HTTP_CONNECTION="close"), [("Content-Length", "2")]),         # the client asked
])
def test_the_connection_closes_after_an_unframed_answer_or_when_asked(connection, env, headers):
    _, sent, _ = call(UwsgiAdapter(Recorder(headers), 0, 16, 10, FakeUwsgi(connection)), env)
    assert sent["Connection"] == "close"
    assert ended(connection)


@pytest.mark.parametrize("env,status", [(environ(REQUEST_METHOD="HEAD"), "200 OK"), (environ(), "204 No Content"),
                                        (environ(), "304 Not Modified")])
def test_answers_without_a_body_need_no_length(connection, env, status):
    def app(env, start_response):
        start_response(status, [])
        return []

    _, headers, _ = call(UwsgiAdapter(app, 0, 16, 10, FakeUwsgi(connection)), env)
    assert "Connection" not in headers


def test_a_connection_is_closed_only_if_the_descriptor_is_still_that_socket(connection):
    from access_es.uwsgi_adapter import close_connection

    fd = connection.server_side.fileno()
    identity = __import__("os").fstat(fd)
    close_connection(fd, identity.st_dev, identity.st_ino + 1)   # uWSGI closed it; the number was reused
    assert not ended(connection)
    connection.client.sendall(b"unread input")                    # discarded, so the close is not a reset
    close_connection(fd, identity.st_dev, identity.st_ino)
    assert ended(connection)


def test_keep_alive_leaves_a_quarter_of_the_threads_for_new_connections():
    from access_es.uwsgi_adapter import KeepAliveBudget

    now = [100.0]
    budget = KeepAliveBudget(threads=4, idle_timeout=10, clock=lambda: now[0])   # up to 3 occupied
    others = {1: None, 2: 104.0}            # one thread serving, one holding a connection until 104
    budget._until.update(others)
    budget.serving()
    assert budget.allows_keep_alive()       # 3 occupied, this one included
    budget._until[3] = 105.0
    assert not budget.allows_keep_alive()   # 4: this answer closes its connection
    budget.done(kept_open=False)
    now[0] = 106.0                          # the held connections have timed out by now
    budget.serving()
    assert budget.allows_keep_alive()
    budget.done(kept_open=True)
    assert budget._until[__import__("threading").get_ident()] == 116.0


def test_one_thread_never_keeps_a_connection_open(connection):
    adapter = UwsgiAdapter(Recorder(), 0, 1, 10, FakeUwsgi(connection))
    _, headers, _ = call(adapter, environ())
    assert headers["Connection"] == "close" and ended(connection)

"""The request record (access_es/record.py) is the one channel from the layers to the log line: what
the line of a proxied, a refused and an unauthenticated request carries, and that nothing else
(flask.g, loose environ keys) carries it."""
import base64
import json
import logging
import re
from pathlib import Path

import pytest

from access_es.record import ENVIRON_KEY, RequestRecord, record_of
from .test_views import app, client, login, pool, stores  # noqa: F401  (fixtures)

PACKAGE = Path(__file__).resolve().parent.parent / "access_es"


def basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def lines(caplog):
    def read():
        return [(r.levelno, json.loads(r.getMessage())) for r in caplog.records if r.name == "access_es.request"]

    with caplog.at_level(logging.INFO, logger="access_es.request"):
        yield read


def answer(client, *args, **kwargs):
    r = client.open(*args, **kwargs)
    r.close()  # the line is written when the answer is finished
    return r


def test_a_proxied_request_logs_who_where_and_how_it_went(client, pool, lines):
    pool.add("POST", "/logs/_search", body=b'{"hits": {}}')
    r = answer(client, "/logs/_search?q=secret", method="POST", data=b'{"size":1}',
               headers={**basic("alice", "alice-password-1"), "X-Amzn-Trace-Id": "Root=1-abc"})
    assert r.status_code == 200
    (level, line), = lines()
    assert level == logging.INFO
    assert {k: line[k] for k in ("method", "path", "request_id", "account", "auth", "upstream_status", "bytes_in",
                                 "status", "bytes_out")} == {
        "method": "POST", "path": "/logs/_search", "request_id": "Root=1-abc", "account": "alice", "auth": "basic",
        "upstream_status": 200, "bytes_in": 10, "status": 200, "bytes_out": len(b'{"hits": {}}')}
    assert line["upstream_ms"] >= 0 and line["ms"] >= 0 and "time" in line
    assert "reason" not in line and "secret" not in json.dumps(line)


def test_a_session_request_logs_its_way_in(client, pool, lines):
    pool.add("GET", "/x")
    login(client, "alice", "alice-password-1").close()
    assert answer(client, "/x", headers={"Accept": "application/json"}).status_code == 200
    login_line, line = [line for _, line in lines()][-2:]
    assert login_line["path"] == "/_access-es/login" and login_line["account"] == "alice"
    assert line["account"] == "alice" and line["auth"] == "session" and line["upstream_status"] == 200


def test_a_refused_readonly_write_logs_the_account_and_the_reason(client, pool, lines):
    r = answer(client, "/logs/_doc/1", method="PUT", data=b"{}", headers=basic("bob", "bob-password-22"))
    assert r.status_code == 403 and pool.calls == []
    (level, line), = lines()
    assert level == logging.WARNING
    assert line["status"] == 403 and line["account"] == "bob" and line["auth"] == "basic"
    assert line["path"] == "/logs/_doc/1" and "readonly" in line["reason"] and "upstream_status" not in line


def test_a_401_logs_the_name_tried_but_no_account(client, pool, lines):
    r = answer(client, "/x", headers=basic("mallory", "not-her-password"))
    assert r.status_code == 401
    (level, line), = lines()
    assert level == logging.WARNING and line["status"] == 401
    assert line["reason"] == "Basic auth failed for 'mallory' from 127.0.0.1"
    assert "account" not in line and "not-her-password" not in json.dumps(line)


def test_a_request_without_credentials_is_a_401_with_its_reason(client, pool, lines):
    assert answer(client, "/x", headers={"Accept": "application/json"}).status_code == 401
    (_, line), = lines()
    assert line["reason"] == "log in first, or send Basic credentials" and "auth" not in line


def test_the_record_is_the_only_thing_of_ours_on_the_request(app, pool):
    from flask import g, request

    environs = []
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: environs.append(environ) or inner(environ, start_response)
    left_on_g = []
    app.teardown_request(lambda e: left_on_g.append(set(vars(g))))
    pool.add("GET", "/x")
    client = app.test_client()
    r = answer(client, "/x", headers=basic("alice", "alice-password-1"))
    assert r.status_code == 200
    environ, = environs
    assert [k for k in environ if k.startswith("access_es")] == [ENVIRON_KEY]
    record = environ[ENVIRON_KEY]
    assert isinstance(record, RequestRecord) and record.account.name == "alice" and record.status == 200
    # a page of ours, through Flask: nothing of the record's on flask.g either
    assert answer(client, "/_access-es/health").status_code == 200
    ours = {"account", "auth_method", "reason", "upstream_path", "upstream_status", "upstream_ms", "bytes_in",
            "retried", "session_ended"}
    assert left_on_g and not (left_on_g[-1] & ours)
    assert [k for k in environs[-1] if k.startswith("access_es")] == [ENVIRON_KEY]


def test_no_module_uses_flask_g_or_loose_environ_keys():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"from flask import[^\n]*\bg\b|\bflask\.g\b|\bg\.(get|[a-z_]+\s*=)", text), path
        keys = set(re.findall(r"environ(?:\.get|\.setdefault|\.pop)?\(?\[?\s*[\"'](access_es\.[\w.]+)", text))
        assert keys <= {ENVIRON_KEY}, (path, keys)


def test_a_layer_called_on_its_own_gets_a_record():
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/p"}
    record = record_of(environ)
    assert record is record_of(environ) and environ[ENVIRON_KEY] is record
    assert record.log_fields() == {"method": "GET", "path": "/p", "bytes_out": 0}

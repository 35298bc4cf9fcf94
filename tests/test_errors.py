"""The one error renderer (access_es/errors.py): every named error, in the Flask app and in the WSGI
layers outside it, is JSON for API clients and XHRs and a page for a person's browser, with its
status, type and title from its class; and the one rule for when a browser wants a page."""
import inspect
import json

import pytest

from access_es import browser, errors
from access_es.errors import HTTPError, ProxyError, Unauthorized, render, wsgi_error
from access_es.record import ENVIRON_KEY

from .test_views import app, pool, stores  # noqa: F401  (fixtures)

ERRORS = [c for _, c in inspect.getmembers(errors, inspect.isclass)
          if issubclass(c, ProxyError) and c not in (ProxyError, HTTPError)]

API = {"Accept": "application/json"}
CURL = {}
XHR = {"Accept": "text/html, */*", "kbn-xsrf": "true"}
FETCH = {"Accept": "text/html", "Sec-Fetch-Mode": "cors"}
PAGE = {"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}


def environ(headers, method="POST", script_name=""):
    env = {"REQUEST_METHOD": method, "PATH_INFO": "/x", "SCRIPT_NAME": script_name}
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return env


def outside(error, headers, method="POST"):
    """The error as a WSGI layer outside Flask answers it: (status line, headers, body)."""
    got = {}
    env = environ(headers, method)
    body = b"".join(wsgi_error(env, lambda status, h: got.update(status=status, headers=dict(h)), error))
    return got["status"], got["headers"], body, env


def an_error(cls):
    return cls("it went wrong <b>here</b>", hint="try <i>that</i>", log_reason="logged: it went wrong")


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("headers", [API, CURL, XHR, FETCH], ids=["api", "curl", "xhr", "fetch"])
def test_api_clients_and_xhrs_get_json_outside_flask(cls, headers):
    status, out_headers, body, env = outside(an_error(cls), headers)
    assert status.split(" ", 1)[0] == str(cls.status)
    assert out_headers["Content-Type"] == "application/json" and out_headers["Cache-Control"] == "no-store"
    assert int(out_headers["Content-Length"]) == len(body)
    assert json.loads(body) == {"status": cls.status, "error": {
        "type": cls.error_type, "reason": "it went wrong <b>here</b>", "hint": "try <i>that</i>"}}
    assert env[ENVIRON_KEY].reason == "logged: it went wrong"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_a_browser_navigation_gets_a_page_outside_flask(cls):
    status, out_headers, body, _ = outside(an_error(cls), PAGE)
    page = body.decode()
    assert status.split(" ", 1)[0] == str(cls.status)
    assert out_headers["Content-Type"] == "text/html; charset=utf-8" and out_headers["Cache-Control"] == "no-store"
    assert f"<h1>{cls.status} · {cls.title}</h1>" in page
    assert "it went wrong &lt;b&gt;here&lt;/b&gt;" in page and "try &lt;i&gt;that&lt;/i&gt;" in page
    assert 'href="/_access-es/"' in page and "logged:" not in page


# Where the raising app below raises: a page of ours (Flask), and the proxy's path (outside Flask).
FACES = {"flask": "/_access-es/raise/", "proxy": "/raise/"}


@pytest.fixture
def raising(app, monkeypatch):  # noqa: F811
    """The app, raising the error it is told to (/raise/NAME) in a page of ours and in the proxy's
    path (through the Flask route, for a browser's navigation, or outside Flask)."""
    from access_es.proxy import views

    errors_by_name = {c.__name__: c for c in ERRORS}

    def fail(name):
        if name == "Crash":
            raise RuntimeError("secret detail")
        raise an_error(errors_by_name[name])

    app.add_url_rule(FACES["flask"] + "<name>", view_func=fail, methods=["GET", "POST", "HEAD"])
    relay = views.relay
    monkeypatch.setattr(views, "relay", lambda app, req: fail(req.path[len(FACES["proxy"]):])
                        if req.path.startswith(FACES["proxy"]) else relay(app, req))
    return app.test_client()


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("headers", [API, XHR, PAGE], ids=["api", "xhr", "page"])
def test_flask_and_the_proxy_answer_each_error_as_the_layers_outside_it_do(raising, cls, headers, face):
    r = raising.post(f"{FACES[face]}{cls.__name__}", headers=headers)
    _, out_headers, body, _ = outside(an_error(cls), headers)
    assert r.status_code == cls.status
    assert r.data == body
    assert r.headers["Content-Type"] == out_headers["Content-Type"] and r.headers["Cache-Control"] == "no-store"


def test_unauthorized_challenges_api_clients_only():
    _, api, _, _ = outside(Unauthorized("log in"), API)
    assert api["WWW-Authenticate"] == 'Basic realm="access-es", charset="UTF-8"'
    for headers in (XHR, FETCH, PAGE):
        assert "WWW-Authenticate" not in outside(Unauthorized("log in"), headers)[1]


def test_a_browser_that_must_log_in_goes_to_the_login_page(raising):
    r = raising.get("/raise/Unauthorized?a=1", headers=PAGE)
    assert r.status_code == 303 and r.headers["Location"] == "/_access-es/login?next=/raise/Unauthorized%3Fa%3D1"
    r = raising.post("/raise/Unauthorized", headers=PAGE)  # not a navigation to come back to
    assert r.status_code == 401 and "<h1>401 · Login required</h1>" in r.get_data(as_text=True)
    assert raising.get("/raise/Unauthorized", headers=API).headers["WWW-Authenticate"].startswith("Basic ")


def test_errors_extra_headers_are_sent():
    _, headers, _, _ = outside(errors.TooManyAttempts("wait", headers={"Retry-After": "60"}), API)
    assert headers["Retry-After"] == "60"


@pytest.mark.parametrize("face", FACES)
def test_werkzeug_errors_and_crashes_go_through_the_same_renderer(raising, face):
    r = raising.get("/_access-es/nothing", headers=API)
    assert r.status_code == 404 and r.get_json()["error"] == {"type": "not_found", "reason": "no such page of access-es"}
    page = raising.get("/_access-es/nothing", headers=PAGE).get_data(as_text=True)
    assert "<h1>404 · Not Found</h1>" in page
    r = raising.get(FACES[face] + "Crash", headers=API)
    assert r.status_code == 500 and r.get_json()["error"]["type"] == "internal_error"
    assert "secret detail" not in r.get_data(as_text=True) and "RuntimeError" in r.get_json()["error"]["reason"]


def test_a_head_gets_the_headers_without_the_body_outside_flask():
    status, headers, body, _ = outside(errors.RequestTooLarge("too big"), API, method="HEAD")
    assert status == "413 Request Entity Too Large" and body == b"" and int(headers["Content-Length"]) > 0


def test_the_page_links_home_under_the_mount_prefix():
    _, _, body = render(errors.Forbidden("no"), environ(PAGE, script_name="/dev"))
    assert b'href="/dev/_access-es/"' in body


@pytest.mark.parametrize("headers,page,from_browser", [
    (PAGE, True, True),
    ({"Accept": "text/html"}, True, True),                      # an old browser: no Sec-Fetch-* at all
    (XHR, False, True), ({"Accept": "text/html", "osd-xsrf": "1"}, False, True),
    ({"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"}, False, True),
    (FETCH, False, True), ({"Sec-Fetch-Mode": "cors"}, False, True),
    (API, False, False), (CURL, False, False), ({"Accept": "*/*"}, False, False),
])
def test_the_one_rule_for_a_browser(headers, page, from_browser):
    assert browser.wants_page(headers) is page
    assert browser.sent_by_browser(headers) is from_browser

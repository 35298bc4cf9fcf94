"""Where the login form sends a browser (`next`): a path of this app, under its mount prefix (issue 11,
part 4: on an API Gateway stage URL, `next=/` sent people to the host's root, outside the stage, where
API Gateway answers {"message":"Missing Authentication Token"}). The rule itself, then through Zappa's
handler with API Gateway events, on a stage and on a custom domain (no prefix)."""
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from access_es.pages import browser_path, safe_next

from .test_lambda_fidelity import EXECUTE_API, PW, lambda_handler  # noqa: F401 (a fixture)
from .zappa_harness import LambdaClient, header

HOME = "/dev/_dashboards/"


@pytest.mark.parametrize("value,expected", [
    # under the stage: kept as sent
    ("/dev", "/dev"), ("/dev/", "/dev/"), ("/dev/_dashboards/app/discover?_g=(time:now-15m)",
                                           "/dev/_dashboards/app/discover?_g=(time:now-15m)"),
    ("/dev/logs-demo/_search?q=a#frag", "/dev/logs-demo/_search?q=a#frag"), ("/dev?x=1", "/dev?x=1"),
    ("/dev/x/..", "/dev/x/.."), ("/dev/.", "/dev/."), ("/x/../dev/y", "/x/../dev/y"),
    ("/dev//_dashboards/", "/dev//_dashboards/"),
    # outside it: home
    ("/", HOME), ("/_dashboards/", HOME), ("/devx/app", HOME), ("/devx", HOME), ("/de", HOME),
    ("/dev/../x", HOME), ("/dev/..", HOME), ("/dev/%2e%2e/x", HOME), ("/dev/%2E./x", HOME), ("/dev/.%2e", HOME),
    ("/%64ev/x", HOME), ("/DEV/x", HOME), ("/dev%2Fx", HOME), ("%2Fdev/x", HOME), ("dev/x", HOME),
    # another host, however spelled: home
    ("//evil.example/dev/", HOME), ("/\\evil.example/dev/", HOME), ("/dev\\..\\..\\x", HOME),
    ("https://evil.example/dev/", HOME), ("https:/dev/", HOME), ("/dev/\t/x", HOME), ("/\n/dev/x", HOME),
    # the login page itself (a loop), however reached: home
    ("/dev/_access-es/login", HOME), ("/dev/_access-es/login?next=/dev/x", HOME),
    ("/dev/x/../_access-es/login", HOME), ("/dev/./_access-es/login", HOME),
    ("/dev/_access-es/", "/dev/_access-es/"),
    ("", HOME), (None, HOME),
])
def test_next_must_stay_under_the_stage(value, expected):
    assert safe_next(value, HOME, "/dev") == expected


@pytest.mark.parametrize("value,expected", [
    ("/", "/"), ("/dev/x", "/dev/x"), ("/_dashboards/app?x=1", "/_dashboards/app?x=1"),
    ("//evil.example", "/_dashboards/"), ("/_access-es/login", "/_dashboards/"),
    ("/_access-es/../_access-es/login", "/_dashboards/"), ("/x/%2e%2e/_access-es/login", "/_dashboards/"),
])
def test_without_a_prefix_any_path_of_the_site_will_do(value, expected):
    assert safe_next(value, "/_dashboards/") == expected


@pytest.mark.parametrize("value,expected", [
    ("/", "/"), ("/a/b", "/a/b"), ("/a/b/", "/a/b/"), ("/a/./b", "/a/b"), ("/a/../b", "/b"), ("/..", "/"),
    ("/../..", "/"), ("/a/..", "/"), ("/a/.", "/a/"), ("/a/%2E", "/a/"), ("/a/%2e%2E/b", "/b"),
    ("/a/.%2e", "/"), ("/a/...", "/a/..."), ("/a/.x", "/a/.x"), ("/a?b=/../c", "/a"), ("/a#/../b", "/a"),
    ("//a", "//a"),
])
def test_the_path_a_browser_asks_for(value, expected):
    assert browser_path(value) == expected


def _hidden_next(page: dict) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', page["body"]).group(1))


@pytest.mark.parametrize("next_path,expected", [
    ("/", HOME), ("/_dashboards/app/discover", HOME), ("/devx/_dashboards/", HOME), ("/dev/../", HOME),
    ("/dev/%2e%2e/", HOME), ("//evil.example/dev/", HOME), ("/dev/_access-es/login", HOME),
    ("/dev", "/dev"), ("/dev/", "/dev/"), ("/dev/_dashboards/app/discover?_g=(time:now-15m)",
                                           "/dev/_dashboards/app/discover?_g=(time:now-15m)"),
])
def test_login_on_a_stage_url_never_leaves_the_stage(lambda_handler, next_path, expected):  # noqa: F811
    client = LambdaClient(lambda_handler(), host=EXECUTE_API)
    page = client.request("GET", "/_access-es/login", headers=[("Accept", "text/html")],
                          query=[("next", next_path)])
    assert page["statusCode"] == 200 and _hidden_next(page) == expected
    r = client.login("lam", PW, next_path=next_path)
    assert r["statusCode"] == 303 and header(r, "Location") == expected


def test_a_failed_login_on_a_stage_keeps_next_under_the_stage(lambda_handler):  # noqa: F811
    client = LambdaClient(lambda_handler(), host=EXECUTE_API)
    r = client.login("lam", "wrong-password", next_path="/")
    assert r["statusCode"] == 401 and _hidden_next(r) == HOME


def test_on_a_custom_domain_the_root_is_the_app(lambda_handler):  # noqa: F811
    client = LambdaClient(lambda_handler(), host="kibana.example.com")
    assert header(client.login("lam", PW, next_path="/"), "Location") == "/"
    assert header(client.login("lam", PW, next_path="/dev/x"), "Location") == "/dev/x"
    assert header(client.login("lam", PW, next_path="//evil.example"), "Location") == "/_dashboards/"


def test_every_redirect_of_ours_stays_under_the_stage(lambda_handler):  # noqa: F811
    """The trip a person makes: a page without a session goes to the login page, whose `next` (built
    by us) is under the stage; logging in returns there; logging out lands on the login page."""
    client = LambdaClient(lambda_handler(), host=EXECUTE_API)
    r = client.request("GET", "/_dashboards/app/home", headers=[("Accept", "text/html")], query=[("a", "1")])
    location = urlsplit(header(r, "Location"))
    assert r["statusCode"] == 303 and location.path == "/dev/_access-es/login"
    next_path = parse_qs(location.query)["next"][0]
    assert next_path == "/dev/_dashboards/app/home?a=1"
    page = client.request("GET", "/_access-es/login", headers=[("Accept", "text/html")],
                          query=[("next", next_path)])
    assert _hidden_next(page) == next_path
    r = client.login("lam", PW, next_path=_hidden_next(page))
    assert header(r, "Location") == "/dev/_dashboards/app/home?a=1"
    assert header(client.request("GET", "/", headers=[("Accept", "text/html")]), "Location") == HOME
    home = client.request("GET", "/_access-es/", headers=[("Accept", "text/html")])
    assert f'href="{HOME}"' in home["body"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', home["body"]).group(1)
    r = client.request("POST", "/_access-es/logout", body=f"csrf_token={token}".encode(),
                       headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")])
    assert header(r, "Location") == "/dev/_access-es/login"

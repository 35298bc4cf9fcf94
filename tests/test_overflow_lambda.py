"""The overflow rule through Zappa's own handler, on both sides of Lambda's limit: what fits is
served whole (and its envelope, as the runtime serialises it, is within 6,291,556 bytes); one unit
more is redirected to S3. Text, escape-heavy JSON, non-ASCII text, binary and gzip."""
import base64
import json

import pytest
import requests
from botocore.credentials import Credentials as BotoCredentials

from access_es import create_app
from access_es.accounts import Account
from access_es.accounts.passwords import hash_password
from access_es.settings import load_settings
from access_es.signing import AWS4Signer
from access_es.standin.domain import Reply
from access_es.stores import open_stores

from .conftest import ACCESS_KEY, APP_SECRET, OVERFLOW_BUCKET, REGION, SECRET_KEY, SESSION_TOKEN
from .zappa_harness import LAMBDA_ENV, body_bytes, handler_for, payload_size, rest_event

LIMIT = 6_291_556
BASIC = "Basic " + base64.b64encode(b"lambda:lambda-password").decode()

# kind: (content type, extra headers, unit of body bytes, JSON bytes per unit, body for n bytes)
KINDS = {
    "json": ("application/json", [], 1, 1, lambda n: b'{"a":"' + b"x" * (n - 8) + b'"}'),
    "escape-heavy": ("application/json", [], 1, 2, lambda n: b'"' * n),
    "non-ascii": ("text/plain; charset=utf-8", [], 2, 6, lambda n: "\u00e9".encode() * (n // 2)),
    "binary": ("application/octet-stream", [], 3, 4, lambda n: bytes(range(256)) * (n // 256) + bytes(n % 256)),
    "gzip": ("application/json", [("Content-Encoding", "gzip")], 3, 4,
             lambda n: bytes(range(256)) * (n // 256) + bytes(n % 256)),
}


@pytest.fixture
def lambda_env(moto_env, overflow_bucket):
    """This process's boto3 on moto_server, with the overflow bucket; make_handler's settings say
    they run in Lambda (LAMBDA_ENV)."""


def make_handler(standin, tmp_path, **env):
    stores = open_stores(str(tmp_path / "users.json"))
    stores.accounts.put(Account("lambda", "admin", hash_password("lambda-password")))
    settings = load_settings({"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                              "ACCESS_ES_REGION": REGION, "ACCESS_ES_TRUST_PROXY": "1", **LAMBDA_ENV, **env})
    signer = AWS4Signer(REGION, "es", credentials=lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
    return handler_for(create_app(settings, signer=signer, stores=stores))


@pytest.fixture
def sized(standin):
    def handler(req):
        content_type, extra, _, _, body = KINDS[req.segments[1]]
        return Reply(200, list(extra), body(int(req.segments[2])), content_type=content_type)

    standin.route("/_sized/", handler)


def call(handler, path):
    return handler.handler(rest_event("GET", path, headers=[("Authorization", BASIC)]), None)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_boundary_through_zappas_handler(kind, lambda_env, standin, sized, tmp_path):
    handler = make_handler(standin, tmp_path, ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET)
    _, _, unit, per_unit, body = KINDS[kind]
    n0 = (LIMIT // per_unit * unit - 30_000) // unit * unit
    dry = call(handler, f"/_sized/{kind}/{n0}")
    assert dry["statusCode"] == 200
    n = n0 + unit * ((LIMIT - payload_size(dry)) // per_unit)

    fits = call(handler, f"/_sized/{kind}/{n}")
    assert fits["statusCode"] == 200, fits.get("body", "")[:300]
    assert LIMIT - per_unit < payload_size(fits) <= LIMIT
    assert body_bytes(fits) == body(n)

    over = call(handler, f"/_sized/{kind}/{n + unit}")
    assert over["statusCode"] == 303
    assert over["headers"]["Cache-Control"] == "no-store"
    assert payload_size(over) < 10_000
    stored = requests.get(over["headers"]["Location"], stream=True)
    assert stored.status_code == 200 and stored.raw.read(decode_content=False) == body(n + unit)


def test_without_a_bucket_lambda_answers_a_502_that_says_what_to_set(lambda_env, standin, sized, tmp_path):
    handler = make_handler(standin, tmp_path)
    small = call(handler, "/_sized/json/1000")
    assert small["statusCode"] == 200
    result = call(handler, "/_sized/json/7000000")
    assert result["statusCode"] == 502
    error = json.loads(result["body"])["error"]
    assert "ACCESS_ES_OVERFLOW_BUCKET" in error["hint"] and "6,291,556" in error["reason"]


def test_text_that_is_not_utf8_never_becomes_an_opaque_500(lambda_env, standin, tmp_path):
    standin.route("/_latin1", lambda req: Reply(200, [], "caf\u00e9".encode("latin-1"),
                                                content_type="text/plain"))
    no_bucket = make_handler(standin, tmp_path)
    result = call(no_bucket, "/_latin1")
    assert result["statusCode"] == 502
    with_bucket = make_handler(standin, tmp_path, ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET)
    result = call(with_bucket, "/_latin1")
    assert result["statusCode"] == 303
    assert requests.get(result["headers"]["Location"]).content == "caf\u00e9".encode("latin-1")

"""The signer, checked by the independent verifier: temporary keys, refresh, es and aoss."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from botocore.credentials import Credentials as BotoCredentials
from botocore.credentials import RefreshableCredentials

from access_es.errors import NotConfigured
from access_es.signing import AWS4Signer

from .sigv4_verify import Credentials, SignatureError, verify


def prepared(method="POST", url="https://search-x.us-east-1.es.amazonaws.com/logs/_search?q=a%20b&size=1",
             body=b'{"query":{"match_all":{}}}', headers=None):
    req = requests.Request(method, url, data=body or None, headers=headers or {"Content-Type": "application/json"})
    p = req.prepare()
    p.headers["Host"] = p.url.split("/")[2]
    return p


def check(p, keys, service="es"):
    return verify(p.method, p.path_url, list(p.headers.items()), p.body or b"", keys=keys,
                  region="us-east-1", service=service, now=datetime.now(timezone.utc))


def test_signs_with_session_token_and_content_hash():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1", "tok1"))
    p = signer(prepared())
    assert p.headers["x-amz-security-token"] == "tok1"
    assert "x-amz-content-sha256" in p.headers
    ok = check(p, {"AKIA1": Credentials("AKIA1", "secret1", "tok1")})
    assert "x-amz-security-token" in ok.signed_headers and "host" in ok.signed_headers


def test_aoss_requires_and_gets_the_content_hash():
    signer = AWS4Signer("us-east-1", "aoss", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    p = signer(prepared(method="GET", body=b""))
    check(p, {"AKIA1": Credentials("AKIA1", "secret1")}, service="aoss")


def test_wrong_service_scope_is_rejected():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    with pytest.raises(SignatureError):
        check(signer(prepared()), {"AKIA1": Credentials("AKIA1", "secret1")}, service="aoss")


def test_rotated_role_keys_are_picked_up_without_a_restart():
    generation = iter(range(1, 100))

    def refresh():
        n = next(generation)
        return {"access_key": f"AKIAROLE{n}", "secret_key": f"secret{n}", "token": f"token{n}",
                # already inside botocore's refresh window, so every use refreshes
                "expiry_time": (datetime.now(timezone.utc) + timedelta(seconds=60)).isoformat()}

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test-role")
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: creds)
    keys = {f"AKIAROLE{n}": Credentials(f"AKIAROLE{n}", f"secret{n}", f"token{n}") for n in range(1, 100)}
    first = check(signer(prepared()), keys).access_key
    second = check(signer(prepared()), keys).access_key
    assert first != second  # a new key, and still a valid signature


def test_no_credentials_is_a_clear_error():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: None)
    with pytest.raises(NotConfigured, match="no AWS credentials"):
        signer(prepared())


def test_concurrent_signing_stays_valid():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1", "tok1"))
    keys = {"AKIA1": Credentials("AKIA1", "secret1", "tok1")}
    errors = []

    def work(i):
        try:
            for j in range(20):
                check(signer(prepared(body=f'{{"i":{i},"j":{j}}}'.encode())), keys)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors

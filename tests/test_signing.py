"""The signer, checked by the independent verifier: temporary keys, refresh, es and aoss, clock offset,
and what it does when told AWS rejected a signature (Signer.rejected)."""
import json
import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from botocore.credentials import Credentials as BotoCredentials
from botocore.credentials import RefreshableCredentials

from access_es.errors import NotConfigured
from access_es.signing import CLOCK_SKEW, EXPIRED_TOKEN, AWS4Signer, Rejection, signer_for
from access_es.standin.sigv4_verify import Credentials, SignatureError, verify

HOST = "search-x.us-east-1.es.amazonaws.com"
TARGET = "/logs/_search?q=a%20b&size=1"


def signed(signer, method="POST", target=TARGET, body=b'{"query":{"match_all":{}}}', host=HOST):
    """(method, target, headers, body) as they would go on the wire: the client's own headers
    (unsigned) plus the signer's."""
    headers = [("Host", host), ("Content-Type", "application/json")]
    headers += list(signer.sign(method, f"https://{host}{target}", host, body).items())
    return method, target, headers, body


def check(request, keys, service="es", now=None):
    method, target, headers, body = request
    return verify(method, target, headers, body, keys=keys, region="us-east-1", service=service,
                  now=now or datetime.now(timezone.utc))


def test_signs_with_session_token_and_content_hash():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1", "tok1"))
    request = signed(signer)
    names = {n.lower(): v for n, v in request[2]}
    assert names["x-amz-security-token"] == "tok1"
    assert "x-amz-content-sha256" in names
    ok = check(request, {"AKIA1": Credentials("AKIA1", "secret1", "tok1")})
    assert "x-amz-security-token" in ok.signed_headers and "host" in ok.signed_headers


def test_only_host_and_our_x_amz_headers_are_signed():
    # A client header left unsigned cannot fail the signature, however it is spelled or spaced.
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1", "tok1"))
    ok = check(signed(signer), {"AKIA1": Credentials("AKIA1", "secret1", "tok1")})
    assert sorted(ok.signed_headers) == ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]


def test_aoss_requires_and_gets_the_content_hash():
    signer = AWS4Signer("us-east-1", "aoss", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    check(signed(signer, method="GET", body=b""), {"AKIA1": Credentials("AKIA1", "secret1")}, service="aoss")


def test_wrong_service_scope_is_rejected():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    with pytest.raises(SignatureError):
        check(signed(signer), {"AKIA1": Credentials("AKIA1", "secret1")}, service="aoss")


@pytest.mark.parametrize("target", ["/idx/_doc/a%2Fb", "//idx//_search", "/caf%C3%A9/_search?a=1&a=0&b",
                                    "/idx/_doc/%20%2B%3B?q=%2B1%20x&x=%2A"])
def test_encoded_and_doubled_paths_verify(target):
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    check(signed(signer, target=target), {"AKIA1": Credentials("AKIA1", "secret1")})


def test_clock_offset_moves_the_signature_time():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    ahead = datetime.now(timezone.utc) + timedelta(hours=1)
    assert signer.rejected(Rejection(CLOCK_SKEW, server_date=ahead)) is True
    keys = {"AKIA1": Credentials("AKIA1", "secret1")}
    request = signed(signer)
    check(request, keys, now=datetime.now(timezone.utc) + timedelta(hours=1))
    with pytest.raises(SignatureError):
        check(request, keys)  # an hour ahead of the real clock: AWS would say "Signature not yet current"


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
    first = check(signed(signer), keys).access_key
    second = check(signed(signer), keys).access_key
    assert first != second  # a new key, and still a valid signature


def test_an_expired_token_asks_the_credential_chain_again():
    calls = []
    signer = AWS4Signer("us-east-1", "es",
                        credentials=lambda: calls.append(1) or BotoCredentials(f"AKIA{len(calls)}", "secret"))
    keys = {f"AKIA{n}": Credentials(f"AKIA{n}", "secret") for n in (1, 2)}
    assert check(signed(signer), keys).access_key == "AKIA1"
    assert check(signed(signer), keys).access_key == "AKIA1"
    assert signer.rejected(Rejection(EXPIRED_TOKEN)) is True
    assert check(signed(signer), keys).access_key == "AKIA2"
    assert check(signed(signer), keys).access_key == "AKIA2" and len(calls) == 2


def test_an_expired_token_refreshes_role_credentials_through_the_chain():
    """The chain hands out botocore's RefreshableCredentials for a role; after AWS said the token
    expired, the signer asks the chain again rather than keeping the object that held it."""
    fetched = []

    def role():
        n = len(fetched) + 1
        fetched.append(n)

        def refresh():
            return {"access_key": f"AKIAROLE{n}", "secret_key": f"secret{n}", "token": f"token{n}",
                    "expiry_time": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}
        return RefreshableCredentials.create_from_metadata(refresh(), refresh, "test-role")

    signer = AWS4Signer("us-east-1", "es", credentials=role)
    keys = {f"AKIAROLE{n}": Credentials(f"AKIAROLE{n}", f"secret{n}", f"token{n}") for n in (1, 2)}
    assert check(signed(signer), keys).access_key == "AKIAROLE1"
    signer.rejected(Rejection(EXPIRED_TOKEN))
    assert check(signed(signer), keys).access_key == "AKIAROLE2"


def test_clock_skew_without_aws_clock_mends_nothing():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    keys = {"AKIA1": Credentials("AKIA1", "secret1")}
    assert signer.rejected(Rejection(CLOCK_SKEW, server_date=None)) is False
    check(signed(signer), keys)  # still our own clock


def test_a_reason_it_does_not_know_mends_nothing():
    calls = []
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: calls.append(1) or BotoCredentials("AKIA1", "s"))
    signed(signer)
    assert signer.rejected(Rejection("access-denied")) is False
    signed(signer)
    assert len(calls) == 1


def test_a_later_clock_reading_replaces_the_offset():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    keys = {"AKIA1": Credentials("AKIA1", "secret1")}
    signer.rejected(Rejection(CLOCK_SKEW, server_date=datetime.now(timezone.utc) + timedelta(hours=1)))
    signer.rejected(Rejection(CLOCK_SKEW, server_date=datetime.now(timezone.utc) - timedelta(minutes=30)))
    check(signed(signer), keys, now=datetime.now(timezone.utc) - timedelta(minutes=30))
    with pytest.raises(SignatureError):
        check(signed(signer), keys)


def test_what_it_mends_is_logged(caplog):
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    with caplog.at_level(logging.WARNING, logger="access_es.signing"):
        signer.rejected(Rejection(EXPIRED_TOKEN))
        signer.rejected(Rejection(CLOCK_SKEW, server_date=datetime.now(timezone.utc) + timedelta(seconds=90)))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "access_es.signing"]
    assert [line["event"] for line in lines] == ["credentials_refreshed", "clock_skew_corrected"]
    assert 89 <= lines[1]["offset_s"] <= 90


def test_the_proxy_signs_as_itself_whatever_the_identity():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1"))
    keys = {"AKIA1": Credentials("AKIA1", "secret1")}
    headers = signer.sign("GET", f"https://{HOST}/", HOST, b"", identity=("alice", "readonly"))
    request = ("GET", "/", [("Host", HOST), *headers.items()], b"")
    assert check(request, keys).access_key == "AKIA1"
    assert signer.rejected(Rejection(EXPIRED_TOKEN), identity=("alice", "readonly")) is True


def test_the_settings_choose_the_service_and_region():
    from types import SimpleNamespace

    from access_es.iam_roles import RoleSigner

    arn = "arn:aws:iam::111122223333:role/es-readonly"
    signer = signer_for(SimpleNamespace(region="eu-west-3", service="aoss", iam_role_map={"readonly": arn},
                                        iam_role_seconds=900))
    assert isinstance(signer, RoleSigner) and (signer.own.region, signer.own.service) == ("eu-west-3", "aoss")
    assert signer.mapping == {"readonly": arn} and signer.seconds == 900


def test_no_credentials_is_a_clear_error():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: None)
    with pytest.raises(NotConfigured, match="no AWS credentials"):
        signed(signer)


def test_concurrent_signing_stays_valid():
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: BotoCredentials("AKIA1", "secret1", "tok1"))
    keys = {"AKIA1": Credentials("AKIA1", "secret1", "tok1")}
    errors = []

    def work(i):
        try:
            for j in range(20):
                check(signed(signer, body=f'{{"i":{i},"j":{j}}}'.encode()), keys)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_the_kept_signing_key_signs_as_botocore_derives_it_for_every_request():
    """signing.py keeps the day's signing key rather than deriving it per request: the signatures are
    botocore's own, for every secret key, day, region and service."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from access_es.signing import _signer_class

    for secret, stamp, region, service in [("s1/+x", "20261130T010203Z", "us-east-1", "es"),
                                           ("s1/+x", "20261201T000000Z", "us-east-1", "es"),
                                           ("s2", "20261201T000000Z", "eu-west-3", "aoss"),
                                           ("s1/+x", "20261130T235959Z", "us-east-1", "es")]:
        request = AWSRequest(method="GET", url="https://h/x", headers={}, data=b"")
        request.context["timestamp"] = stamp
        creds = Credentials("AKIAEXAMPLE", secret, "token")
        for text in ("AWS4-HMAC-SHA256\n" + stamp, "another string to sign"):
            assert _signer_class()(creds, service, region, 0).signature(text, request) == \
                SigV4Auth(creds, service, region).signature(text, request)

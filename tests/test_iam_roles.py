"""One IAM role per access-es role, or per account (ACCESS_ES_IAM_ROLES, `users set --iam-role`): each
request is signed with the temporary keys of its account's IAM role, got from STS (a stand-in that
speaks the Query API and verifies our SigV4, reached through AWS_ENDPOINT_URL_STS) and known to the
SigV4-verifying domain stand-in, so a test can tell from the keys alone which role signed. Failures to
assume a role are a 502 and nothing sent; keys are refreshed ahead of expiry, one STS call at a time."""
from __future__ import annotations

import functools
import threading
import uuid
from datetime import datetime, timedelta, timezone

import botocore.credentials
import botocore.session
import pytest
import requests
from botocore.credentials import Credentials as BotoCredentials

from access_es import create_app
from access_es.accounts import Account, AccountError, check_iam_role
from access_es.accounts.passwords import hash_password
from access_es.errors import UpstreamCredentialsUnavailable
from access_es.iam_roles import REMEMBER_FAILURE_S, RoleSigner, iam_role_for, role_name, session_name
from access_es.settings import ConfigError, load_settings
from access_es.signing import EXPIRED_TOKEN, Rejection
from access_es.standin.domain import Reply, StandIn
from access_es.standin.sigv4_verify import Credentials
from access_es.standin.sts import StsStandIn
from access_es.stores import open_stores
from testbed.proxy import start_proxy, stop_proxy

from .conftest import ACCESS_KEY, APP_SECRET, PASSWORDS, REGION, SECRET_KEY, SESSION_TOKEN
from .zappa_harness import LambdaClient, handler_for

ADMIN_ARN = "arn:aws:iam::111122223333:role/es-admin"
READONLY_ARN = "arn:aws:iam::111122223333:role/es-readonly"
PARTNER_ARN = "arn:aws:iam::111122223333:role/partners/acme-reader"
DENIED_ARN = "arn:aws:iam::111122223333:role/not-trusted"
OWN = Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


def key_of(seen) -> str:
    """The access key that signed a request the domain received."""
    return seen.header("Authorization").split("Credential=", 1)[1].split("/", 1)[0]


# ---- the pure parts ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("alice", "alice"), ("a", "a="), ("bob.smith@example.com", "bob.smith@example.com"),
    ("x" * 70, "x" * 64), ("ünïcode", "-n-code"), ("a b/c:d", "a-b-c-d"), ("p+q=r,s_t-u", "p+q=r,s_t-u"),
])
def test_the_session_name_is_the_account_name_as_sts_takes_it(name, expected):
    assert session_name(name) == expected


def test_an_accounts_own_iam_role_wins_over_its_roles():
    mapping = {"admin": ADMIN_ARN, "readonly": READONLY_ARN}
    assert iam_role_for(Account("bob", "readonly", "h"), mapping) == READONLY_ARN
    assert iam_role_for(Account("acme", "readonly", "h", PARTNER_ARN), mapping) == PARTNER_ARN
    assert iam_role_for(Account("alice", "admin", "h"), {"readonly": READONLY_ARN}) is None
    assert iam_role_for(None, mapping) is None
    assert role_name(PARTNER_ARN) == "acme-reader"


BASE = {"ACCESS_ES_ENDPOINT": "https://search-d-abc.us-east-1.es.amazonaws.com", "ACCESS_ES_SECRET_KEY": "k" * 32}


def test_the_role_mapping_setting():
    s = load_settings({**BASE, "ACCESS_ES_IAM_ROLES": f" readonly={READONLY_ARN} , admin={ADMIN_ARN}"})
    assert s.iam_role_of("admin") == ADMIN_ARN and s.iam_role_of("readonly") == READONLY_ARN
    assert s.iam_role_seconds == 3600
    assert load_settings({**BASE, "ACCESS_ES_IAM_ROLES": f"readonly={READONLY_ARN}"}).iam_role_of("admin") is None
    assert load_settings(BASE).iam_roles == ()
    assert load_settings({**BASE, "ACCESS_ES_IAM_ROLE_SECONDS": "43200"}).iam_role_seconds == 43200


def test_bad_role_settings_are_all_named_at_start_up():
    with pytest.raises(ConfigError) as e:
        load_settings({**BASE, "ACCESS_ES_IAM_ROLES": f"admin={ADMIN_ARN},admin={ADMIN_ARN},owner={ADMIN_ARN},"
                                                      "readonly=arn:aws:iam::1:user/x,readonly",
                       "ACCESS_ES_IAM_ROLE_SECONDS": "600"})
    text = str(e.value)
    for expected in ["names 'admin' twice", "'owner=", "is not an IAM role ARN", "'readonly' must be ROLE=ARN",
                     "ACCESS_ES_IAM_ROLE_SECONDS='600' must be a whole number from 900 to 43200"]:
        assert expected in text, (expected, text)


def test_an_accounts_iam_role_must_be_a_role_arn():
    assert check_iam_role(PARTNER_ARN) == PARTNER_ARN
    assert check_iam_role("arn:aws-cn:iam::111122223333:role/x") == "arn:aws-cn:iam::111122223333:role/x"
    for bad in ["", "es-admin", "arn:aws:iam::111122223333:user/x", "arn:aws:iam::1111:role/x",
                "arn:aws:sts::111122223333:assumed-role/x/y", ADMIN_ARN + "\n"]:
        with pytest.raises(AccountError, match="invalid IAM role ARN"):
            check_iam_role(bad)


def test_both_stores_keep_an_accounts_iam_role(tmp_path, moto_env):
    from access_es.stores import init_store

    table = f"dynamodb://access-es-iam-{uuid.uuid4().hex[:6]}"
    init_store(table, REGION)
    for location in [str(tmp_path / "users.json"), table]:
        stores = open_stores(location, REGION)
        stores.accounts.put(Account("acme", "readonly", "hash", PARTNER_ARN))
        stores.accounts.put(Account("bob", "readonly", "hash"))
        assert stores.accounts.get("acme").iam_role == PARTNER_ARN
        assert stores.accounts.get("bob").iam_role is None
        assert [a.iam_role for a in stores.accounts.all()] == [PARTNER_ARN, None]


# ---- the signer, in-process, against the STS stand-in --------------------------------------------

class Env:
    """A domain stand-in and an STS stand-in sharing one key table; a clock both follow."""

    def __init__(self):
        self.now = datetime.now(timezone.utc)
        self.keys = {ACCESS_KEY: OWN}
        self.sts = StsStandIn({ACCESS_KEY: OWN}, {ADMIN_ARN, READONLY_ARN, PARTNER_ARN, DENIED_ARN}, self.keys,
                              region=REGION, clock=lambda: self.now, denied={DENIED_ARN})

    def signer(self, mapping=None, seconds=3600, endpoint=None, credentials=None):
        """A RoleSigner against this STS stand-in, on this clock, with the proxy's own test keys."""
        session = botocore.session.get_session()
        creator = functools.partial(session.create_client, region_name=REGION, endpoint_url=endpoint or self.sts.url)
        return RoleSigner(REGION, "es", mapping if mapping is not None else {"admin": ADMIN_ARN, "readonly": READONLY_ARN},
                          seconds, credentials=credentials or (lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)),
                          client_creator=creator, clock=lambda: self.now)


def running(e: Env, monkeypatch):
    """`e` set going: its STS stand-in serving (a context manager), and botocore's clock, by which it
    decides "expired, refresh", following the test's."""
    monkeypatch.setattr(botocore.credentials, "_local_now", lambda: e.now)
    return e.sts


@pytest.fixture
def env(monkeypatch):
    e = Env()
    with running(e, monkeypatch):
        yield e


def sign(signer, account):
    headers = signer.sign("GET", "https://d.example.com/_search", "d.example.com", b"", identity=account)
    return headers["Authorization"].split("Credential=", 1)[1].split("/", 1)[0], headers


ALICE, BOB = Account("alice", "admin", "h"), Account("bob", "readonly", "h")
ACME = Account("acme@partner.example", "readonly", "h", PARTNER_ARN)


def test_each_account_is_signed_as_its_iam_role(env):
    signer = env.signer()
    for account, arn in [(ALICE, ADMIN_ARN), (BOB, READONLY_ARN), (ACME, PARTNER_ARN)]:
        key, headers = sign(signer, account)
        assert env.sts.issued_for[key] == arn
        assert headers["X-Amz-Security-Token"] == env.keys[key].token
    assert sign(signer, None)[0] == ACCESS_KEY  # the proxy's own requests (the product banner)
    assert sign(env.signer(mapping={}), ALICE)[0] == ACCESS_KEY  # no mapping: the proxy itself
    calls = env.sts.assumed()
    assert [(c.role_arn, c.session_name, c.source_identity, c.duration, c.caller) for c in calls] == [
        (ADMIN_ARN, "alice", "alice", 3600, ACCESS_KEY), (READONLY_ARN, "bob", "bob", 3600, ACCESS_KEY),
        (PARTNER_ARN, "acme@partner.example", "acme@partner.example", 3600, ACCESS_KEY)]


def test_one_sts_call_per_role_and_account_however_many_requests_and_threads(env):
    signer = env.signer()
    barrier = threading.Barrier(16)
    keys = []

    def request():
        barrier.wait()
        keys.append(sign(signer, BOB)[0])

    threads = [threading.Thread(target=request) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _ in range(50):
        keys.append(sign(signer, BOB)[0])
    assert len(env.sts.assumed()) == 1 and len(set(keys)) == 1
    sign(signer, Account("carol", "readonly", "h"))  # another account of the same role: its own session
    assert [c.session_name for c in env.sts.assumed()] == ["bob", "carol"]


@pytest.mark.parametrize("lifetime_minutes", [60, 16])
def test_keys_are_refreshed_ahead_of_expiry_and_never_used_expired(env, lifetime_minutes):
    env.sts.lifetime = timedelta(minutes=lifetime_minutes)
    signer = env.signer()
    start, used = env.now, []
    for minute in range(0, 3 * 60):
        env.now = start + timedelta(minutes=minute, seconds=30)
        key, _ = sign(signer, BOB)
        used.append(key)
        assert env.sts.expires[key] - env.now > timedelta(minutes=5), (minute, env.sts.expires[key])
    calls = len(env.sts.assumed())
    # refreshed from 7 minutes before expiry: one call per (lifetime - 7 min) at most, one at least per lifetime
    assert 180 / lifetime_minutes <= calls <= 180 / (lifetime_minutes - 7) + 1, calls
    if lifetime_minutes == 60:
        assert calls == 4  # at 0, 53, 106 and 159 minutes


def test_concurrent_requests_at_expiry_make_one_sts_call(env):
    signer = env.signer()
    sign(signer, BOB)
    env.now += timedelta(minutes=56)  # inside the mandatory window: every thread must wait for fresh keys
    barrier, keys = threading.Barrier(12), []

    def request():
        barrier.wait()
        keys.append(sign(signer, BOB)[0])

    threads = [threading.Thread(target=request) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(env.sts.assumed()) == 2 and len(set(keys)) == 1
    assert env.sts.expires[keys[0]] > env.now + timedelta(minutes=50)


@pytest.mark.parametrize("setup, code", [
    (lambda e: None, "AccessDenied"),                            # the role's trust policy leaves us out
    (lambda e: setattr(e.sts, "throttled", True), "Throttling"),
])
def test_a_role_that_cannot_be_assumed_is_a_502_never_another_identity(env, setup, code, caplog):
    setup(env)
    signer = env.signer(mapping={"readonly": DENIED_ARN if code == "AccessDenied" else READONLY_ARN})
    with pytest.raises(UpstreamCredentialsUnavailable) as e:
        sign(signer, BOB)
    assert e.value.status == 502 and e.value.error_type == "upstream_credentials_unavailable"
    assert code in e.value.reason and "not sent" in e.value.reason
    for needed in ["trust policy", "sts:AssumeRole", "sts:SetSourceIdentity"]:
        assert needed in e.value.hint
    assert "assume_role_failed" in caplog.text and code in caplog.text
    # remembered a while: the same 502 without asking STS again
    calls = len(env.sts.calls)
    env.sts.throttled, env.sts.denied = False, set()
    with pytest.raises(UpstreamCredentialsUnavailable):
        sign(signer, BOB)
    assert len(env.sts.calls) == calls
    # then mended: the next request assumes the role afresh
    env.now += timedelta(seconds=REMEMBER_FAILURE_S + 1)
    key, _ = sign(signer, BOB)
    assert env.sts.issued_for[key] in (DENIED_ARN, READONLY_ARN)


def test_an_unreachable_sts_is_a_502(env):
    signer = env.signer(endpoint="http://127.0.0.1:9")
    with pytest.raises(UpstreamCredentialsUnavailable, match="could not be assumed"):
        sign(signer, BOB)


def test_an_expired_token_answer_assumes_the_role_afresh(env):
    signer = env.signer()
    first, _ = sign(signer, BOB)
    assert signer.rejected(Rejection(EXPIRED_TOKEN), identity=BOB) is True
    second, _ = sign(signer, BOB)
    assert second != first and len(env.sts.assumed(READONLY_ARN)) == 2
    assert sign(signer, ALICE)[0] != second  # other roles untouched


# ---- on the wire: `access-es serve` in front of both stand-ins -------------------------------------

@pytest.fixture
def stack(tmp_path):
    """A domain stand-in, an STS stand-in, accounts (alice admin, bob readonly, acme readonly with its
    own IAM role) and `access-es serve` (one process) signing as the roles."""
    keys = {ACCESS_KEY: OWN}
    with StandIn(keys, region=REGION) as domain, \
            StsStandIn({ACCESS_KEY: OWN}, {ADMIN_ARN, READONLY_ARN, PARTNER_ARN}, keys, region=REGION) as sts:
        domain.key_expiry = sts.expires
        accounts = tmp_path / "users.json"
        store = open_stores(str(accounts)).accounts
        store.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
        store.put(Account("bob", "readonly", hash_password(PASSWORDS["bob"])))
        store.put(Account("acme", "readonly", hash_password(PASSWORDS["bob"]), PARTNER_ARN))
        running = start_proxy(tmp_path, domain.url, accounts, args=("--processes", "1"),
                              ACCESS_ES_IAM_ROLES=f"admin={ADMIN_ARN},readonly={READONLY_ARN}",
                              AWS_ENDPOINT_URL_STS=sts.url)
        try:
            yield running, domain, sts
        finally:
            stop_proxy(running)


def client(name):
    s = requests.Session()
    s.auth = (name, PASSWORDS["bob" if name == "acme" else name])
    return s


def test_the_domain_sees_each_account_as_its_role(stack):
    running, domain, sts = stack
    sessions = {name: client(name) for name in ("alice", "bob", "acme")}
    for _ in range(3):
        for name, s in sessions.items():
            assert s.get(running.url + "/logs-demo/_search", timeout=10).status_code == 200
    assert sessions["alice"].put(running.url + "/logs-demo/_doc/9", json={"a": 1}, timeout=10).status_code in (200, 201)
    assert sessions["bob"].put(running.url + "/logs-demo/_doc/9", json={"a": 1}, timeout=10).status_code == 403
    signed_as = {}
    for seen in domain.seen:
        assert seen.verified, seen.error
        signed_as.setdefault(seen.method + " " + seen.path, set()).add(sts.issued_for.get(key_of(seen), "own"))
    assert signed_as["PUT /logs-demo/_doc/9"] == {ADMIN_ARN}
    assert signed_as["GET /logs-demo/_search"] == {ADMIN_ARN, READONLY_ARN, PARTNER_ARN}
    # one STS call per role and account in this process, however many requests
    assert sorted((c.role_arn, c.session_name) for c in sts.assumed()) == sorted([
        (ADMIN_ARN, "alice"), (PARTNER_ARN, "acme"), (READONLY_ARN, "bob")])
    lines = [line for line in running.log_lines() if line.get("path") == "/logs-demo/_search"]
    assert {(line["account"], line.get("iam_role")) for line in lines} == {
        ("alice", "es-admin"), ("bob", "es-readonly"), ("acme", "acme-reader")}


def test_a_role_sts_refuses_is_a_502_and_nothing_reaches_the_domain(stack):
    running, domain, sts = stack
    sts.denied.add(READONLY_ARN)
    r = client("bob").get(running.url + "/logs-demo/_search", timeout=10)
    assert r.status_code == 502
    error = r.json()["error"]
    assert error["type"] == "upstream_credentials_unavailable" and "AccessDenied" in error["reason"]
    assert "trust policy" in error["hint"]
    assert [s for s in domain.seen if s.path == "/logs-demo/_search"] == []
    page = client("bob").get(running.url + "/logs-demo/_search", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 502 and "<html" in page.text and "AccessDenied" in page.text
    line = [entry for entry in running.log_lines() if entry.get("status") == 502][-1]
    assert "AccessDenied" in line["reason"] and line["account"] == "bob"
    assert "assume_role_failed" in running.log_path.read_text()
    # alice's role is not affected
    assert client("alice").get(running.url + "/logs-demo/_search", timeout=10).status_code == 200


def test_a_refusal_by_the_domains_access_control_reaches_the_client_as_it_is(stack):
    running, domain, sts = stack
    body = {"error": {"root_cause": [{"type": "security_exception", "reason": "no permissions for "
                      "[indices:data/write/index] and User [name=arn:aws:iam::111122223333:role/es-readonly, "
                      "backend_roles=[arn:aws:iam::111122223333:role/es-readonly], requestedTenant=null]"}],
                      "type": "security_exception", "reason": "no permissions"}, "status": 403}
    domain.route("/logs-demo/_doc/", lambda req: Reply.json(body, 403))
    r = client("alice").put(running.url + "/logs-demo/_doc/1", json={"a": 1}, timeout=10)
    assert r.status_code == 403 and r.json() == body


# ---- on Lambda: Zappa's own handler ---------------------------------------------------------------

def as_the_proxy_with_boto(monkeypatch, sts_url: str) -> None:
    """This process's boto configured as the proxy's would be: the test keys in the environment, STS at
    `sts_url` (AWS_ENDPOINT_URL_STS), and RoleSigner's botocore session made afresh from that."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_url)
    for name, value in [("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
                        ("AWS_SESSION_TOKEN", SESSION_TOKEN), ("AWS_CONFIG_FILE", "/dev/null"),
                        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")]:
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("access_es.iam_roles._SESSION", None)


def test_through_zappas_handler_a_warm_container_keeps_its_keys(tmp_path, monkeypatch):
    keys = {ACCESS_KEY: OWN}
    with StandIn(keys, region=REGION) as domain, \
            StsStandIn({ACCESS_KEY: OWN}, {READONLY_ARN}, keys, region=REGION) as sts:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "access-es-dev")
        as_the_proxy_with_boto(monkeypatch, sts.url)
        stores = open_stores(str(tmp_path / "users.json"))
        stores.accounts.put(Account("bob", "readonly", hash_password(PASSWORDS["bob"])))
        settings = load_settings({"ACCESS_ES_ENDPOINT": domain.url, "ACCESS_ES_SECRET_KEY": APP_SECRET,
                                  "ACCESS_ES_REGION": REGION, "ACCESS_ES_IAM_ROLES": f"readonly={READONLY_ARN}"})
        lam = LambdaClient(handler_for(create_app(settings, stores=stores)))
        basic = [("Authorization", "Basic " + __import__("base64").b64encode(f"bob:{PASSWORDS['bob']}".encode()).decode())]
        for _ in range(3):
            result = lam.request("GET", "/logs-demo/_search", headers=basic)
            assert result["statusCode"] == 200, result.get("body", "")[:300]
        assert {sts.issued_for.get(key_of(s)) for s in domain.seen} == {READONLY_ARN}
        assert len(sts.assumed()) == 1


# ---- `access-es check` assumes each role -----------------------------------------------------------

def test_check_assumes_each_role_and_shows_who_the_domain_sees(tmp_path, accounts_file):
    import subprocess

    from testbed.proxy import VENV_BIN, aws_env

    keys = {ACCESS_KEY: OWN}
    with StandIn(keys, region=REGION) as domain, \
            StsStandIn({ACCESS_KEY: OWN}, {ADMIN_ARN, READONLY_ARN}, keys, region=REGION) as sts:
        def account_api(req):  # what FGAC's account API says: the IAM role the keys belong to
            arn = sts.issued_for.get(req.header("Authorization").split("Credential=")[1].split("/")[0])
            return Reply.json({"user_name": arn, "backend_roles": [arn], "roles": ["readall"]})
        domain.route("/_plugins/_security/api/account", account_api)
        env = aws_env(ACCESS_ES_ENDPOINT=domain.url, ACCESS_ES_SECRET_KEY="k" * 32, ACCESS_ES_USERS=str(accounts_file),
                      AWS_ENDPOINT_URL_STS=sts.url, ACCESS_ES_IAM_ROLES=f"admin={ADMIN_ARN},readonly={READONLY_ARN}")
        r = subprocess.run([str(VENV_BIN / "access-es"), "check"], env=env, capture_output=True, text=True, timeout=120)
        out = r.stdout
        assert f"[ok  ] IAM role for admin (es-admin): assumed {ADMIN_ARN}; signed GET / answered 200; " \
               f"the domain sees user {ADMIN_ARN} with backend roles ['{ADMIN_ARN}']" in out, out + r.stderr
        assert "[ok  ] IAM role for readonly (es-readonly)" in out
        assert [c.session_name for c in sts.assumed()] == ["access-es-check"] * 2
        sts.denied.add(READONLY_ARN)
        r = subprocess.run([str(VENV_BIN / "access-es"), "check"], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1
        assert "[FAIL] IAM role for readonly (es-readonly): the IAM role es-readonly could not be assumed " \
               "(AccessDenied" in r.stdout and "fix: let the proxy's own IAM identity assume" in r.stdout


def test_opensearch_serverless_is_signed_as_the_role_too(env):
    # the domain stand-in verifies `aoss` signatures (x-amz-content-sha256 included) with the role's keys
    with StandIn(env.keys, region=REGION, service="aoss") as collection:
        session = botocore.session.get_session()
        signer = RoleSigner(REGION, "aoss", {"readonly": READONLY_ARN}, 3600,
                            credentials=lambda: BotoCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN),
                            client_creator=functools.partial(session.create_client, region_name=REGION,
                                                             endpoint_url=env.sts.url), clock=lambda: env.now)
        from access_es.proxy.upstream import Upstream

        upstream = Upstream(collection.url, collection.url.split("://")[1], signer, 5)
        answer = upstream.send("POST", "/logs-demo/_search", "", [("Content-Type", "application/json")],
                               b'{"size": 0}', identity=BOB)
        assert answer.status == 200
        seen = collection.last()
        assert seen.verified and env.sts.issued_for[key_of(seen)] == READONLY_ARN
        assert "/aoss/aws4_request" in seen.header("Authorization")


def test_check_warns_when_a_role_is_left_to_the_proxys_own_identity(monkeypatch):
    from access_es import check
    from access_es.proxy import upstream as upstream_module

    class Unreachable:
        def __init__(self, *args, **kwargs):
            pass

        def send(self, *args, **kwargs):
            raise UpstreamCredentialsUnavailable("not in this test")

    monkeypatch.setattr(upstream_module, "Upstream", Unreachable)
    results = check.check_iam_roles(load_settings({**BASE, "ACCESS_ES_IAM_ROLES": f"admin={ADMIN_ARN}"}))
    warn = [r for r in results if r.status == "warn"]
    assert len(warn) == 1 and "names no IAM role for readonly" in warn[0].detail
    assert "signed as the proxy itself" in warn[0].detail and "readonly=arn:aws:iam::" in warn[0].fix
    assert check.check_iam_roles(load_settings(BASE)) == []  # no mapping at all: nothing to say


def _assume_role_answer(endpoint: str, arn: str) -> dict:
    """AssumeRole as RoleSigner calls it (its parameters), through botocore, against `endpoint`."""
    client = botocore.session.get_session().create_client(
        "sts", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, aws_session_token=SESSION_TOKEN)
    name = session_name("acme@partner.example")
    answer = client.assume_role(RoleArn=arn, RoleSessionName=name, SourceIdentity=name, DurationSeconds=3600)
    answer.pop("ResponseMetadata")
    return answer


def _shape(value):
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__


def test_the_sts_stand_ins_answer_is_the_shape_moto_servers_sts_gives(env, moto_server):
    """The stand-in's assumption (what AssumeRole answers, as botocore parses it) backed by the same
    call against moto_server's STS, which follows AWS's own service model."""
    ours, motos = _assume_role_answer(env.sts.url, ADMIN_ARN), _assume_role_answer(moto_server, ADMIN_ARN)
    what_the_signer_reads = ("Credentials", "AssumedRoleUser")
    assert {k: _shape(ours[k]) for k in what_the_signer_reads} == {k: _shape(motos[k]) for k in what_the_signer_reads}
    model = botocore.session.get_session().get_service_model("sts").operation_model("AssumeRole").output_shape
    for answer in (ours, motos):
        assert set(answer) <= set(model.members), set(answer) - set(model.members)
        assert answer["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::111122223333:assumed-role/es-admin/")
        assert answer["Credentials"]["Expiration"].tzinfo is not None
    # and the production signer takes keys from the real model's answer as it takes ours
    signer = env.signer(endpoint=moto_server)
    key, headers = sign(signer, ALICE)
    assert key[:4] == motos["Credentials"]["AccessKeyId"][:4] == "ASIA"   # temporary keys, issued by moto
    assert key not in (ACCESS_KEY, ours["Credentials"]["AccessKeyId"]) and "X-Amz-Security-Token" in headers

"""`access-es check` against the stand-in domain and moto_server (STS, S3, DynamoDB)."""
import subprocess

from .conftest import OVERFLOW_BUCKET, VENV_BIN, aws_env

EXE = str(VENV_BIN / "access-es")


def check(env, *args):
    return subprocess.run([EXE, "check", *args], env=env, capture_output=True, text=True, timeout=120)


def base_env(standin, moto_server, accounts_file, **extra):
    return aws_env(**{"ACCESS_ES_ENDPOINT": standin.url, "ACCESS_ES_SECRET_KEY": "k" * 32,
                      "ACCESS_ES_USERS": str(accounts_file), "AWS_ENDPOINT_URL_STS": moto_server,
                      "AWS_ENDPOINT_URL_S3": moto_server, **extra})


def test_a_good_configuration_passes(standin, moto_server, overflow_bucket, accounts_file):
    r = check(base_env(standin, moto_server, accounts_file, ACCESS_ES_OVERFLOW_BUCKET=OVERFLOW_BUCKET),
              "--url", "https://kibana.example.com")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "[ok  ] credentials: signing as arn:aws:" in out
    assert "[ok  ] upstream: signed GET / answered: 123456789012:access-es-demo (elasticsearch 7.10.2); " \
        "readonly requests judged as es 7.10, os 1.x, os 2.x" in out
    assert "[ok  ] overflow bucket: s3://" in out and "[ok  ] accounts:" in out and "2 account(s), 1 admin(s)" in out
    assert "all checks passed" in out
    assert standin.last().verified


def test_a_signature_the_domain_refuses_fails_with_a_fix(standin, moto_server, accounts_file):
    env = base_env(standin, moto_server, accounts_file, AWS_SECRET_ACCESS_KEY="not-the-right-secret")
    r = check(env)
    assert r.returncode == 1
    assert "[FAIL] upstream: 403 from the domain" in r.stdout and "fix: allow the role" in r.stdout
    assert "[warn] overflow bucket: ACCESS_ES_OVERFLOW_BUCKET is not set" in r.stdout


def test_a_missing_bucket_and_store_fail_with_fixes(standin, moto_server, accounts_file, tmp_path):
    env = base_env(standin, moto_server, accounts_file, ACCESS_ES_OVERFLOW_BUCKET="no-such-overflow",
                   ACCESS_ES_USERS="dynamodb://no-such-table", AWS_ENDPOINT_URL_DYNAMODB=moto_server)
    r = check(env)
    assert r.returncode == 1
    assert "[FAIL] overflow bucket:" in r.stdout and "s3:PutObject" in r.stdout
    assert "[FAIL] accounts:" in r.stdout and "access-es users init" in r.stdout


def test_an_execute_api_stage_url_gets_a_warning(standin, moto_server, accounts_file):
    r = check(base_env(standin, moto_server, accounts_file), "--url",
              "https://abc123.execute-api.us-east-1.amazonaws.com/dev")
    assert "[warn] public URL:" in r.stdout and "custom domain" in r.stdout


def test_bad_settings_are_listed(tmp_path):
    r = check(aws_env(ACCESS_ES_ENDPOINT="nope"))
    assert r.returncode == 2 and "ACCESS_ES_ENDPOINT" in r.stdout and "ACCESS_ES_SECRET_KEY" in r.stdout

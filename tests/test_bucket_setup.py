"""`access-es bucket setup` against moto_server: everything applied, idempotent, clear errors."""
import json
import subprocess
import uuid

import boto3
import pytest

from access_es.overflow.bucket import bucket_policy, cors_rules, lifecycle_rules

from .conftest import REGION, VENV_BIN, aws_env

ROLE = "arn:aws:iam::123456789012:role/access-es-dev"


def run(moto_server, *args):
    env = aws_env(AWS_ENDPOINT_URL_S3=moto_server)
    return subprocess.run([str(VENV_BIN / "access-es"), "bucket", "setup", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_setup_creates_and_configures_then_changes_nothing(moto_server):
    bucket = f"overflow-{uuid.uuid4().hex[:8]}"
    r = run(moto_server, bucket, "--origin", "https://kibana.example.com", "--role-arn", ROLE)
    assert r.returncode == 0, r.stderr
    assert f"created bucket {bucket}" in r.stdout
    for step in ("public access block", "object ownership", "default encryption", "bucket policy", "CORS",
                 "lifecycle"):
        assert f"{step}" in r.stdout
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION, aws_access_key_id="x",
                      aws_secret_access_key="y")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == bucket_policy(bucket, "overflow/", ROLE)
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]
    assert cors["AllowedOrigins"] == ["https://kibana.example.com"] and cors["AllowedMethods"] == ["GET", "HEAD"]
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == lifecycle_rules("overflow/")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"]
    enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    again = run(moto_server, bucket, "--origin", "https://kibana.example.com", "--role-arn", ROLE)
    assert again.returncode == 0 and "done: nothing to change" in again.stdout, again.stdout

    other = run(moto_server, bucket, "--origin", "https://logs.example.com", "--role-arn", ROLE)
    assert "CORS: set" in other.stdout and "done: 1 change(s)" in other.stdout


def test_policy_denies_plain_http_acls_and_other_principals():
    policy = bucket_policy("b", "overflow/", ROLE)
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert sids["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"DenyGrantRead", "DenyGrantFullControl"} <= set(sids)
    assert sids["OnlyTheProxyRoleUsesOverflowObjects"]["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}
    assert sids["ProxyRolePutsAndGetsOverflowObjects"]["Resource"] == "arn:aws:s3:::b/overflow/*"
    assert cors_rules(["https://a"])[0]["AllowedHeaders"] == ["*"]


@pytest.mark.parametrize("args,message", [
    (["--origin", "https://k.example.com/path", "--role-arn", ROLE], "--origin"),
    (["--origin", "https://k.example.com", "--role-arn", "access-es-dev"], "--role-arn"),
])
def test_bad_arguments_are_clear(moto_server, args, message):
    r = run(moto_server, "some-bucket", *args)
    assert r.returncode == 2 and message in r.stderr


def test_an_unreachable_s3_is_a_clear_failure():
    env = aws_env(AWS_ENDPOINT_URL_S3="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
    r = subprocess.run([str(VENV_BIN / "access-es"), "bucket", "setup", "b-x-y", "--origin", "https://k.example.com",
                        "--role-arn", ROLE], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "setting up s3://b-x-y failed" in r.stderr and "Traceback" not in r.stderr

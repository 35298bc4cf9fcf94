"""The overflow bucket as code: `access-es bucket setup BUCKET --origin ... --role-arn ...`.

It makes the bucket what the overflow path needs, idempotently, and says what it changed:
- public access blocked, ACLs disabled (BucketOwnerEnforced), default encryption SSE-S3;
- the bucket policy (overflow_bucket_policy.json with its placeholders filled): TLS only, no ACL
  grants, and only the proxy's role may put and get under the prefix;
- CORS (cors.xml): the proxy's origin may GET/HEAD objects after the cross-origin 303, with any
  headers (Kibana's XHRs carry kbn-xsrf/osd-xsrf/kbn-version, so browsers send a preflight);
- lifecycle: objects under the prefix expire after a day; incomplete multipart uploads are aborted
  after a day.
The files at the top of the repository are these same documents with placeholders; a test keeps
them equal.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

GRANT_HEADERS = ("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                 "x-amz-grant-full-control")
_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/(.+)")


def bucket_policy(bucket: str, prefix: str, role_arn: str) -> dict:
    objects = f"arn:aws:s3:::{bucket}/{prefix}*"
    statements: list[dict] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyCannedAclsBeyondTheOwner",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-acl": ["private", "bucket-owner-full-control"]}},
        },
    ]
    for header in GRANT_HEADERS:
        statements.append({
            "Sid": "DenyGrant" + "".join(part.capitalize() for part in header[len("x-amz-grant-"):].split("-")),
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"Null": {f"s3:{header}": "false"}},
        })
    statements += [
        {
            "Sid": "OnlyTheProxyRoleUsesOverflowObjects",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": objects,
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role_arn}},
        },
        {
            "Sid": "ProxyRolePutsAndGetsOverflowObjects",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            "Resource": objects,
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def cors_rules(origins: list[str]) -> list[dict]:
    return [{
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["Content-Length", "Content-Type", "Content-Encoding"],
        "MaxAgeSeconds": 3600,
    }]


def cors_xml(origins: list[str]) -> str:
    rule = cors_rules(origins)[0]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">', "  <CORSRule>"]
    lines += [f"    <AllowedOrigin>{o}</AllowedOrigin>" for o in rule["AllowedOrigins"]]
    lines += [f"    <AllowedMethod>{m}</AllowedMethod>" for m in rule["AllowedMethods"]]
    lines += [f"    <AllowedHeader>{h}</AllowedHeader>" for h in rule["AllowedHeaders"]]
    lines += [f"    <ExposeHeader>{h}</ExposeHeader>" for h in rule["ExposeHeaders"]]
    lines += [f"    <MaxAgeSeconds>{rule['MaxAgeSeconds']}</MaxAgeSeconds>", "  </CORSRule>", "</CORSConfiguration>"]
    return "\n".join(lines) + "\n"


def lifecycle_rules(prefix: str) -> list[dict]:
    return [{
        "ID": "access-es-overflow-expiry",
        "Filter": {"Prefix": prefix},
        "Status": "Enabled",
        "Expiration": {"Days": 1},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    }]


def check_origin(origin: str) -> str:
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?", origin):
        raise ValueError(f"--origin {origin!r} must be scheme://host[:port] with no path, e.g. "
                         "https://kibana.example.com")
    return origin


def check_role_arn(role_arn: str) -> str:
    if not _ROLE_ARN.fullmatch(role_arn):
        raise ValueError(f"--role-arn {role_arn!r} must be an IAM role ARN, e.g. "
                         "arn:aws:iam::123456789012:role/access-es-dev")
    return role_arn


def setup_bucket(client: Any, bucket: str, prefix: str, origins: list[str], role_arn: str,
                 say: Callable[[str], None] = print) -> list[str]:
    """Apply everything (idempotent). Returns what changed; `say` reports each step."""
    changed: list[str] = []

    def step(name: str, current: Callable[[], Any], wanted: Any, apply: Callable[[], Any]) -> None:
        try:
            now = current()
        except Exception as e:  # "not configured yet" comes as an error from S3
            if "NoSuch" not in str(e) and "NotFound" not in str(e) and "not found" not in str(e).lower():
                raise
            now = None
        if now == wanted:
            say(f"  {name}: already as wanted")
            return
        apply()
        changed.append(name)
        say(f"  {name}: set")

    block = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
    step("public access block", lambda: client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
         block, lambda: client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block))
    ownership = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    step("object ownership (ACLs disabled)",
         lambda: {"Rules": client.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]},
         ownership, lambda: client.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=ownership))
    encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    step("default encryption (SSE-S3)",
         lambda: {"Rules": [{"ApplyServerSideEncryptionByDefault": r["ApplyServerSideEncryptionByDefault"]}
                            for r in client.get_bucket_encryption(Bucket=bucket)[
                                "ServerSideEncryptionConfiguration"]["Rules"]]},
         encryption, lambda: client.put_bucket_encryption(Bucket=bucket,
                                                          ServerSideEncryptionConfiguration=encryption))
    policy = bucket_policy(bucket, prefix, role_arn)
    step("bucket policy", lambda: json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]), policy,
         lambda: client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy)))
    cors = cors_rules(origins)
    step("CORS", lambda: [{k: r[k] for k in cors[0] if k in r} for r in client.get_bucket_cors(Bucket=bucket)[
        "CORSRules"]], cors, lambda: client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": cors}))
    lifecycle = lifecycle_rules(prefix)
    step("lifecycle", lambda: client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], lifecycle,
         lambda: client.put_bucket_lifecycle_configuration(Bucket=bucket,
                                                           LifecycleConfiguration={"Rules": lifecycle}))
    return changed

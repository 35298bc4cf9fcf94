"""The `access-es` command: serve, users, keys, check, bucket, demo.

argparse rather than click: nothing here runs on Lambda, but it should start fast and stay small.
Exit codes: 0 done, 1 the operation failed, 2 bad usage or configuration.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections import Counter
from dataclasses import replace

from .accounts import Account, AccountError, check_iam_role, check_name, check_password, check_role
from .accounts.keys import expires_at
from .errors import ProxyError, aws_error_code
from .settings import DEFAULT_OVERFLOW_PREFIX, ConfigError, aws_region, key_max_days, overflow_prefix, users_location


def _default_processes() -> int:
    from .server import default_processes

    return default_processes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="access-es",
        description="A login-protected, SigV4-signing proxy for Amazon Elasticsearch / OpenSearch and "
        "Kibana / Dashboards. Configured by ACCESS_ES_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the proxy on its own production HTTP/1.1 server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9200, help="port to listen on (default 9200)")
    serve.add_argument("--threads", type=int, default=16,
                       help="worker threads per process, each running one request at a time (default 16); "
                       "idle and slow connections hold none")
    serve.add_argument("--processes", type=int, default=None,
                       help="worker processes (default: one per CPU, here %d; Python runs one thread at a time "
                       "per process). --processes 1 serves in this process, with no supervisor"
                       % _default_processes())

    users = sub.add_parser("users", help="manage accounts in ACCESS_ES_USERS")
    usub = users.add_subparsers(dest="users_command", required=True)
    add = usub.add_parser("add", help="add an account (password from a prompt, or stdin if piped)")
    add.add_argument("name")
    add.add_argument("--role", default="readonly", choices=["admin", "readonly"],
                     help="admin may change the cluster; readonly may only read (default readonly)")
    add.add_argument("--iam-role", metavar="ARN", default=None,
                     help="sign this account's requests as this IAM role (over ACCESS_ES_IAM_ROLES)")
    change = usub.add_parser("set", help="change an account's role or IAM role (its password stays)")
    change.add_argument("name")
    change.add_argument("--role", choices=["admin", "readonly"], default=None, help="its new role")
    own_role = change.add_mutually_exclusive_group()
    own_role.add_argument("--iam-role", metavar="ARN", default=None,
                          help="sign its requests as this IAM role (over ACCESS_ES_IAM_ROLES)")
    own_role.add_argument("--no-iam-role", action="store_true",
                          help="sign its requests as its role's IAM role again (ACCESS_ES_IAM_ROLES)")
    usub.add_parser("list", help="list accounts, their roles, how many API keys each has, SSO accounts "
                    "and IAM roles")
    usub.add_parser("init", help="create the accounts store (the DynamoDB table: on-demand, point-in-time "
                    "recovery, TTL); idempotent")
    rm = usub.add_parser("remove", help="remove an account (ends its sessions, deletes its API keys)")
    rm.add_argument("name")
    pw = usub.add_parser("passwd", help="set a new password (ends the account's sessions)")
    pw.add_argument("name")

    keys = sub.add_parser("keys", help="API keys for scripts: sent as the Basic password or as a Bearer token")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    kcreate = ksub.add_parser("create", help="make a key for ACCOUNT; printed once, alone on the last line")
    kcreate.add_argument("account")
    kcreate.add_argument("--name", default=None, help="what the key is for, unique per account (default: its id)")
    kcreate.add_argument("--expires-days", type=int, default=None, metavar="N",
                         help="days until it expires (default and maximum: ACCESS_ES_KEY_MAX_DAYS, 90 unless set)")
    klist = ksub.add_parser("list", help="keys: name, id, created, expires, last used (never the key)")
    klist.add_argument("account", nargs="?", default=None, help="only this account's keys")
    krevoke = ksub.add_parser("revoke", help="revoke ACCOUNT's key NAME: refused from its next request on")
    krevoke.add_argument("account")
    krevoke.add_argument("name")

    check = sub.add_parser("check", help="verify the configuration end to end: credentials, the domain, "
                           "the overflow bucket, the accounts store")
    check.add_argument("--url", default=None,
                       help="the public URL people will use (warns about execute-api stage URLs)")

    bucket = sub.add_parser("bucket", help="the S3 bucket for oversized answers")
    bsub = bucket.add_subparsers(dest="bucket_command", required=True)
    setup = bsub.add_parser("setup", help="make BUCKET ready for overflow: private, encrypted, policy, CORS, "
                            "lifecycle (idempotent; creates it if missing)")
    setup.add_argument("bucket")
    setup.add_argument("--origin", action="append", required=True,
                       help="the proxy's origin that browsers use, e.g. https://kibana.example.com (repeatable)")
    setup.add_argument("--role-arn", required=True,
                       help="the proxy's IAM role (the Lambda role), the only one allowed to put and get objects")
    setup.add_argument("--prefix", default=None,
                       help=f"key prefix (default ACCESS_ES_OVERFLOW_PREFIX or {DEFAULT_OVERFLOW_PREFIX})")

    demo = sub.add_parser("demo", help="run everything locally: stand-in domain, local S3, the proxy")
    demo.add_argument("--port", type=int, default=9200, help="the proxy's port (default 9200)")

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            from .server import serve_command

            processes = _default_processes() if args.processes is None else args.processes
            if args.threads < 1 or processes < 1:
                print("access-es serve: --threads and --processes must be at least 1", file=sys.stderr)
                return 2
            return serve_command(args.host, args.port, args.threads, processes)
        if args.command == "users":
            return users_command(args)
        if args.command == "keys":
            return keys_command(args)
        if args.command == "check":
            from .check import run_check

            return run_check(args.url)
        if args.command == "bucket":
            return bucket_command(args)
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args.port)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    except AccountError as e:
        print(f"access-es: {e}", file=sys.stderr)
        return 1
    except ProxyError as e:  # e.g. the accounts store is unreachable
        print(f"access-es: {e.reason}" + (f"\n  {e.hint}" if e.hint else ""), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


def read_password(prompt: str = "Password: ") -> str:
    """From a prompt (asked twice) on a terminal; else one line from stdin, for scripts."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != first:
            raise AccountError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def users_command(args: argparse.Namespace) -> int:
    from .accounts.passwords import hash_password
    from .stores import init_store, open_stores

    location, region = users_location(), aws_region()
    cmd = args.users_command
    if cmd == "init":
        print(init_store(location, region))
        return 0
    stores = open_stores(location, region)
    store = stores.accounts
    if cmd == "list":
        accounts = list(store.all())
        if not accounts:
            print(f"no accounts in {store.location}")
        counts = Counter(k.account for k in stores.keys.of_account())
        for account in accounts:
            n = counts[account.name]
            print(f"{account.name}\t{account.role}\t{n} key{'' if n == 1 else 's'}"
                  + ("\tsso" if account.sso else "")
                  + (f"\t{account.iam_role}" if account.iam_role else ""))
        return 0
    name = check_name(args.name)
    if cmd == "add":
        if store.get(name) is not None:
            raise AccountError(f"account {name!r} exists already; use `access-es users passwd {name}`")
        role = check_role(args.role)
        iam_role = check_iam_role(args.iam_role) if args.iam_role is not None else None
        password = check_password(read_password())
        stores.remove_keys_of(name)  # left by an earlier account of this name removed by hand: never revived
        store.put(Account(name=name, role=role, password_hash=hash_password(password), iam_role=iam_role))
        print(f"added {name} ({role}{', signed as ' + iam_role if iam_role else ''}) to {store.location}")
        return 0
    if cmd == "set":
        account = store.get(name)
        if account is None:
            raise AccountError(f"no account {name!r} in {store.location}")
        if args.role is None and args.iam_role is None and not args.no_iam_role:
            raise AccountError("nothing to change: give --role, --iam-role ARN or --no-iam-role")
        changed = replace(account, role=check_role(args.role) if args.role else account.role,
                          iam_role=None if args.no_iam_role else (
                              check_iam_role(args.iam_role) if args.iam_role is not None else account.iam_role))
        store.put(changed)
        print(f"{name}: {changed.role}, signed as "
              f"{changed.iam_role or 'the IAM role of its role (ACCESS_ES_IAM_ROLES), else the proxy'}")
        return 0
    if cmd == "remove":
        if store.get(name) is None:
            raise AccountError(f"no account {name!r} in {store.location}")
        keys = len(stores.keys.of_account(name))
        stores.remove_account(name)
        print(f"removed {name}" + (f" and its {keys} API key{'' if keys == 1 else 's'}" if keys else ""))
        return 0
    if cmd == "passwd":
        account = store.get(name)
        if account is None:
            raise AccountError(f"no account {name!r} in {store.location}")
        if account.sso:
            raise AccountError(f"{name!r} logs in with single sign-on and has no password here")
        password = check_password(read_password("New password: "))
        store.put(replace(account, password_hash=hash_password(password)))
        print(f"password changed for {name}; its sessions have ended")
        return 0
    return 2


def keys_command(args: argparse.Namespace) -> int:
    from .accounts.keys import check_expires_days, check_key_name, create_key, revoke_key
    from .stores import open_stores

    stores = open_stores(users_location(), aws_region())
    cmd = args.keys_command
    if cmd == "list":
        if args.account is not None and stores.accounts.get(check_name(args.account)) is None:
            raise AccountError(f"no account {args.account!r} in {stores.location}")
        keys = stores.keys.of_account(args.account)
        if not keys:
            print("no API keys" + (f" for {args.account}" if args.account else f" in {stores.location}"))
            return 0
        print("account\tname\tid\tcreated\texpires\tlast used")
        max_days, now = key_max_days(), time.time()
        for k in keys:
            ends = expires_at(k, max_days)
            print("\t".join([k.account, k.name, k.id, _when(k.created),
                             _when(ends) + (" (expired)" if ends <= now else ""),
                             _when(k.last_used) if k.last_used else "never"]))
        return 0
    name = check_name(args.account)
    account = stores.accounts.get(name)
    if account is None:
        raise AccountError(f"no account {name!r} in {stores.location}")
    if cmd == "create":
        max_days = key_max_days()
        days = check_expires_days(args.expires_days if args.expires_days is not None else max_days, max_days)
        record, key = create_key(stores.keys, name, args.name, days)
        print(f"created API key {record.name!r} for {name} ({account.role}), expires {_when(record.expires)}.")
        print(f"Send it as the password of HTTP Basic with the name {name} (curl -u {name}:KEY), or as "
              "'Authorization: Bearer KEY'. It is shown only now; the store keeps only its hash:")
        print(key)
        return 0
    if cmd == "revoke":
        key_name = check_key_name(args.name)
        if not revoke_key(stores.keys, name, key_name):
            raise AccountError(f"account {name!r} has no API key named {key_name!r}")
        print(f"revoked API key {key_name!r} of {name}")
        return 0
    return 2


def _when(epoch: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def bucket_command(args: argparse.Namespace) -> int:
    import boto3

    from .overflow.bucket import check_origin, check_role_arn, setup_bucket

    try:
        origins = [check_origin(o) for o in args.origin]
        role_arn = check_role_arn(args.role_arn)
    except ValueError as e:
        print(f"access-es: {e}", file=sys.stderr)
        return 2
    prefix = args.prefix if args.prefix is not None else overflow_prefix()
    client = boto3.client("s3", region_name=aws_region())
    try:
        try:
            client.head_bucket(Bucket=args.bucket)
        except client.exceptions.ClientError as e:
            if aws_error_code(e) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            region = client.meta.region_name
            extra = {} if region in (None, "us-east-1") else {
                "CreateBucketConfiguration": {"LocationConstraint": region}}
            client.create_bucket(Bucket=args.bucket, **extra)
            print(f"created bucket {args.bucket} in {region or 'us-east-1'}")
        print(f"s3://{args.bucket} for overflow under {prefix!r}:")
        changed = setup_bucket(client, args.bucket, prefix, origins, role_arn)
    except Exception as e:
        print(f"access-es: setting up s3://{args.bucket} failed: {e}", file=sys.stderr)
        return 1
    print(f"done: {len(changed)} change(s)" if changed else "done: nothing to change")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

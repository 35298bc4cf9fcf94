"""The DynamoDB backend (ACCESS_ES_USERS=dynamodb://TABLE): accounts, sessions, API keys and
throttling counters in one table, so accounts change without a redeploy and every Lambda container sees the
same sessions and counters.

One partition key, `pk` (string); items are told apart by its prefix:
    user#NAME        role, password_hash ("" for an SSO account), iam_role?, sso? (BOOL), sso_subject?
    session#HASH     account, created, last_seen, expires_at
    counter#KEY      count, expires_at
    apikey#ID        account, name, hash, created, expires, last_used, expires_at
`expires_at` (epoch seconds) is the table's TTL attribute, so DynamoDB deletes stale sessions,
counters and keys (a week after they expire, so `keys list` still shows them for a while) by
itself; reads still check times, because TTL deletion can lag by hours.

boto3 is imported on first use, not at start-up (a Lambda cold start pays for every import).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Iterator

from ..accounts import Account, AccountError
from ..accounts.keys import KeyRecord
from ..errors import aws_error_code
from . import SessionRecord, StoreUnavailable

USER, SESSION, COUNTER, KEY = "user#", "session#", "counter#", "apikey#"
KEY_KEPT_AFTER_EXPIRY = 7 * 86400


def _client(region: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # Fail fast: a login should not hang for a minute on a throttled or unreachable table.
    # `region`: settings.aws_region; None leaves it to botocore's own chain (profile...).
    return boto3.client("dynamodb", region_name=region,
                        config=Config(connect_timeout=3, read_timeout=5,
                                      retries={"max_attempts": 3, "mode": "standard"}))


def _unavailable(table: str, e: Exception) -> StoreUnavailable:
    what = aws_error_code(e) or type(e).__name__
    return StoreUnavailable(
        f"the accounts table {table} cannot be used ({what}): nobody can log in until it can",
        hint="check the table exists (access-es users init), the region, and that the proxy's role "
        "may use it (dynamodb:GetItem, PutItem, UpdateItem, DeleteItem, Scan)",
    )


class DynamoTable:
    def __init__(self, table: str, region: str | None = None):
        self.table = table
        self.region = region
        self.location = f"dynamodb://{table}"
        self._client: Any = None
        self._lock = threading.Lock()
        self.sessions = _Sessions(self)
        self.counters = _Counters(self)
        self.keys = _Keys(self)

    def call(self, operation: str, **kwargs: Any) -> dict:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = _client(self.region)
        try:
            return getattr(self._client, operation)(TableName=self.table, **kwargs)
        except Exception as e:
            if type(e).__name__ == "ConditionalCheckFailedException":
                raise
            raise _unavailable(self.table, e) from e

    # -- accounts ------------------------------------------------------------------------------
    def get(self, name: str) -> Account | None:
        item = self.call("get_item", Key={"pk": {"S": USER + name}}, ConsistentRead=True).get("Item")
        return _account(item) if item else None

    def all(self) -> Iterator[Account]:
        items = self.scan("begins_with(pk, :u)", {":u": {"S": USER}})
        return iter(sorted((_account(i) for i in items), key=lambda a: a.name))

    def scan(self, condition: str, values: dict) -> list[dict]:
        """Every item matching `condition`, across pages (consistent: a key just revoked is gone)."""
        items, start = [], None
        while True:
            kwargs = {"FilterExpression": condition, "ExpressionAttributeValues": values, "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self.call("scan", **kwargs)
            items += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if not start:
                return items

    def put(self, account: Account) -> None:
        item = {"pk": {"S": USER + account.name}, "role": {"S": account.role},
                "password_hash": {"S": account.password_hash}}
        if account.iam_role:
            item["iam_role"] = {"S": account.iam_role}
        if account.sso:
            item["sso"] = {"BOOL": True}
        if account.sso_subject:
            item["sso_subject"] = {"S": account.sso_subject}
        self.call("put_item", Item=item)

    def remove(self, name: str) -> bool:
        old = self.call("delete_item", Key={"pk": {"S": USER + name}}, ReturnValues="ALL_OLD")
        return "Attributes" in old


def _account(item: dict) -> Account:
    return Account(item["pk"]["S"][len(USER):], item["role"]["S"], item["password_hash"]["S"],
                   item.get("iam_role", {}).get("S"), item.get("sso", {}).get("BOOL") is True,
                   item.get("sso_subject", {}).get("S"))


class _Sessions:
    def __init__(self, table: DynamoTable):
        self.t = table

    def create(self, key: str, record: SessionRecord, expires: float) -> None:
        self.t.call("put_item", Item={
            "pk": {"S": SESSION + key}, "account": {"S": record.account},
            "created": {"N": repr(record.created)}, "last_seen": {"N": repr(record.last_seen)},
            "expires_at": {"N": str(int(expires) + 1)},
        })

    def get(self, key: str) -> SessionRecord | None:
        item = self.t.call("get_item", Key={"pk": {"S": SESSION + key}}, ConsistentRead=True).get("Item")
        if not item:
            return None
        return SessionRecord(item["account"]["S"], float(item["created"]["N"]), float(item["last_seen"]["N"]))

    def touch(self, key: str, last_seen: float) -> None:
        try:
            self.t.call("update_item", Key={"pk": {"S": SESSION + key}}, UpdateExpression="SET last_seen = :t",
                        ConditionExpression="attribute_exists(pk)",
                        ExpressionAttributeValues={":t": {"N": repr(last_seen)}})
        except Exception as e:  # the session was deleted meanwhile (logout elsewhere): nothing to touch
            if type(e).__name__ != "ConditionalCheckFailedException":
                raise

    def delete(self, key: str) -> None:
        self.t.call("delete_item", Key={"pk": {"S": SESSION + key}})


class _Counters:
    def __init__(self, table: DynamoTable):
        self.t = table

    def count(self, key: str) -> int:
        item = self.t.call("get_item", Key={"pk": {"S": COUNTER + key}}, ConsistentRead=True).get("Item")
        if not item or float(item["expires_at"]["N"]) <= time.time():
            return 0
        return int(item["count"]["N"])

    def add(self, key: str, delta: int, expires: float) -> int:
        # ADD is atomic: concurrent attempts in several containers all count.
        out = self.t.call("update_item", Key={"pk": {"S": COUNTER + key}},
                          UpdateExpression="ADD #c :d SET expires_at = :e",
                          ExpressionAttributeNames={"#c": "count"},
                          ExpressionAttributeValues={":d": {"N": str(delta)}, ":e": {"N": str(int(expires) + 1)}},
                          ReturnValues="UPDATED_NEW")
        return int(out["Attributes"]["count"]["N"])

    def reset(self, key: str) -> None:
        self.t.call("delete_item", Key={"pk": {"S": COUNTER + key}})


class _Keys:
    def __init__(self, table: DynamoTable):
        self.t = table

    def create(self, record: KeyRecord) -> None:
        # Names are unique per account: checked here (one person or operator creates keys at a time),
        # the item itself only if its id is new.
        if any(k.name == record.name for k in self.of_account(record.account)):
            raise AccountError(f"account {record.account!r} has a key named {record.name!r} already")
        item = {"pk": {"S": KEY + record.id}, "account": {"S": record.account}, "name": {"S": record.name},
                "hash": {"S": record.hash}, "created": {"N": repr(record.created)},
                "expires": {"N": repr(record.expires)},
                "expires_at": {"N": str(int(record.expires) + KEY_KEPT_AFTER_EXPIRY)}}
        try:
            self.t.call("put_item", Item=item, ConditionExpression="attribute_not_exists(pk)")
        except Exception as e:  # an id drawn twice (64 random bits): never overwrite a key
            if type(e).__name__ == "ConditionalCheckFailedException":
                raise AccountError("a key with that id exists already; try again") from None
            raise

    def get(self, key_id: str) -> KeyRecord | None:
        item = self.t.call("get_item", Key={"pk": {"S": KEY + key_id}}, ConsistentRead=True).get("Item")
        return _key(item) if item else None

    def of_account(self, account: str | None = None) -> list[KeyRecord]:
        if account is None:
            items = self.t.scan("begins_with(pk, :k)", {":k": {"S": KEY}})
        else:
            items = self.t.scan("begins_with(pk, :k) AND account = :a", {":k": {"S": KEY}, ":a": {"S": account}})
        return sorted((_key(i) for i in items), key=lambda k: (k.account, k.created))

    def touch(self, key_id: str, last_used: float) -> None:
        try:
            self.t.call("update_item", Key={"pk": {"S": KEY + key_id}}, UpdateExpression="SET last_used = :t",
                        ConditionExpression="attribute_exists(pk)",
                        ExpressionAttributeValues={":t": {"N": repr(last_used)}})
        except Exception as e:  # revoked meanwhile: an update must not bring it back
            if type(e).__name__ != "ConditionalCheckFailedException":
                raise

    def delete(self, key_id: str) -> bool:
        old = self.t.call("delete_item", Key={"pk": {"S": KEY + key_id}}, ReturnValues="ALL_OLD")
        return "Attributes" in old


def _key(item: dict) -> KeyRecord:
    last_used = item.get("last_used", {}).get("N")
    return KeyRecord(item["pk"]["S"][len(KEY):], item["account"]["S"], item["name"]["S"], item["hash"]["S"],
                     float(item["created"]["N"]), float(item["expires"]["N"]),
                     float(last_used) if last_used is not None else None)


def create_table(table: str, region: str | None = None) -> str:
    """The table with on-demand billing, point-in-time recovery and TTL on expires_at (idempotent)."""
    client = _client(region)
    done = []
    try:
        client.describe_table(TableName=table)
    except client.exceptions.ResourceNotFoundException:
        client.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        done.append(f"created table {table} (on-demand billing)")
    backups = client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    if backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") != "ENABLED":
        client.update_continuous_backups(TableName=table,
                                         PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        done.append("enabled point-in-time recovery")
    ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        client.update_time_to_live(TableName=table,
                                   TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
        done.append("enabled TTL on expires_at")
    return "; ".join(done) if done else f"table {table} is ready already"

"""The DynamoDB backend (ACCESS_ES_USERS=dynamodb://TABLE): accounts, sessions and throttling
counters in one table, so accounts change without a redeploy and every Lambda container sees the
same sessions and counters.

One partition key, `pk` (string); items are told apart by its prefix:
    user#NAME        role, password_hash ("" for an SSO account), iam_role?, sso? (BOOL)
    session#HASH     account, created, last_seen, expires_at
    counter#KEY      count, expires_at
`expires_at` (epoch seconds) is the table's TTL attribute, so DynamoDB deletes stale sessions and
counters by itself; reads still check times, because TTL deletion can lag by hours.

boto3 is imported on first use, not at start-up (a Lambda cold start pays for every import).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Iterator

from ..accounts import Account
from ..errors import aws_error_code
from . import SessionRecord, StoreUnavailable

USER, SESSION, COUNTER = "user#", "session#", "counter#"


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
        accounts, start = [], None
        while True:
            kwargs = {"FilterExpression": "begins_with(pk, :u)", "ExpressionAttributeValues": {":u": {"S": USER}}}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self.call("scan", **kwargs)
            accounts += [_account(i) for i in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return iter(sorted(accounts, key=lambda a: a.name))

    def put(self, account: Account) -> None:
        item = {"pk": {"S": USER + account.name}, "role": {"S": account.role},
                "password_hash": {"S": account.password_hash}}
        if account.iam_role:
            item["iam_role"] = {"S": account.iam_role}
        if account.sso:
            item["sso"] = {"BOOL": True}
        self.call("put_item", Item=item)

    def remove(self, name: str) -> bool:
        old = self.call("delete_item", Key={"pk": {"S": USER + name}}, ReturnValues="ALL_OLD")
        return "Attributes" in old


def _account(item: dict) -> Account:
    return Account(item["pk"]["S"][len(USER):], item["role"]["S"], item["password_hash"]["S"],
                   item.get("iam_role", {}).get("S"), item.get("sso", {}).get("BOOL") is True)


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

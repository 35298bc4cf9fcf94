"""Login throttling: after repeated failures for one account or one client address, 429 with
Retry-After until the window ends. Counters live in the store, so every container shares them when
the store is DynamoDB.

Fixed windows (ACCESS_ES_THROTTLE_MINUTES long) keep each counter a single atomic increment.
Unknown account names are counted like real ones, so throttling tells nothing about which exist.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from typing import Callable

from .errors import ProxyError
from .stores import CounterStore

log = logging.getLogger("access_es.auth")


class TooManyAttempts(ProxyError):
    status = 429
    title = "Too many failed logins"
    error_type = "too_many_attempts"


class Throttle:
    def __init__(self, counters: CounterStore, account_limit: int, address_limit: int, window_seconds: int,
                 clock: Callable[[], float] = time.time):
        self.counters = counters
        self.limits = {"account": account_limit, "address": address_limit}
        self.window = window_seconds
        self.clock = clock

    def _keys(self, account: str, address: str) -> list[tuple[str, str, int, float]]:
        now = self.clock()
        slot = int(now // self.window)
        ends = (slot + 1) * self.window
        out = []
        for kind, value in (("account", account), ("address", address)):
            # hashed: the counters table need not hold names or addresses in clear
            digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:32]
            out.append((kind, f"{kind}:{digest}:{slot}", self.limits[kind], ends))
        return out

    def check(self, account: str, address: str) -> None:
        """Raise TooManyAttempts when either counter reached its limit in this window."""
        for kind, key, limit, ends in self._keys(account, address):
            if self.counters.count(key) >= limit:
                retry = max(1, math.ceil(ends - self.clock()))
                raise TooManyAttempts(
                    f"too many failed logins for this {kind}; try again in {retry} s",
                    headers={"Retry-After": str(retry)},
                )

    def failed(self, account: str, address: str) -> None:
        for kind, key, limit, ends in self._keys(account, address):
            if self.counters.increment(key, ends) == limit:
                log.warning(json.dumps({"event": "login_lockout", "kind": kind, "account": account,
                                        "address": address, "until": int(ends)}, ensure_ascii=False))

    def succeeded(self, account: str, address: str) -> None:
        kind, key, _, _ = self._keys(account, address)[0]
        self.counters.reset(key)

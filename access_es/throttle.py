"""Login throttling: after repeated failed logins, 429 with Retry-After until the window ends.

Three counters per attempt, each in fixed windows of ACCESS_ES_THROTTLE_MINUTES:
- one account from one address: ACCESS_ES_THROTTLE_ACCOUNT (the usual lockout; a stranger elsewhere
  cannot lock the account's owner out with it);
- one address, any accounts: ACCESS_ES_THROTTLE_ADDRESS (one client guessing many names);
- one account, any addresses: ten times ACCESS_ES_THROTTLE_ACCOUNT (guessing spread over many
  addresses; locking an owner out this way takes many addresses and attempts).
An attempt is counted before its password is checked, atomically in the store, so parallel guesses
cannot slip past the limit; a successful login takes its attempt back and clears its pair counter.
Counters live in the store (shared by every Lambda container with DynamoDB). Unknown account names
are counted like real ones, so throttling tells nothing about which exist.
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
ACCOUNT_WIDE_FACTOR = 10


class TooManyAttempts(ProxyError):
    status = 429
    title = "Too many failed logins"
    error_type = "too_many_attempts"


def _digest(value: str) -> str:
    # hashed: the counters table need not hold names or addresses in clear
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:32]


class Throttle:
    def __init__(self, counters: CounterStore, account_limit: int, address_limit: int, window_seconds: int,
                 clock: Callable[[], float] = time.time):
        self.counters = counters
        self.account_limit = account_limit
        self.address_limit = address_limit
        self.window = window_seconds
        self.clock = clock

    def _counters(self, account: str, address: str) -> tuple[list[tuple[str, str, int]], float]:
        slot = int(self.clock() // self.window)
        ends = (slot + 1) * self.window
        return [
            ("account from this address", f"pair:{_digest(account + chr(0) + address)}:{slot}", self.account_limit),
            ("address", f"address:{_digest(address)}:{slot}", self.address_limit),
            ("account", f"account:{_digest(account)}:{slot}", self.account_limit * ACCOUNT_WIDE_FACTOR),
        ], ends

    def attempt(self, account: str, address: str) -> None:
        """Count an attempt; raise TooManyAttempts if it is over a limit (nothing is verified then)."""
        counters, ends = self._counters(account, address)
        over = None
        for kind, key, limit in counters:
            count = self.counters.add(key, 1, ends)
            if count == limit + 1:
                log.warning(json.dumps({"event": "login_lockout", "kind": kind, "account": account,
                                        "address": address, "until": int(ends)}, ensure_ascii=False))
            if count > limit and over is None:
                over = kind
        if over:
            retry = max(1, math.ceil(ends - self.clock()))
            reason = f"too many failed logins for this {over}; try again in {retry} s"
            raise TooManyAttempts(reason, headers={"Retry-After": str(retry)},
                                  log_reason=f"login throttled for {account!r} from {address}: {reason}")

    def succeeded(self, account: str, address: str) -> None:
        """The attempt was good: take it back, and forget this pair's earlier failures."""
        counters, ends = self._counters(account, address)
        self.counters.reset(counters[0][1])
        for _, key, _ in counters[1:]:
            self.counters.add(key, -1, ends)

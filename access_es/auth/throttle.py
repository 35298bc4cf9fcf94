"""Login throttling: after repeated failed logins, 429 with Retry-After until the window ends.

Three counters per attempt, each in fixed windows of ACCESS_ES_THROTTLE_MINUTES:
- one account from one address: ACCESS_ES_THROTTLE_ACCOUNT (the usual lockout; a stranger elsewhere
  cannot lock the account's owner out with it);
- one address, any accounts: ACCESS_ES_THROTTLE_ADDRESS (one client guessing many names);
- one account, any addresses: ten times ACCESS_ES_THROTTLE_ACCOUNT (guessing spread over many
  addresses; locking an owner out this way takes many addresses and attempts).
Failures are counted atomically in the store. Within a process, attempts for one account name are
checked, verified and counted one at a time (credentials.py holds a lock per name), so parallel guesses
cannot slip past a limit there, and a burst of good logins is never mistaken for an attack; across
Lambda containers, each of which serves one request at a time, at most one extra guess per
container can race. A successful login clears its pair counter. Counters live in the store (shared by every Lambda container with DynamoDB). Unknown account names
are counted like real ones, so throttling tells nothing about which exist.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from typing import Callable

from ..accounts.keys import loggable_name
from ..errors import TooManyAttempts
from ..stores import CounterStore

log = logging.getLogger("access_es.auth")
ACCOUNT_WIDE_FACTOR = 10


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

    def check(self, account: str, address: str) -> None:
        """Raise TooManyAttempts when a limit is reached (nothing is verified then)."""
        counters, ends = self._counters(account, address)
        for kind, key, limit in counters:
            if self.counters.count(key) >= limit:
                retry = max(1, math.ceil(ends - self.clock()))
                reason = f"too many failed logins for this {kind}; try again in {retry} s"
                raise TooManyAttempts(reason, headers={"Retry-After": str(retry)},
                                      log_reason=f"login throttled for {loggable_name(account)!r} from {address}: {reason}")

    def failed(self, account: str, address: str) -> None:
        counters, ends = self._counters(account, address)
        for kind, key, limit in counters:
            if self.counters.add(key, 1, ends) == limit:
                log.warning(json.dumps({"event": "login_lockout", "kind": kind, "account": loggable_name(account),
                                        "address": address, "until": int(ends)}, ensure_ascii=False))

    def succeeded(self, account: str, address: str) -> None:
        """A good login forgets this pair's earlier failures."""
        counters, _ = self._counters(account, address)
        self.counters.reset(counters[0][1])

"""Which product the upstream domain runs, for the readonly rule: Elasticsearch 6 or 7 (Amazon's OSS
build, or Elastic's default distribution with x-pack), OpenSearch 1 or 2. Learned from the domain's
own `GET /` banner, once per process, and only when it matters: when the rule, judging against every
product, refuses a readonly request (a read that one product has and another routes to a write). An
upstream that cannot be asked, or answers something we cannot read for certain, stays judged against
every product: the strict verdict."""
from __future__ import annotations

import json
import logging
import threading
import time

from ..errors import ProxyError

log = logging.getLogger("access_es.upstream")

# A domain's product changes only with an upgrade (a blue/green deployment): asked again hourly.
KNOWN_FOR_S = 3600.0
# After a failed attempt, strict verdicts for a minute rather than one more upstream request per refusal.
RETRY_AFTER_S = 60.0
# Says in the domain's logs why access-es asks for its banner (no client sent this request).
USER_AGENT = "access-es (learning the domain's product for the readonly rule)"


class UpstreamProduct:
    """The products (access.ES_PRODUCTS keys) the upstream can be, cached per process."""

    def __init__(self, service: str, clock=time.monotonic):
        # OpenSearch Serverless has no banner; it serves OpenSearch 2's API.
        self._fixed = ("os 2.x",) if service == "aoss" else None
        self._clock = clock
        self._lock = threading.Lock()
        self._products: tuple[str, ...] | None = None
        self._until = 0.0  # when what we know (or our failure to know) expires

    def known(self) -> tuple[str, ...] | None:
        """What we know now, without asking; None: judge against every product."""
        if self._fixed:
            return self._fixed
        return self._products if self._clock() < self._until else None

    def learn(self, upstream) -> tuple[str, ...] | None:
        """Ask the upstream (one signed `GET /`) unless we asked recently; then what we know."""
        if self._fixed:
            return self._fixed
        from ..access import products_for

        with self._lock:  # one question per process, however many threads are waiting for it
            if self._clock() < self._until:
                return self._products
            products, why = None, None
            try:
                answer = upstream.send("GET", "/", "", [("Accept", "application/json"), ("User-Agent", USER_AGENT)],
                                       b"", repeatable=True)
                if answer.status == 200 and answer.body is not None:  # a banner is small: read already
                    products = products_for(json.loads(answer.body))
                    why = None if products else "the banner names no version we know"
                else:
                    why = f"GET / answered {answer.status}"
            except (ProxyError, ValueError, OSError) as e:
                why = f"GET / failed: {e}"
            self._products = products
            self._until = self._clock() + (KNOWN_FOR_S if products else RETRY_AFTER_S)
            if products:
                log.info(json.dumps({"event": "upstream_product", "products": list(products)}))
            else:
                log.warning(json.dumps({"event": "upstream_product_unknown", "reason": why,
                                        "effect": "readonly requests are judged against every product"}))
            return products

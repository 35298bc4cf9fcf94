"""Answers too large for Lambda: the exact size rule (envelope.py), the S3 store (store.py), the
WSGI layer that applies them (middleware.py), and the bucket's setup (bucket.py)."""
from __future__ import annotations


def overflow_policy(settings):
    from .envelope import EnvelopeRule, lambda_rule
    from .middleware import OverflowPolicy

    lam = settings.on_lambda
    store = None
    if settings.overflow_bucket:
        from .store import OverflowStore  # only with a bucket: a cold start without one skips it

        store = OverflowStore(settings.overflow_bucket, settings.overflow_prefix, settings.overflow_expires)
    # Under `serve` the rule is the one our zappa_settings.json deploys (binary support, Python 3.11).
    return OverflowPolicy(store=store, rule=lambda_rule(settings.lambda_runtime) if lam else EnvelopeRule(), on_lambda=lam,
                          forced_size=settings.overflow_size)

"""What a Lambda cold start loads: the module zappa_settings.json names as app_function, imported in a
fresh interpreter with a Lambda's environment, loads nothing that a proxied request does without, or
that it loads on first use (README, "Cold start"). The import set is the guard, not a timing
(bench/cold_start.py measures the time, against `import flask`, in `make bench`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Loaded when first needed, never at a cold start:
LOADED_ON_FIRST_USE = {
    "botocore": "SigV4 signing and every AWS client: the first signature (signing.py), store or overflow",
    "boto3": "the DynamoDB store and the overflow bucket, on their first call",
    "argon2": "password hashing: the first password checked",
    "flask_wtf": "CSRF tokens of our own forms: the first login page",
    "wtforms": "CSRF validation of our own forms: the first form posted",
    "urllib3": "the upstream's connection pool: the first proxied request",
    "access_es.es_endpoints": "the Elasticsearch route table: a readonly account's first request, or a POST",
    "access_es.kibana_routes": "the Kibana route table: a readonly account's first request, or a POST",
    "ctypes": "malloc_trim: after the first large answer",
    "sqlite3": "the file store's state (not used with DynamoDB)",
    "requests": "`access-es check` only",
    "argparse": "the command line only",
    "h11": "`access-es serve` only",
    "access_es.routing": "route matching: a readonly account's first request, or a POST",
    "access_es.overflow.store": "the overflow bucket's S3 store: only when a bucket is configured",
    "urllib.request": "an outbound proxy's NO_PROXY check, only when a proxy is set",
}


def test_the_lambda_app_module_loads_only_what_a_request_needs_at_once():
    stages = json.loads((REPO / "zappa_settings.json").read_text())
    module = {s["app_function"] for s in stages.values() if "app_function" in s}.pop().rsplit(".", 1)[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCESS_ES_", "AWS_"))}
    env.update({"ACCESS_ES_ENDPOINT": "https://search-x-abc.us-east-1.es.amazonaws.com",
                "ACCESS_ES_SECRET_KEY": "k" * 32, "ACCESS_ES_USERS": "dynamodb://access-es-accounts",
                "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "access-es-test",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"})
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert f"{module}" in loaded and "flask" in loaded
    early = {name: why for name, why in LOADED_ON_FIRST_USE.items() if name in loaded}
    assert not early, f"imported at a cold start, though loaded on first use: {early}"

"""What a Lambda cold start pays for access-es, against `import flask` measured in the same run.

Issue 13's method: a fresh interpreter importing the module that zappa_settings.json names as
`app_function` (`access_es.wsgi`: importing it builds the app from the environment, as Lambda does)
against a fresh interpreter importing `flask`, and a bare one (`pass`), alternated round by round so
that a busy machine slows all three alike. Each is the wall time of the whole process, measured
from outside; the bare interpreter's start is taken out of both:

    ratio = (median(app) - median(bare)) / (median(flask) - median(bare))

The environment is a Lambda's (AWS_LAMBDA_FUNCTION_NAME, AWS_EXECUTION_ENV, AWS_REGION, accounts in
DynamoDB): nothing is asked of AWS at import, so no network is needed. Both imports are measured from
bytecode, as pip installs Flask (on Lambda, where Zappa's package carries none, both compile: README).

Also shown, as before (issue 7's 150 ms): the time inside one process from its first line to the
app built, `from access_es import create_app` + `create_app()`.

    python bench/cold_start.py [--runs 21] [--out bench/results/cold_start.md]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bed import REPO, heading, write_figures, write_results  # bench/ is on sys.path when run as a script

IN_PROCESS = """
import time
t0 = time.perf_counter()
from access_es import create_app
app = create_app()
print((time.perf_counter() - t0) * 1000)
"""


def app_module() -> str:
    """The module Lambda imports: zappa_settings.json's `app_function` less its attribute."""
    stages = json.loads((REPO / "zappa_settings.json").read_text())
    functions = {stage["app_function"] for stage in stages.values() if "app_function" in stage}
    if len(functions) != 1:
        raise SystemExit(f"cold start: expected one app_function in zappa_settings.json, found {functions}")
    return functions.pop().rsplit(".", 1)[0]


def lambda_env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE (set in some shells) would leave access-es, alone of the two, compiled
    # from source by every process, while Flask's bytecode was written when pip installed it: the
    # first (untimed) run of each case writes ours, so both are measured from bytecode.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACCESS_ES_", "AWS_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({
        "ACCESS_ES_ENDPOINT": "https://search-x-abc.us-east-1.es.amazonaws.com",
        "ACCESS_ES_SECRET_KEY": "k" * 32, "ACCESS_ES_USERS": "dynamodb://access-es-accounts",
        "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "access-es-bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    })
    return env


def wall_ms(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "cold_start.md"))
    args = parser.parse_args()
    env = lambda_env()
    module = app_module()
    cases = [("bare", "pass"), ("flask", "import flask"), ("app", f"import {module}")]
    for _, code in cases:  # warm the page cache and write the bytecode before timing
        wall_ms(code, env)
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    inside: list[float] = []
    for i in range(args.runs):
        for name, code in (cases if i % 2 == 0 else cases[::-1]):  # alternated: no case always first
            samples[name].append(wall_ms(code, env))
        out = subprocess.run([sys.executable, "-c", IN_PROCESS], capture_output=True, text=True, check=True,
                             cwd=REPO, env=env)
        inside.append(float(out.stdout.strip().splitlines()[-1]))
    median = {name: statistics.median(values) for name, values in samples.items()}
    flask_ms = median["flask"] - median["bare"]
    app_ms = median["app"] - median["bare"]
    ratio = app_ms / flask_ms
    inside_ms = statistics.median(inside)
    lines = [heading("Cold start"), "",
             f"Fresh interpreters, {args.runs} rounds alternated in one run; wall time of each whole process, "
             f"medians; the bare interpreter's start (`python -c pass`: {median['bare']:.1f} ms) taken out of "
             f"the others. The app is `import {module}` (zappa_settings.json's app_function: it builds the app) "
             "in a Lambda's environment (accounts in DynamoDB).", "",
             "| what | process, ms | less the bare start, ms | ratio to import flask |", "|---|---|---|---|",
             f"| python -c pass (bare interpreter) | {median['bare']:.1f} | - | - |",
             f"| import flask (baseline) | {median['flask']:.1f} | {flask_ms:.1f} | 1.00x |",
             f"| import {module} (what Lambda loads) | {median['app']:.1f} | {app_ms:.1f} | **{ratio:.2f}x** |",
             "", f"Inside one process, from its first line to `create_app()` returned: {inside_ms:.1f} ms (median)."]
    write_results(args.out, lines)
    write_figures(str(Path(args.out).with_suffix(".json")), {
        "heading": lines[0], "runs": args.runs, "module": module,
        "medians_ms": median, "flask_ms": flask_ms, "app_over_bare_ms": app_ms, "ratio_to_flask": ratio,
        "samples_ms": samples, "app_ms": inside_ms})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What a Lambda cold start pays for access-es: importing the package and building the app, in fresh
Python processes (median of N), beside the baseline measured in the same run: `import flask` alone
(what any Flask app pays).

    python bench/cold_start.py [--runs 15] [--out bench/results/cold_start.md]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bed import REPO, heading, write_figures, write_results  # bench/ is on sys.path when run as a script

TIMED = """
import time
t0 = time.perf_counter()
{body}
print((time.perf_counter() - t0) * 1000)
"""
APP = """
from access_es import create_app
from access_es.settings import load_settings
app = create_app(load_settings({{"ACCESS_ES_ENDPOINT": "https://search-x-abc.us-east-1.es.amazonaws.com",
                                 "ACCESS_ES_SECRET_KEY": "k" * 32, "ACCESS_ES_USERS": {users!r}}}))
"""


def median_ms(body: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", TIMED.format(body=body)], capture_output=True, text=True,
                             check=True, cwd=REPO)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "cold_start.md"))
    args = parser.parse_args()
    users = str(Path(tempfile.mkdtemp()) / "users.json")
    rows = [
        ("import flask (baseline)", median_ms("import flask", args.runs)),
        ("import access_es + create_app()", median_ms(APP.format(users=users), args.runs)),
    ]
    flask_ms = rows[0][1]
    lines = [heading("Cold start"), "", f"Median of {args.runs} fresh processes; time measured inside the process, after the interpreter "
             "started.", "", "| what | ms | ratio to import flask |", "|---|---|---|"]
    lines += [f"| {name} | {ms:.1f} | {ms / flask_ms:.2f}x |" for name, ms in rows]
    write_results(args.out, lines)
    write_figures(str(Path(args.out).with_suffix(".json")), {
        "heading": lines[0], "runs": args.runs,
        "rows": [{"name": name, "median_ms": ms, "ratio_to_flask": ms / flask_ms} for name, ms in rows],
        "app_ms": rows[1][1]})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One document from the benches' results: bench/results/latest.md and the chart latest.png.

Each bench writes its table (NAME.md) and, for most, its figures (NAME.json) to bench/results/.
This reads them, checks the figures against the targets of issues 7, 11 and 13, and writes:

- latest.md: a heading (date, machine), the targets met or missed and by how much, the chart, then
  each bench's own section as it wrote it (with its own date, marked when it is older than the
  rest: a bench that failed or did not run leaves an earlier result behind);
- latest.png: time to a usable answer and the proxy's peak memory against body size, log scales,
  through the proxy and direct.

    python bench/report.py [--results bench/results]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bed import REPO, heading, write_results  # bench/ is on sys.path when run as a script

MIB = 1024 * 1024
LAMBDA_LIMIT = 6_291_556  # bytes of response envelope (access_es/overflow/envelope.py)
SECTIONS = [  # (results file stem, what it is)
    ("proxy", "small answers"),
    ("profile", "where the CPU goes"),
    ("large_answers", "large answers"),
    ("cold_start", "cold start"),
    ("soak", "soak"),
    ("hostile", "hostile clients"),
]
STALE_AFTER = timedelta(hours=1)  # a whole `make bench` takes under 10 minutes


# ---- the benches' figures -----------------------------------------------------------------------

def load_figures(results: Path, stem: str) -> dict | None:
    path = results / f"{stem}.json"
    return json.loads(path.read_text()) if path.exists() else None


def stamp_of(heading_line: str) -> datetime | None:
    m = re.search(r"\((\d{4}-\d\d-\d\d \d\d:\d\d) UTC", heading_line)
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc) if m else None


# ---- targets ------------------------------------------------------------------------------------

@dataclass
class Target:
    what: str
    goal: str                 # "at least" or "at most"
    limit: float
    unit: str
    measured: float | None    # None: the bench that measures it has no results
    source: str               # where the figure comes from
    digits: int = 1

    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured >= self.limit if self.goal == "at least" else self.measured <= self.limit

    def value(self, v: float) -> str:
        return f"{v:,.{self.digits}f}{self.unit}"

    def line(self) -> str:
        wanted = f"{self.goal} {self.value(self.limit)}"
        if self.measured is None:
            return f"| {self.what} | {wanted} | not measured | - | {self.source} |"
        verdict = "**met**" if self.met() else "**missed**"
        difference = self.measured - self.limit
        by = f"{self.measured / self.limit:.2f}x the target ({'+' if difference >= 0 else '-'}" \
             f"{self.value(abs(difference))})" if self.limit else self.value(difference)
        return f"| {self.what} | {wanted} | {self.value(self.measured)} | {verdict}: {by} | {self.source} |"


def small_answer_targets(proxy: dict | None) -> list[Target]:
    rows = {r["id"]: r for r in proxy["rows"]} if proxy else {}

    def figure(case: str, key: str) -> float | None:
        return rows[case][key] if case in rows else None

    def worst(key: str) -> tuple[float | None, str]:
        mine = [r for r in rows.values() if r["access_es"] and r.get(key) is not None]
        if not mine:
            return None, "proxy.json"
        r = max(mine, key=lambda r: r[key])
        return r[key], f"proxy.json, worst access-es row: {r['name']}"

    http, https = figure("http_basic", "rps"), figure("https_basic", "rps")
    cpu, cpu_source = worst("cpu_ms")
    added, added_source = worst("p50_added_ms")
    return [
        Target("small answers, http upstream, Basic: throughput", "at least", 1500, " req/s", http,
               "proxy.json, access-es, http upstream, Basic", 0),
        Target("small answers, http upstream, session cookie: throughput", "at least", 1500, " req/s",
               figure("http_session", "rps"), "proxy.json, access-es, http upstream, session cookie", 0),
        Target("small answers, https upstream, Basic: throughput", "at least", 1020, " req/s", https,
               "proxy.json, access-es, https upstream, Basic", 0),
        Target("small answers: https throughput as a share of http", "at least", 0.8, "x",
               https / http if http and https is not None else None, "proxy.json, https Basic / http Basic", 2),
        Target("small answers: proxy CPU per request", "at most", 0.8, " ms", cpu, cpu_source, 2),
        Target("small answers: p50 latency added over direct", "at most", 2.0, " ms", added, added_source, 2),
    ]


def large_answer_targets(large: dict | None) -> list[Target]:
    rows = {(r["size_label"], r["path"]): r for r in large["rows"]} if large else {}
    one_mib = rows.get(("1 MiB", "proxy"))
    biggest = rows.get(("512 MiB", "proxy"))
    return [
        Target("1 MiB answer, direct path: proxy CPU per request", "at most", 2.0, " ms",
               one_mib["usage"]["proxy"]["cpu_ms"] if one_mib else None,
               f"large_answers.json, {one_mib['runs']} sequential requests" if one_mib else "large_answers.json"),
        Target("512 MiB answer, overflow to S3: proxy peak RSS above idle", "at most", 32, " MiB",
               biggest["usage"]["proxy"]["peak_mib"] if biggest else None,
               f"large_answers.json, highest over {biggest['runs']} runs (first answer alone: "
               f"{biggest['usage']['proxy']['first_peak_mib']:.1f} MiB)" if biggest else "large_answers.json"),
    ]


def cold_start_targets(cold: dict | None) -> list[Target]:
    """Issue 13: the app_function module against `import flask`, fresh interpreters, the bare start
    taken out; issue 7: import + create_app() inside one process, in ms."""
    ratio = cold.get("ratio_to_flask") if cold else None
    return [Target(f"cold start: import {cold.get('module', 'the app') if cold else 'the app'}, ratio to import flask",
                   "at most", 1.5, "x", ratio,
                   f"cold_start.json, medians of {cold['runs']} alternated rounds" if cold else "cold_start.json", 2),
            Target("cold start: import access_es + create_app(), inside one process", "at most", 150, " ms",
                   cold["app_ms"] if cold else None,
                   f"cold_start.json, median of {cold['runs']} fresh processes" if cold else "cold_start.json", 0)]


def hostile_targets(hostile: dict | None) -> list[Target]:
    """Issue 11: slow clients hold nobody up and are cut after the head timeout; a body from a client
    that never authenticates is not held in memory. The worst server configuration counts."""
    slow = [(c["slowloris"], c["name"]) for c in hostile["configs"]] if hostile else []
    uploads = [(u, f"{c['name']}, {u['framing']}") for c in hostile["configs"] for u in c["uploads"]] if hostile else []
    least_answered = min(slow, key=lambda r: r[0]["normal_answered_share"], default=None)
    most_overdue = max(slow, key=lambda r: r[0]["slow_overdue"], default=None)
    highest = max(uploads, key=lambda r: r[0]["rss_rise_mib"], default=None)

    def source(worst) -> str:
        return f"hostile.json, worst: {worst[1]}" if worst else "hostile.json"

    clients = hostile["clients"] if hostile else "many"
    bound = f"{hostile['head_timeout'] + 3:g} s" if hostile else "the head timeout + 3 s"
    mib = hostile["upload_mib"] if hostile else "a large"
    return [
        Target(f"slowloris ({clients} slow connections): normal requests answered in under 3 s", "at least", 100,
               "%", least_answered[0]["normal_answered_share"] * 100 if least_answered else None,
               source(least_answered), 0),
        Target(f"slowloris: slow connections alive past {bound}", "at most", 0, "",
               most_overdue[0]["slow_overdue"] if most_overdue else None, source(most_overdue), 0),
        Target(f"unauthenticated {mib} MiB body: serve RSS rise", "at most", 64, " MiB",
               highest[0]["rss_rise_mib"] if highest else None, source(highest), 0),
    ]


def targets_section(figures: dict[str, dict | None]) -> list[str]:
    targets = (small_answer_targets(figures["proxy"]) + large_answer_targets(figures["large_answers"])
               + cold_start_targets(figures["cold_start"]) + hostile_targets(figures["hostile"]))
    met = sum(1 for t in targets if t.met())
    measured = sum(1 for t in targets if t.met() is not None)
    return ["## Targets: met or missed, by how much", "",
            "<!-- filled by bench/report.py from the benches' JSON figures; do not edit by hand -->", "",
            f"{met} of {measured} measured targets met ({len(targets) - measured} not measured).", "",
            "| target | wanted | measured | verdict: by how much | from |", "|---|---|---|---|---|"] + \
        [t.line() for t in targets]


# ---- the benches' own sections ------------------------------------------------------------------

def bench_section(results: Path, stem: str, newest: datetime | None) -> list[str]:
    """The bench's Markdown with its '# Title (date, machine)' line as a '## Title' section heading
    and the date beneath, marked when older than the newest result."""
    path = results / f"{stem}.md"
    if not path.exists():
        return [f"## {stem}", "", f"No results: {path.name} is missing (the bench did not run).", ""]
    first, *rest = path.read_text().rstrip("\n").splitlines()
    m = re.match(r"#\s+(.*?)\s+\((.*)\)\s*$", first)
    title, measured = (m.group(1), m.group(2)) if m else (first.lstrip("# "), "date unknown")
    when = stamp_of(first)
    note = f"Measured {measured}; from `bench/results/{path.name}`."
    if when and newest and newest - when > STALE_AFTER:
        note = f"**Older than the rest of this report** (the bench failed or did not run this time): {note}"
    return [f"## {title}", "", note] + rest + [""]


# ---- the chart ----------------------------------------------------------------------------------

def series(rows: list[dict], path: str, value) -> tuple[list[float], list[float]]:
    """(body sizes in MiB, values) of one path's rows that have the value."""
    points = [(r["body_bytes"] / MIB, value(r)) for r in rows if r["path"] == path]
    points = [(x, y) for x, y in points if y is not None]
    return [x for x, _ in points], [y for _, y in points]


def chart(large: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a build machine
    import matplotlib.pyplot as plt

    rows = large["rows"]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(12, 5.6))
    time_ax.plot(*series(rows, "direct", lambda r: r["usable_s"]), "o-", label="direct from the upstream (baseline)")
    time_ax.plot(*series(rows, "proxy", lambda r: r["usable_s"]), "s-", label="through access-es: usable answer")
    time_ax.plot(*series(rows, "proxy", lambda r: r["to_303_s"]), "s--", alpha=0.6,
                 label="through access-es: the 303 in hand")
    time_ax.plot(*series(rows, "s3_alone", lambda r: r["usable_s"]), "^:", label="local S3 alone: put + get (floor)")
    time_ax.set(xscale="log", yscale="log", ylabel="seconds (median)",
                title="Time to a usable answer")

    memory_ax.plot(*series(rows, "proxy", lambda r: r["usage"]["proxy"]["peak_mib"]), "s-",
                   label="access-es, highest over all runs")
    memory_ax.plot(*series(rows, "proxy", lambda r: r["usage"]["proxy"]["first_peak_mib"]), "s--", alpha=0.6,
                   label="access-es, first answer alone")
    memory_ax.plot(*series(rows, "direct", lambda r: max(r["usage"]["upstream"]["peak_mib"], 0.1)), "o-",
                   label="direct: the upstream server alone")
    memory_ax.plot([512], [32], "rv", label="target at 512 MiB: at most 32 MiB")
    memory_ax.set(xscale="log", yscale="log", ylabel="peak RSS above idle, MiB",
                  title="Peak memory of the server process tree")

    for ax in (time_ax, memory_ax):
        # said in the axis label: a label on the plot would cover the points beside the line
        ax.axvline(LAMBDA_LIMIT / MIB, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("answer body, MiB (dotted: Lambda's limit; beyond it, overflow to S3)", fontsize=9)
        ax.grid(True, which="both", alpha=0.25)
        # below the axes: inside, it would hide points at one end or the other
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.suptitle(large["heading"].lstrip("# "), fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


# ---- the document -------------------------------------------------------------------------------

def machine_load() -> str:
    """The load averages as the report is written: the 5- and 15-minute figures span the benches, and
    above the CPU count other work was sharing the machine (slower, noisier figures)."""
    import os

    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    cpus = os.cpu_count() or 1
    busy = " (above the CPU count: other work shared the machine, so figures are slower and noisier than " \
           "on an idle one)" if float(five) > cpus else ""
    return f"Load average at the end (1, 5, 15 minutes): {one}, {five}, {fifteen} on {cpus} CPUs{busy}."


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", default=str(REPO / "bench" / "results"))
    args = parser.parse_args()
    results = Path(args.results)
    figures = {stem: load_figures(results, stem) for stem, _ in SECTIONS}
    stamps = [stamp_of(p.read_text().split("\n", 1)[0]) for p in results.glob("*.md") if p.name != "latest.md"]
    newest = max((s for s in stamps if s), default=None)

    lines = [heading("access-es bench"), "",
             "Everything `make bench` measured, in one document: each bench's baseline is measured in the same "
             "run, so ratios compare like with like. Written by `bench/report.py` from `bench/results/`.", "",
             machine_load(), ""]
    lines += targets_section(figures) + [""]
    if figures["large_answers"]:
        chart(figures["large_answers"], results / "latest.png")
        lines += ["## Chart", "", "![Time to a usable answer and peak memory against body size](latest.png)", ""]
    else:
        lines += ["## Chart", "", "No chart: large_answers.json is missing (the large-answer bench did not run).", ""]
    for stem, _ in SECTIONS:
        lines += bench_section(results, stem, newest)
    write_results(str(results / "latest.md"), lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

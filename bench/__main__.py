"""`python -m bench`: every benchmark of issue 17 in one run, then its table — each figure
beside its target (and the bare echo's baseline with the ratio). Each benchmark runs in its
own process, as when run alone (`python -m bench.startup` …), its own lines shown as they
come; their figures reach this one through BENCH_FIGURES (bench/figures.py).

    python -m bench [--quick]      # --quick: smaller sizes, to try the runner itself
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FULL = [
    ["bench.startup", "3"],
    ["bench.questionnaire", "--users", "200", "--questions", "40"],
    ["bench.sweep", "10000", "30000", "100000"],
    ["bench.reports"],
]
QUICK = [
    ["bench.startup", "2"],
    ["bench.questionnaire", "--users", "50", "--questions", "10"],
    ["bench.sweep", "10000"],
    ["bench.reports"],
]


def run(benches: list[list[str]]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.jsonl"
        env = {**os.environ, "BENCH_FIGURES": str(figures), "PYTHONPATH": str(ROOT)}
        for command in benches:
            print(f"\n$ python -m {' '.join(command)}", flush=True)
            subprocess.run([sys.executable, "-m", *command], env=env, cwd=ROOT, check=False)
        if not figures.exists():
            return []
        return [json.loads(line) for line in figures.read_text(encoding="utf-8").splitlines()]


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "NOT met")


def table(found: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    by = {row["bench"]: row for row in found}
    rows: list[tuple[str, str, str, str]] = []
    tap = by.get("questionnaire")
    if tap:
        ratio = tap["cpu"] / tap["echo_cpu"]
        rows.append((
            "questionnaire tap, bot CPU per update vs the bare echo",
            f"{tap['cpu'] * 1000:.2f} ms vs {tap['echo_cpu'] * 1000:.2f} ms ({ratio:.2f}×)",
            "≤ 1.5× echo's", verdict(ratio <= 1.5),
        ))  # fmt: skip
        share = tap["rate"] / tap["echo_rate"]
        rows.append((
            "saturated rate vs the bare echo",
            f"{tap['rate']:.0f} vs {tap['echo_rate']:.0f} updates/s ({share:.0%})",
            "≥ 65 % of echo's", verdict(share >= 0.65),
        ))  # fmt: skip
        rows.append((
            f"p95 tap latency, {tap['users']:.0f} people tapping every {tap['think']:g} s,"
            " sweeps included",
            f"{tap['paced_p95'] * 1000:.0f} ms (p50 {tap['paced_p50'] * 1000:.0f} ms)",
            "< 50 ms", verdict(tap["paced_p95"] < 0.05),
        ))  # fmt: skip
    sweeps = [row for row in found if row["bench"] == "sweep"]
    if sweeps:
        curve = " / ".join(f"{row['first_ms']:.0f}" for row in sweeps)  # CPU
        sizes = " / ".join(f"{row['open'] // 1000}k" for row in sweeps)
        limit = {10_000: 50.0, 100_000: 100.0}
        ok = all(row["first_ms"] < limit[row["open"]] for row in sweeps if row["open"] in limit)
        second = " / ".join(f"{row['second_ms']:.0f}" for row in sweeps)
        rows.append((
            f"reminder sweep, first, {sizes} open actions (CPU)",
            f"{curve} ms (second: {second} ms)", "< 50 ms at 10k, < 100 ms at 100k", verdict(ok),
        ))  # fmt: skip
        waits = [row for row in found if row["bench"] in ("sweep", "sweep_feature")]
        wait = max(row["longest_wait_ms"] for row in waits)
        rows.append((
            "longest a tap waited behind a sweep (actions and feature rules)",
            f"{wait:.0f} ms", "≤ 20 ms", verdict(wait <= 20),
        ))  # fmt: skip
    xlsx = by.get("reports")
    if xlsx:
        rows.append((
            "XLSX export, 240k answers: time / bot process peak while making and sending it",
            f"{xlsx['xlsx_seconds']:.1f} s / {xlsx['xlsx_peak_mb']:.0f} MB",
            "< 3 s / < 120 MB",
            verdict(xlsx["xlsx_seconds"] < 3 and xlsx["xlsx_peak_mb"] < 120),
        ))  # fmt: skip
    start = by.get("startup")
    if start:
        extra = start["start_cpu"] - start["base_cpu"]
        rows.append((
            "start-up to the first getUpdates (CPU), vs aiogram's import",
            f"{start['start_cpu']:.2f} s vs {start['base_cpu']:.2f} s ({extra:+.2f} s)",
            "≤ aiogram's import + 0.5 s", verdict(extra <= 0.5),
        ))  # fmt: skip
        more = start["rss"] - start["base_rss"]
        rows.append((
            "idle RSS vs aiogram's import",
            f"{start['rss']:.0f} MB vs {start['base_rss']:.0f} MB ({more:+.0f} MB)",
            "≤ aiogram's import + 30 MB", verdict(more <= 30),
        ))  # fmt: skip
    return rows


def main() -> None:
    found = run(QUICK if "--quick" in sys.argv[1:] else FULL)
    load = os.getloadavg()
    print(f"\nissue 17's figures (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    print("| figure | now | target | |\n|---|---|---|---|")
    for row in table(found):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

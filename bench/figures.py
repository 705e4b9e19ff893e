"""Each benchmark's figures for `python -m bench`, which runs them all and prints the issue's
table: when BENCH_FIGURES names a file, `record()` appends one JSON line to it."""

from __future__ import annotations

import json
import os


def record(bench: str, **figures: float) -> None:
    path = os.environ.get("BENCH_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"bench": bench, **figures}) + "\n")

"""Topic matching at 100 ... 100k subscriptions (issue 14): one new article matched, one
subscribe, one unsubscribe, and how many full reloads the changes caused, with the growth
exponent of each cost between sizes (cost ~ n^k). Goals at 100k: a match <= 10 ms median,
subscribe and unsubscribe <= 5 ms, no reload. The workload: ``benchmarks/scale_matching.py``.
"""

from __future__ import annotations

import argparse
import itertools
import math
from typing import Any

from benchmarks.scale_matching import measure

__all__ = ["GOALS", "exponents", "run"]

SIZES = [100, 1_000, 10_000, 100_000]
QUICK_SIZES = [100, 1_000, 10_000]
GOALS = {"match_ms_median": 10.0, "subscribe_ms_median": 5.0, "unsubscribe_ms_median": 5.0}
_MEASURES = ("match_ms_median", "match_ms_p95", "subscribe_ms_median", "unsubscribe_ms_median")


def exponents(rows: list[dict[str, Any]], key: str) -> list[float | None]:
    """k between each size and the one before (cost ~ n^k); None for the first row."""
    out: list[float | None] = [None]
    for before, after in itertools.pairwise(rows):
        a, b = before[key], after[key]
        if a > 0 and b > 0:
            out.append(round(math.log(b / a) / math.log(after["size"] / before["size"]), 2))
        else:
            out.append(None)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = QUICK_SIZES if getattr(args, "quick", False) else SIZES
    rows = measure(sizes)
    growth = {key: exponents(rows, key) for key in _MEASURES}
    for n, row in enumerate(rows):
        row["k"] = {key: growth[key][n] for key in _MEASURES}
    largest = rows[-1]
    checks = {key: largest[key] <= goal for key, goal in GOALS.items()}
    checks["no_reload"] = all(row["reloads"] == 0 for row in rows)
    _print(rows)
    ok = all(checks.values()) if largest["size"] >= 100_000 else None
    return {"rows": rows, "goals": GOALS, "checks": checks, "ok": ok}


def _print(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'subs':>8} {'topics':>7} {'match ms':>9} {'k':>5} {'p95':>8} {'subscribe':>9} "
        f"{'k':>5} {'unsub':>7} {'k':>5} {'reloads':>7} {'alerts':>6} {'load ms':>8}"
    )
    print(head)

    def k(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    for row in rows:
        ks = row["k"]
        print(
            f"{row['size']:>8} {row['distinct_topics']:>7} {row['match_ms_median']:>9.2f} "
            f"{k(ks['match_ms_median']):>5} {row['match_ms_p95']:>8.2f} "
            f"{row['subscribe_ms_median']:>9.2f} {k(ks['subscribe_ms_median']):>5} "
            f"{row['unsubscribe_ms_median']:>7.2f} {k(ks['unsubscribe_ms_median']):>5} "
            f"{row['reloads']:>7} {row['matches_per_article']:>6} {row['first_match_ms']:>8.0f}"
        )

"""The summarizer's cold load for the summarizer benchmark (issue 11): load time, the first
summary's time and peak RSS, each in a fresh process (what a restarted bot pays)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["LOAD_RUNS", "cold_load"]

ROOT = Path(__file__).resolve().parents[1]
LOAD_RUNS = 5  # cold loads in fresh processes; the median is reported
SEED_PAGE = ROOT / "../shared/data/seed/peace-talks-page.txt"

_LOAD_PROBE = """
import json, resource, sys, time
started = time.perf_counter()
import summarizer
from config import Settings
model = summarizer.load(Settings())
loaded = time.perf_counter() - started
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
text = open(sys.argv[1], encoding="utf-8").read()
t = time.perf_counter()
model.summarize([text])
first = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"load_s": round(loaded, 2), "first_summary_s": round(first, 3),
                  "peak_rss_after_load_mib": round(rss_loaded / 1024, 1),
                  "peak_rss_after_summary_mib": round(rss / 1024, 1),
                  "imports_transformers": "transformers" in sys.modules}))
"""


def cold_load(runs: int = LOAD_RUNS) -> dict[str, Any]:
    """Median (and [min, max] of the load time) over ``runs`` cold loads, each in a fresh
    process, so one slow start on a shared machine does not decide the number."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    probes: list[dict[str, Any]] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _LOAD_PROBE, str(SEED_PAGE)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        probes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    timed = [k for k in probes[0] if k != "imports_transformers"]
    result: dict[str, Any] = {k: statistics.median(p[k] for p in probes) for k in timed}
    loads = [p["load_s"] for p in probes]
    result["load_s_min_max"] = [min(loads), max(loads)]
    result["cold_loads"] = runs
    result["imports_transformers"] = any(p["imports_transformers"] for p in probes)
    return result

"""Run every benchmark (or those named with --only), print their tables, write JSON results.

Each ``benchmarks/bench_*.py`` module exposes ``run(args: argparse.Namespace) -> dict`` which
prints its own table and returns a JSON-able result; this runner writes it to
``benchmarks/results/<name>.json`` and exits non-zero when a benchmark reports ``"ok": False``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(benchmarks.__path__)
        if m.name.startswith("bench_")
    )
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", action="append", choices=names, help="run only these")
    parser.add_argument("--quick", action="store_true", help="smaller samples (smoke run)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for JSON results")
    parser.add_argument(
        "--abstractive-model", default=None, help="also score this seq2seq checkpoint (path/name)"
    )
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in args.only or names:
        print(f"\n=== benchmark: {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        result = module.run(args)
        result.setdefault("seconds", round(time.perf_counter() - started, 1))
        path = args.results / f"{name}.json"
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"-> {path}")
        if result.get("ok") is False:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks below target: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the extractor's line model (``news/sources/extract_lines.json``) on the shared real pages,
and report it out of sample: leave one set out (train on three sets, score the fourth), beside
the fixed furniture rules and bare trafilatura's precision mode on the same lines.

Labels: a line of trafilatura's output is article text when most of its 4-word shingles (for a
line under four words: its words in a row) occur in the page's hand-marked text. Lines are
weighted by their shingle count, so long paragraphs count as much as the metric counts them.
The model is logistic regression (scikit-learn, dev extra) on :data:`FEATURES`; the keep
threshold is the one that maximises the mean per-set F1 on the training sets. The model is
written only when its out-of-sample mean F1 beats the plain rules'; otherwise the rules are.

    .venv/bin/python -m benchmarks.train_extract            # cross-validate, then fit and write
    .venv/bin/python -m benchmarks.train_extract --no-write # cross-validate only
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_extract import SETS, load_truth, read_page
from news.sources.extract import NotAnArticle, read_lines
from news.sources.extract_lines import FEATURES, WEIGHTS, Model, line_features, rule_model

_TOKEN = re.compile(r"\w+")
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(13)]  # 0.2 .. 0.8


@dataclass
class Sample:
    set: str
    body: str
    lines: list[str]
    title: str | None
    links: list[str]
    features: list[list[float]]
    labels: list[int]
    weights: list[float]


def _label(line: str, truth_shingles: Counter[tuple[str, ...]], truth_text: str) -> int:
    tokens = _TOKEN.findall(line)
    if len(tokens) < 4:
        return int(bool(tokens) and f" {' '.join(tokens)} " in truth_text)
    grams = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
    return int(sum(g in truth_shingles for g in grams) >= 0.5 * len(grams))


def collect(cache: Path | None, mode: str = "precision") -> list[Sample]:
    """Every benchmark page through the extractor's one trafilatura pass."""
    if cache and cache.exists():
        return [Sample(**row) for row in json.loads(cache.read_text(encoding="utf-8"))]
    samples = []
    started = time.perf_counter()
    rows = load_truth(SETS)  # dragnet: the benchmark's sample, so no set outweighs gn1
    for index, row in enumerate(rows):
        try:
            page = read_lines(read_page(row["id"]), mode=mode)
        except NotAnArticle:
            samples.append(Sample(row["set"], row["body"], [], None, [], [], [], []))
            continue
        tokens = _TOKEN.findall(row["body"])
        truth = Counter(tuple(tokens[i : i + 4]) for i in range(max(0, len(tokens) - 3)))
        truth_text = f" {' '.join(tokens)} "
        labels = [_label(line, truth, truth_text) for line in page.lines]
        weights = [max(1.0, len(_TOKEN.findall(line)) - 3.0) for line in page.lines]
        features = line_features(page.lines, page.title, page.links)
        samples.append(
            Sample(
                row["set"],
                row["body"],
                page.lines,
                page.title,
                sorted(page.links),
                features,
                labels,
                weights,
            )
        )
        if index % 200 == 0:
            print(
                f"  {index}/{len(rows)} pages, {time.perf_counter() - started:.0f} s", flush=True
            )
    if cache:
        cache.write_text(json.dumps([asdict(s) for s in samples]), encoding="utf-8")
    return samples


def _fit(samples: list[Sample]) -> tuple[list[float], float]:
    from sklearn.linear_model import LogisticRegression  # dev extra: training only

    x = [row for s in samples for row in s.features]
    y = [label for s in samples for label in s.labels]
    w = [weight for s in samples for weight in s.weights]
    model = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False)
    model.fit(x, y, sample_weight=w)
    weights = [float(v) for v in model.coef_[0]]
    threshold = max(THRESHOLDS, key=lambda t: _mean_f1(samples, Model(weights, t)))
    return weights, threshold


def _page_text(sample: Sample, keep: list[bool]) -> str:
    return "\n".join(line for line, k in zip(sample.lines, keep, strict=True) if k)


def _keep_model(sample: Sample, model: Model) -> list[bool]:
    return [model.score(row) >= model.threshold for row in sample.features]


def _keep_rules(sample: Sample) -> list[bool]:
    return _keep_model(sample, rule_model())


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


_TRUTH: dict[int, Counter[tuple[str, ...]]] = {}


def _page_scores(sample: Sample, keep: list[bool]) -> tuple[float, float]:
    """:func:`benchmarks.bench_extract.shingle_scores`, with the truth's shingles counted once."""
    true = _TRUTH.get(id(sample))
    if true is None:
        true = _TRUTH[id(sample)] = _shingles(sample.body)
    pred = _shingles(_page_text(sample, keep))
    tp = sum((true & pred).values())
    fp, fn = pred.total() - tp, true.total() - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def _scores(samples: list[Sample], keeps: list[list[bool]]) -> dict[str, float]:
    rows = [_page_scores(s, k) for s, k in zip(samples, keeps, strict=True)]
    p = statistics.mean(r[0] for r in rows)
    r = statistics.mean(r[1] for r in rows)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def _mean_f1(samples: list[Sample], model: Model) -> float:
    by_set: dict[str, list[Sample]] = {}
    for s in samples:
        by_set.setdefault(s.set, []).append(s)
    return statistics.mean(
        _scores(group, [_keep_model(s, model) for s in group])["f1"] for group in by_set.values()
    )


def cross_validate(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    """Leave one set out: train on the other three, score the held-out set."""
    results: dict[str, dict[str, Any]] = {}
    for held in SETS:
        train = [s for s in samples if s.set != held]
        test = [s for s in samples if s.set == held]
        weights, threshold = _fit(train)
        model = Model(weights, threshold)
        results[held] = {
            "pages": len(test),
            "unfiltered": _scores(test, [[True] * len(s.lines) for s in test]),
            "rules": _scores(test, [_keep_rules(s) for s in test]),
            "model": _scores(test, [_keep_model(s, model) for s in test]),
            "oracle": _scores(test, [[bool(v) for v in s.labels] for s in test]),
            "threshold": threshold,
        }
    return results


def _print(results: dict[str, dict[str, Any]]) -> None:
    print("leave-one-set-out (trained on the other three sets); shingle P/R/F1")
    kinds = ("unfiltered", "rules", "model", "oracle")
    print(f"{'held-out set':<17}{'pages':>6}  " + "".join(f"{k + ' P/R/F1':<21}" for k in kinds))
    for held, entry in results.items():
        cells = [
            f"{entry[k]['precision']:.3f}/{entry[k]['recall']:.3f}/{entry[k]['f1']:.3f}"
            for k in kinds
        ]
        print(f"{held:<17}{entry['pages']:>6}  " + "".join(f"{c:<21}" for c in cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="cross-validate only")
    parser.add_argument("--mode", default="precision", help="trafilatura's mode for the lines")
    parser.add_argument("--cache", type=Path, default=None, help="JSON cache of the page lines")
    args = parser.parse_args(argv)
    samples = collect(args.cache, args.mode)
    cv = cross_validate(samples)
    _print(cv)
    if args.no_write:
        return
    model_f1 = statistics.mean(entry["model"]["f1"] for entry in cv.values())
    rules_f1 = statistics.mean(entry["rules"]["f1"] for entry in cv.values())
    if model_f1 > rules_f1:
        weights, threshold = _fit(samples)
        kind = "logistic regression on all four sets"
    else:  # the model does not beat the rules out of sample: the rules ship
        rules = rule_model()
        weights, threshold = list(rules.weights), rules.threshold
        kind = f"the plain rules (out of sample: model F1 {model_f1:.4f} <= rules {rules_f1:.4f})"
    print(f"writing {kind}")
    WEIGHTS.write_text(
        json.dumps(
            {
                "kind": kind,
                "features": list(FEATURES),
                "weights": [round(w, 5) for w in weights],
                "threshold": threshold,
                "trained_on": {s: sum(1 for x in samples if x.set == s) for s in SETS},
                "leave_one_set_out": cv,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"-> {WEIGHTS} (threshold {threshold})")


if __name__ == "__main__":
    main()

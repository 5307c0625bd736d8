"""Tune the extractor's body engine on cached engine outputs: readability-lxml's lines and
trafilatura's lines (balanced and precision mode) per shared page, computed once (``--cache``),
then filter, fallback and refusal variants scored in seconds on a tuning split and confirmed on
the other split.

    .venv/bin/python -m benchmarks.tune_extract --cache /tmp/engines.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_extract import SETS, load_truth, read_page
from news.sources import extract as _extract
from news.sources.extract import NotAnArticle, _is_link_list, _parse, read_lines
from news.sources.extract_body import readability_lines
from news.sources.extract_lines import load_model, score_lines

TUNE = ("gn1", "cleanportaleval")
CONFIRM = ("readability", "dragnet")
_TOKEN = re.compile(r"\w+")
Variant = Callable[[dict[str, Any]], list[str]]


def _one(row: dict[str, Any]) -> dict[str, Any]:
    html = read_page(row["id"])
    out: dict[str, Any] = {"id": row["id"], "set": row["set"], "body": row["body"]}
    try:
        page = read_lines(html)
        out.update(traf=page.lines, title=page.title, links=sorted(page.links))
        tree = page.tree
    except NotAnArticle:
        out.update(traf=[], title=None, links=[])
        try:
            tree = _parse(html)
        except NotAnArticle:
            out.update(read=[], read_ms=0.0, prec=[], link_list=False)
            return out
    out["link_list"] = _is_link_list(tree)
    try:
        out["prec"] = read_lines(html, mode="precision").lines
    except NotAnArticle:
        out["prec"] = []
    started = time.perf_counter()
    out["read"] = readability_lines(tree)
    out["read_ms"] = 1000 * (time.perf_counter() - started)
    return out


def collect(cache: Path, workers: int = 2) -> list[dict[str, Any]]:
    """Every benchmark page's engine outputs, read from ``cache`` or computed and written."""
    if cache.exists():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    from multiprocessing import Pool

    rows = load_truth(SETS)
    with Pool(workers) as pool:
        samples = pool.map(_one, rows, chunksize=8)
    cache.write_text(json.dumps(samples), encoding="utf-8")
    return samples


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


def _page(truth: Counter[tuple[str, ...]], text: str) -> tuple[float, float]:
    pred = _shingles(text)
    tp = sum((truth & pred).values())
    fp, fn = pred.total() - tp, truth.total() - tp
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def score(samples: list[dict[str, Any]], variant: Variant) -> dict[str, tuple[float, ...]]:
    """Per set (P, R, F1), plus the tuning and confirming splits' mean F1."""
    by_set: dict[str, list[tuple[float, float]]] = {}
    for s in samples:
        truth = s.get("_truth")
        if truth is None:
            truth = s["_truth"] = _shingles(s["body"])
        by_set.setdefault(s["set"], []).append(_page(truth, "\n".join(variant(s))))
    out: dict[str, tuple[float, ...]] = {}
    for name, rows in by_set.items():
        p = statistics.mean(r[0] for r in rows)
        r = statistics.mean(r[1] for r in rows)
        out[name] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    for split, sets in (("tune", TUNE), ("confirm", CONFIRM), ("mean4", SETS)):
        out[split] = tuple(statistics.mean(out[x][i] for x in sets) for i in range(3))
    return out


def _filtered(s: dict[str, Any], key: str) -> list[str]:
    lines = s[key]
    if not lines:
        return []
    model = load_model()
    scores = score_lines(lines, s["title"], set(s["links"]), model)
    return [line for line, p in zip(lines, scores, strict=True) if p >= model.threshold]


def _words(lines: list[str]) -> int:
    return sum(len(_TOKEN.findall(line)) for line in lines)


def _by_words(minimum: int) -> Variant:
    """readability's filtered lines, or trafilatura's when they hold fewer than ``minimum``
    words (the shipped rule: :data:`news.sources.extract.FALLBACK_WORDS`)."""

    def variant(s: dict[str, Any]) -> list[str]:
        lines = _filtered(s, "read")
        return lines if _words(lines) >= minimum else _filtered(s, "traf")

    return variant


def _by_ratio(ratio: float) -> Variant:
    """readability's filtered lines unless they hold under ``ratio`` times trafilatura's words
    (costs a trafilatura pass on every page)."""

    def variant(s: dict[str, Any]) -> list[str]:
        lines, other = _filtered(s, "read"), _filtered(s, "traf")
        return lines if _words(lines) >= ratio * _words(other) else other

    return variant


def _refused(s: dict[str, Any], raw: list[str], lines: list[str], min_words: int) -> bool:
    """:func:`news.sources.extract._reject_non_article` on cached outputs (the page's link-list
    flag cached with them)."""
    text, words = "\n".join(lines), _words(lines)
    links = set(s["links"])
    if words < 150 and any(
        wall.search(text)
        for wall in (_extract._LOGIN_WALL, _extract._COOKIE_WALL, _extract._ERROR_PAGE)
    ):
        return True
    linked = sum(1 for line in raw if " ".join(line.split()).casefold() in links)
    if len(raw) >= 6 and linked / len(raw) >= 0.4 and words < 150:
        return True
    if min_words < _extract.MIN_WORDS:
        return words < min_words or bool(s["link_list"])
    return words < min_words or not any(_words([line]) >= 12 for line in lines)


def _shipped(rescue: bool, agreed_words: int = _extract.AGREED_WORDS) -> Variant:
    """The shipped body rule with its refusals (a refused page is empty text); ``rescue``: a
    page refused as short passes when readability's and trafilatura's precision-mode filtered
    lines agree (:func:`news.sources.extract._agreed`) on at least ``agreed_words``."""

    def variant(s: dict[str, Any]) -> list[str]:
        read = _filtered(s, "read")
        raw, lines = s["read"], read
        if _words(read) < _extract.FALLBACK_WORDS and s["traf"]:
            raw, lines = s["traf"], _filtered(s, "traf")
        if not _refused(s, raw, lines, _extract.MIN_WORDS):
            return lines
        if rescue and s.get("prec"):
            agreed = _extract._agreed(read, _filtered(s, "prec"))
            if agreed is not None and not _refused(s, raw, agreed, agreed_words):
                return agreed
        return []

    return variant


def variants() -> dict[str, Variant]:
    """The variants compared: engines bare and filtered, fallbacks by length."""
    out: dict[str, Variant] = {
        "traf": lambda s: s["traf"],
        "traf+filter": lambda s: _filtered(s, "traf"),
        "read": lambda s: s["read"],
        "read+filter": lambda s: _filtered(s, "read"),
    }
    for minimum in (40, 80, 150):
        out[f"read+filter, traf if <{minimum}w"] = _by_words(minimum)
    for ratio in (0.3, 0.5, 0.7):
        out[f"read+filter, traf if <{ratio}x traf"] = _by_ratio(ratio)
    out["shipped, refusals"] = _shipped(rescue=False)
    for agreed in (10, 15, 25):
        out[f"shipped, agreed short pages >={agreed}w"] = _shipped(True, agreed)
    return out


def report(samples: list[dict[str, Any]], chosen: dict[str, Variant]) -> None:
    print(f"{'variant':<36}" + "".join(f"{x:>22}" for x in (*SETS, "tune", "confirm", "mean4")))
    for name, variant in chosen.items():
        res = score(samples, variant)
        cells = [f"{res[k][0]:.3f}/{res[k][1]:.3f}/{res[k][2]:.3f}" for k in
                 (*SETS, "tune", "confirm", "mean4")]  # fmt: skip
        print(f"{name:<36}" + "".join(f"{c:>22}" for c in cells), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    samples = collect(args.cache)
    print(f"{len(samples)} pages cached in {args.cache}")
    report(samples, variants())


if __name__ == "__main__":
    main()

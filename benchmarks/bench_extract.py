"""Extraction quality and speed on real pages marked by people: ours vs bare trafilatura vs
readability-lxml, same run, same pages.

Data: ``../shared/data/extraction/`` (read at run time, never copied here): ``gn1`` (news from
Google News), ``cleanportaleval`` (news portals), ``readability`` (Mozilla Readability's test
pages) and ``dragnet`` (news and blogs; a fixed sample of :data:`DRAGNET_SAMPLE` pages, the ids
with the smallest SHA-256, so a full run stays within minutes on two cores). Each set is reported
on its own.

Score: the article-extraction-benchmark's metric: 4-word shingles of ``\\w+`` tokens compared as
multisets per page; precision and recall are means over pages, F1 is that of the means. A page a
system refuses (or crashes on) scores as empty text. Speed: each page is extracted by every
system in turn (the order rotates per page, so load from other processes falls on all alike) and
timed alone; ms/page median and p90, HTML already decoded to text.

Targets (issue 10): on the news sets (``gn1``, ``cleanportaleval``) and on the mean of the four
sets, F1 at least :data:`MARGIN` above bare trafilatura with precision not below it; on no set
below it; median ms/page at most :data:`SPEED_RATIO` times bare trafilatura's. The F1 per set is
pinned in ``extract_corpus/floor.json`` beside the hash of the truth file; a drop of more than
:data:`NOISE` fails, and ``python -m benchmarks.bench_extract --pin`` re-pins (the explicit way to
lower a floor).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html
from trafilatura.utils import decode_file

from news.sources.extract import NotAnArticle, extract

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
FLOOR = Path(__file__).resolve().parent / "extract_corpus" / "floor.json"
SETS = ("gn1", "cleanportaleval", "readability", "dragnet")
NEWS_SETS = ("gn1", "cleanportaleval")
DRAGNET_SAMPLE = 300
MARGIN = 0.02
SPEED_RATIO = 1.3
NOISE = 0.005
QUICK_NOISE = 0.02
_TOKEN = re.compile(r"\w+")
_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "td", "th", "pre"}
    | {"blockquote", "section", "article", "table", "ul", "ol"}
)


@dataclass(frozen=True)
class Page:
    id: str
    set: str
    html: str
    body: str


def _sample_key(page_id: str) -> str:
    return hashlib.sha256(page_id.encode()).hexdigest()


def load_truth(sets: tuple[str, ...] = SETS) -> list[dict[str, Any]]:
    """Truth rows of the benchmark's pages (the dragnet sample only), in file order."""
    rows = [
        json.loads(line)
        for line in (DATA / "truth.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = [row for row in rows if row["set"] in sets]
    for row in rows:  # cleanportaleval's bodies carry HTML entities ("BBC&#039;s")
        row["body"] = unescape(row["body"])
    dragnet = sorted((r["id"] for r in rows if r["set"] == "dragnet"), key=_sample_key)
    keep = set(dragnet[:DRAGNET_SAMPLE])
    return [row for row in rows if row["set"] != "dragnet" or row["id"] in keep]


def read_page(page_id: str) -> str:
    """The saved page, decoded as trafilatura decodes bytes."""
    raw = gzip.decompress((DATA / "pages" / f"{page_id}.html.gz").read_bytes())
    return str(decode_file(raw))


def load_pages(quick: bool = False, sets: tuple[str, ...] = SETS) -> list[Page]:
    rows = load_truth(sets)
    if quick:
        rows = rows[::3]
    return [Page(r["id"], r["set"], read_page(r["id"]), r["body"]) for r in rows]


def truth_hash() -> str:
    digest = hashlib.sha256((DATA / "truth.jsonl").read_bytes())
    digest.update(str(DRAGNET_SAMPLE).encode())
    return digest.hexdigest()


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


def shingle_scores(truth: str, predicted: str) -> tuple[float, float]:
    """(precision, recall) of the predicted text's 4-shingles against the truth's, one page."""
    true, pred = _shingles(truth), _shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    if fp == fn == 0:
        return 1.0, 1.0
    precision = 0.0 if tp == fp == 0 else tp / (tp + fp)
    recall = 0.0 if tp == fn == 0 else tp / (tp + fn)
    return precision, recall


def ours(html: str) -> str:
    try:
        return extract(html).text
    except NotAnArticle:
        return ""


def bare_trafilatura(html: str) -> str:
    return trafilatura.extract(html, favor_precision=True, include_comments=False) or ""


def readability_lxml(html: str) -> str:
    from readability import Document  # the rival as it ships, without our line filter

    summary = Document(html).summary(html_partial=True)
    tree = lxml_html.fragment_fromstring(summary, create_parent="div")
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return str(tree.text_content())


SYSTEMS: dict[str, Callable[[str], str]] = {
    "ours": ours,
    "trafilatura": bare_trafilatura,
    "readability-lxml": readability_lxml,
}


def _safe(system: Callable[[str], str], html: str) -> str:
    try:
        return system(html)
    except Exception:  # a rival crashing on a page scores that page as empty, like a refusal
        return ""


def _summary(scores: list[tuple[float, float]], millis: list[float]) -> dict[str, float]:
    precision = statistics.mean(p for p, _ in scores)
    recall = statistics.mean(r for _, r in scores)
    ordered = sorted(millis)
    return {
        "pages": len(scores),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision else 0.0,
        "ms_median": round(statistics.median(ordered), 1),
        "ms_p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1),
    }


def evaluate(
    pages: list[Page], systems: dict[str, Callable[[str], str]] | None = None
) -> dict[str, dict[str, Any]]:
    """Per system: per set and ``all`` P/R/F1 and ms/page, plus ``mean4`` (the sets' mean)."""
    systems = systems or SYSTEMS
    names = list(systems)
    for name in names:
        _safe(systems[name], pages[0].html)  # warm-up: imports and lazy tables, untimed
    scores: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    millis: dict[str, list[float]] = {name: [] for name in names}
    for index, page in enumerate(pages):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            text = _safe(systems[name], page.html)
            millis[name].append(1000 * (time.perf_counter() - started))
            scores[name].append(shingle_scores(page.body, text))
        if index % 250 == 249:
            print(f"  {index + 1}/{len(pages)} pages", file=sys.stderr, flush=True)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        entry: dict[str, Any] = {}
        for set_name in [s for s in SETS if any(p.set == s for p in pages)]:
            picked = [i for i, p in enumerate(pages) if p.set == set_name]
            entry[set_name] = _summary(
                [scores[name][i] for i in picked], [millis[name][i] for i in picked]
            )
        sets = list(entry)
        entry["mean4"] = {
            key: round(statistics.mean(entry[s][key] for s in sets), 4)
            for key in ("precision", "recall", "f1")
        }
        entry["all"] = _summary(scores[name], millis[name])
        results[name] = entry
    return results


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    print("shingle P/R/F1 (mean P and R over pages, F1 of the means); ms/page median and p90")
    print(f"{'set':<17}{'system':<18}{'pages':>6}{'P':>7}{'R':>7}{'F1':>7}{'ms med':>8}{'p90':>7}")
    first = next(iter(results.values()))
    for set_name in [k for k in first if k not in ("all",)] + ["all"]:
        for name, entry in results.items():
            s = entry[set_name]
            timing = f"{s['ms_median']:>8.1f}{s['ms_p90']:>7.1f}" if "ms_median" in s else ""
            pages = f"{s['pages']:>6}" if "pages" in s else f"{'':>6}"
            print(
                f"{set_name:<17}{name:<18}{pages}{s['precision']:>7.3f}{s['recall']:>7.3f}"
                f"{s['f1']:>7.3f}{timing}"
            )


def check(results: dict[str, dict[str, Any]], floor: dict[str, Any] | None,
          quick: bool) -> list[str]:  # fmt: skip
    """The issue's targets and the pinned floor; each miss as one line."""
    problems = []
    mine, base = results["ours"], results["trafilatura"]
    for set_name in [*NEWS_SETS, "mean4"]:
        if set_name not in mine:
            continue
        if mine[set_name]["f1"] < base[set_name]["f1"] + MARGIN:
            problems.append(f"{set_name}: F1 {mine[set_name]['f1']} < bare + {MARGIN}")
        if mine[set_name]["precision"] < base[set_name]["precision"]:
            problems.append(f"{set_name}: precision below bare trafilatura's")
    for set_name in SETS:
        if set_name in mine and mine[set_name]["f1"] < base[set_name]["f1"]:
            problems.append(f"{set_name}: F1 below bare trafilatura's")
    ratio = mine["all"]["ms_median"] / base["all"]["ms_median"]
    if ratio > SPEED_RATIO:
        problems.append(f"median ms/page {ratio:.2f}x bare trafilatura's (> {SPEED_RATIO}x)")
    if floor is None:
        problems.append(f"no floor pinned ({FLOOR.name}); run with --pin")
    elif floor.get("truth_sha256") != truth_hash():
        problems.append("the truth file or the sample changed since the floor was pinned")
    else:
        margin = QUICK_NOISE if quick else NOISE
        for set_name, value in floor["f1"].items():
            if set_name in mine and mine[set_name]["f1"] < value - margin:
                problems.append(f"{set_name}: F1 {mine[set_name]['f1']} below the floor {value}")
    return problems


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(getattr(args, "quick", False))
    if not (DATA / "truth.jsonl").exists():
        print(f"no shared extraction data at {DATA}; nothing to score")
        return {"ok": False, "problems": [f"missing {DATA}"]}
    pages = load_pages(quick)
    results = evaluate(pages)
    _print_table(results)
    floor = json.loads(FLOOR.read_text()) if FLOOR.exists() else None
    problems = check(results, floor, quick)
    ratio = results["ours"]["all"]["ms_median"] / results["trafilatura"]["all"]["ms_median"]
    print(
        f"mean of the four sets: ours F1 {results['ours']['mean4']['f1']:.4f} vs bare trafilatura "
        f"{results['trafilatura']['mean4']['f1']:.4f}; median ms/page {ratio:.2f}x bare"
    )
    from benchmarks.bench_headlines import run_headlines

    headlines = run_headlines(quick)
    for set_name, systems in headlines.items():
        if systems["ours"]["f1"] < systems["trafilatura"]["f1"]:
            problems.append(f"{set_name}: headline F1 below bare trafilatura's metadata title")
    for problem in problems:
        print(f"FAIL: {problem}")
    return {
        "headlines": headlines,
        "ok": not problems,
        "problems": problems,
        "quick": quick,
        "measured": time.strftime("%Y-%m-%d", time.gmtime()),
        "dragnet_sample": DRAGNET_SAMPLE,
        "truth_sha256": truth_hash(),
        "floor": floor,
        "speed_ratio_vs_bare": round(ratio, 3),
        "results": results,
    }


def pin() -> None:
    """Score all pages and write the per-set F1 floor (the explicit way to move a floor)."""
    results = evaluate(load_pages(), {"ours": ours})["ours"]
    floor = {
        "truth_sha256": truth_hash(),
        "f1": {s: results[s]["f1"] for s in SETS},
        "measured": date.today().isoformat(),
    }
    FLOOR.write_text(json.dumps(floor, indent=2) + "\n")
    print(f"pinned {floor['f1']} -> {FLOOR}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pin", action="store_true", help="write the floor from this run")
    parser.add_argument("--quick", action="store_true")
    cli = parser.parse_args()
    if cli.pin:
        pin()
    else:
        sys.exit(0 if run(cli)["ok"] else 1)

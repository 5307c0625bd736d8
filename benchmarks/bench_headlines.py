"""Headlines on real pages: the title ``news.sources.extract`` gives an article beside bare
trafilatura's metadata title and readability-lxml's ``short_title``, same pages, same run.

Truth: ``gn1`` and ``cleanportaleval`` mark each page's headline by hand (``headline`` in
``../shared/data/extraction/truth.jsonl``; some marked headlines run on into the standfirst, so a
title is scored against its best-matching line). ``dragnet`` marks no headline but its marked
text starts with it: there a title is scored against the best of the text's first three lines
(of two words or more), an approximate check on pages the headline rules were not developed on.

Score per page: the F1 of the title's ``\\w+`` tokens (lowercased, with repeats) against the
truth line; reported: the mean, the share of exact matches (the same tokens) and the number of
pages under 0.5 (a site's or section's name, a wrong heading). A page a system refuses scores 0.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.bench_extract import load_truth, read_page

__all__ = ["HEADLINE_SETS", "run_headlines", "title_f1"]

HEADLINE_SETS = ("gn1", "cleanportaleval", "dragnet")
_TOKEN = re.compile(r"\w+")


def _tokens(text: str | None) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def title_f1(title: str | None, truth: str) -> float:
    """Token F1 of a title against one truth line."""
    mine, theirs = Counter(_tokens(title)), Counter(_tokens(truth))
    shared = sum((mine & theirs).values())
    if not shared:
        return 0.0
    precision, recall = shared / sum(mine.values()), shared / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def _truth_lines(row: dict[str, Any]) -> list[str]:
    if row["set"] == "dragnet":
        return [line for line in row["body"].splitlines() if len(_tokens(line)) >= 2][:3]
    return [line for line in (row.get("headline") or "").splitlines() if _tokens(line)]


def ours(html: str) -> str | None:
    from news.sources.extract import extract

    return extract(html).title


def bare_trafilatura(html: str) -> str | None:
    import trafilatura

    metadata = trafilatura.extract_metadata(html)
    return metadata.title if metadata is not None else None


def readability_lxml(html: str) -> str | None:
    from readability import Document

    return str(Document(html).short_title())


SYSTEMS: dict[str, Callable[[str], str | None]] = {
    "ours": ours,
    "trafilatura": bare_trafilatura,
    "readability-lxml": readability_lxml,
}


def _safe(system: Callable[[str], str | None], html: str) -> str | None:
    try:
        return system(html)
    except Exception:  # refused or crashed: no title
        return None


def run_headlines(quick: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Per set and system: pages, mean token F1, exact-match share, pages under 0.5; printed."""
    rows = [r for r in load_truth(HEADLINE_SETS) if _truth_lines(r)]
    if quick:
        rows = rows[::3]
    scores: dict[str, dict[str, list[float]]] = {name: {} for name in SYSTEMS}
    for row in rows:
        html, truth = read_page(row["id"]), _truth_lines(row)
        for name, system in SYSTEMS.items():
            title = _safe(system, html)
            best = max((title_f1(title, line) for line in truth), default=0.0)
            scores[name].setdefault(row["set"], []).append(best)
    results: dict[str, dict[str, dict[str, float]]] = {}
    print(
        "\nheadlines: token F1 of the title against the marked headline (dragnet: its first lines)"
    )
    print(f"{'set':<17}{'system':<18}{'pages':>6}{'F1':>7}{'exact':>7}{'< 0.5':>7}")
    for set_name in HEADLINE_SETS:
        for name in SYSTEMS:
            values = scores[name].get(set_name, [])
            if not values:
                continue
            entry = {
                "pages": len(values),
                "f1": round(statistics.mean(values), 3),
                "exact": round(sum(v > 0.999 for v in values) / len(values), 3),
                "under_half": sum(v < 0.5 for v in values),
            }
            results.setdefault(set_name, {})[name] = entry
            print(
                f"{set_name:<17}{name:<18}{entry['pages']:>6}{entry['f1']:>7.3f}"
                f"{entry['exact']:>7.3f}{entry['under_half']:>7}"
            )
    return results

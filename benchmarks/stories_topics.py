"""``/brief TOPIC`` and alert retrieval on the BBC set, for ``bench_stories``: the queries of
``benchmarks/data/topic_queries.json`` asked of the real ``BriefingService`` and ``TopicService``
over a fresh store of the BBC articles (``bench_stories``'s docstring says how)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

BBC = Path(__file__).resolve().parents[2] / "shared" / "data" / "summaries" / "bbc.jsonl"
LABELS = Path(__file__).resolve().parent / "data"
SEED = 12
GOAL_TOPIC_PRECISION = 0.90
RECALL_KINDS = {"category_name", "synonym", "typo"}


async def score_topics(args: argparse.Namespace) -> dict[str, Any]:
    import summarizer
    from config import Settings
    from news.briefings import BriefingService
    from news.models import Article
    from news.store import Store
    from news.summaries import SummaryService
    from news.topics import TopicService, article_lead, stem, tokenize, topic_words

    queries = json.loads((LABELS / "topic_queries.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in BBC.read_text(encoding="utf-8").splitlines()]
    keep = list(range(len(rows)))
    if args.quick:
        keep = sorted(random.Random(SEED).sample(keep, 600))
    now = datetime.now(UTC).replace(microsecond=0)
    order = keep[:]
    random.Random(SEED).shuffle(order)
    when = {
        i: now - timedelta(hours=1 + 143 * n / max(1, len(order) - 1)) for n, i in enumerate(order)
    }
    encoder = summarizer.load_encoder()
    leads = [article_lead(rows[i]["title"], rows[i]["text"]) for i in keep]
    started = time.perf_counter()
    vectors = encoder.encode(leads)
    embed_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bbc.db")
        store = await Store.open(settings.database_url)
        try:
            article_of: dict[int, int] = {}  # stored article id -> BBC line
            vector_of: dict[int, np.ndarray] = {}
            started = time.perf_counter()
            for n, i in sorted(enumerate(keep), key=lambda x: when[x[1]]):
                art = Article(
                    url=f"https://bbc.example/article/{i}",  # no category in the path
                    title=rows[i]["title"],
                    text=rows[i]["text"],
                    source="BBC",
                    published=when[i],
                )
                result = await store.add_article(art, embedding=vectors[n], now=when[i])
                article_of[result.article.id] = i
                vector_of[result.article.id] = vectors[n]
            store_s = time.perf_counter() - started
            topics = TopicService(store, encoder, settings)
            briefings = BriefingService(
                store, SummaryService(store, summarizer.load(settings)), encoder, settings
            )
            items = [dict(q, scope="broad") for q in queries["broad"]] + [
                dict(q, scope="specific") for q in queries["specific"]
            ]
            for chat, q in enumerate(items, start=1):
                await store.upsert_chat(chat, kind="private", title=None)
                await topics.subscribe(chat, q["query"])
            matched: dict[int, set[int]] = defaultdict(set)
            for article_id, i in article_of.items():
                stored = await store.get_article(article_id)
                if stored is None:
                    continue
                for chat, _topic in await topics.match(stored, vector_of[article_id]):
                    matched[chat].add(i)
            stems = {
                i: {stem(w) for w in tokenize(lead)} for i, lead in zip(keep, leads, strict=True)
            }
            newest = sorted(keep, key=lambda i: when[i], reverse=True)
            report = []
            for chat, q in enumerate(items, start=1):
                if q["scope"] == "broad":
                    relevant = {i for i in keep if rows[i]["category"] == q["category"]}
                else:
                    relevant = set(q["relevant"]) & set(keep)
                brief = await briefings.brief(chat, q["query"], limit=5, now=now)
                shown = [
                    [article_of.get(s.article_id) for s in item.story.sources]
                    for item in brief.items
                ]
                hits = [any(i in relevant for i in story if i is not None) for story in shown]
                words = topic_words(q["query"])
                base = [i for i in newest if words and all(w in stems[i] for w in words)][:5]
                got = matched.get(chat, set())
                report.append(
                    {
                        "query": q["query"],
                        "scope": q["scope"],
                        "kind": q.get("kind", "specific"),
                        "relevant": len(relevant),
                        "shown": len(hits),
                        "precision@5": round(sum(hits) / 5, 3),
                        "precision_shown": round(sum(hits) / len(hits), 3) if hits else None,
                        "baseline_precision@5": round(sum(i in relevant for i in base) / 5, 3),
                        "match_precision": round(len(got & relevant) / len(got), 3)
                        if got
                        else None,
                        "match_recall": round(len(got & relevant) / len(relevant), 3)
                        if relevant
                        else None,
                    }
                )
        finally:
            await store.close()
    print(f"\n{len(keep)} BBC articles: embedded in {embed_s:.1f} s, stored in {store_s:.1f} s")
    print(
        f"{'query':<28} {'kind':<14} {'P@5':>5} {'shown':>5} {'base':>5} "
        f"{'alertP':>6} {'alertR':>6}"
    )
    for r in report:
        mp = "-" if r["match_precision"] is None else f"{r['match_precision']:.2f}"
        mr = "-" if r["match_recall"] is None else f"{r['match_recall']:.2f}"
        print(
            f"{r['query']:<28} {r['kind']:<14} {r['precision@5']:>5.2f} {r['shown']:>5} "
            f"{r['baseline_precision@5']:>5.2f} {mp:>6} {mr:>6}"
        )

    def mean(values: list[float]) -> float:
        return round(statistics.fmean(values), 3) if values else 0.0

    summary = {}
    for label, subset in (
        ("all", report),
        ("broad", [r for r in report if r["scope"] == "broad"]),
        ("not category names", [r for r in report if r["kind"] != "category_name"]),
        ("specific", [r for r in report if r["scope"] == "specific"]),
    ):
        summary[label] = {
            "precision@5": mean([r["precision@5"] for r in subset]),
            "baseline_precision@5": mean([r["baseline_precision@5"] for r in subset]),
            "answered": sum(r["shown"] > 0 for r in subset),
            "queries": len(subset),
            "match_recall": mean(
                [
                    r["match_recall"]
                    for r in subset
                    if r["match_recall"] is not None
                    and (r["scope"] == "specific" or r["kind"] in RECALL_KINDS)
                ]
            ),
        }
        s = summary[label]
        print(
            f"{label:<20} macro P@5 {s['precision@5']:.3f} "
            f"(baseline {s['baseline_precision@5']:.3f}), "
            f"answered {s['answered']}/{s['queries']}, alert recall {s['match_recall']:.3f}"
        )
    return {
        "articles": len(keep),
        "queries": report,
        "summary": summary,
        "goal_met": summary["all"]["precision@5"] >= GOAL_TOPIC_PRECISION,
    }

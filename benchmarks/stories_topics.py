"""The cost of grouping one article, and ``/brief TOPIC`` and alert retrieval on the BBC set,
for ``bench_stories``. Topics: the queries of
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


# -- cost of grouping one article --------------------------------------------------------------
def grouping_cost(sizes: tuple[int, ...]) -> dict[str, float]:
    """Milliseconds for choose_story over N recent stories (one signature, embedding and 30
    names each; 49 close ones, whose names are compared): the decision's own cost, the
    candidates already in memory (the store's grouping cache); once over all N (a scan) and
    once over the stories the candidate index names (what ``Store.add_article`` does)."""
    from news.stories.dedupe import NUM_PERM
    from news.stories.entities import names_key
    from news.stories.grouping import StoryCandidate, choose_story
    from news.stories.index import CandidateIndex, Known

    rng = np.random.default_rng(SEED)
    out: dict[str, float] = {}
    now = datetime.now(UTC)
    for n in sizes:
        sigs = rng.integers(0, 2**32 - 1, size=(n, NUM_PERM), dtype=np.uint32).astype("<u4")
        vecs = rng.standard_normal((n, 384)).astype(np.float32)
        vecs[1:50] = vecs[0] + 0.3 * vecs[1:50]  # a few close stories: names get compared
        names = [names_key(f"name{j}" for j in rng.integers(0, 5000, 30)) for _ in range(n)]
        candidates = [
            StoryCandidate(
                i, [sigs[i].tobytes()], vecs[i], entities=[names[i]], times=[now], sources=["x"]
            )
            for i in range(n)
        ]
        new_sig = (
            rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint32).astype("<u4").tobytes()
        )
        times = []
        for _ in range(3):
            started = time.perf_counter()
            choose_story(candidates, new_sig, vecs[0], entities=names[0], when=now, source="y")
            times.append((time.perf_counter() - started) * 1000)
        out[str(n)] = round(statistics.median(times), 2)
        print(f"choose_story over {n:>7,} stories: {out[str(n)]:8.2f} ms (a scan of all)")
        index = CandidateIndex()
        for c in candidates:
            index.add(c.story_id, c.story_id, Known(c.signatures[0], c.entities[0], now, "x"), now)
            index.set_embedding(c.story_id, c.embedding)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            found = index.candidates(new_sig, vecs[0])
            choose_story(found, new_sig, vecs[0], entities=names[0], when=now, source="y")
            times.append((time.perf_counter() - started) * 1000)
        out[f"{n} indexed"] = round(statistics.median(times), 2)
        print(
            f"index + choose_story over {n:>7,} stories: {out[f'{n} indexed']:8.2f} ms "
            f"({len(found)} candidates)"
        )
    return out


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

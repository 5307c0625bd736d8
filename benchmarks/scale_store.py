"""Stores of many articles for ``bench_scale``: real BBC, CNN/DailyMail and XSum text, varied.

A store of ``n`` articles is built in bulk (the ``bulk`` path: rows written straight into the
tables, no per-article grouping), so a 100k store takes a couple of minutes once and a 1M store
can be built by hand (``python -m benchmarks.scale_store --size 1000000 --out PATH``). Each
article is a variant of a real one (its sentences rotated, one left out, one sentence of another
article added), under its own URL and outlet; its embedding is the base article's MiniLM vector
(computed once, cached) mixed with the other article's and a little noise, so neighbours in
meaning look as they do in real news. Consecutive variants of one base share a story (1-3
articles). Articles arrive at a country's pace, 3,000 a day, over at least 30 days: the stores
of 1k and 10k fit in the last month, at 100k the month holds 90k, at 1M a tenth.

Built SQLite stores are cached under ``CACHE`` (keyed by size and ``VERSION``); a PostgreSQL
store is copied from the cached SQLite one into a throwaway database.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summaries"
CACHE = Path("/tmp/newsbrief-scale")
VERSION = "v1"
PER_DAY = 3_000  # articles a day
MIN_DAYS = 30
BASES = 1_000  # real articles embedded (MiniLM, cached) and varied
HELD_OUT = 80  # real BBC articles never in a store: the "new articles" of the measures
SEED = 14
OUTLETS = [f"Outlet {c}" for c in "ABCDEFGHIJKL"]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the stores' "now" (the measures add after)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


@dataclass(frozen=True)
class Real:
    title: str
    text: str
    category: str


def real_articles() -> list[Real]:
    """BBC (titled, categorised), then CNN/DailyMail and XSum (first sentence as title)."""
    out = []
    for line in (DATA / "bbc.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.append(Real(row["title"], row["text"], row["category"]))
    for name in ("cnndm_dev.jsonl", "xsum.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            first = _SENTENCE.split(text, maxsplit=1)[0]
            out.append(Real(" ".join(first.split()[:14]), text, "news"))
    return out


def split_sets() -> tuple[list[Real], list[Real]]:
    """(bases varied into the stores, held-out BBC articles added by the measures)."""
    real = real_articles()
    order = list(range(len(real)))
    random.Random(SEED).shuffle(order)
    bbc = [i for i in order if real[i].category != "news"]
    held = bbc[:HELD_OUT]
    rest = [i for i in order if i not in set(held)][:BASES]
    return [real[i] for i in rest], [real[i] for i in held]


def vectors(texts: list[str], name: str) -> np.ndarray:
    """MiniLM embeddings of ``texts`` (cached under CACHE by their hash)."""
    key = hashlib.sha256("\n\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    import summarizer

    print(f"  embedding {len(texts)} real articles once (cached in {CACHE}) ...", flush=True)
    found = np.asarray(summarizer.load_encoder().encode(texts), dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, found)
    return found


def leads(items: list[Real]) -> list[str]:
    from news.topics import article_lead

    return [article_lead(r.title, r.text) for r in items]


def span(n: int) -> timedelta:
    return timedelta(days=max(MIN_DAYS, n / PER_DAY))


def variants(n: int) -> Iterator[dict[str, Any]]:
    """The ``n`` varied articles of a store, oldest first, with their story index."""
    bases, _ = split_sets()
    base_vectors = vectors(leads(bases), "bases")
    rng = np.random.default_rng(SEED)
    pick = random.Random(SEED)
    step = span(n) / n
    story = -1
    left = 0
    for i in range(n):
        b = i * 7919 % len(bases)
        other = pick.randrange(len(bases))
        if left == 0:  # a new story of 1-3 articles
            story, left, base = story + 1, pick.choice((1, 1, 1, 2, 2, 3)), b
        b = base
        left -= 1
        sentences = _SENTENCE.split(bases[b].text) or [bases[b].text]
        shift = i % len(sentences)
        mine = sentences[shift:] + sentences[:shift]
        if len(mine) > 3:
            del mine[pick.randrange(len(mine))]
        extra = _SENTENCE.split(bases[other].text)
        mine.insert(min(2, len(mine)), pick.choice(extra))
        vector = base_vectors[b] + 0.35 * base_vectors[other] + rng.normal(0, 0.02, 384)
        vector = (vector / np.linalg.norm(vector)).astype(np.float32)
        at = NOW - span(n) + step * i
        outlet = OUTLETS[i % len(OUTLETS)]
        yield {
            "story": story,
            "title": bases[b].title if shift == 0 else f"{bases[b].title} ({outlet})",
            "text": " ".join(mine),
            "source": outlet,
            "url": f"https://{outlet[-1].lower()}.example/{bases[b].category}/{i}",
            "at": at,
            "vector": vector,
        }


async def build_sqlite(n: int, path: Path) -> None:
    """The bulk path: a store of ``n`` varied articles written straight into the tables."""
    from sqlalchemy import insert

    from news.store import Store
    from news.store.tables import ArticleRow, StoryRow
    from news.stories.dedupe import content_hash, signature
    from news.stories.grouping import to_blob

    started = time.perf_counter()
    await asyncio.to_thread(path.unlink, missing_ok=True)
    store = await Store.open(f"sqlite:///{path}")
    try:
        stories: list[dict[str, Any]] = []
        articles: list[dict[str, Any]] = []

        async def flush() -> None:
            async with store.begin() as conn:
                if stories:
                    await conn.execute(insert(StoryRow), stories)
                await conn.execute(insert(ArticleRow), articles)
            stories.clear()
            articles.clear()

        for row in variants(n):
            story_id = row["story"] + 1
            if not stories or stories[-1]["id"] != story_id:  # a new story starts here
                if len(articles) >= 2_000:  # flush at story boundaries only
                    await flush()
                stories.append(
                    {
                        "id": story_id,
                        "title": row["title"],
                        "first_seen": row["at"],
                        "last_seen": row["at"],
                        "embedding": to_blob(row["vector"]),
                    }
                )
            stories[-1]["last_seen"] = row["at"]
            text = row["text"]
            articles.append(
                {
                    "url": row["url"],
                    "content_hash": content_hash(text),
                    "signature": signature(text),
                    "embedding": to_blob(row["vector"]),
                    "story_id": story_id,
                    "feed_id": None,
                    "published": row["at"],
                    "fetched_at": row["at"],
                    "title": row["title"],
                    "text": text,
                    "source": row["source"],
                    "author": None,
                    "language": "en",
                }
            )
        if articles:
            await flush()
    finally:
        await store.close()
    print(f"  built {n:,} articles in {time.perf_counter() - started:.0f} s -> {path}")


def cached_sqlite(n: int) -> Path:
    """The cached SQLite store of ``n`` articles (built when missing)."""
    path = CACHE / f"store-{VERSION}-{n}.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        asyncio.run(build_sqlite(n, path.with_suffix(".tmp")))
        path.with_suffix(".tmp").rename(path)
    return path


def work_copy(n: int, folder: Path) -> Path:
    """A copy of the cached store to measure on (measures add articles)."""
    target = folder / f"store-{n}.db"
    shutil.copyfile(cached_sqlite(n), target)
    return target


async def copy_to_postgres(source: Path, url: str) -> None:
    """The cached SQLite store's stories and articles copied into the PostgreSQL ``url``
    (migrated), then ANALYZEd as a bulk ingest does."""
    from sqlalchemy import insert, select, text

    from news.store import Store
    from news.store.tables import ArticleRow, StoryRow

    src = await Store.open(f"sqlite:///{source}")
    dst = await Store.open(url)
    try:
        for table in (StoryRow, ArticleRow):
            columns = [c for c in table.__table__.columns]
            offset = 0
            while True:
                async with src.connect() as conn:
                    rows = (
                        await conn.execute(
                            select(*columns)
                            .where(columns[0] > offset)
                            .order_by(columns[0])
                            .limit(5_000)
                        )
                    ).all()
                if not rows:
                    break
                offset = rows[-1][0]
                async with dst.begin() as conn:
                    await conn.execute(
                        insert(table),
                        [dict(zip([c.name for c in columns], r, strict=True)) for r in rows],
                    )
        async with dst.begin() as conn:
            for name in ("stories", "articles"):
                ids = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: E501, S608 - our own table names
                await conn.execute(text(ids))
        analyze = getattr(dst, "analyze", None)  # the bulk path's ANALYZE (issue 14)
        if analyze is not None:
            await analyze()
        else:
            async with dst.begin() as conn:
                await conn.execute(text("ANALYZE"))
    finally:
        await src.close()
        await dst.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="build a scale store by hand (the bulk path)")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--out", type=Path, default=None, help="SQLite file (default: the cache)")
    args = parser.parse_args()
    if args.out is None:
        print(cached_sqlite(args.size))
    else:
        asyncio.run(build_sqlite(args.size, args.out))


if __name__ == "__main__":
    main()

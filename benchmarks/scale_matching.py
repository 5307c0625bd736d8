"""Topic matching at scale (issue 14): the cost of matching one new article against S
subscriptions, and of one subscribe or unsubscribe, at S = 100 ... 100k, through the real
``TopicService`` on a real SQLite store.

``measure(sizes)`` returns one row per size: the median and p95 ms of
``TopicService.match_explained`` (what ``on_new_article`` calls before queueing the alerts) for
one new article, the median ms of ``subscribe`` and ``unsubscribe`` (each followed by a match, so
a change that forces a reload of every subscription pays it inside the next match), and how many
full reloads of the subscriptions those changes caused.

The workload is real text: topics are phrases of one to three words from BBC headlines and
opening sentences (``../shared/data/summaries/bbc.jsonl``), drawn with Zipf-like popularity (a
community shares its popular topics: the row says how many are distinct), one in ten a broad
field ("sport", "economy"), one in ten with keyword filters where the store has them; the
articles matched are BBC articles. Vectors come from a hashed bag of words (each word a fixed
random unit vector; a text the normalized sum of its words'), so topics that share words are
close in meaning: the cost of matching depends on the number of subscriptions and of matches,
not on the model, and MiniLM on 100k topics would take this machine many minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from news.topic_match import wordset

__all__ = ["BBC", "HashEncoder", "measure"]

BBC = Path(__file__).resolve().parents[2] / "shared" / "data" / "summaries" / "bbc.jsonl"
DIM = 384
ARTICLES = 30  # matched articles per size (after one warm-up)
CHANGES = 15  # subscribes, then as many unsubscribes, per size
BROAD = ("sport", "economy", "tech", "politics", "business", "science", "health", "football")
FILTERS = ("-sport", '"prime minister"', "+government", '-"world cup"')
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP = wordset(
    """the and for with from that this have has was were are its his her their they them over
    after into about than more said says new out not but can will would could been who what when
    where which while also just last first two three year years one off back"""
)


class HashEncoder:
    """A deterministic stand-in for MiniLM: each word a fixed random unit vector, a text the
    normalized sum of its words' vectors (texts sharing words are close)."""

    model_id = "hash-words-384"

    def __init__(self) -> None:
        self._words: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._words.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            self._words[word] = vector
        return vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for n, text in enumerate(texts):
            words = _WORD.findall(text.casefold()) or [text.casefold()]
            row = np.sum([self._word(w) for w in words[:80]], axis=0)
            out[n] = row / (np.linalg.norm(row) or 1.0)
        return out


def _bbc() -> list[dict[str, str]]:
    with BBC.open() as lines:
        return [json.loads(line) for line in lines]


def _phrases(rows: Sequence[dict[str, str]]) -> list[str]:
    """Distinct phrases of one to three content words from headlines and opening sentences."""
    seen: dict[str, None] = {}
    for row in rows:
        opening = row["text"].split(".")[0]
        for text in (row["title"], opening):
            words = [w for w in _WORD.findall(text.casefold()) if w not in _STOP]
            for size in (1, 2, 3):
                for start in range(len(words) - size + 1):
                    seen.setdefault(" ".join(words[start : start + size]), None)
    return list(seen)


def _topics(phrases: Sequence[str], count: int, rng: np.random.Generator) -> list[str]:
    """``count`` topics: Zipf-like popularity over the phrases, one in ten a broad field."""
    weights = 1.0 / np.arange(1, len(phrases) + 1) ** 0.6
    picks = rng.choice(len(phrases), size=count, p=weights / weights.sum())
    order = rng.permutation(len(phrases))  # popularity independent of where a phrase came from
    topics = [phrases[order[i]] for i in picks]
    for i in range(0, count, 10):
        topics[i] = BROAD[(i // 10) % len(BROAD)]
    return topics


@contextlib.contextmanager
def _count_full_loads(store: Any) -> Iterator[list[int]]:
    """Count statements that read every subscription's embedding (a full reload): not those
    that read only the rows changed since a version."""
    from sqlalchemy import event

    counter = [0]

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        text = " ".join(statement.split()).casefold()
        full = "subscriptions.embedding" in text and "from subscriptions" in text
        if full and "subscriptions.version >" not in text:
            counter[0] += 1

    engine = store.sync_engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", listen)


async def _bulk_subscribe(
    store: Any, topics: Sequence[str], encoder: HashEncoder, rng: np.random.Generator
) -> None:
    """Insert chats and subscriptions directly (the setup, not what is measured)."""
    from sqlalchemy import insert, update

    from news.store.counters import SUBSCRIPTIONS_COUNTER
    from news.store.tables import ChatRow, CounterRow, SubscriptionRow
    from news.topic_match import parse_topic

    has_filters = hasattr(SubscriptionRow, "filters")
    now = datetime.now(UTC)
    per_chat = 4
    chats = [
        {"id": 1_000_000 + n, "kind": "private", "title": None, "active": True, "created_at": now}
        for n in range(len(topics) // per_chat + 1)
    ]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    meanings: dict[str, bytes] = {}
    for n, topic in enumerate(topics):
        chat_id = 1_000_000 + n // per_chat
        if (chat_id, topic) in seen:
            topic = f"{topic} {n}"
        seen.add((chat_id, topic))
        meaning = parse_topic(topic).meaning
        if meaning not in meanings:
            meanings[meaning] = encoder.encode([meaning])[0].astype(np.float32).tobytes()
        row: dict[str, Any] = {
            "chat_id": chat_id,
            "topic": topic,
            "normalized": topic,
            "embedding": meanings[meaning],
            "active": True,
            "created_at": now,
        }
        if has_filters:
            row["filters"] = FILTERS[n % len(FILTERS)] if rng.random() < 0.1 else None
        rows.append(row)
    async with store.begin() as conn:
        for start in range(0, len(chats), 5000):
            await conn.execute(insert(ChatRow), chats[start : start + 5000])
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(SubscriptionRow), rows[start : start + 5000])
        await conn.execute(
            update(CounterRow)
            .where(CounterRow.name == SUBSCRIPTIONS_COUNTER)
            .values(value=CounterRow.value + 1)
        )


def _ms(seconds: Sequence[float]) -> tuple[float, float]:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return round(statistics.median(values), 3), round(p95, 3)


async def _one_size(size: int, bbc: Sequence[dict[str, str]], phrases: Sequence[str]) -> dict:
    from config import Settings
    from news.models import Article
    from news.store import Store
    from news.topics import TopicService

    rng = np.random.default_rng(size)
    encoder = HashEncoder()
    with tempfile.TemporaryDirectory(prefix="nb-match-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/m.db", max_subscriptions=1000)
        store = await Store.open(settings.database_url)
        try:
            topics = _topics(phrases, size, rng)
            await _bulk_subscribe(store, topics, encoder, rng)
            service = TopicService(store, encoder, settings)
            picks = rng.choice(len(bbc), size=ARTICLES + 1 + 2 * CHANGES, replace=False)
            articles = []
            for n, index in enumerate(picks):
                item = bbc[int(index)]
                article = Article(
                    url=f"https://news.example/{item['id']}/{n}",
                    title=item["title"],
                    text=item["text"],
                    source="BBC",
                )
                vector = encoder.encode([f"{item['title']}. {item['text'][:400]}"])[0]
                result = await store.add_article(article, embedding=vector)
                articles.append((result.article, vector))
            with _count_full_loads(store) as loads:
                started = time.perf_counter()
                await service.match(*articles[0])  # warm-up: the first load of the index
                first_ms = (time.perf_counter() - started) * 1000
                loads_at_start = loads[0]
                times, cpu, matched = [], [], []
                for article, vector in articles[1 : ARTICLES + 1]:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    found = await service.match_explained(article, vector)
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - started_cpu)
                    matched.append(len(found))
                spare = iter(articles[ARTICLES + 1 :])
                subscribed, subs_t, unsubs_t = [], [], []
                for n in range(CHANGES):
                    chat_id = 5_000_000 + n
                    topic = f"{phrases[int(rng.integers(len(phrases)))]} {n}"
                    started = time.perf_counter()
                    await service.subscribe(chat_id, topic)
                    subs_t.append(time.perf_counter() - started)
                    subscribed.append((chat_id, topic))
                    await service.match(*next(spare))
                for chat_id, topic in subscribed:
                    started = time.perf_counter()
                    await service.unsubscribe(chat_id, topic)
                    unsubs_t.append(time.perf_counter() - started)
                    await service.match(*next(spare))
                reloads = loads[0] - loads_at_start
        finally:
            await store.close()
    match_median, match_p95 = _ms(times)
    return {
        "size": size,
        "distinct_topics": len(set(topics)),
        "first_match_ms": round(first_ms, 1),
        "match_ms_median": match_median,
        "match_ms_p95": match_p95,
        "match_cpu_ms_median": _ms(cpu)[0],  # CPU of the process (all threads) per match
        "matches_per_article": statistics.median(matched),
        "subscribe_ms_median": _ms(subs_t)[0],
        "unsubscribe_ms_median": _ms(unsubs_t)[0],
        "changes": 2 * CHANGES,
        "reloads": reloads,
    }


def measure(sizes: list[int]) -> list[dict]:
    """One row per number of subscriptions: ``size``, ``match_ms_median``, ``match_ms_p95``,
    ``match_cpu_ms_median``, ``subscribe_ms_median``, ``unsubscribe_ms_median``, ``reloads``
    (full reloads of the subscriptions caused by ``changes`` subscribes and unsubscribes),
    ``first_match_ms`` (the first match of a process: loading the index), ``distinct_topics``,
    ``matches_per_article``."""
    bbc = _bbc()
    phrases = _phrases(bbc)
    return [asyncio.run(_one_size(size, bbc, phrases)) for size in sizes]

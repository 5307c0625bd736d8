"""Several writers on one database: two Store instances (separate connection pools, as the bot
and a worker process have) and two real processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Connection

from news.models import Subscription
from news.store import Store
from news.store.articles import Articles
from news.stories.dedupe import NEAR_DUPLICATE, signature, similarity
from news.stories.index import CandidateIndex
from tests.news.store.factories import make_article, make_text

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def second(store: Store, db_url: str) -> AsyncIterator[Store]:
    """Another Store on the same database, as another process would have."""
    other = await Store.open(db_url)
    yield other
    await other.close()


async def test_same_article_from_two_writers_is_stored_once(store: Store, second: Store) -> None:
    article = make_article(1)
    results = await asyncio.gather(
        *(s.add_article(article) for _ in range(4) for s in (store, second))
    )
    assert Counter(r.status for r in results) == {"new": 1, "duplicate": 7}
    assert len({r.article.id for r in results}) == 1
    assert await store.count_articles() == 1
    assert len(await store.recent_stories(since=results[0].article.fetched_at)) == 1


async def test_two_writers_store_everything(store: Store, second: Store) -> None:
    articles = [make_article(n) for n in range(20)]
    results = await asyncio.gather(*(s.add_article(a) for a in articles for s in (store, second)))
    assert Counter(r.status for r in results) == {"new": 20, "duplicate": 20}
    assert await second.count_articles() == 20


async def test_concurrent_subscribe_and_enqueue(store: Store, second: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    subs = await asyncio.gather(
        store.subscribe(1, "space", embedding=None, limit=5),
        second.subscribe(1, "Space", embedding=None, limit=5),
    )
    assert sorted(s.status for s in subs) == ["created", "exists"]
    assert len(await store.list_subscriptions(1)) == 1

    stories = [(await store.add_article(make_article(n))).story_id for n in range(10)]
    items = [(1, s, "space") for s in stories]
    added = await asyncio.gather(store.enqueue_alerts(items), second.enqueue_alerts(items))
    assert sum(added) == 10
    assert len(await second.pending_alerts(1)) == 10


_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from collections import Counter
    from news.store import Store
    from tests.news.store.factories import make_article, make_text

    async def main(url: str) -> None:
        store = await Store.open(url)
        try:
            results = [await store.add_article(make_article(n)) for n in range(30)]
        finally:
            await store.close()
        print(Counter(r.status for r in results)["new"])

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.slow
async def test_two_processes_share_a_new_sqlite_file(tmp_path: Path) -> None:
    """The bot and a worker start at once on a database that does not exist yet: both migrate
    it (one waits for the other) and store the same articles once. SQLite only: it is the
    backend whose locking is ours to get right."""
    url = f"sqlite:///{tmp_path / 'shared' / 'news.db'}"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            url,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    assert sum(int(out) for out, _ in outputs) == 30
    store = await Store.open(url)
    try:
        assert await store.count_articles() == 30
    finally:
        await store.close()


async def test_grouping_sees_articles_another_writer_added(store: Store, second: Store) -> None:
    """Each Store caches recent signatures; a chain A -> B -> C groups into one story even when
    B was stored by the other writer and C only resembles B."""
    p, q, r = (make_text(n, words=60).rstrip(".") for n in (1, 2, 3))
    a, b, c = f"{p} {q}", f"{p} {q} {r}", f"{q} {r}"
    assert similarity(signature(a), signature(c)) < NEAR_DUPLICATE
    assert similarity(signature(b), signature(c)) >= NEAR_DUPLICATE
    first = await store.add_article(make_article(1, text=a))
    await store.add_article(make_article(50, text=make_text(50)))  # warm store's cache
    joined = await second.add_article(make_article(2, text=b, source="b.org"))
    assert joined.story_id == first.story_id
    chained = await store.add_article(make_article(3, text=c, source="c.org"))
    assert chained.story_id == first.story_id
    assert not chained.story_is_new


async def test_near_duplicates_from_two_writers_at_once_form_one_story(
    store: Store, second: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each writer pauses after reading the recent stories until the other has read them too
    (or 0.3 s passed): without a grouping lock both would start a story. (The reads run in
    the store's transaction, synchronously, on its thread: the pause is a thread's wait.)"""
    arrived = 0
    both = threading.Event()
    original = Articles.story_candidates

    def rendezvous(self: Articles, conn: Connection, *, since: datetime) -> CandidateIndex:
        nonlocal arrived
        found = original(self, conn, since=since)
        arrived += 1
        if arrived == 2:
            both.set()
        both.wait(0.3)
        return found

    monkeypatch.setattr(Articles, "story_candidates", rendezvous)
    text = make_text(1)
    first, other = await asyncio.gather(
        store.add_article(make_article(1, text=f"{text} Via A.")),
        second.add_article(make_article(2, text=f"{text} Via B.", source="b.org")),
    )
    assert (first.status, other.status) == ("new", "new")
    assert first.story_id == other.story_id
    assert sorted([first.story_is_new, other.story_is_new]) == [False, True]


async def test_two_deliverers_claim_disjoint_alerts(store: Store, second: Store) -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    await store.upsert_chat(1, kind="private", title=None)
    stories = [(await store.add_article(make_article(n))).story_id for n in range(10)]
    await store.enqueue_alerts([(1, s, None) for s in stories], now=now)

    lease = timedelta(minutes=2)
    mine, theirs = await asyncio.gather(
        store.claim_alerts(now, lease=lease, limit=6),
        second.claim_alerts(now, lease=lease, limit=6),
    )
    assert sorted([len(mine), len(theirs)]) == [4, 6]
    assert {i.story_id for i in mine}.isdisjoint({i.story_id for i in theirs})
    assert {i.story_id for i in mine + theirs} == set(stories)
    assert all(i.next_attempt_at == now + lease for i in mine + theirs)
    assert await store.claim_alerts(now + timedelta(minutes=1)) == []
    assert await store.due_alerts(now + timedelta(minutes=1)) == []

    # one deliverer finishes; the other dies: its alerts come back when the lease ends
    await store.mark_sent([i.id for i in mine], now)
    back = await store.due_alerts(now + lease)
    assert [i.id for i in back] == [i.id for i in theirs]
    assert {i.attempts for i in back} == {0}


async def test_cached_subscriptions_follow_changes_made_elsewhere(
    store: Store, second: Store
) -> None:
    def topics(subs: Sequence[tuple[Subscription, object]]) -> list[tuple[int, str]]:
        return [(s.chat_id, s.topic) for s, _ in subs]

    for chat in (1, 2):
        await second.upsert_chat(chat, kind="private", title=None)
    assert await store.active_subscriptions() == []
    await second.subscribe(1, "space", embedding=np.ones(3, np.float32), limit=5)
    cached = await store.active_subscriptions()
    assert topics(cached) == [(1, "space")]
    vector = cached[0][1]
    assert isinstance(vector, np.ndarray)
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 2.0  # shared between callers: nobody may change it
    assert (await store.active_subscriptions())[0][1] is vector  # unchanged: from the cache

    await second.subscribe(2, "peace", embedding=None, limit=5)
    assert topics(await store.active_subscriptions()) == [(1, "space"), (2, "peace")]
    await second.unsubscribe(1, "space")
    assert topics(await store.active_subscriptions()) == [(2, "peace")]
    await second.deactivate_chat(2)
    assert await store.active_subscriptions() == []
    # a topic added while the chat is inactive shows once the chat is active again
    await second.subscribe(2, "markets", embedding=None, limit=5)
    assert await store.active_subscriptions() == []
    await second.upsert_chat(2, kind="private", title=None)
    assert topics(await store.active_subscriptions()) == [(2, "markets")]

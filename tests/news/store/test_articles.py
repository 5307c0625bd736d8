"""Articles: dedupe by URL and content hash, near-duplicates grouped into stories (by text or
embedding, within the time window), listing, and nothing half-written on errors."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event

from news.models import Article
from news.store import Store
from news.stories.dedupe import content_hash
from news.stories.index import CandidateIndex
from tests.news.store.factories import make_article, make_text, unit

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def test_add_article_stores_every_field(store: Store) -> None:
    published = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    article = Article(
        url="https://example.com/a",
        title="Ministers meet in Geneva",
        text=make_text(1),
        source="Example News",
        published=published,
        author="A. Writer",
        language="en",
    )
    feed = await store.add_feed("https://example.com/feed")
    result = await store.add_article(article, feed_id=feed.id, now=NOW)
    assert (result.status, result.story_is_new) == ("new", True)
    stored = result.article
    assert stored.id > 0
    assert stored.story_id == result.story_id
    assert (stored.url, stored.title, stored.text, stored.source) == (
        article.url,
        article.title,
        article.text,
        article.source,
    )
    assert (stored.published, stored.author, stored.language) == (published, "A. Writer", "en")
    assert stored.content_hash == content_hash(article.text)
    assert stored.feed_id == feed.id
    assert stored.fetched_at == NOW
    assert await store.get_article(stored.id) == stored
    assert await store.find_article("https://example.com/a") == stored
    assert await store.find_article("https://example.com/b") is None
    assert await store.get_article(stored.id + 100) is None

    story = await store.get_story(result.story_id)
    assert story is not None
    assert (story.title, story.first_seen, story.last_seen) == (article.title, NOW, NOW)
    assert [s.article_id for s in story.sources] == [stored.id]
    assert story.primary.source == "Example News"
    assert story.primary.published == published


async def test_same_url_is_a_duplicate(store: Store) -> None:
    first = await store.add_article(make_article(1), now=NOW)
    changed = dataclasses.replace(make_article(1), text=make_text(2), title="Updated")
    again = await store.add_article(changed, now=NOW + timedelta(hours=1))
    assert again.status == "duplicate"
    assert not again.story_is_new
    assert again.article == first.article
    assert again.story_id == first.story_id
    assert await store.count_articles() == 1


async def test_same_text_under_another_url_is_a_duplicate(store: Store) -> None:
    text = make_text(1)
    first = await store.add_article(make_article(1, text=text))
    # case and whitespace do not matter to the content hash
    mirrored = make_article(2, text="  " + text.upper().replace(" ", "\n "), source="mirror.org")
    again = await store.add_article(mirrored)
    assert again.status == "duplicate"
    assert again.article.id == first.article.id
    assert await store.count_articles() == 1


async def test_near_duplicate_joins_the_story_and_updates_last_seen(store: Store) -> None:
    text = make_text(1)
    first = await store.add_article(make_article(1, text=text), now=NOW)
    later = NOW + timedelta(hours=5)
    repost = make_article(2, text=text + " Read more at mirror.org.", source="mirror.org")
    joined = await store.add_article(repost, now=later)
    assert (joined.status, joined.story_is_new) == ("new", False)
    assert joined.story_id == first.story_id
    assert joined.article.id != first.article.id
    unrelated = await store.add_article(make_article(3), now=later)
    assert unrelated.story_is_new
    assert unrelated.story_id != first.story_id

    story = await store.get_story(first.story_id)
    assert story is not None
    assert [s.source for s in story.sources] == ["example.com", "mirror.org"]
    assert (story.first_seen, story.last_seen) == (NOW, later)
    assert story.title == first.article.title
    assert await store.story_text(first.story_id) == first.article


async def test_old_stories_are_not_joined(store: Store) -> None:
    text = make_text(1)
    first = await store.add_article(make_article(1, text=text), now=NOW)
    repost = make_article(2, text=text + " Again.", source="late.org")
    late = await store.add_article(repost, now=NOW + timedelta(hours=73))
    assert late.story_is_new
    assert late.story_id != first.story_id


async def test_embedding_similarity_groups_and_is_stored(store: Store) -> None:
    first = await store.add_article(make_article(1), embedding=unit(1, 0.1, 0), now=NOW)
    other = make_article(2, source="other.org")  # one outlet's follow-up would stay apart
    close = await store.add_article(other, embedding=unit(1, 0.2, 0), now=NOW)
    far = await store.add_article(make_article(3), embedding=unit(0, 1, 0), now=NOW)
    none = await store.add_article(make_article(4), now=NOW)
    assert close.story_id == first.story_id
    assert not close.story_is_new
    assert far.story_is_new
    assert none.story_is_new
    stored = await store.article_embedding(close.article.id)
    assert stored is not None
    assert stored.dtype == np.float32
    np.testing.assert_allclose(stored, unit(1, 0.2, 0))
    assert await store.article_embedding(none.article.id) is None

    embeddings = dict(await store.story_embeddings(since=NOW - timedelta(hours=1)))
    assert set(embeddings) == {first.story_id, far.story_id}
    np.testing.assert_allclose(embeddings[first.story_id], unit(1, 0.1, 0))  # the first article's
    assert await store.story_embeddings(since=NOW + timedelta(hours=1)) == []


async def test_story_gains_an_embedding_from_a_later_article(store: Store) -> None:
    text = make_text(1)
    first = await store.add_article(make_article(1, text=text), now=NOW)
    await store.add_article(
        make_article(2, text=text + " More.", source="b.org"), embedding=unit(0, 0, 1), now=NOW
    )
    [(story_id, vector)] = await store.story_embeddings(since=NOW)
    assert story_id == first.story_id
    np.testing.assert_allclose(vector, unit(0, 0, 1))
    # a source stored late with an older time: the story keeps when it was last seen, and its
    # embedding
    earlier = NOW - timedelta(hours=2)
    await store.add_article(
        make_article(3, text=text + " Older.", source="c.org"),
        embedding=unit(1, 0, 0),
        now=earlier,
    )
    story = await store.get_story(first.story_id)
    assert story is not None
    assert (len(story.sources), story.last_seen) == (3, NOW)
    [(_, vector)] = await store.story_embeddings(since=NOW)
    np.testing.assert_allclose(vector, unit(0, 0, 1))


async def test_list_count_and_pages(store: Store) -> None:
    assert await store.count_articles() == 0
    assert await store.list_articles() == []
    ids = [(await store.add_article(make_article(n))).article.id for n in range(5)]
    assert await store.count_articles() == 5
    assert [a.id for a in await store.list_articles(limit=2)] == ids[::-1][:2]
    assert [a.id for a in await store.list_articles(limit=2, offset=4)] == [ids[0]]


async def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    # feed 999 does not exist: the foreign key fails after the story row was inserted
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await store.add_article(make_article(1), feed_id=999, now=NOW)
    assert await store.count_articles() == 0
    assert await store.recent_stories(since=NOW - timedelta(days=1)) == []
    ok = await store.add_article(make_article(1), now=NOW)
    assert ok.status == "new"
    assert ok.story_is_new


async def test_grouping_window_follows_now_both_ways(store: Store) -> None:
    text = make_text(1)
    first = await store.add_article(make_article(1, text=text), now=NOW)
    await store.add_article(make_article(2), now=NOW)
    # far in the future the story is out of the window (and out of the cache) ...
    future = NOW + timedelta(days=10)
    late = await store.add_article(make_article(3), now=future)
    assert late.story_is_new
    # ... and more articles after it, which the cache reads alone (the ids above its last):
    # reading them does not bring it back, only reading the stories missing from the cache does
    for n in range(4, 8):
        assert (await store.add_article(make_article(n), now=future)).story_is_new
    # ... and back in the window, it is found again
    back = await store.add_article(
        make_article(5, text=text + " Also here.", source="c.org"), now=NOW + timedelta(hours=1)
    )
    assert back.story_id == first.story_id


async def test_ids_commit_in_order_however_many_processes_write(store: Store, db_url: str) -> None:
    """Caches of articles read only the ids above the last they hold: a read that sees an id
    must see every id below it, also while two other processes store articles at once, each
    slow between taking its id and committing."""
    seen: list[list[int]] = []
    done = threading.Event()

    def write(n: int) -> None:
        pause = 0.03 if n == 0 else 0.003  # one slower than the other: ids taken in one order
        # would commit in the other, unless the writers wait for each other

        def slow_after_insert(*args: Any) -> None:
            if str(args[2]).lstrip().upper().startswith("INSERT INTO ARTICLES"):
                time.sleep(pause)  # the id is taken, the commit not yet done

        async def run() -> None:
            writer = await Store.open(db_url)  # another process, in effect
            event.listen(writer.sync_engine, "after_cursor_execute", slow_after_insert)
            try:
                for k in range(12):
                    await writer.add_article(make_article(100 * n + k), now=NOW)
            finally:
                await writer.close()

        asyncio.run(run())

    async def read() -> None:
        last = 0
        while not done.is_set():
            ids = [a.id for a in await store.articles_after(last)]
            seen.append(ids)
            last = max(ids, default=last)
            await asyncio.sleep(0.002)

    reader = asyncio.create_task(read())
    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        await asyncio.to_thread(thread.join)
    done.set()
    await reader
    read_in_order = [i for ids in seen for i in ids]
    final = [a.id for a in await store.articles_after(0)]
    assert len(final) == 24
    assert read_in_order == final[: len(read_in_order)]  # never an id behind one already read


async def test_the_grouping_index_holds_what_a_read_of_the_store_would(
    store: Store, db_url: str
) -> None:
    """A process puts each article it stores into its candidate index itself (the next read
    of the articles added since finds none of its own to read): what it holds right after is
    what a fresh read of the store builds, for new stories, joined ones, an embedding set late,
    and a text whose opening the store's read cuts short of the words names come from."""
    text = make_text(1)
    long_words = " ".join(f"Longwordnumber{n:04d}x" for n in range(560))  # 560 x 20 chars
    articles = [
        (make_article(1, text=text), None),
        (make_article(2, text=text + " More.", source="b.org"), unit(0, 0, 1)),  # joins, late
        (make_article(3), unit(0, 1, 0)),
        (make_article(4, text=long_words + ". Then Zanzibar Harbour Authority spoke."), None),
    ]
    for n, (article, vector) in enumerate(articles):
        last = await store.add_article(article, embedding=vector, now=NOW + timedelta(minutes=n))

    mine = store.articles._index  # as the last add left it: no read since
    fresh = await Store.open(db_url)
    try:
        since = NOW + timedelta(minutes=3) - timedelta(hours=72)
        async with fresh.articles._access.read() as conn:
            read = await conn.run_sync(lambda c: fresh.articles.story_candidates(c, since=since))
    finally:
        await fresh.close()

    def held(index: CandidateIndex) -> dict[int, Any]:
        return {
            story_id: (
                story.last_seen,
                {
                    article_id: (k.signature, k.names.tolist(), k.when, k.source)
                    for article_id, k in story.articles.items()
                },
                None if story.row < 0 else index._rows[story.dim].matrix[story.row].tolist(),
            )
            for story_id, story in index.stories.items()
        }

    assert mine.max_article_id == read.max_article_id == last.article.id
    assert held(mine) == held(read)
    assert len(held(read)) == 3

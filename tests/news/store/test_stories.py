"""Stories read back: recent, by id, searched by words, and their embeddings (cached,
read-only)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from news.models import Article
from news.store import Store
from tests.news.store.factories import make_article, make_text, unit

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def test_recent_stories_and_get_stories(store: Store) -> None:
    old = await store.add_article(make_article(1), now=NOW - timedelta(days=2))
    mid = await store.add_article(make_article(2), now=NOW - timedelta(hours=3))
    new = await store.add_article(make_article(3), now=NOW)
    recent = await store.recent_stories(since=NOW - timedelta(days=1))
    assert [s.id for s in recent] == [new.story_id, mid.story_id]
    assert [s.id for s in await store.recent_stories(since=NOW - timedelta(days=3), limit=1)] == [
        new.story_id
    ]
    stories = await store.get_stories([old.story_id, 9999, new.story_id])
    assert [s.id for s in stories] == [old.story_id, new.story_id]
    assert await store.get_story(9999) is None
    assert await store.story_text(9999) is None


async def test_search_stories_by_words(store: Store) -> None:
    def article(n: int, title: str, body: str) -> Article:
        return dataclasses.replace(make_article(n), title=title, text=body + " " + make_text(n))

    peace = await store.add_article(
        article(1, "Peace talks resume in Geneva", "Delegations met on Monday."), now=NOW
    )
    both = await store.add_article(
        article(2, "Markets", "Peace hopes lift markets after the Geneva meeting."), now=NOW
    )
    other = await store.add_article(article(3, "Weather", "Storms 100% likely_soon."), now=NOW)
    old = await store.add_article(
        article(4, "Peace prize", "Announced."), now=NOW - timedelta(days=10)
    )

    found = await store.search_stories(["GENEVA", "peace"])
    # two words matched (newest first), then one
    assert [s.id for s in found] == [both.story_id, peace.story_id, old.story_id]
    recent = await store.search_stories(["peace"], since=NOW - timedelta(days=1))
    assert {s.id for s in recent} == {peace.story_id, both.story_id}
    # LIKE wildcards in words are literal
    assert [s.id for s in await store.search_stories(["100%"])] == [other.story_id]
    assert [s.id for s in await store.search_stories(["y_s"])] == [other.story_id]
    assert [s.id for s in await store.search_stories(["%"])] == [other.story_id]
    assert await store.search_stories(["nothing-like-this"]) == []
    assert await store.search_stories([]) == []
    assert await store.search_stories(["  "]) == []
    assert len(await store.search_stories(["peace"], limit=1)) == 1


async def test_story_embeddings_are_cached_read_only(db_url: str, store: Store) -> None:
    small = await Store.open(db_url, vector_cache=1)  # the cache pruned on every call
    try:
        await _cached_read_only(small)
    finally:
        await small.close()


async def _cached_read_only(store: Store) -> None:
    a = await store.add_article(make_article(1), embedding=unit(1, 0, 0), now=NOW)
    b = await store.add_article(make_article(2), embedding=unit(0, 1, 0), now=NOW)
    first = await store.story_embeddings(since=NOW)
    assert [i for i, _ in first] == [b.story_id, a.story_id]
    with pytest.raises(ValueError, match="read-only"):
        first[0][1][0] = 1.0
    c = await store.add_article(make_article(3), embedding=unit(0, 0, 1), now=NOW)
    again = await store.story_embeddings(since=NOW)
    assert [i for i, _ in again] == [c.story_id, b.story_id, a.story_id]
    assert again[1][1] is first[0][1]  # known embeddings come from the cache
    np.testing.assert_allclose(again[0][1], unit(0, 0, 1))
    only_new = await store.story_embeddings(since=NOW + timedelta(seconds=1))
    assert only_new == []
    assert [i for i, _ in await store.story_embeddings(since=NOW)] == [
        c.story_id,
        b.story_id,
        a.story_id,
    ]

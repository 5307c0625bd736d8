"""Summaries: one per article and model, replaced by a second put."""

from __future__ import annotations

from news.store import Store
from tests.news.store.factories import make_article


async def test_summaries_are_cached_per_article_and_model(store: Store) -> None:
    a = (await store.add_article(make_article(1))).article
    b = (await store.add_article(make_article(2))).article
    assert await store.get_summary(a.id, "m1") is None
    await store.put_summary(a.id, "m1", "First summary.")
    await store.put_summary(a.id, "m2", "Other model.")
    await store.put_summary(b.id, "m1", "B summary.")
    assert await store.get_summary(a.id, "m1") == "First summary."
    assert await store.get_summary(a.id, "m2") == "Other model."
    await store.put_summary(a.id, "m1", "Replaced.")
    assert await store.get_summary(a.id, "m1") == "Replaced."
    assert await store.get_summary(b.id, "m2") is None

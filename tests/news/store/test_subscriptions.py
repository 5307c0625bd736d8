"""Subscriptions: one topic per chat up to case and spacing, the per-chat limit, and
unsubscribing."""

from __future__ import annotations

import numpy as np

from news.store import Store


async def test_subscribe_exists_limit_and_unsubscribe(store: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    vec = np.array([0.6, 0.8], dtype=np.float32)
    made = await store.subscribe(1, "Ukraine peace talks", embedding=vec, limit=2)
    assert made.status == "created"
    assert made.count == 1
    assert made.subscription is not None
    assert made.subscription.topic == "Ukraine peace talks"
    same = await store.subscribe(1, "  ukraine PEACE   talks ", embedding=None, limit=2)
    assert (same.status, same.count) == ("exists", 1)
    assert same.subscription == made.subscription
    second = await store.subscribe(1, "climate", embedding=None, limit=2)
    assert (second.status, second.count) == ("created", 2)
    full = await store.subscribe(1, "markets", embedding=None, limit=2)
    assert (full.status, full.subscription, full.count) == ("limit", None, 2)
    # another chat has its own count and its own copy of a topic
    other = await store.subscribe(2, "climate", embedding=None, limit=2)
    assert (other.status, other.count) == ("created", 1)

    assert [s.topic for s in await store.list_subscriptions(1)] == [
        "Ukraine peace talks",
        "climate",
    ]
    active = await store.active_subscriptions()
    assert [(s.chat_id, s.topic) for s, _ in active] == [
        (1, "Ukraine peace talks"),
        (1, "climate"),
        (2, "climate"),
    ]
    np.testing.assert_array_equal(active[0][1], vec)
    assert active[1][1] is None

    assert await store.unsubscribe(1, "UKRAINE peace talks") is True
    assert await store.unsubscribe(1, "ukraine peace talks") is False
    assert second.subscription is not None
    assert await store.unsubscribe(1, second.subscription.id) is True
    assert await store.unsubscribe(1, other.subscription.id if other.subscription else 0) is False
    assert await store.list_subscriptions(1) == []
    # resubscribing reactivates the same row
    back = await store.subscribe(1, "Ukraine Peace Talks", embedding=vec, limit=2)
    assert back.status == "created"
    assert back.subscription is not None
    assert back.subscription.id == made.subscription.id
    assert back.subscription.topic == "Ukraine Peace Talks"


async def test_subscribe_creates_an_unknown_chat(store: Store) -> None:
    result = await store.subscribe(55, "space", embedding=None, limit=5)
    assert result.status == "created"
    chat = await store.get_chat(55)
    assert chat is not None
    assert chat.active

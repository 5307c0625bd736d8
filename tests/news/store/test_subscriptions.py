"""Subscriptions: one topic per chat up to case and spacing, the per-chat limit, and
unsubscribing."""

from __future__ import annotations

import numpy as np

from news.store import Store
from tests.news.store.factories import make_article


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


async def test_filters_are_stored_replaced_and_listed(store: Store) -> None:
    made = await store.subscribe(1, "climate", embedding=None, limit=3, filters='"heat pump"')
    assert made.status == "created"
    assert made.subscription is not None
    assert made.subscription.filters == '"heat pump"'
    same = await store.subscribe(1, "Climate", embedding=None, limit=3, filters='"heat pump"')
    assert same.status == "exists"
    changed = await store.subscribe(1, "climate", embedding=None, limit=3, filters="-sport")
    assert (changed.status, changed.count) == ("updated", 1)
    assert changed.subscription is not None
    assert changed.subscription.id == made.subscription.id
    assert [s.filters for s in await store.list_subscriptions(1)] == ["-sport"]
    cleared = await store.subscribe(1, "climate", embedding=None, limit=3, filters="")
    assert cleared.status == "updated"
    assert [s.filters for s in await store.list_subscriptions(1)] == [None]


async def test_changes_since_a_version_are_only_the_rows_changed(store: Store) -> None:
    vec = np.array([0.6, 0.8], dtype=np.float32)
    everything = await store.subscription_changes(None)
    assert everything.rows == ()
    start = everything.version
    assert await store.subscription_changes(start) == everything  # nothing new: one query

    a = await store.subscribe(1, "space", embedding=vec, limit=5)
    b = await store.subscribe(2, "peace talks", embedding=None, limit=5, thread_id=7)
    assert a.subscription is not None
    assert b.subscription is not None
    changed = await store.subscription_changes(start)
    assert [(s.id, s.topic, s.thread_id, active) for s, active, _ in changed.rows] == [
        (a.subscription.id, "space", 0, True),
        (b.subscription.id, "peace talks", 7, True),
    ]
    np.testing.assert_array_equal(changed.rows[0][2], vec)
    assert changed.rows[1][2] is None
    assert changed.version > start

    assert await store.unsubscribe(1, "space")
    after_unsubscribe = await store.subscription_changes(changed.version)
    assert [(s.id, active) for s, active, _ in after_unsubscribe.rows] == [
        (a.subscription.id, False)
    ]
    await store.subscribe(2, "peace talks", embedding=None, limit=5, filters="+geneva")
    refiltered = await store.subscription_changes(after_unsubscribe.version)
    assert [(s.topic, s.filters) for s, _, _ in refiltered.rows] == [("peace talks", "+geneva")]
    # from scratch: the active ones only
    fresh = await store.subscription_changes(None)
    assert [s.topic for s, _, _ in fresh.rows] == ["peace talks"]
    assert fresh.version == refiltered.version


async def test_muted_sources(store: Store) -> None:
    assert await store.mute_source(1, "Coast Daily") is True
    assert await store.mute_source(1, "Coast Daily") is False
    assert await store.mute_source(2, "Coast Daily") is True
    assert await store.mute_source(1, "Wire") is True
    assert await store.muted_sources(1) == ["Coast Daily", "Wire"]
    assert await store.muted_chats("Coast Daily") == {1, 2}
    assert await store.muted_chats("Elsewhere") == set()
    assert await store.unmute_source(1, "Coast Daily") is True
    assert await store.unmute_source(1, "Coast Daily") is False
    assert await store.muted_chats("Coast Daily") == {2}


async def test_an_alert_keeps_how_it_matched(store: Store) -> None:
    chat = await store.upsert_chat(5, kind="private", title=None)
    story = (await store.add_article(make_article(1))).story_id
    why = '{"how": "words", "words": ["x"], "sub": 1, "topic": "x"}'
    assert await store.enqueue_alerts([(chat.id, story, "x")], why={(chat.id, story): why}) == 1
    assert await store.alert_why(chat.id, story) == why
    assert await store.alert_why(chat.id, story + 1) is None
    assert await store.alert_why(6, story) is None

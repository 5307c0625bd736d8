"""Groups, channels and forum topics in the store (issue 15): channel links, a group's move to
a supergroup with everything it had, forum threads carried from a subscription to its alerts,
and the operators' counts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from news.store import Store
from tests.news.store.factories import make_article

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
GROUP = -4001
SUPERGROUP = -1004001
CHANNEL = -1009001


async def test_a_linked_channel_is_found_by_its_name_or_id_only_for_its_linker(
    store: Store,
) -> None:
    await store.link_channel(CHANNEL, user_id=7, title="Coast wire", username="@CoastWire")
    chat = await store.get_chat(CHANNEL)
    assert chat is not None
    assert (chat.kind, chat.title, chat.active) == (
        "channel",
        "Coast wire",
        True,
    )
    found = await store.linked_channel(7, "@coastwire")
    assert found is not None
    assert (found.id, found.name) == (CHANNEL, "@CoastWire")
    assert await store.linked_channel(7, str(CHANNEL)) == found
    assert await store.linked_channel(8, "@coastwire") is None  # another user did not link it
    await store.link_channel(CHANNEL, user_id=7, title="Coast wire 2", username="CoastWire")
    assert [c.title for c in await store.linked_channels(7)] == ["Coast wire 2"]
    assert await store.unlink_channel(CHANNEL, user_id=7) is True
    assert await store.unlink_channel(CHANNEL, user_id=7) is False
    assert await store.linked_channels(7) == []


async def test_a_group_moved_to_a_supergroup_keeps_its_settings_topics_and_alerts(
    store: Store,
) -> None:
    await store.upsert_chat(GROUP, kind="group", title="Desk")
    await store.set_digest(GROUP, time(8, 0))
    await store.subscribe(GROUP, "harbour", embedding=None, limit=5)
    added = await store.add_article(make_article(1), embedding=None)
    await store.enqueue_alerts([(GROUP, added.story_id, "harbour")], now=NOW)
    # the new supergroup spoke first (its migrate_from message): its own row is replaced
    await store.upsert_chat(SUPERGROUP, kind="supergroup", title="Desk")
    assert await store.migrate_chat(GROUP, SUPERGROUP) is True
    assert await store.get_chat(GROUP) is None
    moved = await store.get_chat(SUPERGROUP)
    assert moved is not None
    assert moved.digest_time == time(8, 0)
    assert moved.active
    assert [s.topic for s in await store.list_subscriptions(SUPERGROUP)] == ["harbour"]
    assert [a.story_id for a in await store.pending_alerts(SUPERGROUP)] == [added.story_id]
    assert await store.list_subscriptions(GROUP) == []
    assert await store.migrate_chat(GROUP, SUPERGROUP) is False  # the second message: a no-op
    assert [s.chat_id for s, _ in await store.active_subscriptions()] == [SUPERGROUP]


async def test_a_forum_topic_subscription_carries_its_thread_into_the_outbox(
    store: Store,
) -> None:
    result = await store.subscribe(SUPERGROUP, "harbour", embedding=None, limit=5, thread_id=42)
    assert result.subscription is not None
    assert result.subscription.thread_id == 42
    assert [s.thread_id for s in await store.list_subscriptions(SUPERGROUP)] == [42]
    added = await store.add_article(make_article(2), embedding=None)
    other = await store.add_article(make_article(3), embedding=None)
    await store.enqueue_alerts(
        [(SUPERGROUP, added.story_id, "harbour", 42), (SUPERGROUP, other.story_id, None)],
        now=NOW,
    )
    due = await store.due_alerts(NOW + timedelta(seconds=1))
    assert sorted((a.story_id, a.thread_id) for a in due) == sorted(
        [(added.story_id, 42), (other.story_id, 0)]
    )


async def test_store_stats_count_chats_topics_feeds_and_the_outbox(store: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    await store.upsert_chat(GROUP, kind="group", title="Desk")
    await store.link_channel(CHANNEL, user_id=1, title="Wire", username="wire")
    await store.upsert_chat(2, kind="private", title=None)
    await store.deactivate_chat(2)
    await store.subscribe(1, "harbour", embedding=None, limit=5)
    await store.subscribe(CHANNEL, "rates", embedding=None, limit=5)
    feed = await store.add_feed("https://example.com/feed.xml")
    await store.add_feed("https://example.org/feed.xml")
    await store.update_feed(
        feed.id, checked_at=NOW, next_check_at=NOW, error_count=3, last_error="timeout"
    )
    first = await store.add_article(make_article(4), embedding=None)
    second = await store.add_article(make_article(5), embedding=None)
    await store.enqueue_alerts([(1, first.story_id, "harbour")], now=NOW)
    await store.enqueue_alerts([(CHANNEL, second.story_id, "rates")], now=NOW)
    [sent] = await store.pending_alerts(1)
    await store.retry_later(sent.id, NOW, "429 flood control")
    await store.mark_sent([sent.id], NOW + timedelta(minutes=1))
    stats = await store.store_stats(NOW - timedelta(hours=12))
    assert stats.chats == {"private": 1, "group": 1, "channel": 1}
    assert stats.inactive_chats == 1
    assert stats.subscriptions == 2
    assert (stats.feeds, stats.failing_feeds) == (2, 1)
    assert [p.url for p in stats.worst_feeds] == ["https://example.com/feed.xml"]
    assert stats.outbox_backlog == 1
    assert (stats.alerts_sent_today, stats.alerts_retried_today) == (1, 1)
    later = await store.store_stats(NOW + timedelta(days=1))
    assert (later.alerts_sent_today, later.alerts_retried_today) == (0, 0)

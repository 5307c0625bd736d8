"""Issue 16 in the store: a chat's time zone, quiet hours and updates switch; story updates in
the outbox (one per chat, story and source, beside the alert); held rows; a story's chats."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from news.models import AlertSettings
from news.store import Store
from tests.news.store.factories import make_article

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_settings_default_then_set(store: Store) -> None:
    assert await store.alert_settings(7) == AlertSettings(7)
    await store.set_timezone(7, "Europe/Berlin")
    await store.set_quiet_hours(7, time(22, 0), time(7, 0))
    await store.set_updates(7, False)
    assert await store.alert_settings(7) == AlertSettings(
        7, "Europe/Berlin", time(22, 0), time(7, 0), False
    )
    await store.set_quiet_hours(7, None, None)
    found = await store.alert_settings_of([7, 8])
    assert list(found) == [7]
    assert found[7].quiet_start is None
    assert found[7].timezone == "Europe/Berlin"
    with pytest.raises(ValueError, match="both"):
        await store.set_quiet_hours(7, time(22, 0), None)


async def test_updates_beside_the_alert_once_per_source(store: Store) -> None:
    first = await store.add_article(make_article(1))
    await store.upsert_chat(1, kind="private", title=None)
    await store.upsert_chat(2, kind="private", title=None)
    story = first.story_id
    assert await store.enqueue_alerts([(1, story, "t"), (2, story, "t")], now=NOW) == 2
    items = [(1, story, 5, "Fifteen died."), (2, story, 5, "Fifteen died."), (1, story, 0, "x")]
    assert await store.enqueue_updates(items, now=NOW) == 2  # article 0 is the alert's key
    assert await store.enqueue_updates(items[:2], now=NOW) == 0  # never twice
    assert await store.enqueue_alerts([(1, story, "t")], now=NOW) == 0  # nor the alert
    pending = await store.pending_alerts(1)
    assert [(p.kind, p.article_id, p.body) for p in pending] == [
        ("alert", 0, None),
        ("update", 5, "Fifteen died."),
    ]
    await store.deactivate_chat(2)
    assert await store.enqueue_updates([(2, story, 6, "More.")], now=NOW) == 0


async def test_hold_keeps_rows_pending_until_then(store: Store) -> None:
    story = (await store.add_article(make_article(1))).story_id
    await store.upsert_chat(1, kind="private", title=None)
    await store.enqueue_alerts([(1, story, None)], now=NOW)
    [item] = await store.due_alerts(NOW)
    until = NOW + timedelta(hours=7)
    await store.hold_alerts([item.id], until)
    assert await store.due_alerts(NOW + timedelta(hours=6)) == []
    [again] = await store.due_alerts(until)
    assert again.id == item.id
    assert again.attempts == 0
    assert again.next_attempt_at == until


async def test_story_watchers(store: Store) -> None:
    story = (await store.add_article(make_article(1))).story_id
    for chat in (1, 2, 3, 4):
        await store.upsert_chat(chat, kind="private", title=None)
    await store.enqueue_alerts([(1, story, None), (2, story, None)], now=NOW)
    one, _two = await store.pending_alerts(1) + await store.pending_alerts(2)
    await store.mark_sent([one.id], NOW)
    later = NOW + timedelta(hours=1)
    await store.record_briefing(3, [story], later)
    await store.set_updates(4, False)
    await store.record_briefing(4, [story], later)
    watchers = {w.chat_id: w for w in await store.story_watchers(story)}
    assert set(watchers) == {1, 2, 3}  # 4 turned updates off
    assert watchers[1].known_at == NOW
    assert not watchers[1].pending
    assert watchers[2].pending  # its alert is not out yet
    assert watchers[3].known_at == later
    assert watchers[3].last_update_at is None
    await store.enqueue_updates([(1, story, 9, "New.")], now=later)
    watcher = {w.chat_id: w for w in await store.story_watchers(story)}[1]
    assert watcher.last_update_at == later
    assert watcher.known_at == later
    assert watcher.pending

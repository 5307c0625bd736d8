"""Chats: upsert and touch, deactivation (subscriptions and pending alerts with it), the
briefing history and digest schedules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

from news.store import Store
from news.store.chats import CHAT_TOUCH_TTL
from tests.news.store.factories import make_article, statements

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
BIG_GROUP = -1001234567890123  # supergroup ids need 64 bits


async def test_upsert_and_get_chat(store: Store) -> None:
    assert await store.get_chat(BIG_GROUP) is None
    chat = await store.upsert_chat(BIG_GROUP, kind="group", title="News fans")
    assert (chat.id, chat.kind, chat.title, chat.active) == (BIG_GROUP, "group", "News fans", True)
    assert chat.digest_time is None
    assert chat.last_briefing_at is None
    again = await store.upsert_chat(BIG_GROUP, kind="supergroup", title="Renamed")
    assert (again.kind, again.title) == ("supergroup", "Renamed")
    assert await store.get_chat(BIG_GROUP) == again


async def test_touch_chat_skips_the_database_for_a_chat_seen_lately(
    store: Store, db_url: str
) -> None:
    clock = [1000.0]
    mine = await Store.open(db_url, clock=lambda: clock[0])  # this process, with its own clock
    try:
        with statements(mine) as sql:
            await mine.touch_chat(5, kind="group", title="Desk")
        assert any("INSERT INTO chats" in s for s in sql)
        with statements(mine) as sql:
            await mine.touch_chat(5, kind="group", title="Desk")
        assert sql == []  # the second sighting cost no round trip
        with statements(mine) as sql:
            await mine.touch_chat(5, kind="group", title="Desk, renamed")
        assert any("INSERT INTO chats" in s for s in sql)  # a changed title is written
        chat = await mine.get_chat(5)
        assert chat is not None
        assert chat.title == "Desk, renamed"

        await mine.deactivate_chat(5)  # this process forgets the chat at once...
        await mine.touch_chat(5, kind="group", title="Desk, renamed")
        chat = await mine.get_chat(5)
        assert chat is not None
        assert chat.active  # ...so its next message reactivates it

        await store.deactivate_chat(5)  # another process (a worker) deactivates it
        clock[0] += CHAT_TOUCH_TTL - 1
        await mine.touch_chat(5, kind="group", title="Desk, renamed")
        chat = await mine.get_chat(5)
        assert chat is not None
        assert not chat.active  # within the window: this process trusts its last sighting
        clock[0] += 2  # CHAT_TOUCH_TTL after that sighting
        await mine.touch_chat(5, kind="group", title="Desk, renamed")
        chat = await mine.get_chat(5)
        assert chat is not None
        assert chat.active
    finally:
        await mine.close()


async def test_deactivate_chat_turns_everything_off(store: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    await store.subscribe(1, "space", embedding=None, limit=5)
    story = (await store.add_article(make_article(1))).story_id
    assert await store.enqueue_alerts([(1, story, "space")], now=NOW) == 1
    await store.deactivate_chat(1)
    chat = await store.get_chat(1)
    assert chat is not None
    assert not chat.active
    assert await store.list_subscriptions(1) == []
    assert await store.active_subscriptions() == []
    assert await store.pending_alerts(1) == []
    assert await store.due_alerts(NOW + timedelta(hours=1)) == []
    # the chat writes again: active, but its old topics stay off until subscribed again
    again = await store.upsert_chat(1, kind="private", title=None)
    assert again.active
    assert await store.list_subscriptions(1) == []
    assert await store.pending_alerts(1) == []


async def test_briefings_are_remembered(store: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    a = (await store.add_article(make_article(1))).story_id
    b = (await store.add_article(make_article(2))).story_id
    await store.record_briefing(1, [a, b, a], NOW)
    await store.record_briefing(1, [b], NOW + timedelta(hours=2))
    await store.record_briefing(2, [a], NOW)  # unknown chats are created
    assert await store.briefed_story_ids(1, since=NOW) == {a, b}
    assert await store.briefed_story_ids(1, since=NOW + timedelta(hours=1)) == {b}
    assert await store.briefed_story_ids(3, since=NOW) == set()
    chat = await store.get_chat(1)
    assert chat is not None
    assert chat.last_briefing_at == NOW + timedelta(hours=2)


async def test_digest_schedule(store: Store) -> None:
    await store.upsert_chat(1, kind="private", title=None)
    await store.upsert_chat(2, kind="private", title=None)
    set_at = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    await store.set_digest(1, time(8, 0), now=set_at)
    chat = await store.get_chat(1)
    assert chat is not None
    assert chat.digest_time == time(8, 0)

    assert await store.digest_chats_due(datetime(2026, 11, 28, 7, 59, tzinfo=UTC)) == []
    due = await store.digest_chats_due(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    assert [c.id for c in due] == [1]
    await store.mark_digest_sent(1, datetime(2026, 11, 28, 8, 0, 5, tzinfo=UTC))
    assert await store.digest_chats_due(datetime(2026, 11, 28, 23, 0, tzinfo=UTC)) == []
    assert [c.id for c in await store.digest_chats_due(datetime(2026, 11, 29, 8, 1, tzinfo=UTC))]

    # set after today's time: the first digest is tomorrow's
    await store.set_digest(2, time(6, 0), now=set_at)
    assert [c.id for c in await store.digest_chats_due(set_at + timedelta(hours=1))] == []
    # wall-clock time in the given zone (08:00 at UTC+2 is 06:00 UTC)
    await store.set_digest(1, time(8, 0), now=set_at - timedelta(hours=3))
    plus2 = timezone(timedelta(hours=2))
    now = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    assert [c.id for c in await store.digest_chats_due(now, tz=plus2)] == [1]
    assert await store.digest_chats_due(now) == []

    await store.set_digest(1, None)
    chat = await store.get_chat(1)
    assert chat is not None
    assert chat.digest_time is None
    assert [c.id for c in await store.digest_chats_due(NOW + timedelta(days=1))] == [2]
    await store.deactivate_chat(2)
    assert await store.digest_chats_due(NOW + timedelta(days=1)) == []

"""The alert outbox: one row per (chat, story) ever, due order, retries, sending, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert

from news.store import Store
from news.store.tables import ChatRow
from tests.news.store.factories import make_article

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def _stories(store: Store, n: int) -> list[int]:
    return [(await store.add_article(make_article(i))).story_id for i in range(n)]


async def test_enqueue_once_per_chat_and_story(store: Store) -> None:
    s1, s2 = await _stories(store, 2)
    for chat in (1, 2):
        await store.upsert_chat(chat, kind="private", title=None)
    added = await store.enqueue_alerts(
        [(1, s1, "peace"), (1, s1, "talks"), (2, s1, "peace"), (1, s2, None)], now=NOW
    )
    assert added == 3
    # another topic, a later source, a restart: the same (chat, story) is never queued again
    assert await store.enqueue_alerts([(1, s1, "other"), (2, s1, None)], now=NOW) == 0
    assert await store.enqueue_alerts([], now=NOW) == 0
    pending = await store.pending_alerts(1)
    assert [(i.story_id, i.topic, i.attempts) for i in pending] == [
        (s1, "peace", 0),
        (s2, None, 0),
    ]
    assert pending[0].created_at == NOW
    assert pending[0].next_attempt_at == NOW
    # sent rows still count: the story is not alerted twice
    await store.mark_sent([pending[0].id], NOW)
    assert await store.enqueue_alerts([(1, s1, "peace")], now=NOW) == 0


async def test_inactive_and_unknown_chats_are_skipped(store: Store) -> None:
    [story] = await _stories(store, 1)
    await store.upsert_chat(1, kind="private", title=None)
    await store.upsert_chat(2, kind="private", title=None)
    await store.deactivate_chat(2)
    assert await store.enqueue_alerts([(1, story, "x"), (2, story, "x"), (3, story, "x")]) == 1
    assert [i.chat_id for i in await store.due_alerts(datetime.now(UTC))] == [1]


async def test_due_alerts_order_mode_and_limit(store: Store) -> None:
    s1, s2, s3 = await _stories(store, 3)
    await store.upsert_chat(1, kind="private", title=None)
    await store.upsert_chat(2, kind="private", title=None)
    await store.set_digest(2, time(8, 0), now=NOW)
    await store.enqueue_alerts([(1, s2, "b")], now=NOW)
    await store.enqueue_alerts([(1, s1, "a"), (2, s3, "c")], now=NOW + timedelta(seconds=1))
    await store.enqueue_alerts([(1, s3, "c")], now=NOW + timedelta(seconds=2))

    later = NOW + timedelta(minutes=1)
    assert await store.due_alerts(NOW - timedelta(seconds=1)) == []
    instant = await store.due_alerts(later)
    assert [(i.chat_id, i.story_id) for i in instant] == [(1, s2), (1, s1), (1, s3)]
    assert [i.story_id for i in await store.due_alerts(NOW + timedelta(seconds=1))] == [s2, s1]
    assert [i.story_id for i in await store.due_alerts(later, limit=1)] == [s2]
    digest = await store.due_alerts(later, digest=True)
    assert [(i.chat_id, i.story_id) for i in digest] == [(2, s3)]
    assert await store.due_alerts(later, chat_id=2) == []
    assert [i.story_id for i in await store.due_alerts(later, digest=True, chat_id=2)] == [s3]


async def test_mark_sent_retry_later_and_drop(store: Store) -> None:
    s1, s2, s3 = await _stories(store, 3)
    await store.upsert_chat(1, kind="private", title=None)
    await store.enqueue_alerts([(1, s1, None), (1, s2, None), (1, s3, None)], now=NOW)
    first, second, third = await store.due_alerts(NOW)

    await store.mark_sent([first.id], NOW + timedelta(seconds=1))
    await store.retry_later(second.id, NOW + timedelta(seconds=30), "429: retry after 30")
    await store.retry_later(second.id, NOW + timedelta(seconds=60), "502 " + "x" * 5000)
    await store.drop_alerts([third.id], "400: message is too long")

    assert await store.due_alerts(NOW + timedelta(seconds=59)) == []
    [retry] = await store.due_alerts(NOW + timedelta(seconds=60))
    assert (retry.id, retry.attempts) == (second.id, 2)
    assert retry.next_attempt_at == NOW + timedelta(seconds=60)
    assert [i.id for i in await store.pending_alerts(1)] == [second.id]

    await store.mark_sent([second.id], NOW + timedelta(seconds=61))
    await store.mark_sent([second.id], NOW + timedelta(days=1))  # a second mark keeps the first
    await store.retry_later(second.id, NOW, "late error")  # and a sent alert stays sent
    assert await store.pending_alerts(1) == []
    assert await store.due_alerts(NOW + timedelta(days=2)) == []
    async with store.connect() as conn:
        rows = (
            await conn.exec_driver_sql(
                "SELECT id, sent_at IS NOT NULL, dropped, length(last_error) "
                "FROM outbox ORDER BY id"
            )
        ).all()
    # nothing is deleted: sent, sent after retries, dropped with its reason
    assert [(r[0], bool(r[1]), bool(r[2])) for r in rows] == [
        (first.id, True, False),
        (second.id, True, False),
        (third.id, False, True),
    ]
    assert rows[1][3] == 1000  # errors are capped


async def test_unsubscribe_drops_pending_alerts_of_that_topic(store: Store) -> None:
    s1, s2 = await _stories(store, 2)
    await store.upsert_chat(1, kind="private", title=None)
    await store.subscribe(1, "space", embedding=None, limit=5)
    await store.subscribe(1, "peace", embedding=None, limit=5)
    await store.enqueue_alerts([(1, s1, "space"), (1, s2, "peace")], now=NOW)
    assert await store.unsubscribe(1, "Space") is True
    assert [(i.story_id, i.topic) for i in await store.pending_alerts(1)] == [(s2, "peace")]


async def test_pending_alerts_survive_a_restart(db_url: str, store: Store) -> None:
    s1, s2, s3 = await _stories(store, 3)
    await store.upsert_chat(1, kind="private", title=None)
    await store.enqueue_alerts([(1, s1, "a"), (1, s2, "b"), (1, s3, "c")], now=NOW)
    first, second, _ = await store.due_alerts(NOW)
    await store.mark_sent([first.id], NOW)
    await store.retry_later(second.id, NOW + timedelta(minutes=5), "timeout")
    await store.close()  # the bot stops (or is killed) here

    reopened = await Store.open(db_url)
    try:
        due = await reopened.due_alerts(NOW + timedelta(minutes=5))
        assert [(i.story_id, i.attempts) for i in due] == [(s2, 1), (s3, 0)]
        assert [i.story_id for i in await reopened.due_alerts(NOW)] == [s3]
        assert await reopened.enqueue_alerts([(1, s1, "a"), (1, s3, "c")], now=NOW) == 0
    finally:
        await reopened.close()


async def test_fan_out_to_thousands_of_chats(store: Store) -> None:
    [story] = await _stories(store, 1)
    chats = list(range(10_000, 13_000))
    async with store.begin() as conn:  # a quick way to have 2,999 known chats
        await conn.execute(
            insert(ChatRow),
            [
                {"id": c, "kind": "private", "title": None, "active": True, "created_at": NOW}
                for c in chats[1:]
            ],
        )
    assert await store.enqueue_alerts([(c, story, "t") for c in chats], now=NOW) == 2999
    await store.upsert_chat(chats[0], kind="private", title=None)
    assert await store.enqueue_alerts([(c, story, "t") for c in chats], now=NOW) == 1
    due = await store.due_alerts(NOW, limit=5000)
    assert len(due) == 3000
    assert len({i.chat_id for i in due}) == 3000
    await store.mark_sent([i.id for i in due], NOW)
    assert await store.due_alerts(NOW, limit=5000) == []

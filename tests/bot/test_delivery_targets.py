"""Delivery to where a subscription points (issue 15): a forum topic's alert is sent with its
``message_thread_id``; a group that became a supergroup (ChatMigrated) has its rows moved and
the alert goes to the new id, once."""

from __future__ import annotations

from typing import Any

from telegram.error import ChatMigrated

from bot.delivery import Deliverer
from tests.bot.conftest import Harness

GROUP, SUPERGROUP, FORUM = -77, -1007700, -1007800


def deliverer(harness: Harness) -> Deliverer:
    found = harness.app.bot_data.deliverer
    assert found is not None
    return found


class MigratingBot:
    """The real (offline) bot, but ``GROUP`` answers ChatMigrated like Telegram does."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.refused = 0

    async def send_message(self, chat_id: int, *args: Any, **kwargs: Any) -> Any:
        if chat_id == GROUP:
            self.refused += 1
            raise ChatMigrated(SUPERGROUP)
        return await self.bot.send_message(chat_id, *args, **kwargs)


async def _story(harness: Harness, n: int) -> int:
    result = await harness.add_article(
        f"Storm hits the coast {n}", "A storm hit the coast. Roads closed.", f"https://s.ex/{n}"
    )
    return result.story_id


async def test_a_forum_topic_alert_is_sent_into_its_thread(harness: Harness) -> None:
    store = harness.services.store
    await store.upsert_chat(FORUM, kind="supergroup", title="Newsroom")
    story = await _story(harness, 1)
    await store.enqueue_alerts([(FORUM, story, "storm", 42)])
    report = await deliverer(harness).drain()
    assert report.sent == 1
    [call] = [c for c in harness.telegram.calls if c.method == "sendMessage"]
    assert int(call.params["message_thread_id"]) == 42
    assert int(call.params["chat_id"]) == FORUM


async def test_a_migrated_group_gets_its_alert_at_the_new_id_once(harness: Harness) -> None:
    store = harness.services.store
    await store.upsert_chat(GROUP, kind="group", title="Desk")
    await store.subscribe(GROUP, "storm", embedding=None, limit=5)
    story = await _story(harness, 2)
    await store.enqueue_alerts([(GROUP, story, "storm")])
    sender = deliverer(harness)
    migrating = MigratingBot(sender.bot)
    sender.bot = migrating
    report = await sender.drain()
    assert migrating.refused == 1
    assert report.sent == 1
    sent = [c for c in harness.telegram.calls if c.method == "sendMessage"]
    assert [int(c.params["chat_id"]) for c in sent] == [SUPERGROUP]
    assert await store.get_chat(GROUP) is None
    assert [s.topic for s in await store.list_subscriptions(SUPERGROUP)] == ["storm"]
    assert await store.pending_alerts(SUPERGROUP) == []

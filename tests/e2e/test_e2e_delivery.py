"""Topic alerts end to end: a feed gains a matching article, alerts reach every subscriber
through Telegram failures (429, 500, dropped connection, 403), digests come at their time, and a
SIGKILL mid-delivery loses nothing. Runs after test_e2e_commands on the same bot process."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from news.store import Store
from standin.server import StandIn
from tests.e2e.conftest import START_TIMEOUT, BotProcess, Chat, NewsSite, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VOLCANO = [
    "A volcano erupted on Tuesday near a mountain village, sending ash several kilometres into "
    "the sky and forcing hundreds of residents to leave their homes, the civil protection said.",
    "Flights at the regional airport were cancelled as the ash cloud drifted east, and "
    "scientists warned that the volcano could stay active for several more days.",
    "Emergency shelters were opened in two nearby towns, where volunteers handed out food, "
    "blankets and masks to families who had fled the eruption during the night.",
]
GLACIER = [
    "A glacier in the northern mountains lost a record amount of ice this summer, researchers "
    "reported on Wednesday after comparing new satellite images with measurements from last year.",
    "The scientists said the glacier had retreated by more than sixty metres, twice the average "
    "of the past decade, and that meltwater had flooded a hiking trail below the ice.",
    "Local guides said visitors kept coming to see the glacier, but that routes had to be moved "
    "several times during the season because of falling rocks and unstable ice.",
]

ALERT_CHATS = list(range(3001, 3011))
BLOCKED_CHAT = 3011
DIGEST_CHAT = 3012
RESTART_CHATS = list(range(4001, 4041))


def alerts(standin: StandIn, chat_id: int, title: str) -> list[str]:
    return [m.plain_text for m in standin.sent(chat_id) if title in m.plain_text]


async def subscribe_all(standin: StandIn, chat_ids: list[int], topic: str) -> None:
    """Subscribe many chats at once; wait for every confirmation."""
    after = standin.last_id
    for chat_id in chat_ids:
        await standin.inject_message(chat_id, f"/subscribe {topic}")

    def confirmed() -> bool:
        return all(
            any("Subscribed to" in m.plain_text for m in standin.sent(c, after)) for c in chat_ids
        )

    await wait_until(confirmed, 60, what="subscription confirmations")


async def test_alerts_arrive_once_through_telegram_failures(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    await Chat(standin, ALERT_CHATS[0]).say("/start", wait=START_TIMEOUT)
    await subscribe_all(standin, [*ALERT_CHATS, BLOCKED_CHAT, DIGEST_CHAT], "volcano")
    digest = await Chat(standin, DIGEST_CHAT).say("/digest 03:00")
    assert "Daily digest at 03:00" in digest.plain_text
    standin.block(BLOCKED_CHAT)  # the user blocks the bot: 403 from now on
    standin.add_fault("sendMessage", 429, retry_after=1, chat_id=ALERT_CHATS[0])
    standin.add_fault("sendMessage", 500, chat_id=ALERT_CHATS[1])
    standin.add_fault("sendMessage", 502, chat_id=ALERT_CHATS[2])
    standin.add_fault("sendMessage", 500, drop=True, chat_id=ALERT_CHATS[3])
    site.add("volcano-erupts", "Volcano erupts near mountain village", VOLCANO)

    title = "Volcano erupts near mountain village"
    await wait_until(
        lambda: all(alerts(standin, c, title) for c in ALERT_CHATS), 90, what="volcano alerts"
    )
    await asyncio.sleep(1.5)  # room for any duplicate to show up
    for chat_id in ALERT_CHATS:
        [text] = alerts(standin, chat_id, title)
        assert "New on \u201cvolcano\u201d" in text
    assert alerts(standin, BLOCKED_CHAT, title) == []
    assert alerts(standin, DIGEST_CHAT, title) == []  # digest mode: it waits for 03:00
    failures = [e for e in standin.events(method="sendMessage") if not e.ok]
    assert {e.error_code for e in failures} >= {429, 500, 502, 403}
    assert bot.alive
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        blocked = await store.get_chat(BLOCKED_CHAT)
        assert blocked is not None
        assert not blocked.active
    finally:
        await store.close()


async def test_digest_arrives_at_the_chat_time(standin: StandIn, bot: BotProcess) -> None:
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        assert len(await store.pending_alerts(DIGEST_CHAT)) == 1  # the volcano story
        # Pretend the digest was set yesterday: today's 03:00 (UTC) has passed since.
        yesterday = datetime.now(UTC) - timedelta(days=1)
        after = standin.last_id
        await store.set_digest(DIGEST_CHAT, time(3, 0), now=yesterday.replace(hour=2))
        message = await standin.wait_for(DIGEST_CHAT, after_id=after, timeout=30)
        assert "Your daily digest (1 story)" in message.plain_text
        assert "Volcano erupts near mountain village" in message.plain_text
        assert message.button("Full article")["callback_data"].startswith("v1:full:")
        for _ in range(50):  # marked sent right after Telegram accepted it
            if not await store.pending_alerts(DIGEST_CHAT):
                break
            await asyncio.sleep(0.1)
        assert await store.pending_alerts(DIGEST_CHAT) == []
    finally:
        await store.close()


async def test_sigkill_mid_delivery_loses_no_alert(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    """Last: 40 alerts start draining, the bot is SIGKILLed mid-way and restarted as
    ``newsbrief worker``; every alert arrives, at most one twice, and the worker consumes no
    updates."""
    await subscribe_all(standin, RESTART_CHATS, "glacier")
    title = "Glacier loses record amount of ice"
    site.add("glacier-melts", title, GLACIER)
    await wait_until(
        lambda: sum(bool(alerts(standin, c, title)) for c in RESTART_CHATS) >= 5,
        60,
        what="the first glacier alerts",
    )
    bot.kill()
    delivered_before = sum(len(alerts(standin, c, title)) for c in RESTART_CHATS)
    assert delivered_before < len(RESTART_CHATS), "delivery finished before the kill"
    bot.start("worker")
    after = standin.last_id
    await standin.inject_message(RESTART_CHATS[0], "/help")
    await wait_until(
        lambda: all(alerts(standin, c, title) for c in RESTART_CHATS),
        90,
        what="every glacier alert after the restart",
    )
    await asyncio.sleep(1.5)
    counts = Counter({c: len(alerts(standin, c, title)) for c in RESTART_CHATS})
    assert min(counts.values()) == 1
    assert sum(counts.values()) - len(RESTART_CHATS) <= 1, counts
    assert bot.alive
    # the worker handles no updates: /help got no answer
    assert not [m for m in standin.sent(RESTART_CHATS[0], after) if "/brief" in m.plain_text]

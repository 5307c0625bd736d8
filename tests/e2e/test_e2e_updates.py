"""Story updates and quiet hours end to end, through ``newsbrief run`` and the stand-in (issue
16), on a bot and news site of their own (this module restarts its bot):

- an alert, then a second outlet's report with a new figure -> one update with just that and
  the new source's link; a third outlet repeating it -> nothing;
- quiet hours hold two alerts, a SIGKILL and restart inside the window loses neither, and when
  the window ends they arrive once, together in one message.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from news.store import Store
from standin.server import StandIn
from tests.e2e.conftest import (
    START_TIMEOUT,
    BotProcess,
    Chat,
    NewsSite,
    Page,
    make_bot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FERRY = [
    "A passenger ferry ran aground on a sandbank outside the harbour of Port Ellis on Sunday "
    "evening, and 12 passengers were injured, the coastguard said.",
    "The ferry was carrying about two hundred people from the islands to the mainland when it "
    "struck the sandbank in heavy fog shortly after eight o'clock.",
    "Lifeboats brought the passengers ashore during the night, and the injured were taken to "
    "the regional hospital, where most were treated for cuts and bruises.",
    "The ferry company said it would cooperate fully with the investigation into the accident.",
]
FERRY_TOLL = [
    FERRY[0].replace("12 passengers were injured", "15 passengers were injured"),
    *FERRY[1:],
    "The number of injured rose to 15 on Monday after three more passengers went to hospital "
    "with back pains.",
]
LIGHTHOUSE = [
    "The old lighthouse on the northern cape was lit again on Saturday for the first time in "
    "forty years, after volunteers spent three summers restoring its lamp and stairs.",
    "Hundreds of people walked up the cliff path to watch the beam sweep across the bay, and a "
    "brass band played as the keeper's grandson switched the light on.",
    "The volunteers now hope to open the tower to visitors on weekends next spring.",
]
SEALS = [
    "Seal pups were counted on the lighthouse island this week, and wardens said the colony had "
    "grown to its largest size since records began in the nineteen seventies.",
    "The wardens asked visitors to keep their distance from the beaches near the lighthouse "
    "until the pups are weaned at the end of the winter.",
    "Boat trips around the island will continue, but skippers must stay outside the marked zone.",
]

UPDATE_CHAT = 5001
QUIET_CHAT = 5002
ZONE = "Europe/Berlin"


@dataclass
class OutletPage(Page):
    """A page of another outlet (its site name), so reports join one story across outlets."""

    outlet: str = "Coast Daily"

    def html(self) -> str:
        return super().html().replace("Coast Daily", html.escape(self.outlet))


def publish(site: NewsSite, slug: str, title: str, paragraphs: list[str], outlet: str) -> None:
    page = OutletPage(slug, title, paragraphs, outlet=outlet)
    site.pages[slug] = page
    site.server.set(f"/{slug}", (200, {"Content-Type": "text/html; charset=utf-8"}, page.html()))
    site._publish_feed()


@pytest.fixture(scope="module")
def own_site() -> Iterator[NewsSite]:
    news_site = NewsSite().start()
    try:
        yield news_site
    finally:
        news_site.stop()


@pytest.fixture(scope="module")
def updates_bot(
    standin: StandIn, own_site: NewsSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    # No interval between updates: only what a report adds decides whether one goes out.
    process = make_bot(
        standin,
        own_site,
        tmp_path_factory.mktemp("updates-bot"),
        extra={"NEWSBRIEF_UPDATE_INTERVAL": "0"},
    ).start()
    try:
        yield process
    finally:
        code = process.stop()
        assert code in (0, None), process.log()[-3000:]


async def _articles(bot: BotProcess) -> int:
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        return await store.count_articles()
    finally:
        await store.close()


async def _wait_articles(bot: BotProcess, count: int, limit: float = 90.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while await _articles(bot) < count:
        assert bot.alive, bot.log()[-3000:]
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {count} articles"
        await asyncio.sleep(0.3)


async def test_a_new_figure_sends_one_update_and_a_repeat_nothing(
    standin: StandIn, updates_bot: BotProcess, own_site: NewsSite
) -> None:
    chat = Chat(standin, UPDATE_CHAT)
    answer = await chat.say("/subscribe ferry", wait=START_TIMEOUT)
    assert "Subscribed to" in answer.plain_text
    after = standin.last_id
    publish(own_site, "ferry-aground", "Ferry runs aground off Port Ellis", FERRY, "Coast Daily")
    alert = await standin.wait_for(UPDATE_CHAT, after_id=after, timeout=90)
    assert "Ferry runs aground off Port Ellis" in alert.plain_text

    after = standin.last_id
    title = "Fifteen hurt as ferry runs aground off Port Ellis"
    publish(own_site, "ferry-toll", title, FERRY_TOLL, "Bay Times")
    update = await standin.wait_for(UPDATE_CHAT, after_id=after, timeout=90)
    text = update.plain_text
    assert text.startswith("\U0001f504 Update: Ferry runs aground off Port Ellis")
    assert "15" in text
    assert "lifeboats" not in text.lower()  # what the chat was told already stays out
    assert "New from Bay Times" in text
    assert "/ferry-toll" in update.text  # the new source's link
    await asyncio.sleep(2.0)
    assert len(standin.sent(UPDATE_CHAT, after)) == 1  # one update, not two

    after = standin.last_id
    repeat = [p.replace("on Monday", "by Monday") for p in FERRY_TOLL]
    publish(own_site, "ferry-repeat", "Ferry aground: 15 injured", repeat, "Harbour Post")
    await _wait_articles(updates_bot, 3)
    await asyncio.sleep(4.0)  # several drains
    assert standin.sent(UPDATE_CHAT, after) == []


def _quiet_window(zone: ZoneInfo) -> tuple[str, datetime]:
    """A window that started this minute and ends 2-3 minutes from now (local HH:MM)."""
    now = datetime.now(zone)
    start = now.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=2 if now.second < 30 else 3)
    return f"{start:%H:%M}-{end:%H:%M}", end


async def test_quiet_hours_hold_then_deliver_once_across_a_restart(
    standin: StandIn, updates_bot: BotProcess, own_site: NewsSite
) -> None:
    chat = Chat(standin, QUIET_CHAT)
    assert "Subscribed to" in (await chat.say("/subscribe lighthouse")).plain_text
    assert ZONE in (await chat.say(f"/timezone {ZONE.lower()}")).plain_text
    window, ends = _quiet_window(ZoneInfo(ZONE))
    assert "Quiet hours" in (await chat.say(f"/quiet {window}")).plain_text
    after = standin.last_id
    count = await _articles(updates_bot)
    publish(own_site, "lighthouse-lit", "Old lighthouse shines again", LIGHTHOUSE, "Cape News")
    publish(own_site, "seal-pups", "Record seal pup count", SEALS, "Island Herald")
    await _wait_articles(updates_bot, count + 2)
    store = await Store.open(updates_bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        for _ in range(100):
            pending = await store.pending_alerts(QUIET_CHAT)
            if len(pending) == 2 and all(p.next_attempt_at >= ends for p in pending):
                break  # both queued, and held until the window ends
            await asyncio.sleep(0.3)
        assert len(pending) == 2
        assert all(p.next_attempt_at >= ends for p in pending)
    finally:
        await store.close()
    assert standin.sent(QUIET_CHAT, after) == []
    updates_bot.kill()  # inside quiet hours
    updates_bot.start()
    assert datetime.now(ends.tzinfo) < ends, "the restart came after the window"
    wait = (ends - datetime.now(ends.tzinfo)).total_seconds() + 60
    message = await standin.wait_for(QUIET_CHAT, after_id=after, timeout=wait)
    assert "While your quiet hours were on (2 stories)" in message.plain_text
    assert "Old lighthouse shines again" in message.plain_text
    assert "Record seal pup count" in message.plain_text
    await asyncio.sleep(3.0)
    assert len(standin.sent(QUIET_CHAT, after)) == 1  # once, together
    store = await Store.open(updates_bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        assert await store.pending_alerts(QUIET_CHAT) == []
    finally:
        await store.close()

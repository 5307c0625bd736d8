"""Groups, channels, forum topics and operators end to end (issue 15), through the real
``newsbrief run`` and the stand-in: in a group only administrators change settings (anyone may
/brief) and a move to a supergroup keeps them; a forum-topic subscription alerts into its
topic; a linked channel gets its alerts through a 429 and a restart, each exactly once; /stats
refuses non-operators; the metrics endpoint serves the documented names.

Its own stand-in, news site and bot process (with NEWSBRIEF_ADMIN_IDS and a metrics port), so
the shared session bot's tests and restarts are untouched."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.metrics import METRIC_NAMES
from standin.models import BOT_ID
from standin.server import StandIn
from tests.e2e.conftest import (
    HARBOUR,
    START_TIMEOUT,
    BotProcess,
    Chat,
    NewsSite,
    assert_no_token,
    make_bot,
    wait_for_articles,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OPERATOR = 6100
GROUP, SUPERGROUP = -6001, -1006001
FORUM = -1006002
CHANNEL, CHANNEL_NAME = -1006003, "@newsbriefwire"
ADMIN, MEMBER = 6101, 6102

FERRY = [
    "The island ferry service resumed on Friday after a three-week strike by crew members ended "
    "with an agreement on pay and rest periods, the shipping company announced in the morning.",
    "Passengers who had waited for days at the port said the first ferry of the day was full, "
    "and the company added two extra crossings over the weekend to clear the backlog.",
    "Shop owners on the island said the strike had cost them their busiest weeks, and the "
    "council asked the company to refund the tickets of residents who could not travel.",
]
LIGHTHOUSE = [
    "The old lighthouse on the northern cape will be restored next year after the heritage "
    "agency approved a plan to repair its tower, lantern room and the keeper's cottage.",
    "Volunteers who have looked after the lighthouse for a decade said the stone walls were "
    "cracking and that storms had broken several windows in the lantern room last winter.",
    "The agency said the restored lighthouse would open to visitors in the summer, with a small "
    "museum about the keepers who lived there until the light was automated in 1970.",
]
MARATHON = [
    "More than twelve thousand runners took part in the city marathon on Sunday, a record for "
    "the race, which was held in cool weather along a new route through the old harbour.",
    "The winner crossed the finish line in just over two hours and eight minutes, and said the "
    "flat course and the cheering crowds along the river had helped him keep his pace.",
    "Organisers said the marathon raised money for the children's hospital, and that next "
    "year's race would again start at the town hall and finish in the central park.",
]
BEEKEEPERS = [
    "Beekeepers in the valley reported their best honey harvest in ten years, crediting a warm "
    "spring and the wildflower strips that farmers planted along their fields last autumn.",
    "The beekeepers' association said its members had collected almost twice as much honey as "
    "last year, and that the number of hives in the region had grown by a fifth.",
    "Scientists at the agricultural college said the wildflower strips also helped wild bees, "
    "and the regional government plans to pay farmers who plant them on their land.",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def own_standin() -> Iterator[StandIn]:
    server = StandIn(enforce_limits=True).start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


@pytest.fixture(scope="module")
def own_site() -> Iterator[NewsSite]:
    news_site = NewsSite().start()
    news_site.add("harbour-bridge", "Harbour bridge reopens after repairs", HARBOUR)
    try:
        yield news_site
    finally:
        news_site.stop()


@pytest.fixture(scope="module")
def metrics_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def group_bot(
    own_standin: StandIn,
    own_site: NewsSite,
    metrics_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    directory: Path = tmp_path_factory.mktemp("groups-bot")
    process = make_bot(
        own_standin,
        own_site,
        directory,
        extra={
            "NEWSBRIEF_ADMIN_IDS": str(OPERATOR),
            "NEWSBRIEF_METRICS_PORT": str(metrics_port),
            "NEWSBRIEF_ADMIN_CHECK_TTL": "1",
        },
    ).start()
    try:
        yield process
    finally:
        code = process.stop()
        log = process.log()
        assert_no_token(log)
        assert code == 0, log[-3000:]


async def _ready(standin: StandIn, bot: BotProcess) -> None:
    await Chat(standin, OPERATOR).say("/start", wait=START_TIMEOUT)
    await wait_for_articles(bot, 1)


async def test_group_settings_are_for_admins_and_survive_the_move_to_a_supergroup(
    own_standin: StandIn, group_bot: BotProcess
) -> None:
    standin = own_standin
    await _ready(standin, group_bot)
    await standin.set_chat(GROUP, "group", title="Harbour watch")
    await standin.set_member(GROUP, ADMIN, "administrator")
    member, admin = Chat(standin, GROUP, "group", MEMBER), Chat(standin, GROUP, "group", ADMIN)

    refused = await member.say("/subscribe harbour bridge", wait=30)
    assert "only this group's administrators" in refused.plain_text
    assert "/brief" in refused.plain_text
    refused = await member.say("/digest 08:00")
    assert "only this group's administrators" in refused.plain_text
    briefing = await member.say("/brief harbour bridge", wait=30)  # anyone may /brief
    assert "Harbour bridge reopens" in briefing.plain_text
    accepted = await admin.say("/subscribe harbour bridge", wait=60)
    assert "Subscribed to" in accepted.plain_text
    listed = await member.say("/topics")  # reading is for everyone
    assert "harbour bridge" in listed.plain_text

    await standin.migrate_group(GROUP, SUPERGROUP, user_id=ADMIN)
    moved = Chat(standin, SUPERGROUP, "supergroup", ADMIN)

    async def topics_moved() -> bool:
        answer = await moved.say("/topics")
        return "harbour bridge" in answer.plain_text

    for _ in range(20):
        if await topics_moved():
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError("the supergroup did not keep the group's topics")
    refused = await Chat(standin, SUPERGROUP, "supergroup", MEMBER).say("/unsubscribe harbour")
    assert "only this group's administrators" in refused.plain_text


async def test_a_forum_topic_subscription_alerts_into_its_topic(
    own_standin: StandIn, own_site: NewsSite, group_bot: BotProcess
) -> None:
    standin = own_standin
    await _ready(standin, group_bot)
    await standin.set_chat(FORUM, "supergroup", title="Newsroom", is_forum=True)
    await standin.set_member(FORUM, ADMIN, "creator")
    travel = await standin.add_forum_topic(FORUM, "Travel")
    await standin.add_forum_topic(FORUM, "Sport")

    after = standin.last_id
    await standin.inject_topic_message(FORUM, travel, "/subscribe ferry", user_id=ADMIN)
    confirmed = await standin.wait_for(FORUM, after_id=after, timeout=60)
    assert "Subscribed to" in confirmed.plain_text
    assert standin.thread_of(FORUM, confirmed.message_id) == travel  # answered in the topic

    after = standin.last_id
    await standin.inject_topic_message(FORUM, travel, "/topics", user_id=MEMBER)
    listing = await standin.wait_for(FORUM, after_id=after, timeout=30)
    assert f"Forum topic #{travel} (this one)" in listing.plain_text
    assert "ferry" in listing.plain_text

    title = "Island ferry service resumes after strike"
    own_site.add("ferry-resumes", title, FERRY)
    await wait_until(
        lambda: any(title in m.plain_text for m in standin.sent(FORUM)), 90, what="ferry alert"
    )
    [alert] = [m for m in standin.sent(FORUM) if title in m.plain_text]
    assert standin.thread_of(FORUM, alert.message_id) == travel


async def test_stats_for_operators_only_and_the_metrics_endpoint(
    own_standin: StandIn, group_bot: BotProcess, metrics_port: int
) -> None:
    standin = own_standin
    await _ready(standin, group_bot)
    described = await Chat(standin, 6199).say("/help")
    for command in ("/channel @name", "/subscribe @name TOPIC", "/topics", "/stats"):
        assert command in described.plain_text, command
    assert "Groups, channels and forum topics" in described.plain_text
    refused = await Chat(standin, 6199).say("/stats")
    assert "for the bot's operators" in refused.plain_text
    figures = await Chat(standin, OPERATOR).say("/stats")
    assert "newsbrief stats" in figures.plain_text
    assert "Subscriptions:" in figures.plain_text
    assert "Outbox backlog:" in figures.plain_text

    def scrape() -> str:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return bytes(response.read()).decode()

    body = await asyncio.to_thread(scrape)
    for name in METRIC_NAMES:
        assert f"# HELP {name} " in body, name
    assert 'newsbrief_request_seconds_count{command="stats"}' in body
    assert 'newsbrief_chats{kind="private"}' in body


def _alerts(standin: StandIn, title: str) -> list[str]:
    return [m.plain_text for m in standin.sent(CHANNEL) if title in m.plain_text]


async def test_a_linked_channel_gets_its_alerts_through_a_429_and_a_restart(
    own_standin: StandIn, own_site: NewsSite, group_bot: BotProcess
) -> None:
    """Last: the bot is killed in the middle of the channel's deliveries and restarted."""
    standin = own_standin
    await _ready(standin, group_bot)
    await standin.set_chat(CHANNEL, "channel", title="News wire", username=CHANNEL_NAME)
    await standin.set_member(CHANNEL, ADMIN, "creator")
    private = Chat(standin, ADMIN)

    answer = await private.say(f"/channel {CHANNEL_NAME}")
    assert "not an administrator allowed to post" in answer.plain_text
    await standin.set_member(CHANNEL, BOT_ID, "administrator", can_post_messages=False)
    answer = await private.say(f"/channel {CHANNEL_NAME}")
    assert "not an administrator allowed to post" in answer.plain_text
    answer = await Chat(standin, MEMBER).say(f"/subscribe {CHANNEL_NAME} lighthouse")
    assert "not linked" in answer.plain_text
    await standin.set_member(CHANNEL, BOT_ID, "administrator")
    answer = await private.say(f"/channel {CHANNEL_NAME}")
    assert "Linked" in answer.plain_text
    answer = await Chat(standin, MEMBER).say(f"/channel {CHANNEL_NAME}")
    assert "only its administrators" in answer.plain_text
    for topic in ("lighthouse", "marathon", "beekeepers"):
        answer = await private.say(f"/subscribe {CHANNEL_NAME} {topic}", wait=60)
        assert "Subscribed to" in answer.plain_text
    listed = await private.say(f"/topics {CHANNEL_NAME}")
    assert "marathon" in listed.plain_text
    assert not standin.sent(CHANNEL)  # nothing posted in the channel yet

    after = standin.last_id
    standin.add_fault("sendMessage", 429, retry_after=4, count=2, chat_id=CHANNEL)
    titles = {
        "Old lighthouse on the cape to be restored": LIGHTHOUSE,
        "City marathon draws a record field of runners": MARATHON,
        "Beekeepers report the best honey harvest in years": BEEKEEPERS,
    }
    for n, (title, paragraphs) in enumerate(titles.items()):
        own_site.add(f"channel-story-{n}", title, paragraphs)

    def throttled() -> bool:
        return any(
            e.chat_id == CHANNEL and e.error_code == 429
            for e in standin.events(after, "sendMessage")
        )

    await wait_until(throttled, 90, what="a 429 on the channel", every=0.02)
    # SIGKILL while the alerts wait out the 429 (none in flight): the new process sends them
    group_bot.kill()
    before = {t: len(_alerts(standin, t)) for t in titles}
    group_bot.start()
    await Chat(standin, OPERATOR).say("/help", wait=START_TIMEOUT)
    await wait_until(
        lambda: all(_alerts(standin, t) for t in titles), 120, what="every channel alert"
    )
    assert sum(before.values()) < len(titles), "every alert went out before the kill"
    await asyncio.sleep(2.0)  # room for a duplicate to show up
    assert [len(_alerts(standin, t)) for t in titles] == [1, 1, 1]

"""Every command and button, groups and bad input, through the real ``newsbrief run`` process
talking to the Bot API stand-in over HTTP (one bot process for the module)."""

from __future__ import annotations

import asyncio

import pytest

from news.store import Store
from standin.server import SentMessage, StandIn
from tests.e2e.conftest import (
    START_TIMEOUT,
    BotProcess,
    Chat,
    NewsSite,
    wait_for_articles,
    wait_until,
)
from tests.support.standin import BOT_USERNAME

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_start_help_and_command_menu(standin: StandIn, bot: BotProcess) -> None:
    chat = Chat(standin, 1001)
    start = await chat.say("/start", wait=START_TIMEOUT)
    assert "short briefings" in start.plain_text
    assert start.parse_mode == "HTML"
    help_message = await chat.say("/help")
    for command in ("/brief", "/summary", "/subscribe", "/unsubscribe", "/topics", "/digest"):
        assert command in help_message.plain_text
    [menu] = standin.events(method="setMyCommands")[-1:]
    assert "subscribe" in str(menu.params)


async def test_brief_full_article_button_and_link(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    await wait_for_articles(bot, 2)
    chat = Chat(standin, 1002)
    reply = await chat.say("/brief", wait=30)
    assert "Harbour bridge reopens after repairs" in reply.plain_text
    assert "Central bank raises interest rates again" in reply.plain_text
    assert "Coast Daily" in reply.plain_text
    assert reply.link_preview_options == {"is_disabled": True}  # the bot's Defaults
    buttons = [b for b in reply.buttons if "Full article" in b["text"]]
    assert len(buttons) == 2
    data = buttons[0]["callback_data"]
    answer = await chat.press(reply, data)
    full = await standin.wait_for(1002, after_id=answer.id)
    urls = (site.url("/harbour-bridge"), site.url("/central-bank"))
    assert any(url in full.text for url in urls)
    story_id = int(data.rsplit(":", 1)[1])
    link = await chat.say(f"/link {story_id}")
    assert link.text == full.text
    missing = await chat.say("/link 987654")
    assert "No story number 987654" in missing.plain_text


async def test_plain_question_in_private_chat(standin: StandIn, bot: BotProcess) -> None:
    await wait_for_articles(bot, 2)
    reply = await Chat(standin, 1003).say("what's new on the harbour bridge?", wait=30)
    assert "Harbour bridge reopens after repairs" in reply.plain_text
    assert "Central bank" not in reply.plain_text


async def test_links_are_summarized_and_bad_links_explained(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    chat = Chat(standin, 1004)
    url = site.url("/orchestra")
    after = standin.last_id
    reply = await chat.say(f"have a look {url}", wait=40)
    assert "Orchestra plans free summer concerts" in reply.plain_text
    assert "open-air concert season" in reply.plain_text
    assert f'href="{url}"' in reply.text
    assert reply.button("Full article")["callback_data"].startswith("v1:full:")
    actions = standin.events(after, "sendChatAction")  # "typing…" while it worked, only there
    assert {(str(e.chat_id), e.params.get("action")) for e in actions} == {("1004", "typing")}
    again = await chat.say(f"/summary {url}")
    assert "Orchestra plans free summer concerts" in again.plain_text
    refused = await chat.say("/summary http://10.0.0.5/admin")
    assert refused.plain_text.startswith("I could not summarize that link")
    metadata = await chat.say("http://169.254.169.254/latest/meta-data/")
    assert metadata.plain_text.startswith("I could not summarize that link")
    not_article = await chat.say(site.url("/not-an-article"))
    assert "article" in not_article.plain_text
    gone = await chat.say(site.url("/no-such-page"))
    assert gone.plain_text.startswith("I could not summarize that link")


def _not_alert(message: SentMessage) -> bool:
    return "New on" not in message.plain_text


async def test_subscriptions_capped_topics_buttons_unsubscribe(
    standin: StandIn, bot: BotProcess
) -> None:
    chat = Chat(standin, 1005)
    topics = [
        "harbour bridge",
        "<b>central</b> *bank*",
        "[orchestra](http://example.com)",
        "weather",
        "football",
        "sixth topic",
        "seventh topic",
    ]
    # the feed's alerts on a topic just subscribed to may arrive between the replies
    replies = [await chat.say(f"/subscribe {topic}", predicate=_not_alert) for topic in topics]
    assert all("Subscribed to" in r.plain_text for r in replies[:5])
    assert all("limit of 5 topics" in r.plain_text for r in replies[5:])
    assert "<b>central</b>" not in replies[1].text
    assert "central bank" in replies[1].plain_text
    listing = await chat.say("/topics", predicate=_not_alert)
    assert "(5/5)" in listing.plain_text
    assert len(listing.buttons) == 5
    first = listing.buttons[0]
    answer = await chat.press(listing, first["callback_data"])
    assert answer.params.get("text") == "Unsubscribed."
    edited = await standin.wait_for(
        1005,
        after_id=answer.id,
        predicate=lambda m: m.edited and m.message_id == listing.message_id,
    )
    assert len(edited.buttons) == 4
    removed = await chat.say("/unsubscribe weather", predicate=_not_alert)
    assert "Unsubscribed from" in removed.plain_text
    listing = await chat.say("/topics", predicate=_not_alert)
    assert "(3/5)" in listing.plain_text
    assert "weather" not in listing.plain_text


async def test_digest_commands(standin: StandIn, bot: BotProcess) -> None:
    chat = Chat(standin, 1006)
    on = await chat.say("/digest 07:15")
    assert "Daily digest at 07:15 (UTC)" in on.plain_text
    off = await chat.say("/digest off")
    assert "Daily digest off" in off.plain_text
    bad = await chat.say("/digest at noon")
    assert "/digest HH:MM" in bad.plain_text


async def test_groups_answer_commands_mentions_and_replies_only(
    standin: StandIn, bot: BotProcess
) -> None:
    await wait_for_articles(bot, 2)
    group = Chat(standin, -2001, "supergroup", user_id=555)
    after = standin.last_id
    for text in ("any news on the harbour bridge?", "/help@some_other_bot", "/frobnicate"):
        await standin.inject_message(-2001, text, chat_type="supergroup", user_id=555)
    reply = await group.say(f"/brief@{BOT_USERNAME} harbour bridge", wait=30)
    assert standin.sent(-2001, after)[0].id == reply.id  # the unaddressed ones got nothing
    assert "Harbour bridge reopens" in reply.plain_text
    mention = await group.say(f"@{BOT_USERNAME} what's new on the central bank?", wait=30)
    assert "Central bank raises interest rates" in mention.plain_text
    replied = await group.say("and the harbour bridge?", reply_to=mention.message_id)
    assert "Harbour bridge reopens" in replied.plain_text
    unknown = await group.say(f"/frobnicate@{BOT_USERNAME}")
    assert "/help" in unknown.plain_text


async def test_bad_input_and_stale_buttons(standin: StandIn, bot: BotProcess) -> None:
    chat = Chat(standin, 1007)
    long_replies = await chat.answers("harbour " * 1250, 3, wait=40)  # split by the client
    assert all(len(m.plain_text) <= 4096 for m in long_replies)
    assert all("Harbour bridge reopens" in m.plain_text for m in long_replies)
    evil = await chat.say("/brief <script>x</script> tom & jerry <3 **news**")
    assert "tom &amp; jerry &lt;3 news" in evil.text  # markup dropped, the rest escaped
    assert "tom & jerry <3 news" in evil.plain_text
    assert "<script>" not in evil.text
    long_topic = await chat.say("/subscribe " + "a" * 500)
    assert "Subscribed" not in long_topic.plain_text
    assert len(long_topic.plain_text) < 600
    unknown = await chat.say("/doesnotexist now")
    assert unknown.plain_text == "I don't know /doesnotexist. Send /help to see what I can do."
    expected = {
        "v1:full:99999999": "That story is no longer available.",
        "v0:full:1": "This button is no longer valid.",
        "'; DROP TABLE chats; --": "This button is no longer valid.",
        "v1:unsub:123456": "That topic was already removed.",
    }
    for data, text in expected.items():
        answer = await chat.press(unknown, data)
        assert answer.params.get("text") == text
    assert bot.alive


async def test_replies_survive_telegram_errors(standin: StandIn, bot: BotProcess) -> None:
    chat = Chat(standin, 1009)
    await chat.say("/start")
    standin.add_fault("sendMessage", 429, retry_after=1, chat_id=1009)
    waited = await chat.say("/help")  # the rate limiter waits retry_after and sends again
    assert "/subscribe" in waited.plain_text
    for fault in ({"status": 500}, {"status": 502}, {"status": 500, "drop": True}):
        standin.add_fault("sendMessage", chat_id=1009, **fault)  # type: ignore[arg-type]
        sorry = await chat.say("/help")
        assert sorry.plain_text.startswith("Sorry, something went wrong"), fault
    blocked = Chat(standin, 1010)
    await blocked.say("/subscribe harbour")
    standin.block(1010)
    after = standin.last_id
    await standin.inject_message(1010, "/topics")
    await standin.wait_for_event("sendMessage", after_id=after, predicate=lambda e: not e.ok)
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        for _ in range(50):
            chat_row = await store.get_chat(1010)
            if chat_row is not None and not chat_row.active:
                break
            await asyncio.sleep(0.1)
        assert chat_row is not None
        assert not chat_row.active
        assert await store.list_subscriptions(1010) == []
    finally:
        await store.close()
    standin.block(1010, False)
    assert bot.alive


async def test_a_thousand_subscriptions_from_one_chat(standin: StandIn, bot: BotProcess) -> None:
    """Last: 1,000 /subscribe messages at once. The cap holds (5 here), the bot answers them in
    order within Telegram's per-chat pace, and does not crash; we watch the first answers."""
    after = standin.last_id
    for n in range(1000):
        await standin.inject_message(1008, f"/subscribe topic number {n}")
    await wait_until(lambda: len(standin.sent(1008, after)) >= 8, 40, what="8 answers")
    answers = [m.plain_text for m in standin.sent(1008, after)]
    assert all("Subscribed to" in a for a in answers[:5])
    assert all("limit of 5 topics" in a for a in answers[5:8])
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        assert len(await store.list_subscriptions(1008)) == 5
    finally:
        await store.close()
    assert bot.alive

"""Handlers driven through the real dispatcher (``app.process_update``), offline.

The Bot API is ``OfflineTelegram`` (nothing reaches the network); the news services are the real
ones on a temporary SQLite file; links are served by a local HTTP server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot.handlers import briefing as briefing_handlers
from bot.render import MAX_MESSAGE, telegram_length
from news.sources.fetch import FetchError
from tests.bot.conftest import TOKEN, Harness
from tests.bot.fakes import BOT_USERNAME, Chat, Fault, callback_update, message_update
from tests.support.http_server import LocalHTTPServer, Route

GROUP = Chat(id=-500, type="supergroup", title="Newsroom", user_id=8, first_name="Bo")

ARTICLE = """<!doctype html><html><head><title>Harbour bridge reopens</title>
<meta property="og:site_name" content="Coast Daily"></head><body><article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Monday after eight months of repairs that cost the city
more than forty million euros, officials said at a ceremony attended by hundreds of people.</p>
<p>Engineers replaced the corroded cables and the deck, and traffic is expected to return to
normal levels within a week, according to the transport department of the regional government.</p>
<p>Local businesses, which had complained about lost customers during the closure, welcomed the
reopening and said they hoped the summer season would make up for the difficult winter months.</p>
</article></body></html>"""


@pytest.fixture
async def site() -> AsyncIterator[LocalHTTPServer]:
    routes: dict[str, Route] = {
        "/bridge": (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE),
        "/image": (200, {"Content-Type": "image/png"}, b"\x89PNG" + b"0" * 100),
    }
    async with LocalHTTPServer(routes) as server:
        yield server


async def seed(harness: Harness) -> list[int]:
    stories = []
    for n, (title, text) in enumerate(
        [
            ("Peace talks resume in Geneva", "Negotiators met in Geneva. Talks go on."),
            ("Central bank raises rates", "The central bank raised rates. Markets fell."),
            ("New telescope images", "A telescope sent images. Astronomers cheered."),
        ]
    ):
        result = await harness.add_article(title, text, f"https://news{n}.example/{n}")
        stories.append(result.story_id)
    return stories


async def test_start_and_help(harness: Harness) -> None:
    [text] = await harness.send("/start")
    assert text.startswith("Hi, Ada!")
    assert "/subscribe" in text
    [help_text] = await harness.send("/help")
    assert "/brief" in help_text
    assert "setMyCommands" in harness.telegram.methods()
    sent = harness.telegram.sent()[0]
    assert "reply_parameters" not in sent  # private chats: plain answers
    assert sent["parse_mode"] == "HTML"
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_brief_shows_stories_with_buttons_and_typing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(harness)
    # "typing…" waits TYPING_AFTER; on a loaded machine the first briefing can pass 0.4 s, so
    # the threshold is raised here: this test is about a briefing quicker than it.
    monkeypatch.setattr(briefing_handlers, "TYPING_AFTER", 30.0)
    [text] = await harness.send("/brief")
    assert "<b>Top stories</b>" in text
    assert text.count("<b>") >= 4
    assert '<a href="https://news0.example/0">Example News</a>' in text
    message = harness.telegram.sent()[-1]
    buttons = [row[0]["callback_data"] for row in message["reply_markup"]["inline_keyboard"]]
    assert all(b.startswith("v1:full:") for b in buttons)
    assert len(buttons) == 3
    assert "sendChatAction" not in harness.telegram.methods()  # it was quick


async def test_a_slow_briefing_shows_typing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(harness)
    real = harness.services.briefings.brief

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.6)
        return await real(*args, **kwargs)

    monkeypatch.setattr(harness.services.briefings, "brief", slow)
    [text] = await harness.send("/brief")
    assert "Top stories" in text
    actions = [c for c in harness.telegram.calls if c.method == "sendChatAction"]
    assert [c.params["action"] for c in actions] == ["typing"]
    # in a forum topic, "typing…" shows in the topic the question was asked in
    forum = Chat(id=-1011, type="supergroup", title="Desk", extra={"is_forum": True})
    update = message_update(f"/brief@{BOT_USERNAME}", forum)
    update["message"].update(message_thread_id=42, is_topic_message=True)
    await harness.process(update)
    actions = [c for c in harness.telegram.calls if c.method == "sendChatAction"]
    assert int(actions[-1].params["chat_id"]) == forum.id
    assert int(actions[-1].params["message_thread_id"]) == 42


async def test_brief_on_a_topic_and_nothing_found(harness: Harness) -> None:
    await seed(harness)
    [text] = await harness.send("/brief central bank")
    assert "Central bank raises rates" in text
    assert "Geneva" not in text
    [empty] = await harness.send("/brief <b>volcanoes</b> *now*")
    assert "Nothing found" in empty
    assert "/subscribe" in empty
    assert "<b>volcanoes</b>" not in empty  # escaped


async def test_plain_question_in_private_chat_is_a_briefing(harness: Harness) -> None:
    await seed(harness)
    [text] = await harness.send("what's new on the peace talks?")
    assert "Peace talks resume in Geneva" in text


async def test_ten_thousand_character_message(harness: Harness) -> None:
    await seed(harness)
    replies = await harness.send("peace " * 1666 + "talks")
    [text] = replies  # one briefing on the question's first words
    assert text.startswith("<b>Briefing: peace peace")
    assert "<b>1. Peace talks resume in Geneva</b>" in text
    assert telegram_length(text) <= MAX_MESSAGE


async def test_groups_answer_only_when_addressed(harness: Harness) -> None:
    await seed(harness)
    assert await harness.send("peace talks anyone?", GROUP) == []
    [mentioned] = await harness.send(f"@{BOT_USERNAME} peace talks", GROUP)
    assert "Peace talks resume" in mentioned
    [replied] = await harness.send("and the central bank?", GROUP, reply_to_bot=True)
    assert "Central bank" in replied
    [command] = await harness.send(f"/help@{BOT_USERNAME}", GROUP)
    assert "/brief" in command
    quoted = harness.telegram.sent(GROUP.id)[-1]["reply_parameters"]
    assert quoted["allow_sending_without_reply"] is True
    assert isinstance(quoted["message_id"], int)
    assert await harness.send("/help@some_other_bot", GROUP) == []
    assert await harness.send("/frobnicate@some_other_bot", GROUP) == []
    [unknown] = await harness.send(f"/frobnicate@{BOT_USERNAME}", GROUP)
    assert "/help" in unknown


async def test_in_a_forum_topic_the_answer_goes_to_that_topic(harness: Harness) -> None:
    await seed(harness)
    forum = Chat(id=-1009, type="supergroup", title="Desk", extra={"is_forum": True})
    update = message_update(f"/brief@{BOT_USERNAME} central bank", forum)
    update["message"].update(message_thread_id=42, is_topic_message=True)
    before = len(harness.telegram.calls)
    await harness.process(update)
    [answer] = [c.params for c in harness.telegram.calls[before:] if c.method == "sendMessage"]
    assert "Central bank raises rates" in answer["text"]
    assert int(answer["message_thread_id"]) == 42
    assert answer["parse_mode"] == "HTML"
    assert answer["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def seed_seven_stories(harness: Harness) -> None:
    """Seven one-source stories: a briefing of five and a "More stories" page of two."""
    for n in range(7):
        await harness.add_article(
            f"Story {n} about topic {n}", f"Text {n} one. Text {n} two.", f"https://s{n}.example/x"
        )


async def press_in_topic(harness: Harness, data: str, chat: Chat, thread: int) -> dict[str, Any]:
    """Press a button on a message in a forum topic; the one message the bot sent back."""
    press = callback_update(data, chat)
    press["callback_query"]["message"].update(message_thread_id=thread, is_topic_message=True)
    before = len(harness.telegram.calls)
    await harness.process(press)
    [sent] = [c.params for c in harness.telegram.calls[before:] if c.method == "sendMessage"]
    return sent


async def test_buttons_pressed_in_a_forum_topic_answer_in_that_topic(
    harness: Harness,
) -> None:
    await seed_seven_stories(harness)
    forum = Chat(id=-1010, type="supergroup", title="Desk", extra={"is_forum": True})
    update = message_update(f"/brief@{BOT_USERNAME}", forum)
    update["message"].update(message_thread_id=42, is_topic_message=True)
    await harness.process(update)
    page = await press_in_topic(harness, "v1:more:0", forum, 42)
    assert page["text"].startswith("<b>More stories</b>")
    assert int(page["message_thread_id"]) == 42
    full = page["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    links = await press_in_topic(harness, full, forum, 42)
    assert "https://s" in links["text"]
    assert int(links["message_thread_id"]) == 42


async def test_answers_go_through_the_applications_newsbot(harness: Harness) -> None:
    """The application's bot is a NewsBot, and send_html returns the id of the message
    Telegram made."""
    from bot.newsbot import NewsBot, send_html

    bot = harness.app.bot
    assert isinstance(bot, NewsBot)
    first = await send_html(bot, 100, "<b>one</b>")
    second = await send_html(bot, 100, "two")
    assert second > first
    assert [m["text"] for m in harness.telegram.sent(100)[-2:]] == ["<b>one</b>", "two"]


async def test_a_reply_told_too_many_requests_is_sent_after_the_wait(harness: Harness) -> None:
    harness.telegram.fail("sendMessage", Fault(429, "Too Many Requests", retry_after=1))
    [text] = await harness.send("/help")
    assert "/brief" in text
    attempts = [c for c in harness.telegram.calls if c.method == "sendMessage"]
    assert len(attempts) == 2  # refused once, then sent
    assert attempts[1].at - attempts[0].at >= 1.0


async def test_link_is_summarized(harness: Harness, site: LocalHTTPServer) -> None:
    url = site.url("/bridge")
    [text] = await harness.send(f"look at this {url}")
    assert "<b>Harbour bridge reopens" in text
    assert "harbour bridge reopened on Monday" in text
    assert f'href="{url}"' in text
    markup = harness.telegram.sent()[-1]["reply_markup"]
    assert markup["inline_keyboard"][0][0]["callback_data"].startswith("v1:full:")
    assert "sendChatAction" in harness.telegram.methods()
    [again] = await harness.send(f"/summary {url}")
    assert "Harbour bridge reopens" in again


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://10.1.2.3/secret", "I could not summarize that link"),
        ("http://169.254.169.254/latest/meta-data", "I could not summarize that link"),
    ],
)
async def test_private_addresses_are_refused(harness: Harness, url: str, expected: str) -> None:
    [text] = await harness.send(f"/summary {url}")
    assert text.startswith(expected)
    assert "Traceback" not in text


async def test_link_errors_have_clear_reasons(harness: Harness, site: LocalHTTPServer) -> None:
    [not_html] = await harness.send(site.url("/image"))
    assert not_html.startswith("I could not summarize that link")
    [missing] = await harness.send(site.url("/nope"))
    assert missing.startswith("I could not summarize that link")
    [ftp] = await harness.send("<a>ftp://example.com/file</a> what about ftp")
    assert not ftp.startswith("I could not summarize")  # not a web link: a question
    [usage] = await harness.send("/summary")
    assert "/summary followed by a link" in usage


async def test_too_large_reason_is_passed_on(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def too_large(url: str) -> None:
        raise FetchError("too_large", "The page is larger than 5,000,000 bytes.", url=url)

    monkeypatch.setattr(harness.services.briefings, "summarize_link", too_large)
    [text] = await harness.send("/summary https://example.com/huge")
    assert text == ("I could not summarize that link: The page is larger than 5,000,000 bytes.")


async def test_subscriptions_cap_and_unsubscribe(harness: Harness) -> None:
    [created] = await harness.send("/subscribe Climate policy")
    assert "Subscribed to" in created
    assert "(1/3 topics)" in created
    [exists] = await harness.send("/subscribe climate   POLICY")
    assert "already subscribed" in exists
    await harness.send("/subscribe football")
    await harness.send("/subscribe <b>elections</b> *now*")
    [capped] = await harness.send("/subscribe one too many")
    assert "limit of 3 topics" in capped
    [listing] = await harness.send("/topics")
    assert "(3/3)" in listing
    assert "<b>elections" not in listing
    markup = harness.telegram.sent()[-1]["reply_markup"]["inline_keyboard"]
    assert markup[0][0]["text"] == "Unsubscribe: climate policy"
    [removed] = await harness.send("/unsubscribe football")
    assert "Unsubscribed" in removed
    [not_there] = await harness.send("/unsubscribe football")
    assert "not subscribed" in not_there
    # the button removes the topic and refreshes the list
    data = markup[0][0]["callback_data"]
    calls = await harness.press(data)
    methods = [method for method, _ in calls]
    assert "answerCallbackQuery" in methods
    [edited] = [params for method, params in calls if method == "editMessageText"]
    assert edited["text"] == (
        "<b>Your topics</b> (1/3)\nAlerts are sent as soon as a story appears.\n• elections now"
    )
    # pressing it again: the topic is gone, answered gracefully
    again = await harness.press(data)
    answers = [params for method, params in again if method == "answerCallbackQuery"]
    assert answers[0]["text"] == "That topic was already removed."


async def test_bad_topics(harness: Harness) -> None:
    [long_topic] = await harness.send("/subscribe " + "x" * 500)
    assert "Subscribed" not in long_topic
    assert telegram_length(long_topic) < 700
    [usage] = await harness.send("/subscribe")
    assert "/subscribe followed by a topic" in usage
    [markup_only] = await harness.send("/subscribe <b></b>")
    assert "Subscribed" not in markup_only


async def test_digest_on_and_off(harness: Harness) -> None:
    [on] = await harness.send("/digest 08:30")
    assert "Daily digest at 08:30 (UTC)" in on
    chat = await harness.services.store.get_chat(100)
    assert chat is not None
    assert chat.digest_time is not None
    assert chat.digest_time.strftime("%H:%M") == "08:30"
    [off] = await harness.send("/digest off")
    assert "Daily digest off" in off
    chat = await harness.services.store.get_chat(100)
    assert chat is not None
    assert chat.digest_time is None
    [bad] = await harness.send("/digest 25:99")
    assert "/digest HH:MM" in bad


async def test_full_article_button_and_link_command(harness: Harness) -> None:
    first = await harness.add_article(
        "Dam opens", "A dam opened. It is big.", "https://a.example/1"
    )
    await harness.add_article(
        "Dam opens", "A dam opened. It is big.", "https://b.example/2", source="Other Paper"
    )
    calls = await harness.press(f"v1:full:{first.story_id}")
    [sent] = [params for method, params in calls if method == "sendMessage"]
    assert '<a href="https://a.example/1">https://a.example/1</a>' in sent["text"]
    [text] = await harness.send(f"/link {first.story_id}")
    assert "https://a.example/1" in text
    [unknown] = await harness.send("/link 999999")
    assert "No story number 999999" in unknown
    [usage] = await harness.send("/link abc")
    assert "/link followed by a story number" in usage


@pytest.mark.parametrize("typed", ["²", "١٢", "12.0", "-3", "1" * 19, "1 2"])
async def test_only_plain_ascii_ids_are_story_numbers(harness: Harness, typed: str) -> None:
    [usage] = await harness.send(f"/link {typed}")  # "²".isdigit() is True; int("²") fails
    assert usage == "Send /link followed by a story number, e.g. /link 12"


async def test_digest_times_take_ascii_digits_only(harness: Harness) -> None:
    [usage] = await harness.send("/digest ٠٨:٣٠")
    assert usage.startswith("Send /digest HH:MM")


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("v1:full:987654", "That story is no longer available."),
        ("v0:full:1", "This button is no longer valid."),
        ("garbage", "This button is no longer valid."),
        ("v1:unsub:77777", "That topic was already removed."),
    ],
)
async def test_stale_and_forged_buttons(harness: Harness, data: str, answer: str) -> None:
    calls = await harness.press(data)
    answers = [params for method, params in calls if method == "answerCallbackQuery"]
    assert [a["text"] for a in answers] == [answer]
    assert not [m for m, _ in calls if m == "sendMessage"]


async def test_unknown_command(harness: Harness) -> None:
    [text] = await harness.send("/frobnicate <now>")
    assert text == "I don't know /frobnicate. Send /help to see what I can do."


async def test_errors_are_logged_without_the_token_and_the_user_is_told(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"database exploded near {TOKEN}")

    monkeypatch.setattr(harness.services.briefings, "brief", broken)
    from bot.logs import RedactingFilter

    caplog.handler.addFilter(RedactingFilter([TOKEN]))
    with caplog.at_level(logging.ERROR):
        [text] = await harness.send("/brief")
    assert text.startswith("Sorry, something went wrong")
    assert "exploded" not in text
    assert "error while handling an update" in caplog.text
    assert TOKEN not in caplog.text


async def test_a_user_who_blocked_the_bot_is_deactivated(harness: Harness) -> None:
    await harness.services.topics.subscribe(100, "football")
    harness.telegram.fail("sendMessage", Fault(403, "Forbidden: bot was blocked by the user"))
    assert await harness.send("/help") == []
    chat = await harness.services.store.get_chat(100)
    assert chat is not None
    assert not chat.active
    assert await harness.services.topics.list(100) == []


async def test_a_failing_button_is_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(story_id: int) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(harness.services.briefings, "story", broken)
    calls = await harness.press("v1:full:1")
    answers = [params for method, params in calls if method == "answerCallbackQuery"]
    assert answers[-1]["text"].startswith("Sorry, something went wrong")


async def test_telegram_failures_are_warnings_and_the_user_is_told(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.telegram.fail("sendMessage", Fault(500, "Internal Server Error"))
    with caplog.at_level(logging.WARNING):
        [sorry] = await harness.send("/help")
    assert sorry.startswith("Sorry, something went wrong")
    [record] = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None


async def test_typing_is_kept_alive_while_working_and_stops_after(harness: Harness) -> None:
    from bot.handlers.common import typing

    context = CallbackContext(harness.app)
    async with typing(context, 100, every=0.05):
        await asyncio.sleep(0.28)
    count = harness.telegram.methods().count("sendChatAction")
    assert count >= 4
    await asyncio.sleep(0.15)
    assert harness.telegram.methods().count("sendChatAction") == count


async def test_more_stories_button_pages_on_and_a_second_brief_says_more(
    harness: Harness,
) -> None:
    await seed_seven_stories(harness)
    [first] = await harness.send("/brief")
    assert first.startswith("<b>Top stories</b>")
    assert first.count("<i>just now</i>") == 5  # each item says how long ago
    message = harness.telegram.sent()[-1]
    rows = message["reply_markup"]["inline_keyboard"]
    assert rows[-1][0] == {"text": "More stories", "callback_data": "v1:more:0"}
    calls = await harness.press("v1:more:0")
    answers = [params for method, params in calls if method == "answerCallbackQuery"]
    assert len(answers) == 1
    [page] = [params for method, params in calls if method == "sendMessage"]
    assert page["text"].startswith("<b>More stories</b>")
    assert page["text"].count("<b>") == 3  # the header and the two stories left
    buttons = [row[0]["callback_data"] for row in page["reply_markup"]["inline_keyboard"]]
    assert buttons == [b for b in buttons if b.startswith("v1:full:")]  # nothing more left
    [again] = await harness.send("/brief")
    assert again.startswith("<b>Nothing new since your last briefing")

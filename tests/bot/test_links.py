"""Links are read by the background runner: apart from the update slots, bounded overall and per
chat, answered when done, refused with a clear "busy" when too many are pending."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update

from bot.background import BackgroundRunner, RunnerBusy
from bot.handlers.links import BUSY, CHAT_BUSY, TOO_SLOW
from news.briefings.service import LinkSummary
from tests.bot.conftest import Harness
from tests.bot.fakes import Chat, message_update
from tests.bot.test_handlers import ARTICLE, seed
from tests.support.http_server import LocalHTTPServer, Route

NO_ARTICLE = "<html><head><title>Menu</title></head><body><nav>Home</nav></body></html>"


@pytest.fixture
async def site() -> AsyncIterator[LocalHTTPServer]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    routes: dict[str, Route] = {"/bridge": (200, html, ARTICLE), "/menu": (200, html, NO_ARTICLE)}
    async with LocalHTTPServer(routes) as server:
        yield server


class SlowLinks:
    """``summarize_link`` that waits for ``release`` and then answers with one real summary,
    counting how many run at once (overall and per chat)."""

    def __init__(self, result: LinkSummary) -> None:
        self.result = result
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0
        self.started: list[str] = []

    async def __call__(self, url: str) -> LinkSummary:
        self.started.append(url)
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return self.result


@pytest.fixture
async def slow(
    harness: Harness, site: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> SlowLinks:
    result = await harness.services.briefings.summarize_link(site.url("/bridge"))
    fake = SlowLinks(result)
    monkeypatch.setattr(harness.services.briefings, "summarize_link", fake)
    return fake


def link_update(harness: Harness, chat_id: int, path: str = "/slow") -> Update:
    payload = message_update(f"https://pages.example{path}?c={chat_id}", Chat(id=chat_id))
    return Update.de_json(payload, harness.app.bot)


async def test_forty_slow_links_do_not_delay_another_chats_brief(
    harness: Harness, slow: SlowLinks
) -> None:
    await seed(harness)
    app = harness.app
    processor = app.update_processor  # the 32 update slots
    links = [link_update(harness, 2000 + n) for n in range(40)]
    await asyncio.wait_for(
        asyncio.gather(*(processor.process_update(u, app.process_update(u)) for u in links)), 5
    )  # every link's update is done at once: its slot is free
    runner = app.bot_data.links
    assert runner.pending == 40
    assert runner.running == 8  # settings.link_concurrency
    brief = Update.de_json(message_update("/brief", Chat(id=77)), app.bot)
    await asyncio.wait_for(processor.process_update(brief, app.process_update(brief)), 5)
    [answer] = harness.telegram.texts(77)
    assert answer.startswith("<b>Top stories</b>")
    assert harness.telegram.texts(2000) == []  # the links are still being read
    slow.release.set()
    await runner.join()
    assert slow.most == 8
    for n in range(40):
        [summary] = harness.telegram.texts(2000 + n)
        assert "<b>Harbour bridge reopens" in summary


async def test_one_link_at_a_time_per_chat_and_the_chat_is_still_answered(
    harness: Harness, slow: SlowLinks
) -> None:
    chat = Chat(id=301)
    await harness.process(message_update("https://a.example/1", chat), wait=False)
    await harness.process(message_update("/summary https://a.example/2", chat), wait=False)
    await asyncio.sleep(0.05)
    assert slow.started == ["https://a.example/1"]  # the second waits for the first
    [help_text] = await harness.send("/help", chat, wait=False)  # answered meanwhile
    assert "/brief" in help_text
    typing = [c for c in harness.telegram.calls if c.method == "sendChatAction"]
    assert [c.params["chat_id"] for c in typing] == [301]  # "typing…" in that chat only
    slow.release.set()
    await harness.app.bot_data.links.join()
    assert slow.started == ["https://a.example/1", "https://a.example/2"]
    summaries = [t for t in harness.telegram.texts(301) if "Harbour bridge" in t]
    assert len(summaries) == 2


async def test_too_many_links_in_one_chat_get_a_busy_reply(
    harness: Harness, slow: SlowLinks
) -> None:
    chat = Chat(id=302)
    for n in range(3):  # settings.link_pending_per_chat
        assert await harness.send(f"https://a.example/{n}", chat, wait=False) == []
    [busy] = await harness.send("https://a.example/3", chat, wait=False)
    assert busy == CHAT_BUSY
    slow.release.set()
    await harness.app.bot_data.links.join()
    assert len(slow.started) == 3
    [again] = await harness.send("https://a.example/3", chat)  # room again
    assert "Harbour bridge" in again


async def test_a_full_queue_gets_a_busy_reply(harness: Harness, slow: SlowLinks) -> None:
    harness.app.bot_data.links = BackgroundRunner(concurrent=1, pending=2)
    assert await harness.send("https://a.example/1", Chat(id=401), wait=False) == []
    assert await harness.send("https://a.example/2", Chat(id=402), wait=False) == []
    [busy] = await harness.send("https://a.example/3", Chat(id=403), wait=False)
    assert busy == BUSY
    assert slow.started == ["https://a.example/1"]
    slow.release.set()
    await harness.app.bot_data.links.join()


async def test_dead_links_and_pages_without_an_article_get_clear_replies(
    harness: Harness, site: LocalHTTPServer
) -> None:
    [dead] = await harness.send(site.url("/gone"))
    assert dead.startswith("I could not summarize that link: ")
    [menu] = await harness.send(site.url("/menu"))
    assert menu.startswith("That page does not look like an article: ")


async def test_a_link_past_its_deadline_is_answered(
    harness: Harness, slow: SlowLinks, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = harness.app.bot_data.config.model_copy(update={"link_timeout": 0.1})
    monkeypatch.setattr(harness.app.bot_data, "settings", settings)
    [text] = await harness.send("https://a.example/slow")
    assert text == TOO_SLOW


async def test_a_bug_in_a_link_job_is_apologized_for(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(url: str) -> None:
        raise RuntimeError("extractor exploded")

    monkeypatch.setattr(harness.services.briefings, "summarize_link", broken)
    with caplog.at_level(logging.ERROR):
        [text] = await harness.send("https://a.example/x")
    assert text.startswith("Sorry, something went wrong")
    assert "error while handling an update" in caplog.text


async def test_the_runner_bounds_refuses_after_stop_and_cancels_pending() -> None:
    runner = BackgroundRunner(concurrent=2, per_chat=1, pending=3, pending_per_chat=2)
    gate = asyncio.Event()
    ran: list[int] = []

    async def job(n: int) -> None:
        ran.append(n)
        await gate.wait()

    def submit(chat: int, n: int) -> Any:
        return runner.submit(chat, lambda: job(n), name="t")

    submit(1, 1)
    submit(1, 2)
    with pytest.raises(RunnerBusy) as per_chat:
        submit(1, 3)
    assert per_chat.value.chat is True
    submit(2, 4)
    with pytest.raises(RunnerBusy) as overall:
        submit(3, 5)
    assert overall.value.chat is False
    await asyncio.sleep(0.01)
    assert sorted(ran) == [1, 4]
    assert runner.running == 2
    assert runner.pending_in(1) == 2
    await runner.stop()
    assert runner.pending == 0
    assert runner.pending_in(1) == 0
    with pytest.raises(RunnerBusy):
        submit(4, 6)

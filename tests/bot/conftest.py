"""Fixtures for the bot's unit tests: the real application and news services, offline.

The application is the one ``build_application`` makes, with ``OfflineTelegram`` as its Bot API
transport; the news services are the real ones (``bot.app.open_services``) on a temporary SQLite
file, with the shared deterministic stand-ins for the two models (``tests.support.fakes``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update

from bot.app import build_application, open_services
from bot.context import BotApplication, NewsServices
from config import Settings
from news.models import AddResult, Article
from tests.bot.fakes import Chat, OfflineTelegram, callback_update, message_update
from tests.support.fakes import FakeEncoder, FakeSummarizer

TOKEN = "123456789:AAUnitTestTokenNeverSentAnywhere0000"


async def settle(limit: float = 10.0) -> None:
    """Wait for the application's background tasks (``block=False`` handlers) to finish."""
    me = asyncio.current_task()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        pending = [
            task
            for task in asyncio.all_tasks()
            if task is not me and task.get_name().startswith("Application:") and not task.done()
        ]
        if not pending:
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"handlers still running: {pending}")
        await asyncio.wait(pending, timeout=remaining)


@dataclass
class Harness:
    """The application, its offline Telegram and its services."""

    app: BotApplication
    telegram: OfflineTelegram
    services: NewsServices
    encoder: FakeEncoder

    async def process(self, payload: dict[str, Any], *, wait: bool = True) -> None:
        """Handle one update; ``wait``: also until the links it handed off are answered."""
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        await settle()
        if wait:
            await self.app.bot_data.links.join()

    async def send(
        self, text: str, chat: Chat | None = None, *, wait: bool = True, **kwargs: Any
    ) -> list[str]:
        """Send ``text`` as a user; the texts the bot sent to that chat in response
        (``wait``: including the answers to links it handed off)."""
        chat = chat or Chat()
        before = len(self.telegram.calls)
        await self.process(message_update(text, chat, **kwargs), wait=wait)
        return [
            call.params["text"]
            for call in self.telegram.calls[before:]
            if call.method in ("sendMessage", "editMessageText")
            and call.params.get("chat_id") == chat.id
            and "_failed" not in call.params
        ]

    async def press(self, data: str, chat: Chat | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Press a button; the Bot API calls the bot made in response."""
        before = len(self.telegram.calls)
        await self.process(callback_update(data, chat))
        return [(call.method, call.params) for call in self.telegram.calls[before:]]

    async def add_article(
        self, title: str, text: str, url: str, source: str = "Example News"
    ) -> AddResult:
        article = Article(url=url, title=title, text=text, source=source, published=_now())
        [vector] = self.encoder.encode([f"{title}. {text}"])
        return await self.services.store.add_article(article, embedding=vector)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def logging_state() -> Iterator[None]:
    """``main()`` configures logging for the whole process (a handler on the test's captured
    stderr, crash hooks); put it back after each test."""
    root = logging.getLogger()
    ptb = logging.getLogger("telegram.ext")
    saved = (root.handlers[:], root.level, ptb.filters[:], sys.excepthook, threading.excepthook)
    yield
    root.handlers[:], level, ptb.filters[:], sys.excepthook, threading.excepthook = saved
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        telegram_token=SecretStr(TOKEN),
        telegram_api_url="http://telegram.invalid/bot",
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        allow_loopback=True,
        max_subscriptions=3,
        fetch_timeout=5.0,
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[NewsServices]:
    opened = await open_services(settings, encoder=FakeEncoder(), summarizer=FakeSummarizer())
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def harness(settings: Settings, services: NewsServices) -> AsyncIterator[Harness]:
    telegram = OfflineTelegram()
    app = build_application(
        settings, services, jobs=False, request=telegram, updates_request=telegram
    )
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        encoder = services.encoder
        assert isinstance(encoder, FakeEncoder)
        yield Harness(app, telegram, services, encoder)
        await app.bot_data.links.stop()
    assert telegram.unexpected == [], "the bot called Bot API methods the test did not expect"

"""The bot's typed state: ``NewsServices`` (what ``bot.app`` builds), ``BotData`` (services and
settings, as ``context.bot_data``) and the ``ContextTypes`` using it.

Handlers reach services as ``context.bot_data.news`` instead of string keys. Nothing here is
opened at import time: ``post_init`` fills ``services`` and ``post_shutdown`` closes them.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.background import BackgroundRunner
from bot.delivery import Deliverer
from config import Settings
from news.briefings import BriefingService
from news.chat_sources import ChatSourceService
from news.chats import ChatService
from news.ingest import Ingestor
from news.quiet import QuietService
from news.roles import RoleService
from news.sources.fetch import Fetcher
from news.store import Store
from news.summaries import SummaryService
from news.tasks import TaskQueue
from news.topics import TextEncoder, TopicService
from news.updates import UpdateService
from summarizer.types import Summarizer

__all__ = ["BotApplication", "BotContext", "BotData", "NewsServices", "context_types"]


@dataclass
class NewsServices:
    """Everything the bot (and the CLI) needs from the news side, opened together by
    ``bot.app.open_services`` and closed together by ``close``."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    encoder: TextEncoder
    summarizer: Summarizer
    summaries: SummaryService
    topics: TopicService
    briefings: BriefingService
    chats: ChatService
    ingestor: Ingestor
    updates: UpdateService  # story updates: new facts of a story a chat was sent (issue 16)
    extract_executor: Executor | None = None  # worker processes for HTML extraction
    tasks: TaskQueue | None = None  # the work queue's producer (NEWSBRIEF_QUEUE_URL)

    @property
    def sources(self) -> ChatSourceService:
        """A chat's own feeds, OPML and /sources mine|all (stateless, over store and fetcher)."""
        return ChatSourceService(self.store, self.fetcher, self.settings)

    @property
    def quiet(self) -> QuietService:
        """A chat's quiet hours and time zone (stateless, over the store)."""
        return QuietService(self.store, self.settings.timezone)

    @property
    def roles(self) -> RoleService:
        """Channel links, group migrations and operators' counts (stateless, over the store)."""
        return RoleService(self.store)

    async def close(self) -> None:
        """Close the queue, the HTTP client, the extraction workers and the store (models need
        none)."""
        try:
            if self.tasks is not None:
                await self.tasks.close()
            await self.fetcher.aclose()
            if self.extract_executor is not None:
                executor = self.extract_executor
                await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        finally:
            await self.store.close()


@dataclass
class BotData:
    """Everything handlers and jobs share. PTB creates it without arguments; ``build_application``
    sets ``settings`` and ``post_init`` sets ``services``."""

    settings: Settings | None = None
    timezone: tzinfo = UTC  # settings.timezone, for digest times
    services: NewsServices | None = None
    owns_services: bool = False  # close them in post_shutdown (we opened them)
    handles_updates: bool = True  # False in `newsbrief worker`: jobs only
    deliverer: Deliverer | None = None  # set in post_init
    polling_feeds: bool = False  # a feed poll is running (the next one skips its turn)
    # Links users send are read here, apart from the update slots (limits: settings.link_*).
    links: BackgroundRunner = field(default_factory=BackgroundRunner)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def news(self) -> NewsServices:
        """The open news services; an error if used before ``post_init``."""
        if self.services is None:
            raise RuntimeError("news services are not open yet (post_init has not run)")
        return self.services

    @property
    def config(self) -> Settings:
        """The settings the application was built with."""
        if self.settings is None:
            raise RuntimeError("BotData.settings is not set (use build_application)")
        return self.settings


BotContext: TypeAlias = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
BotApplication: TypeAlias = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]


def context_types() -> ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], BotData]:
    """``ContextTypes`` with ``BotData`` as ``context.bot_data``."""
    return ContextTypes(bot_data=BotData)

"""The composition root: ``build_application(settings)`` wires the bot and nothing else does.

Handlers, jobs, the rate limiter and the typed ``BotData`` are put together here; the news
services open in ``post_init`` (unless given, as tests do) and close in ``post_shutdown``.
Nothing happens at import time.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import handlers
from bot.context import BotApplication, context_types
from bot.delivery import Deliverer, PacedRateLimiter, digest_job, drain_job, poll_job
from config import ConfigError

if TYPE_CHECKING:
    from config import Settings
    from news.services import NewsServices

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "PerChatUpdateProcessor",
    "build_application",
    "file_url_for",
]

logger = logging.getLogger(__name__)

# The updates the bot handles; everything else is not even fetched.
ALLOWED_UPDATES = ["message", "callback_query"]

COMMANDS = (
    ("brief", "Top stories, or /brief TOPIC"),
    ("summary", "Summarize a link: /summary URL"),
    ("subscribe", "Alerts on a topic: /subscribe TOPIC"),
    ("unsubscribe", "Stop alerts on a topic"),
    ("topics", "Your topics"),
    ("digest", "Daily digest: /digest 08:00, or /digest off"),
    ("link", "Full article and sources: /link ID"),
    ("help", "How to use the bot"),
)

CONCURRENT_UPDATES = 32  # handlers running at once (different chats)
BACKLOG = 100_000  # updates accepted before the fetcher waits
DIGEST_CHECK_MIN = 5.0  # seconds between digest checks (the query is cheap)
CONNECTION_POOL = 32  # concurrent Bot API requests (replies and alert delivery)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat in arrival order, different chats concurrently (up to ``concurrent``).

    One chat that floods the bot (a thousand messages, each answer paced to one per second by
    Telegram's per-chat limit) then only delays itself. While the application stops, updates
    still queued behind their chat's earlier ones are skipped, so a backlog cannot hold the
    shutdown.
    """

    def __init__(self, concurrent: int = CONCURRENT_UPDATES, backlog: int = BACKLOG) -> None:
        super().__init__(max_concurrent_updates=backlog)
        self._slots = asyncio.Semaphore(concurrent)
        self._chats: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.stopping: Callable[[], bool] = lambda: False
        self.skipped = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self.skipped:
            logger.warning("skipped %d queued updates while stopping", self.skipped)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock = self._chats.setdefault(chat.id, asyncio.Lock())
        queued = lock.locked()
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                if queued and self.stopping():
                    self.skipped += 1
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()
                    return
                async with self._slots:
                    await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id]
                del self._chats[chat.id]


def file_url_for(api_url: str) -> str:
    """The Bot API file URL beside ``api_url``: ``…/bot`` -> ``…/file/bot``."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file"


def _add_handlers(app: BotApplication) -> None:
    # Order matters within the group: the first matching handler wins. Commands first, then
    # buttons, then plain text (private chats, or groups when addressed), and last any other
    # command, answered with a hint. Slow handlers (links, briefings) do not hold other chats:
    # PerChatUpdateProcessor runs different chats concurrently; the work itself runs off the
    # loop in the services.
    new = filters.UpdateType.MESSAGE  # edited messages are not requests
    app.add_handlers(
        [
            CommandHandler("start", handlers.start, filters=new),
            CommandHandler("help", handlers.help_command, filters=new),
            CommandHandler("brief", handlers.brief, filters=new),
            CommandHandler("summary", handlers.summary, filters=new),
            CommandHandler("subscribe", handlers.subscribe, filters=new),
            CommandHandler("unsubscribe", handlers.unsubscribe, filters=new),
            CommandHandler("topics", handlers.topics, filters=new),
            CommandHandler("digest", handlers.digest, filters=new),
            CommandHandler("link", handlers.link, filters=new),
            CallbackQueryHandler(handlers.callback),
            MessageHandler(new & handlers.ADDRESSED_TEXT, handlers.text_message),
            MessageHandler(new & filters.COMMAND, handlers.unknown_command),
        ]
    )
    app.add_error_handler(handlers.error_handler)


def _add_jobs(app: BotApplication, settings: Settings) -> None:
    queue = app.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot[job-queue] is required")
    # A run that finds the previous one still busy returns at once (see bot.delivery), so
    # overlapping starts are allowed rather than skipped with a warning each time.
    once: dict[str, Any] = {"max_instances": 3, "coalesce": True, "misfire_grace_time": None}
    queue.run_repeating(
        poll_job, interval=settings.poll_interval, first=0.5, name="poll-feeds", job_kwargs=once
    )
    queue.run_repeating(
        drain_job, interval=settings.alert_interval, first=1.0, name="deliver", job_kwargs=once
    )
    queue.run_repeating(
        digest_job,
        interval=max(DIGEST_CHECK_MIN, settings.alert_interval),
        first=2.0,
        name="digests",
        job_kwargs=once,
    )


async def _post_init(app: BotApplication) -> None:
    data = app.bot_data
    if data.services is None:
        from news.services import open_services

        data.services = await open_services(data.config)
        data.owns_services = True
    data.deliverer = Deliverer(app.bot, data.services, timezone=data.timezone)
    if data.handles_updates:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    logger.info("bot @%s ready", app.bot.username)


async def _post_shutdown(app: BotApplication) -> None:
    data = app.bot_data
    if data.services is not None and data.owns_services:
        await data.services.close()
        data.services = None


def build_application(
    settings: Settings,
    services: NewsServices | None = None,
    *,
    handle_updates: bool = True,
    jobs: bool = True,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> BotApplication:
    """The bot application: handlers (``handle_updates``), feed polling and alert delivery
    (``jobs``). ``services`` given: used and left open; otherwise opened in ``post_init`` and
    closed in ``post_shutdown``. ``request``: a custom Bot API transport (tests)."""
    token = settings.require_token()
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"NEWSBRIEF_TIMEZONE is invalid: {settings.timezone!r} is not a known time zone "
            "(use an IANA name such as UTC or Europe/Paris)"
        ) from None
    processor = PerChatUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_api_url or file_url_for(settings.telegram_api_url))
        .context_types(context_types())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(PacedRateLimiter())
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    else:
        builder = builder.connection_pool_size(CONNECTION_POOL).pool_timeout(30.0)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    app: BotApplication = builder.build()
    processor.stopping = lambda: not app.running
    app.bot_data.settings = settings
    app.bot_data.timezone = zone
    app.bot_data.services = services
    app.bot_data.handles_updates = handle_updates
    if handle_updates:
        _add_handlers(app)
    if jobs:
        _add_jobs(app, settings)
    return app

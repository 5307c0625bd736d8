"""The composition root: every service of the application is built here and passed in.

``open_services(settings)`` builds the news side (store, HTTP fetcher, the two models behind
``Lazy`` holders, the services on top of them); ``build_application(settings)`` builds the bot
(handlers in order, jobs, the rate limiter, the typed ``BotData``) and opens the news services in
``post_init`` (unless given, as tests do) and closes them in ``post_shutdown``. Nothing happens
at import time, and no model loads before its first use, so ``newsbrief run`` starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import signal
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.background import BackgroundRunner
from bot.context import BotApplication, BotContext, NewsServices, context_types
from bot.delivery import Deliverer
from bot.handlers.admin import migrated, stats
from bot.handlers.briefing import brief, text_message
from bot.handlers.buttons import callback
from bot.handlers.channels import channel
from bot.handlers.common import ADDRESSED_TEXT
from bot.handlers.digest import digest
from bot.handlers.errors import error_handler
from bot.handlers.feeds import export, feeds, opml_document, sources
from bot.handlers.help import help_command, start, unknown_command
from bot.handlers.links import link, summary
from bot.handlers.quiet import quiet, timezone_command, updates_command
from bot.handlers.subscriptions import subscribe, topics, unsubscribe
from bot.jobs import digest_job, drain_job, poll_job
from bot.lazy import Lazy
from bot.logs import redact_url
from bot.metrics import REFRESH_SECONDS, BotMetrics
from bot.newsbot import NewsBot
from bot.ratelimit import PacedRateLimiter
from bot.transport import AiohttpRequest
from bot.updates import PerChatUpdateProcessor
from config import Settings, require_timezone, require_token
from news.briefings import BriefingService
from news.chat_sources import ChatSourceService
from news.chats import ChatService
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.sources.pool import RespawningProcessPool
from news.store import Store
from news.summaries import SummaryService
from news.tasks import TaskQueue
from news.topics import TextEncoder, TopicService
from news.updates import UpdateService, chain_hooks
from summarizer import load as load_summarizer
from summarizer import load_encoder
from summarizer.types import Summarizer

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "build_application",
    "file_url_for",
    "open_services",
    "open_store",
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
    ("quiet", "Quiet hours: /quiet 22:00-07:00, or /quiet off"),
    ("timezone", "Your time zone: /timezone Europe/Berlin"),
    ("updates", "Story updates: /updates on or off"),
    ("channel", "Link a channel you administer: /channel @name"),
    ("feeds", "Your own sources: /feeds add URL, or send an .opml file"),
    ("sources", "Briefings from /sources mine or all"),
    ("help", "How to use the bot"),
)

DIGEST_CHECK_MIN = 5.0  # seconds between digest checks (the query is cheap)
CONNECTION_POOL = 32  # concurrent Bot API requests (replies and alert delivery)


# --- the news side ----------------------------------------------------------------------------


async def open_store(settings: Settings) -> Store:
    """The store alone (the CLI's feeds, articles and db commands)."""
    return await Store.open(settings.database_url)


def _extract_pool(workers: int) -> RespawningProcessPool | None:
    """``workers`` processes that extract HTML (started on first use; replaced when one dies),
    or None for threads."""
    if workers <= 0:
        return None
    # Ctrl-C reaches the whole process group: the workers ignore it (no KeyboardInterrupt
    # tracebacks) and are shut down by their owner (NewsServices.close).
    ignore_sigint = functools.partial(signal.signal, signal.SIGINT, signal.SIG_IGN)
    return RespawningProcessPool(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=ignore_sigint
    )


async def open_services(
    settings: Settings,
    *,
    encoder: TextEncoder | None = None,
    summarizer: Summarizer | None = None,
    client: httpx.AsyncClient | None = None,
    sync_feeds: bool = True,
    extract_workers: int | None = None,
) -> NewsServices:
    """Open the store, the fetcher and the services; the models load on first use unless given.

    ``sync_feeds``: add the feeds named in ``settings.feeds`` (NEWSBRIEF_FEEDS) to the store.
    ``extract_workers``: extract pages in that many worker processes (started on first use),
    so parsing HTML uses every core and never holds the bot's event loop; 0 extracts in
    threads. None follows ``settings.extract_workers`` (default: one process per core, max 4).
    """
    store = await open_store(settings)
    try:
        if sync_feeds:
            for url in settings.feeds:
                await store.add_feed(url)
        fetcher = Fetcher(settings, client)
    except BaseException:
        await store.close()
        raise
    # One model object per process, loaded on first use (in a worker thread) by these holders.
    the_encoder: TextEncoder = (
        encoder if encoder is not None else Lazy(lambda: load_encoder(settings))
    )
    the_summarizer: Summarizer = (
        summarizer if summarizer is not None else Lazy(lambda: load_summarizer(settings))
    )
    if extract_workers is None:
        extract_workers = settings.extraction_processes()
    pool = _extract_pool(extract_workers)
    # NEWSBRIEF_QUEUE_URL: polls queue fresh entries for `newsbrief worker` (news.tasks)
    tasks = TaskQueue.from_settings(settings) if settings.queue_url else None
    if tasks is not None:
        try:
            await tasks.start()
        except BaseException:
            await store.close()
            raise
    summaries = SummaryService(store, the_summarizer)
    # /sources mine: a chat's briefings and alerts only from the feeds it follows
    sources = ChatSourceService(store, fetcher, settings)
    topics = TopicService(store, the_encoder, settings, alert_filter=sources.excluded_chats)
    updates = UpdateService(store, the_encoder, settings)  # new facts of stories sent (#16)
    ingestor = Ingestor(
        store,
        fetcher,
        encoder=the_encoder,
        on_new=chain_hooks(topics.on_new_article, updates.on_new_article),
        settings=settings,
        extract_executor=pool,
        tasks=tasks,
    )
    briefings = BriefingService(
        store,
        summaries,
        the_encoder,
        settings,
        ingestor=ingestor,
        story_filter=sources.story_filter,
    )
    logger.info("news services open (database %s)", redact_url(settings.database_url))
    return NewsServices(
        settings=settings,
        store=store,
        fetcher=fetcher,
        encoder=the_encoder,
        summarizer=the_summarizer,
        summaries=summaries,
        topics=topics,
        briefings=briefings,
        chats=ChatService(store),
        ingestor=ingestor,
        updates=updates,
        extract_executor=pool,
        tasks=tasks,
    )


# --- the bot ----------------------------------------------------------------------------------


def file_url_for(api_url: str) -> str:
    """The Bot API file URL beside ``api_url``: ``…/bot`` -> ``…/file/bot``."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file"


def _add_handlers(app: BotApplication) -> None:
    # Order matters within the group: the first matching handler wins. Commands first, then
    # buttons, then plain text (private chats, or groups when addressed), and last any other
    # command, answered with a hint. Slow work does not hold other chats: PerChatUpdateProcessor
    # runs different chats concurrently, links are read by the background runner (bot_data.links)
    # so their update slot is free at once, and the work itself runs off the loop in the services.
    new = filters.UpdateType.MESSAGE  # edited messages are not requests
    app.add_handlers(
        [
            CommandHandler("start", start, filters=new),
            CommandHandler("help", help_command, filters=new),
            CommandHandler("brief", brief, filters=new),
            CommandHandler("summary", summary, filters=new),
            CommandHandler("subscribe", subscribe, filters=new),
            CommandHandler("unsubscribe", unsubscribe, filters=new),
            CommandHandler("topics", topics, filters=new),
            CommandHandler("digest", digest, filters=new),
            CommandHandler("quiet", quiet, filters=new),
            CommandHandler("timezone", timezone_command, filters=new),
            CommandHandler("updates", updates_command, filters=new),
            CommandHandler("link", link, filters=new),
            CommandHandler("channel", channel, filters=new),
            CommandHandler("stats", stats, filters=new),
            MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
            CommandHandler("feeds", feeds, filters=new),
            CommandHandler("sources", sources, filters=new),
            CommandHandler("export", export, filters=new),
            MessageHandler(new & filters.Document.ALL, opml_document),  # an .opml import
            CallbackQueryHandler(callback),
            MessageHandler(new & ADDRESSED_TEXT, text_message),
            MessageHandler(new & filters.COMMAND, unknown_command),
        ]
    )
    app.add_error_handler(error_handler)
    _add_metrics(app)


def _add_metrics(app: BotApplication) -> None:
    """Prometheus metrics (settings.metrics_port; 0: off): every update timed around its
    handlers, the store figures refreshed by a job (see bot.metrics)."""
    settings = app.bot_data.config
    if not settings.metrics_port:
        return
    metrics = BotMetrics([*(name for name, _ in COMMANDS), "start", "summary", "stats"])
    app.bot_data.extras["metrics"] = metrics

    async def started(update: object, context: object) -> None:
        if isinstance(update, Update):
            metrics.started(update)

    async def finished(update: object, context: object) -> None:
        if isinstance(update, Update):
            metrics.finished(update)

    app.add_handler(TypeHandler(Update, started), group=-100)
    app.add_handler(TypeHandler(Update, finished), group=100)


async def metrics_job(context: BotContext) -> None:
    """Refresh the metrics' store figures (the same as /stats)."""
    metrics = context.bot_data.extras.get("metrics")
    if isinstance(metrics, BotMetrics):
        metrics.update(await context.bot_data.news.roles.stats())


def _add_jobs(app: BotApplication, settings: Settings) -> None:
    queue = app.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot[job-queue] is required")
    # A run that finds the previous one still busy returns at once (see bot.jobs), so
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
    if settings.metrics_port:
        queue.run_repeating(
            metrics_job, interval=REFRESH_SECONDS, first=0.5, name="metrics", job_kwargs=once
        )


async def _post_init(app: BotApplication) -> None:
    data = app.bot_data
    if data.services is None:
        data.services = await open_services(data.config)
        data.owns_services = True
    news = data.services
    data.deliverer = Deliverer(
        app.bot,
        news.store,
        news.summaries,
        timezone=data.timezone,
        paid_broadcast=data.config.paid_broadcast,  # alerts as paid broadcasts (issue 14)
    )
    if data.handles_updates:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    metrics = data.extras.get("metrics")
    if isinstance(metrics, BotMetrics):
        metrics.serve(data.config.metrics_host, data.config.metrics_port)
    logger.info("bot @%s ready", app.bot.username)


async def _post_stop(app: BotApplication) -> None:
    # Links still being read are dropped before the bot and the services close.
    await app.bot_data.links.stop()


async def _post_shutdown(app: BotApplication) -> None:
    data = app.bot_data
    await data.links.stop()
    metrics = data.extras.pop("metrics", None)
    if isinstance(metrics, BotMetrics):
        metrics.close()
    if data.services is not None and data.owns_services:
        await data.services.close()
        data.services = None


class _Application(Application):
    """PTB's ``Application`` that closes its Bot API transports when start-up fails: PTB shuts
    a bot down only once it initialized (``getMe`` answered), and an aiohttp session left open
    warns at exit."""

    __slots__ = ("_transports",)

    def __init__(self, *, transports: tuple[BaseRequest, BaseRequest], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._transports = transports

    async def initialize(self) -> None:
        try:
            await super().initialize()
        except BaseException:
            for transport in self._transports:
                with contextlib.suppress(Exception):
                    await transport.shutdown()
            raise


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
    token = require_token(settings)
    zone = require_timezone(settings)
    processor = PerChatUpdateProcessor()
    # aiohttp under PTB (bot.transport): the same requests for a fraction of httpx's CPU
    sends = request or AiohttpRequest(CONNECTION_POOL, pool_timeout=30.0)
    updates = updates_request or AiohttpRequest(1)
    bot: ExtBot[Any] = NewsBot(
        token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_api_url or file_url_for(settings.telegram_api_url),
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=PacedRateLimiter(),
        request=sends,
        get_updates_request=updates,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(context_types())
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    app: BotApplication = builder.application_class(
        _Application, {"transports": (sends, updates)}
    ).build()
    processor.stopping = lambda: not app.running
    app.bot_data.settings = settings
    app.bot_data.timezone = zone
    app.bot_data.services = services
    app.bot_data.handles_updates = handle_updates
    app.bot_data.links = BackgroundRunner(
        concurrent=settings.link_concurrency,
        per_chat=settings.link_concurrency_per_chat,
        pending=settings.link_pending,
        pending_per_chat=settings.link_pending_per_chat,
    )
    if handle_updates:
        _add_handlers(app)
    if jobs:
        _add_jobs(app, settings)
    return app

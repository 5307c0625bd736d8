"""``newsbrief worker``: the process beside the bot.

Without a queue (``NEWSBRIEF_QUEUE_URL`` unset) it polls the feeds and delivers alerts, exactly
one per database, as before. With a queue it also runs the queued feed entries (fetch, extract,
store, match: :mod:`news.tasks`); ``--tasks-only`` runs only those, needs no Telegram token, and
any number of such workers may run, on any machines that reach the database and the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Any

from bot.commands.run import _startup_errors
from bot.commands.run import run_worker as run_jobs_worker
from bot.logs import redact_url
from config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.context import BotApplication, NewsServices

__all__ = ["register", "run_worker"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``worker`` to the ``newsbrief`` parser."""
    worker = subparsers.add_parser(
        "worker",
        help="poll feeds and deliver alerts; with NEWSBRIEF_QUEUE_URL, also run queued tasks",
        description="Feed polling and alert delivery against the shared database (one such "
        "worker per database). With NEWSBRIEF_QUEUE_URL set, it also runs the queued feed "
        "entries; `--tasks-only` workers run only those, as many as you like.",
    )
    worker.add_argument(
        "--tasks-only",
        action="store_true",
        help="only run queued tasks: no feed polling, no delivery, no Telegram token "
        "(needs NEWSBRIEF_QUEUE_URL)",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="tasks run at once (default: NEWSBRIEF_WORKER_CONCURRENCY)",
    )
    worker.set_defaults(func=run_worker)


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM: jobs (unless ``--tasks-only``) and, with a queue, its tasks."""
    tasks_only = bool(getattr(args, "tasks_only", False))
    concurrency = getattr(args, "concurrency", None) or settings.worker_concurrency
    if concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if not settings.queue_url:
        if tasks_only:
            raise ConfigError(
                "newsbrief worker --tasks-only needs a queue: set NEWSBRIEF_QUEUE_URL "
                "(redis://127.0.0.1:6379/0 or amqp://guest:guest@127.0.0.1:5672/)"
            )
        return run_jobs_worker(settings, args)  # the embedded default: polling and delivery
    with _startup_errors(settings, "newsbrief worker"):
        asyncio.run(_queue_worker(settings, jobs=not tasks_only, concurrency=concurrency))
    return 0


async def _queue_worker(settings: Settings, *, jobs: bool, concurrency: int) -> None:
    from bot.app import build_application, open_services  # lazy: keeps `--help` fast
    from news.tasks import EntryProcessor, make_broker, serve

    assert settings.queue_url is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    services = await open_services(settings, sync_feeds=jobs)
    app: BotApplication | None = None
    try:
        if jobs:  # the embedded worker's jobs; its polls queue entries (services.tasks)
            app = build_application(settings, services, handle_updates=False)
            await _start(app)
        broker = make_broker(
            settings.queue_url,
            settings.queue_name,
            prefetch=concurrency,
            redeliver_after=settings.queue_redeliver_after,
        )
        processor = EntryProcessor(services.ingestor)
        # The encoder loads before the first task, not inside it (a task's time is its work).
        await asyncio.to_thread(services.encoder.encode, ["warm up"])
        await serve(
            broker,
            processor,
            concurrency=concurrency,
            stop=stop,
            on_ready=lambda: _ready(settings, services, jobs, concurrency),
        )
        spent = {step: round(seconds, 2) for step, seconds in processor.seconds.items()}
        logger.info("worker stopped: %s; seconds per step %s", processor.counts, spent)
    finally:
        if app is not None:
            await _stop(app)
        await services.close()


def _ready(settings: Settings, services: NewsServices, jobs: bool, concurrency: int) -> None:
    del services
    what = "tasks, feed polling and alert delivery" if jobs else "tasks only"
    logger.info(
        "worker running (%s): queue %s on %s, %d at once",
        what,
        settings.queue_name,
        redact_url(settings.queue_url or ""),
        concurrency,
    )


async def _start(app: BotApplication) -> None:
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()  # the job queue; no updater, so no update is consumed


async def _stop(app: BotApplication) -> None:
    with contextlib.suppress(Exception):
        if app.running:
            await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)

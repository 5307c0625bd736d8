"""``newsbrief run`` (the bot: updates, feed polling and alert delivery in one process) and
``newsbrief worker`` (feed polling and delivery only, against the shared database).

``run`` polls Telegram by default and switches to a webhook when ``NEWSBRIEF_WEBHOOK_URL`` is
set (listening on ``NEWSBRIEF_WEBHOOK_LISTEN``:``NEWSBRIEF_WEBHOOK_PORT``, checking
``NEWSBRIEF_WEBHOOK_SECRET``). For several processes on one database, run the bot with
``run --no-jobs`` and exactly one ``worker``, so alerts are delivered by one process only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from config import ConfigError, Settings, require_webhook_secret

__all__ = ["StartupError", "register", "run_bot", "run_worker"]

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """``run`` or ``worker`` could not start (or stopped on an error): one line for stderr
    (``main()`` redacts it and prints it), no traceback."""

    exit_code = 1


def _api_host(settings: Settings) -> str:
    """The Bot API's scheme and host, never its path (PTB appends the token to it)."""
    parts = urlsplit(settings.telegram_api_url)
    return f"{parts.scheme}://{parts.netloc}"


@contextlib.contextmanager
def _startup_errors(settings: Settings, command: str) -> Iterator[None]:
    """Turn what stops ``run``/``worker`` into one line: a rejected token is a bad setting
    (ConfigError, exit 2); Telegram unreachable or failing, or anything else, a StartupError
    (exit 1). The message of InvalidToken holds the token and is never shown; the traceback
    is logged at DEBUG (through the redacting filter)."""
    # lazy: keeps `newsbrief --help` fast
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    try:
        yield
    except (ConfigError, KeyboardInterrupt):
        raise
    except InvalidToken:
        raise ConfigError(
            "NEWSBRIEF_TELEGRAM_TOKEN was rejected by Telegram (a wrong or revoked token): "
            "copy the bot's token from @BotFather again"
        ) from None
    except BadRequest as exc:  # a NetworkError subclass, but Telegram did answer
        logger.debug("start-up refused", exc_info=True)
        raise StartupError(f"Telegram refused a start-up request: {exc.message}") from None
    except NetworkError as exc:  # also TimedOut: down, refused, DNS, proxy
        logger.debug("Bot API unreachable", exc_info=True)
        raise StartupError(
            f"cannot reach the Telegram Bot API at {_api_host(settings)}: {exc.message} "
            "(check the network, or NEWSBRIEF_TELEGRAM_API_URL)"
        ) from None
    except TelegramError as exc:
        logger.debug("Telegram error at start-up", exc_info=True)
        raise StartupError(f"Telegram error: {type(exc).__name__}: {exc.message}") from None
    except Exception as exc:
        logger.debug("%s failed", command, exc_info=True)
        raise StartupError(
            f"{command} failed: {type(exc).__name__}: {exc} "
            "(NEWSBRIEF_LOG_LEVEL=DEBUG logs the traceback)"
        ) from None


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``run`` to the ``newsbrief`` parser (``worker`` is bot.commands.worker's)."""
    run = subparsers.add_parser(
        "run",
        help="run the bot (polling, or webhook when NEWSBRIEF_WEBHOOK_URL is set)",
        description="Run the Telegram bot: updates, feed polling and alert delivery.",
    )
    run.add_argument(
        "--no-jobs",
        action="store_true",
        help="handle updates only; leave feed polling and delivery to `newsbrief worker`",
    )
    run.set_defaults(func=run_bot)


def run_bot(settings: Settings, args: argparse.Namespace) -> int:
    """Build the application and run it until SIGINT/SIGTERM."""
    from bot.app import ALLOWED_UPDATES, build_application  # lazy: keeps `--help` fast

    app = build_application(settings, jobs=not getattr(args, "no_jobs", False))
    with _startup_errors(settings, "newsbrief run"):
        if settings.webhook_url:
            secret = require_webhook_secret(settings)
            logger.info("webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            logger.info("polling mode")
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


async def _worker(settings: Settings) -> None:
    from bot.app import build_application  # lazy: keeps `newsbrief --help` fast

    app = build_application(settings, handle_updates=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # the job queue; no updater, so no update is consumed
        logger.info("worker running: feed polling and alert delivery")
        await stop.wait()
        await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run feed polling and alert delivery until SIGINT/SIGTERM (``newsbrief worker`` without
    a queue: bot.commands.worker)."""
    del args
    with _startup_errors(settings, "newsbrief worker"):
        asyncio.run(_worker(settings))
    return 0

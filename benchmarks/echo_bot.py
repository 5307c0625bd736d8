"""The baseline for bot benchmarks: a bare python-telegram-bot Application that echoes text.

Run as a subprocess against the Bot API stand-in, under the same load as the real bot, so
"CPU per request" has a floor to be compared with: everything here is python-telegram-bot's
own cost (long polling, parsing updates, one sendMessage per message) and nothing else.

    python -m benchmarks.echo_bot --base-url http://127.0.0.1:8081/bot --token 123:abc

Without arguments it reads NEWSBRIEF_TELEGRAM_API_URL and NEWSBRIEF_TELEGRAM_TOKEN. It stops on
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

__all__ = ["build", "main"]

logger = logging.getLogger(__name__)


def build(base_url: str, token: str, *, concurrent: bool = False) -> object:
    """The echo Application (imports PTB only when called)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await message.reply_text(message.text)

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(concurrent)
        .connection_pool_size(32)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.echo_bot", description=__doc__)
    parser.add_argument("--base-url", default=os.environ.get("NEWSBRIEF_TELEGRAM_API_URL"))
    parser.add_argument("--token", default=os.environ.get("NEWSBRIEF_TELEGRAM_TOKEN"))
    parser.add_argument(
        "--concurrent", action="store_true", help="handle updates concurrently (block=False)"
    )
    args = parser.parse_args(argv)
    if not args.base_url or not args.token:
        parser.error("--base-url and --token (or NEWSBRIEF_TELEGRAM_API_URL/_TOKEN) are needed")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    app = build(args.base_url, args.token, concurrent=args.concurrent)
    app.run_polling(allowed_updates=["message"])  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())

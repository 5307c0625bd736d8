"""The ``newsbrief`` console script: one parser; the bot's own subcommands are imported here, and
those of the packages above or beside the bot (``standin``, ``demo``) come through the
``newsbrief.commands`` entry point group, so the bot never imports them.

Each registering module stays light to import (no torch, no model, no network at import time);
its command function does the heavy imports when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from urllib.parse import urlsplit

from bot.commands import news, run, summarize, worker
from bot.logs import RedactingFilter, configure_logging, secret_values
from config import ConfigError, load_settings

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)

# Modules that expose ``register(subparsers)``; each sets ``func(settings, args) -> int``.
COMMANDS = (
    run.register,  # run
    worker.register,  # worker (jobs, and the queue's tasks: news.tasks)
    news.register,  # ingest, feeds, articles, db
    summarize.register,  # summarize
)
ENTRY_POINTS = "newsbrief.commands"  # standin, demo


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief", description="newsbrief: a Telegram bot that turns news into briefings."
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: INFO)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(subparsers)
    for entry in sorted(entry_points(group=ENTRY_POINTS), key=lambda e: e.name):
        entry.load()(subparsers)
    return parser


def _report_native_crashes() -> None:
    """A crash in native code (libxml2, torch) prints where each thread was on stderr: file,
    line and function names only, no values, so no secret. Skipped when stderr is not a file
    (an embedding host or a test capturing it)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no fileno: not a file
        faulthandler.enable()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"newsbrief: {RedactingFilter(()).redact(str(exc))}", file=sys.stderr)
        return 2
    queue_password = urlsplit(settings.queue_url).password if settings.queue_url else None
    secrets = secret_values([settings.telegram_token, settings.webhook_secret, queue_password])
    configure_logging(args.log_level or settings.log_level, secrets=secrets)
    _report_native_crashes()
    redactor = RedactingFilter(secrets)
    # A failure to start is one line on stderr, secrets redacted, and no traceback.
    try:
        return int(args.func(settings, args) or 0)
    except ConfigError as exc:
        print(f"newsbrief: {redactor.redact(str(exc))}", file=sys.stderr)
        return 2
    except run.StartupError as exc:
        print(f"newsbrief: {redactor.redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``newsbrief`` console script: one parser, subcommands registered by the package owning them.

Each registering module stays light to import (no torch, no model, no network at import time);
its command function does the heavy imports when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.logs import configure_logging
from config import ConfigError, load_settings

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)

# Modules that expose ``register(subparsers)``; each sets ``func(settings, args) -> int``.
COMMAND_MODULES = (
    "bot.runner",  # run, worker
    "news.cli",  # ingest, feeds, articles, db
    "summarizer.cli",  # summarize
    "bot.standin",  # standin
    "bot.demo",  # demo
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief", description="newsbrief: a Telegram bot that turns news into briefings."
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: INFO)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"newsbrief: {exc}", file=sys.stderr)
        return 2
    secrets = [settings.telegram_token, settings.webhook_secret]
    configure_logging(args.log_level or settings.log_level, secrets=secrets)
    try:
        return int(args.func(settings, args) or 0)
    except ConfigError as exc:
        print(f"newsbrief: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

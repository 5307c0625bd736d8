"""``newsbrief demo``: the demo's subcommand, found through the ``newsbrief.commands`` entry point
(the demo sits above the bot, which does not import it)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from demo.options import DemoOptions

__all__ = ["register"]

_DESCRIPTION = (
    "One command wires the real pieces together on 127.0.0.1: the bundled sample news site "
    "(:mod:`demo.samples`, RSS + HTML pages), the local Bot API stand-in (:mod:`standin.server`), "
    "the UNMODIFIED bot (``newsbrief run`` as a subprocess pointed at the stand-in through "
    "``NEWSBRIEF_TELEGRAM_API_URL``), a fresh SQLite database in a temporary folder, and a small "
    "Telegram-like chat page (``demo/web``) that talks to the stand-in's control API through this "
    "server. The first sample batch is ingested before the page comes up; the second is "
    "published a minute later, so a subscription made in the demo produces a real alert."
)


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``newsbrief demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="try newsbrief in the browser: sample news, local Bot API stand-in, chat page",
        description=_DESCRIPTION,
    )
    parser.add_argument("--host", default="127.0.0.1", help="chat page address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="chat page port (8088; 0 = any)")
    parser.add_argument(
        "--second-batch-delay",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="publish the second sample batch this long after the page is up (default 60; "
        "negative: only when the page's button is pressed)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the bot polls the sample feed (default 5)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the demo database here (default: a temporary folder, deleted on exit)",
    )
    parser.add_argument(
        "--bot-log-level", default="WARNING", help="log level of the bot process (WARNING)"
    )
    parser.set_defaults(func=_command)


def _command(settings: object, args: argparse.Namespace) -> int:
    del settings  # the demo makes its own settings for the bot it starts
    options = DemoOptions(
        host=args.host,
        port=args.port,
        second_batch_delay=args.second_batch_delay,
        poll_interval=args.poll_interval,
        data_dir=args.data_dir,
        log_level=args.bot_log_level,
    )
    from demo.app import run_demo  # here, not above: keeps `newsbrief --help` light

    return asyncio.run(run_demo(options))

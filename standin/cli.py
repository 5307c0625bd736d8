"""``newsbrief standin``: run the Bot API stand-in on its own until Ctrl-C or SIGTERM.

Found through the ``newsbrief.commands`` entry point (the bot does not import the stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

__all__ = ["register"]

_DESCRIPTION = (
    "A local stand-in for Telegram's Bot API, so the unmodified bot runs without Telegram."
)


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``newsbrief standin``: run the Bot API stand-in until Ctrl-C or SIGTERM."""
    parser = subparsers.add_parser(
        "standin",
        help="run the local Bot API stand-in (for tests and the demo)",
        description=_DESCRIPTION,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (default 8081; 0 = any)")
    parser.add_argument("--token", default=None, help="accept only this bot token (default: any)")
    parser.add_argument(
        "--no-limits",
        action="store_true",
        help="do not enforce Telegram's limits (length, callback data, flood control)",
    )
    parser.add_argument("--group-privacy", action="store_true", help="emulate group privacy mode")
    parser.set_defaults(func=_run_command)


def _run_command(settings: object, args: argparse.Namespace) -> int:
    del settings  # the stand-in needs no newsbrief settings
    return asyncio.run(
        _serve(args.host, args.port, args.token, not args.no_limits, args.group_privacy)
    )


async def _serve(
    host: str, port: int, token: str | None, enforce: bool, group_privacy: bool
) -> int:
    # Imported here, not at the top: the server pulls in aiohttp, and every `newsbrief --help`
    # imports this module through the entry point.
    from standin.server import StandIn

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with StandIn(host, port, token, enforce, group_privacy=group_privacy) as standin:
        print(
            f"Bot API stand-in: base_url={standin.base_url} control_url={standin.control_url}",
            flush=True,
        )
        await stop.wait()
    return 0

"""The JobQueue callbacks: poll feeds, drain the alert outbox, send digests.

Each repeating job skips its turn while the previous run is still busy (a slow poll or a long
drain), and a poll that found new articles drains the outbox at once.
"""

from __future__ import annotations

import logging

from bot.context import BotContext

__all__ = ["digest_job", "drain_job", "poll_job"]

logger = logging.getLogger(__name__)


async def drain_job(context: BotContext) -> None:
    """Repeating job: deliver due instant alerts."""
    deliverer = context.bot_data.deliverer
    if deliverer is not None and not deliverer.draining:
        await deliverer.drain()


async def digest_job(context: BotContext) -> None:
    """Repeating job: send digests whose time has come."""
    deliverer = context.bot_data.deliverer
    if deliverer is not None and not deliverer.digesting:
        await deliverer.send_digests()


async def poll_job(context: BotContext) -> None:
    """Repeating job: poll due feeds; new matching articles land in the outbox."""
    data = context.bot_data
    if data.polling_feeds:
        return  # the previous poll is still running
    data.polling_feeds = True
    try:
        report = await data.news.ingestor.poll_feeds()
    finally:
        data.polling_feeds = False
    if report.new and context.job_queue is not None:
        context.job_queue.run_once(drain_job, 0, name="deliver-now")  # alerts go out at once
    if report.new or report.feeds_failed or report.rejected:
        logger.info(
            "feeds polled: %d checked, %d new, %d duplicate, %d rejected, %d failed",
            report.feeds_checked,
            report.new,
            report.duplicate,
            len(report.rejected),
            report.feeds_failed,
        )

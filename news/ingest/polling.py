"""Feed polling: the due feeds fetched concurrently under a bound (conditional GET, per-feed
backoff), each unseen entry's page fetched and extracted (falling back to the feed's own full
text), and the feed's new validators saved only once every entry is settled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from news.ingest.entries import FeedBodies, article_from_entry
from news.ingest.report import IngestReport, Progress
from news.ingest.run import Item, Run
from news.ingest.steps import IngestSteps
from news.models import FeedEntry, FeedRecord
from news.sources.extract import NotAnArticle
from news.sources.feeds import FeedError, next_check_at, parse_feed
from news.sources.fetch import FetchError

if TYPE_CHECKING:
    from news.sources.feeds import ParsedFeed

__all__ = ["is_transient", "poll_feeds"]

logger = logging.getLogger(__name__)


def is_transient(error: FetchError) -> bool:
    """A failure worth retrying on the next poll (as opposed to a definitive answer)."""
    if error.kind in ("timeout", "unreachable"):
        return True
    status = error.status or 0
    return error.kind == "http_status" and (status in (408, 425, 429) or status >= 500)


async def poll_feeds(
    steps: IngestSteps,
    now: datetime | None = None,
    *,
    feeds: Sequence[FeedRecord] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Poll the due feeds (or ``feeds``) concurrently and store their unseen entries."""
    now = now or datetime.now(UTC)
    due = list(feeds) if feeds is not None else await steps.store.due_feeds(now)
    run = Run(steps, progress)
    if not due:
        return await run.finish()
    slots = asyncio.Semaphore(steps.settings.feed_concurrency)

    async def bounded(feed: FeedRecord) -> None:
        async with slots:
            try:
                await _poll_feed(steps, feed, now, run)
            except Exception as exc:  # e.g. the store failing: the other feeds go on
                logger.exception("polling %s failed", feed.url)
                run.report.feeds_failed += 1
                run.report.feed_errors.append((feed.url, f"internal error ({exc!r:.80})"))
                with contextlib.suppress(Exception):  # back off, if the store allows
                    await _feed_failed(steps, feed, now, "internal error")

    try:
        await asyncio.gather(*(bounded(feed) for feed in due))
    except BaseException:
        await run.cancel()
        raise
    report = await run.finish()
    logger.info("poll: %s", report.line())
    return report


async def _poll_feed(steps: IngestSteps, feed: FeedRecord, now: datetime, run: Run) -> None:
    run.report.feeds_checked += 1
    interval = steps.settings.poll_interval
    try:
        response = await steps.fetcher.fetch_feed(
            feed.url, etag=feed.etag, last_modified=feed.last_modified
        )
        parsed = None
        if response.status != 304:
            parsed = await asyncio.to_thread(parse_feed, response.body, response.url)
    except (FetchError, FeedError) as exc:
        await _feed_failed(steps, feed, now, exc.reason)
        run.report.feed_errors.append((feed.url, exc.reason))
        run.report.feeds_failed += 1
        return
    if parsed is None:  # 304 Not Modified: nothing to store
        await steps.store.update_feed(
            feed.id,
            checked_at=now,
            next_check_at=next_check_at(now, interval, 0),
            error_count=0,
            etag=response.etag,
            last_modified=response.last_modified,
        )
        return
    all_settled = await _feed_entries(steps, feed, parsed, FeedBodies(response.body), run)
    # Save the new validators only when every entry is settled: otherwise the next poll
    # would get a 304 and never retry the entries that failed for a passing reason.
    await steps.store.update_feed(
        feed.id,
        checked_at=now,
        next_check_at=next_check_at(now, interval, 0),
        error_count=0,
        etag=response.etag if all_settled else feed.etag,
        last_modified=response.last_modified if all_settled else feed.last_modified,
        title=parsed.title or feed.title,
    )


async def _feed_failed(steps: IngestSteps, feed: FeedRecord, now: datetime, reason: str) -> None:
    errors = feed.error_count + 1
    logger.warning("feed %s failed (%d in a row): %s", feed.url, errors, reason)
    await steps.store.update_feed(
        feed.id,
        checked_at=now,
        next_check_at=next_check_at(now, steps.settings.poll_interval, errors),
        error_count=errors,
        etag=feed.etag,
        last_modified=feed.last_modified,
        last_error=reason,
    )


async def _feed_entries(
    steps: IngestSteps, feed: FeedRecord, parsed: ParsedFeed, bodies: FeedBodies, run: Run
) -> bool:
    """Fetch and queue the unseen entries; True when all of them were settled."""
    entries = list({e.entry_id: e for e in parsed.entries}.values())
    seen = await steps.store.seen_entries(feed.id, [e.entry_id for e in entries])
    fresh = [e for e in entries if e.entry_id not in seen]
    if not fresh:
        return True
    run.expect(len(fresh))
    loop = asyncio.get_running_loop()
    items = [
        Item(url=e.link or e.entry_id, feed_id=feed.id, entry_id=e.entry_id,
              done=loop.create_future())
        for e in fresh
    ]  # fmt: skip
    await asyncio.gather(
        *(
            _entry(entry, item, parsed.title, bodies, run)
            for entry, item in zip(fresh, items, strict=True)
        )
    )
    outcomes = await asyncio.gather(*(item.done for item in items if item.done))
    return all(outcome != "failed" for outcome in outcomes)


async def _entry(
    entry: FeedEntry,
    item: Item,
    feed_title: str | None,
    bodies: FeedBodies,
    run: Run,
) -> None:
    """Fetch and extract one entry's page (falling back to the feed's full text)."""
    transient = False
    try:
        if not entry.link:
            raise NotAnArticle("The feed entry has no link.")
        article = await run.page(entry.link)
        if article.published is None and entry.published is not None:
            article = replace(article, published=entry.published)
        item.article = article
    except (NotAnArticle, FetchError) as exc:
        transient = isinstance(exc, FetchError) and is_transient(exc)
        fallback = article_from_entry(entry, feed_title, await bodies.full_html(entry))
        if fallback is not None:
            item.article = fallback
        elif transient:
            logger.info("entry %s: %s; retrying next poll", item.url, exc.reason)
            run.report.retry_later += 1
            run.tick(1)
            assert item.done is not None
            item.done.set_result("failed")
            return
        else:
            item.reason = exc.reason
    except Exception as exc:  # an extractor bug on one page must not stop the feed
        logger.exception("entry %s failed", item.url)
        item.reason = f"could not be processed ({type(exc).__name__})"
    await run.queue.put(item)
